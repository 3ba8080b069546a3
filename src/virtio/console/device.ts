// virtio-console with multiport (Virtio 1.2 §5.3.6): ports, their host ends, and the
// control queue handshake Linux's virtio_console drives:
//
//   driver ─DEVICE_READY 1─▶ device ─PORT_ADD id─▶ (each port) driver ─PORT_READY id,1─▶
//   device ─CONSOLE_PORT id,1 (port 0) / PORT_NAME id+"name" / PORT_OPEN id,1 (host end there)─▶
//   driver ─PORT_OPEN id,1|0─▶ (a guest process opened/closed the port; hvc opens port 0 itself)
//
// Host input waits in the device until the guest has the port open (as QEMU: Linux drops
// data that arrives for a closed port), and the host end is paused while that backlog
// is full. Guest output goes straight to the host end (dropped there if nobody is
// connected; Linux does not write then, it waits for PORT_OPEN from us).
import type { PortBackend } from "../../chardev/index.js";
import { feature, hasFeature, VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import { VirtioError } from "../errors.js";
import type { Virtqueue } from "../queue.js";
import {
  CONTROL_RX, CONTROL_TX, MAX_PORTS, portOfQueue, rxQueueOf, VIRTIO_CONSOLE_CFG_EMERG_WR, VIRTIO_CONSOLE_CFG_MAX_NR_PORTS,
  VIRTIO_CONSOLE_CFG_SIZE, VIRTIO_CONSOLE_CONSOLE_PORT, VIRTIO_CONSOLE_CONTROL_SIZE, VIRTIO_CONSOLE_DEVICE_READY,
  VIRTIO_CONSOLE_F_EMERG_WRITE, VIRTIO_CONSOLE_F_MULTIPORT, VIRTIO_CONSOLE_PORT_ADD, VIRTIO_CONSOLE_PORT_NAME,
  VIRTIO_CONSOLE_PORT_OPEN, VIRTIO_CONSOLE_PORT_READY,
} from "./spec.js";

export const CONSOLE_DATA_QUEUE_SIZE = 128;
export const CONSOLE_CONTROL_QUEUE_SIZE = 32;
/** Host input held per port before its host end is paused; resumed below a quarter of it. */
export const MAX_PENDING_INPUT = 64 * 1024;
/** Device-to-driver control messages held while the driver has no control buffers. */
const MAX_CONTROL_BACKLOG = 1024;
const LOGGED_ERRORS = 5;

export interface ConsolePortConfig {
  /** /dev/virtio-ports/NAME; port 0 (the console) may go unnamed. */
  readonly name?: string;
  readonly backend: PortBackend;
}

export interface ConsoleOptions {
  /** Port 0 first: it is the console (hvc0). At most MAX_PORTS. */
  readonly ports: readonly ConsolePortConfig[];
  readonly label?: string;
  /** Called after a host event (input, a client) may have raised an interrupt: wakes an idle machine. */
  readonly wake?: () => void;
  /** Host log for protocol oddities (rate-limited here). */
  readonly log?: (line: string) => void;
}

export interface ConsoleStats {
  /** Bytes the guest wrote, and bytes delivered to the guest, per port. */
  readonly txBytes: number[];
  readonly rxBytes: number[];
  controlIn: number;
  controlOut: number;
  /** Control messages from the driver that named no port, or made no sense. */
  badControl: number;
}

interface Port {
  readonly id: number;
  readonly name: string | undefined;
  readonly backend: PortBackend;
  hostOpen: boolean;
  /** The driver acknowledged the port (PORT_READY 1). */
  ready: boolean;
  /** A guest process has it open (PORT_OPEN 1 from the driver). */
  guestOpen: boolean;
  pending: Uint8Array[];
  pendingBytes: number;
  paused: boolean;
}

export class VirtioConsole implements VirtioDevice {
  readonly type = VIRTIO_ID.console;
  readonly label: string;
  readonly queueSizes: readonly number[];
  readonly stats: ConsoleStats;
  private readonly cfg = new Uint8Array(VIRTIO_CONSOLE_CFG_SIZE);
  private readonly ports: Port[];
  private ctx: VirtioContext | undefined;
  private multiport = false;
  private controlOut: Uint8Array[] = [];
  private errors = 0;

  constructor(private readonly opts: ConsoleOptions) {
    const n = opts.ports.length;
    if (n < 1 || n > MAX_PORTS) throw new RangeError(`virtio-console: ${n} ports, expected 1 to ${MAX_PORTS}`);
    this.label = opts.label ?? "virtio-console0";
    // 2 queues per port plus the control pair (§5.3.2).
    this.queueSizes = Array.from({ length: 2 * n + 2 }, (_, q) => (q === CONTROL_RX || q === CONTROL_TX ? CONSOLE_CONTROL_QUEUE_SIZE : CONSOLE_DATA_QUEUE_SIZE));
    new DataView(this.cfg.buffer).setUint32(VIRTIO_CONSOLE_CFG_MAX_NR_PORTS, n, true);
    this.stats = { txBytes: new Array<number>(n).fill(0), rxBytes: new Array<number>(n).fill(0), controlIn: 0, controlOut: 0, badControl: 0 };
    this.ports = opts.ports.map((p, id) => ({
      id, name: p.name, backend: p.backend, hostOpen: false, ready: false, guestOpen: false, pending: [], pendingBytes: 0, paused: false,
    }));
    for (const p of this.ports) {
      // A host end may have been paused by the device of the previous boot.
      p.backend.resume();
      p.backend.attach({ data: (b) => this.onHostData(p, b), connection: (open) => this.onHostConnection(p, open) });
    }
  }

  features(): bigint {
    return feature(VIRTIO_CONSOLE_F_MULTIPORT) | feature(VIRTIO_CONSOLE_F_EMERG_WRITE);
  }

  config(): Uint8Array { return this.cfg; }

  /** emerg_wr: one character straight to port 0, for drivers too early for queues (§5.3.4). */
  writeConfig(offset: number, data: Uint8Array): void {
    if (offset !== VIRTIO_CONSOLE_CFG_EMERG_WR || data.length === 0) return;
    this.stats.txBytes[0]!++;
    this.ports[0]!.backend.write(data.subarray(0, 1));
  }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.multiport = hasFeature(ctx.features, VIRTIO_CONSOLE_F_MULTIPORT);
    // Without multiport, port 0 alone exists and is always open (§5.3.6: no control queue).
    if (!this.multiport) this.ports[0]!.guestOpen = this.ports[0]!.ready = true;
    this.flushInput(this.ports[0]!);
  }

  reset(): void {
    this.ctx = undefined;
    this.controlOut = [];
    for (const p of this.ports) p.ready = p.guestOpen = false;
  }

  notify(q: number, vq: Virtqueue): void {
    if (!this.ctx) return;
    if (q === CONTROL_TX) return this.takeControl(vq);
    if (q === CONTROL_RX) return this.flushControl();
    const at = portOfQueue(q);
    const port = at && this.ports[at.port];
    // Queues of ports beyond the ones configured exist only in the queue count's arithmetic.
    if (!port || (!this.multiport && port.id !== 0)) return;
    if (at.tx) this.transmit(port, q, vq);
    else this.flushInput(port);
  }

  /** Port `id` as the guest sees it (tests, --dump-stats). */
  portState(id: number): { hostOpen: boolean; ready: boolean; guestOpen: boolean; pendingBytes: number } | undefined {
    const p = this.ports[id];
    return p && { hostOpen: p.hostOpen, ready: p.ready, guestOpen: p.guestOpen, pendingBytes: p.pendingBytes };
  }

  /** Guest output on a port's transmitq: every readable byte to the host end. */
  private transmit(port: Port, q: number, vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) {
      c.reader().consume(c.readableBytes, (view) => port.backend.write(view));
      this.stats.txBytes[port.id]! += c.readableBytes;
      vq.addUsed(c.head, 0);
    }
    this.ctx!.signalUsed(q);
  }

  /** Control messages from the driver (§5.3.6.2). */
  private takeControl(vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) {
      const msg = new DataView(c.reader().readExact(VIRTIO_CONSOLE_CONTROL_SIZE, "a virtio-console control message").buffer);
      vq.addUsed(c.head, 0);
      this.stats.controlIn++;
      this.onControl(msg.getUint32(0, true), msg.getUint16(4, true), msg.getUint16(6, true));
    }
    this.ctx?.signalUsed(CONTROL_TX);
    this.flushControl();
  }

  private onControl(id: number, event: number, value: number): void {
    if (event === VIRTIO_CONSOLE_DEVICE_READY) {
      if (value !== 1) return this.complain(`the driver failed to set up the device (DEVICE_READY ${value})`);
      for (const p of this.ports) this.sendControl(p.id, VIRTIO_CONSOLE_PORT_ADD, 0);
      return;
    }
    const port = this.ports[id];
    if (!port) return this.complain(`control event ${event} for port ${id}, which does not exist`);
    switch (event) {
      case VIRTIO_CONSOLE_PORT_READY:
        if (value !== 1) return this.complain(`the driver could not add port ${id}`);
        if (port.ready) return; // a repeated PORT_READY: the driver already knows the port
        port.ready = true;
        if (port.id === 0) this.sendControl(0, VIRTIO_CONSOLE_CONSOLE_PORT, 1);
        if (port.name !== undefined) this.sendControl(port.id, VIRTIO_CONSOLE_PORT_NAME, 0, port.name);
        if (port.hostOpen) this.sendControl(port.id, VIRTIO_CONSOLE_PORT_OPEN, 1);
        return;
      case VIRTIO_CONSOLE_PORT_OPEN:
        port.guestOpen = value === 1;
        this.flushInput(port);
        return;
      default:
        return this.complain(`unexpected control event ${event} for port ${id}`);
    }
  }

  private sendControl(id: number, event: number, value: number, name?: string): void {
    const text = name !== undefined ? new TextEncoder().encode(name) : new Uint8Array(0);
    const msg = new Uint8Array(VIRTIO_CONSOLE_CONTROL_SIZE + text.length);
    const dv = new DataView(msg.buffer);
    dv.setUint32(0, id, true);
    dv.setUint16(4, event, true);
    dv.setUint16(6, value, true);
    msg.set(text, VIRTIO_CONSOLE_CONTROL_SIZE);
    if (this.controlOut.length >= MAX_CONTROL_BACKLOG) return this.complain("the driver gives no control buffers: control messages dropped");
    this.controlOut.push(msg);
  }

  /** Device-to-driver control messages into the control receiveq, one per chain. */
  private flushControl(): void {
    const ctx = this.ctx;
    const vq = ctx?.queues[CONTROL_RX];
    if (!ctx || !vq || this.controlOut.length === 0) return;
    this.guarded(() => {
      let c;
      while (this.controlOut.length > 0 && (c = vq.pop())) {
        const msg = this.controlOut.shift()!;
        c.writer().writeAll(msg, "a virtio-console control message");
        vq.addUsed(c.head, msg.length);
        this.stats.controlOut++;
      }
      ctx.signalUsed(CONTROL_RX);
    });
  }

  private onHostData(port: Port, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    port.pending.push(bytes);
    port.pendingBytes += bytes.length;
    if (port.pendingBytes >= MAX_PENDING_INPUT && !port.paused) {
      port.paused = true;
      port.backend.pause();
    }
    this.flushInput(port);
    this.opts.wake?.();
  }

  private onHostConnection(port: Port, open: boolean): void {
    if (port.hostOpen === open) return;
    port.hostOpen = open;
    if (port.ready && this.multiport && this.ctx) {
      this.sendControl(port.id, VIRTIO_CONSOLE_PORT_OPEN, open ? 1 : 0);
      this.flushControl();
      this.opts.wake?.();
    }
  }

  /** Host input into the port's receiveq, as much as the guest's buffers take, once the port is open. */
  private flushInput(port: Port): void {
    const ctx = this.ctx;
    const q = rxQueueOf(port.id);
    const vq = ctx?.queues[q];
    if (!ctx || !vq || !port.guestOpen || port.pendingBytes === 0) return;
    this.guarded(() => {
      let c;
      while (port.pendingBytes > 0 && (c = vq.pop())) {
        const w = c.writer();
        while (port.pending.length > 0 && w.remaining > 0) {
          const chunk = port.pending[0]!;
          const n = w.write(chunk);
          if (n === chunk.length) port.pending.shift();
          else port.pending[0] = chunk.subarray(n);
          port.pendingBytes -= n;
        }
        this.stats.rxBytes[port.id]! += w.count;
        vq.addUsed(c.head, w.count);
      }
      ctx.signalUsed(q);
    });
    if (port.paused && port.pendingBytes < MAX_PENDING_INPUT / 4) {
      port.paused = false;
      port.backend.resume();
    }
  }

  /** Queue work started by a host event: a guest error stops the device until reset (the transport cannot catch it here). */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof VirtioError) || !this.ctx) throw e;
      const ctx = this.ctx;
      this.ctx = undefined;
      ctx.fail(e);
    }
  }

  private complain(line: string): void {
    this.stats.badControl++;
    if (++this.errors <= LOGGED_ERRORS) this.opts.log?.(`${this.label}: ${line}`);
  }
}
