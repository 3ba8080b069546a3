// A NIC's wire to its switch port through shared memory: two FrameRings (ring.ts), one
// each way. The VM thread's end is a RingLink (the NIC's NetBackend); the RootOS's end
// plugs the rings into a VirtualSwitch port (plugRings). Frames are copied once into a
// ring by the sender's thread and read in place by the receiver's.
//
// Backpressure, not loss: when the ring to the switch is full, RingLink.send refuses the
// frame and the NIC holds its TX descriptor until `whenWritable` fires; when a VM's ring
// from the switch is full, the switch leaves the frame in the sender's ring (see
// VirtualSwitch.ingress) and resumes when the receiving thread has drained some.
import { MAX_FRAME, type NetBackend } from "./index.js";
import { FrameRing, recordBytes, ringBuffer } from "./ring.js";
import type { SwitchPort } from "./switch.js";

/** The shared buffers of one NIC's rings: posted to the VM thread (shared, not moved). */
export interface NicRings {
  readonly toSwitch: SharedArrayBuffer;
  readonly fromSwitch: SharedArrayBuffer;
}

/** Each ring's data bytes: 4 MiB holds ~2,800 full-size 1500-byte frames, or 63 of 65,535. */
export const RING_BYTES = 4 << 20;

export function newNicRings(bytes = RING_BYTES): NicRings {
  return { toSwitch: ringBuffer(bytes), fromSwitch: ringBuffer(bytes) };
}

/** Per-port counters, as `stats` and /metrics show them. */
export interface PortCounters {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  /** Frames lost (a flood to a full ring; a torn ring's contents). */
  drops: number;
  /** Times a ring was found full (the sender then waited). */
  ringFull: number;
}

const newCounters = (): PortCounters => ({ txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, drops: 0, ringFull: 0 });

/**
 * Drain `ring` for ever (until `closed()`): each frame to `each`, which may return false to
 * leave it there and hand back a promise to wait on before trying again.
 */
async function pump(ring: FrameRing, closed: () => boolean, each: (frame: Uint8Array) => Promise<void> | undefined): Promise<void> {
  let blocked: Promise<void> | undefined;
  while (!closed()) {
    if (blocked) {
      await blocked;
      blocked = undefined;
    } else await ring.waitData();
    if (closed()) return;
    ring.drain((f) => (blocked = each(f)) === undefined);
  }
}

/** The VM thread's end: the NetBackend of a virtio-net device. */
export class RingLink implements NetBackend {
  readonly counters = newCounters();
  private readonly tx: FrameRing;
  private readonly rx: FrameRing;
  private handler: ((frame: Uint8Array) => boolean | void) | undefined;
  private closed = false;
  private flushQueued = false;
  private resumed: (() => void) | undefined;

  constructor(rings: NicRings, readonly label: string) {
    this.tx = new FrameRing(rings.toSwitch, MAX_FRAME);
    this.rx = new FrameRing(rings.fromSwitch, MAX_FRAME);
    void pump(this.rx, () => this.closed, (f) => {
      // The NIC's backlog is full: leave the frame in the ring (the switch then waits too).
      if (this.handler?.(f.slice()) === false) return new Promise<void>((go) => { this.resumed = go; });
      this.counters.rxFrames++;
      this.counters.rxBytes += f.length;
      return undefined;
    });
  }

  resume(): void {
    const go = this.resumed;
    this.resumed = undefined;
    go?.();
  }

  send(frame: Uint8Array): boolean {
    if (this.closed) return true;
    if (!this.tx.push(frame)) {
      this.counters.ringFull++;
      this.tx.flush();
      return false;
    }
    this.counters.txFrames++;
    this.counters.txBytes += frame.length;
    // One wake-up per batch: the device sends a whole TX queue's worth in one turn.
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => { this.flushQueued = false; this.tx.flush(); });
    }
    return true;
  }

  whenWritable(then: () => void): void {
    void this.tx.waitSpace(recordBytes(MAX_FRAME)).then(() => { if (!this.closed) then(); });
  }

  receive(handler: (frame: Uint8Array) => boolean | void): void { this.handler = handler; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.rx.wakeConsumer();
    this.resume();
  }
}

/**
 * The RootOS's end: `port`'s frames go into the VM's ring, the VM's frames enter the
 * switch. `flushed` runs after each batch put in the VM's ring (the supervisor pokes the
 * VM's thread so it looks between instructions rather than after its slice).
 */
export function plugRings(port: SwitchPort, rings: NicRings, flushed?: () => void): { readonly counters: PortCounters; close(): void } {
  const counters = newCounters();
  const fromVm = new FrameRing(rings.toSwitch, MAX_FRAME);
  const toVm = new FrameRing(rings.fromSwitch, MAX_FRAME);
  let closed = false, flushQueued = false;
  port.sink = {
    push: (f) => {
      if (!toVm.push(f)) {
        counters.ringFull++;
        toVm.flush();
        return false;
      }
      counters.rxFrames++;
      counters.rxBytes += f.length;
      if (!flushQueued) {
        flushQueued = true;
        queueMicrotask(() => { flushQueued = false; toVm.flush(); flushed?.(); });
      }
      return true;
    },
    room: () => toVm.waitSpace(recordBytes(MAX_FRAME)),
    drop: () => { counters.drops++; },
  };
  void pump(fromVm, () => closed, (f) => {
    const full = port.forward(f);
    if (full) return full;
    counters.txFrames++;
    counters.txBytes += f.length;
    return undefined;
  });
  return {
    counters,
    close: () => {
      if (closed) return;
      closed = true;
      fromVm.wakeConsumer();
      port.close();
    },
  };
}
