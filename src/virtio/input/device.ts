// virtio-input (Virtio 1.2 §5.8): the config space answers one question at a time (the
// driver writes select and subsel, then reads size and the union), the eventq carries
// events to the driver, one per buffer, and the statusq brings back what the driver sets
// (keyboard LEDs), which is drained and counted. Host events wait here while the driver
// has no buffers; past MAX_PENDING_EVENTS a whole packet is dropped, never half of one.
import { VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import { VirtioError } from "../errors.js";
import type { Virtqueue } from "../queue.js";
import {
  EV_SYN, type InputEvent, type InputProfile, SYN_REPORT, VIRTIO_INPUT_CFG_ABS_INFO, VIRTIO_INPUT_CFG_EV_BITS,
  VIRTIO_INPUT_CFG_ID_DEVIDS, VIRTIO_INPUT_CFG_ID_NAME, VIRTIO_INPUT_CFG_ID_SERIAL, VIRTIO_INPUT_CFG_PROP_BITS,
  VIRTIO_INPUT_CFG_SELECT, VIRTIO_INPUT_CFG_SIZE, VIRTIO_INPUT_CFG_SIZE_FIELD, VIRTIO_INPUT_CFG_SUBSEL,
  VIRTIO_INPUT_CFG_UNION, VIRTIO_INPUT_EVENT_SIZE,
} from "./spec.js";

export const INPUT_EVENT_QUEUE = 0;
export const INPUT_STATUS_QUEUE = 1;
export const INPUT_QUEUE_SIZES = [64, 64] as const;
/** Events held for a driver that has not given buffers back yet (a few seconds of typing). */
export const MAX_PENDING_EVENTS = 1024;

export interface InputOptions {
  readonly profile: InputProfile;
  readonly label?: string;
  /** Called after host events raised an interrupt: wakes an idle machine. */
  readonly wake?: () => void;
}

export interface InputStats {
  /** Events written to the driver's buffers. */
  delivered: number;
  /** Events dropped: the driver was not running, or too far behind. */
  dropped: number;
  /** Status events from the driver (LEDs). */
  status: number;
}

export class VirtioInput implements VirtioDevice {
  readonly type = VIRTIO_ID.input;
  readonly label: string;
  readonly queueSizes = INPUT_QUEUE_SIZES;
  readonly stats: InputStats = { delivered: 0, dropped: 0, status: 0 };
  private readonly cfg = new Uint8Array(VIRTIO_INPUT_CFG_SIZE);
  private pending: InputEvent[] = [];
  private ctx: VirtioContext | undefined;

  constructor(private readonly opts: InputOptions) {
    this.label = opts.label ?? "virtio-input0";
  }

  features(): bigint { return 0n; }
  config(): Uint8Array { return this.cfg; }

  /** select and subsel are the writable fields: each write answers the question they ask. */
  writeConfig(offset: number, data: Uint8Array): void {
    data.forEach((b, i) => {
      if (offset + i === VIRTIO_INPUT_CFG_SELECT || offset + i === VIRTIO_INPUT_CFG_SUBSEL) this.cfg[offset + i] = b;
    });
    this.answer(this.cfg[VIRTIO_INPUT_CFG_SELECT]!, this.cfg[VIRTIO_INPUT_CFG_SUBSEL]!);
  }

  activate(ctx: VirtioContext): void { this.ctx = ctx; }

  reset(): void {
    this.ctx = undefined;
    this.pending = [];
  }

  /**
   * Host events for the guest, one packet: an EV_SYN SYN_REPORT is added after them. False
   * (and dropped) when the driver is not running or too far behind.
   */
  inject(events: readonly InputEvent[]): boolean {
    const packet = events.length > 0 && events[events.length - 1]!.type === EV_SYN ? events : [...events, { type: EV_SYN, code: SYN_REPORT, value: 0 }];
    const ctx = this.ctx;
    if (!ctx || this.pending.length + packet.length > MAX_PENDING_EVENTS) {
      this.stats.dropped += packet.length;
      return false;
    }
    this.pending.push(...packet);
    try {
      this.deliver(ctx.queues[INPUT_EVENT_QUEUE]!);
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      ctx.fail(e);
    }
    this.opts.wake?.();
    return true;
  }

  notify(q: number, vq: Virtqueue): void {
    if (q === INPUT_EVENT_QUEUE) return this.deliver(vq);
    for (let c = vq.pop(); c; c = vq.pop()) {
      // A status event is one struct virtio_input_event; anything shorter is ignored.
      if (c.readableBytes >= VIRTIO_INPUT_EVENT_SIZE) this.stats.status++;
      vq.addUsed(c.head, 0);
    }
    this.ctx?.signalUsed(q);
  }

  /** Move pending events into the driver's buffers, one each. A buffer under 8 bytes is a VirtioError. */
  private deliver(vq: Virtqueue): void {
    let n = 0;
    while (n < this.pending.length) {
      const c = vq.pop();
      if (!c) break;
      const e = this.pending[n++]!, b = new Uint8Array(VIRTIO_INPUT_EVENT_SIZE), dv = new DataView(b.buffer);
      dv.setUint16(0, e.type, true);
      dv.setUint16(2, e.code, true);
      dv.setInt32(4, e.value, true);
      c.writer().writeAll(b, "a virtio-input event");
      vq.addUsed(c.head, VIRTIO_INPUT_EVENT_SIZE);
    }
    if (n === 0) return;
    this.pending.splice(0, n);
    this.stats.delivered += n;
    this.ctx?.signalUsed(INPUT_EVENT_QUEUE);
  }

  /** Fill size and the union for (select, subsel), §5.8.4; size 0 when there is no answer. */
  private answer(select: number, subsel: number): void {
    const p = this.opts.profile, u = this.cfg.subarray(VIRTIO_INPUT_CFG_UNION);
    u.fill(0);
    let size = 0;
    const text = (s: string) => { const b = new TextEncoder().encode(s).subarray(0, u.length); u.set(b); return b.length; };
    const bits = (list: readonly number[]) => {
      for (const bit of list) u[bit >> 3]! |= 1 << (bit & 7);
      return list.length === 0 ? 0 : (Math.max(...list) >> 3) + 1;
    };
    const dv = new DataView(u.buffer, u.byteOffset, u.length);
    switch (select) {
      case VIRTIO_INPUT_CFG_ID_NAME: if (subsel === 0) size = text(p.name); break;
      case VIRTIO_INPUT_CFG_ID_SERIAL: if (subsel === 0) size = text(p.serial); break;
      case VIRTIO_INPUT_CFG_ID_DEVIDS:
        if (subsel === 0) { p.ids.forEach((v, i) => dv.setUint16(2 * i, v, true)); size = 8; }
        break;
      case VIRTIO_INPUT_CFG_PROP_BITS: if (subsel === 0) size = bits(p.props); break;
      case VIRTIO_INPUT_CFG_EV_BITS: size = bits(p.events.get(subsel) ?? []); break;
      case VIRTIO_INPUT_CFG_ABS_INFO: {
        const a = p.abs.get(subsel);
        if (a) { [a.min, a.max, a.fuzz, a.flat, a.res].forEach((v, i) => dv.setInt32(4 * i, v, true)); size = 20; }
        break;
      }
    }
    this.cfg[VIRTIO_INPUT_CFG_SIZE_FIELD] = size;
  }
}
