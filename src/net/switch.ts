// An in-process learning Ethernet switch (IEEE 802.1D transparent bridging, without
// spanning tree): the RootOS virtual network. Each port is a NetBackend a virtual NIC
// plugs into; `uplink` joins another backend (a UDP link) as one more port.
//
// Forwarding, per frame entering on port P:
//   learn   source MAC (if unicast) -> P, stamped now
//   dest broadcast/multicast, or unknown, or aged out  -> flood to every port but P
//   dest known on port Q != P                          -> Q only
//   dest known on P itself                              -> drop (it is already there)
// A guest can spray source addresses: the table is bounded; when it is full (after
// dropping aged entries) new addresses are not learned, and frames to them flood.
import { ETH_HLEN, formatMac, MAX_FRAME, type NetBackend } from "./index.js";

export interface SwitchOptions {
  /** Forget a MAC not seen for this long (ms); default 300 s, as Linux bridges. */
  readonly ageMs?: number;
  /** Most MACs learned at once; default 4096. */
  readonly maxMacs?: number;
  /** Clock in ms (tests); default performance.now. */
  readonly now?: () => number;
}

/** One row of the MAC table. */
export interface MacEntry {
  readonly mac: string;
  readonly port: number;
  readonly ageMs: number;
}

interface Learned {
  port: SwitchPort;
  seen: number;
}

export class VirtualSwitch {
  readonly label: string;
  private readonly ports = new Set<SwitchPort>();
  private readonly table = new Map<string, Learned>();
  private readonly ageMs: number;
  private readonly maxMacs: number;
  private readonly now: () => number;
  private nextId = 0;
  /** Frames forwarded to one port, flooded, and dropped (filtered or malformed). */
  readonly counters = { forwarded: 0, flooded: 0, dropped: 0 };

  constructor(label = "switch", opts: SwitchOptions = {}) {
    this.label = label;
    this.ageMs = opts.ageMs ?? 300_000;
    this.maxMacs = opts.maxMacs ?? 4096;
    this.now = opts.now ?? (() => performance.now());
  }

  /** A new port: give it to a virtual NIC as its backend. */
  port(): SwitchPort {
    const p = new SwitchPort(this, this.nextId++);
    this.ports.add(p);
    return p;
  }

  /**
   * Join `backend` (e.g. a UdpLink) to the switch as one more port: frames it receives
   * enter the switch; frames the switch sends it go out through it. Returns the port.
   */
  uplink(backend: NetBackend): SwitchPort {
    const p = this.port();
    p.receive((f) => backend.send(f));
    backend.receive((f) => p.send(f));
    p.onClose = () => backend.close();
    return p;
  }

  /** The MAC table, oldest first (aged entries excluded). */
  macTable(): MacEntry[] {
    const now = this.now();
    const rows: MacEntry[] = [];
    for (const [mac, e] of this.table) if (now - e.seen < this.ageMs) rows.push({ mac, port: e.port.id, ageMs: now - e.seen });
    return rows.sort((a, b) => b.ageMs - a.ageMs);
  }

  /**
   * @internal A frame entering on `from`, borrowed for the call. Returns a promise when
   * its one destination is a full ring (nothing was sent: offer it again once the promise
   * settles), so a sender between VMs waits instead of losing the frame.
   */
  ingress(from: SwitchPort, frame: Uint8Array): Promise<void> | undefined {
    if (frame.length < ETH_HLEN || frame.length > MAX_FRAME) {
      this.counters.dropped++;
      return undefined;
    }
    const now = this.now();
    if ((frame[6]! & 1) === 0) this.learn(formatMac(frame, 6), from, now);
    if ((frame[0]! & 1) === 0) {
      const known = this.table.get(formatMac(frame, 0));
      if (known && now - known.seen < this.ageMs) {
        if (known.port === from) {
          this.counters.dropped++;
        } else {
          const full = known.port.deliver(frame);
          if (full) return full;
          this.counters.forwarded++;
        }
        return undefined;
      }
    }
    this.counters.flooded++;
    // A flood does not wait for a full port: that port loses this frame (counted there).
    for (const p of this.ports) if (p !== from && p.deliver(frame)) p.sink?.drop();
    return undefined;
  }

  /** @internal */
  remove(port: SwitchPort): void {
    this.ports.delete(port);
    for (const [mac, e] of this.table) if (e.port === port) this.table.delete(mac);
  }

  private learn(mac: string, port: SwitchPort, now: number): void {
    const e = this.table.get(mac);
    if (e) {
      // Refresh and move (a VM migrated, or a cable moved): delete+set keeps Map order = age order.
      this.table.delete(mac);
      e.port = port;
      e.seen = now;
      this.table.set(mac, e);
      return;
    }
    if (this.table.size >= this.maxMacs) {
      // Map iteration is insertion (= last seen) order: aged entries are at the front.
      for (const [m, old] of this.table) {
        if (now - old.seen < this.ageMs) break;
        this.table.delete(m);
      }
      if (this.table.size >= this.maxMacs) return;
    }
    this.table.set(mac, { port, seen: now });
  }
}

/** Where a port's frames go when the NIC is in another thread (ring-link.ts): a ring. */
export interface PortSink {
  /** Copy the frame in; false when full (nothing written). */
  push(frame: Uint8Array): boolean;
  /** Settles when the ring has room again. */
  room(): Promise<void>;
  /** A frame was lost at this port (a flood met a full ring). */
  drop(): void;
}

/** A port of a VirtualSwitch: the NetBackend of the NIC plugged into it (or its ring, through `sink`). */
export class SwitchPort implements NetBackend {
  readonly label: string;
  /** Set by plugRings: frames for this port go into a ring instead of to `receive`'s handler. */
  sink: PortSink | undefined;
  private handler: ((frame: Uint8Array) => void) | undefined;
  private closed = false;
  /** @internal Called once on close (an uplink closes its backend). */
  onClose: (() => void) | undefined;

  constructor(private readonly sw: VirtualSwitch, readonly id: number) {
    this.label = `${sw.label} port ${id}`;
  }

  /** A frame entering the switch here; a full destination ring loses it (see forward). */
  send(frame: Uint8Array): boolean {
    if (!this.closed && this.sw.ingress(this, frame)) this.sw.counters.dropped++;
    return true;
  }

  /** A frame (borrowed) entering here; a promise when its destination is full (see VirtualSwitch.ingress). */
  forward(frame: Uint8Array): Promise<void> | undefined {
    return this.closed ? undefined : this.sw.ingress(this, frame);
  }

  receive(handler: (frame: Uint8Array) => void): void {
    this.handler = handler;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handler = undefined;
    this.sink = undefined;
    this.sw.remove(this);
    this.onClose?.();
  }

  /** @internal A borrowed frame out of this port: into its ring, or a copy to its handler. */
  deliver(frame: Uint8Array): Promise<void> | undefined {
    if (this.sink) return this.sink.push(frame) ? undefined : this.sink.room();
    this.handler?.(frame.slice());
    return undefined;
  }
}
