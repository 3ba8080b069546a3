// virtio-net frames (Virtio 1.2 §5.1.6): transmitq chains are a 12-byte virtio_net_hdr
// then the frame; receiveq chains are writable buffers the device fills with a header
// (num_buffers 1, nothing offloaded) then one frame. No offloads are offered, so the
// guest checksums and segments itself, and each frame fits one buffer (Linux's "small"
// receive buffers: header + 1518 bytes).
//
// Frames from the link arrive as host events, between run slices: they go straight into
// the guest's receive buffers, or wait in a short backlog. When the backlog is full the
// frame is refused: a link that pushes back (the RootOS switch's rings) keeps it until the
// guest posts buffers (backend.resume); a lossy link drops it, counted, as a NIC's ring
// overflows. A link that is full holds the TX chain (not returned to the guest) until it
// has room, so the guest's TX queue fills and its stack slows down instead of losing frames.
import { ETH_HLEN, MAX_FRAME, type NetBackend } from "../../net/index.js";
import { feature, hasFeature, VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import { VirtioError } from "../errors.js";
import type { Virtqueue } from "../queue.js";
import {
  NET_RX, NET_TX, VIRTIO_NET_CFG_MAC, VIRTIO_NET_CFG_SIZE, VIRTIO_NET_CFG_STATUS, VIRTIO_NET_F_MAC,
  VIRTIO_NET_F_STATUS, VIRTIO_NET_HDR_NUM_BUFFERS, VIRTIO_NET_HDR_SIZE, VIRTIO_NET_S_LINK_UP,
} from "./spec.js";

export const NET_QUEUE_SIZE = 256;
/** Frames held while the guest has no receive buffers. */
export const RX_BACKLOG = 256;

export interface NetOptions {
  readonly backend: NetBackend;
  /** The NIC's own address (VIRTIO_NET_F_MAC). */
  readonly mac: Uint8Array;
  readonly label?: string;
  /** Called after a host event (a frame) raised an interrupt: wakes an idle machine. */
  readonly wake?: () => void;
}

export interface NetStats {
  txFrames: number;
  txBytes: number;
  /** Frames the guest sent that no link carries (shorter than a header, longer than MAX_FRAME, link down). */
  txDropped: number;
  /** Times the link was full and a TX chain waited. */
  txWaits: number;
  rxFrames: number;
  rxBytes: number;
  /** Frames from the link lost: the driver not ready, the backlog full, the link down. */
  rxDropped: number;
  /** Frames larger than the receive buffer the guest gave (the buffer goes back empty). */
  rxTooBig: number;
}

export class VirtioNet implements VirtioDevice {
  readonly type = VIRTIO_ID.net;
  readonly label: string;
  readonly queueSizes = [NET_QUEUE_SIZE, NET_QUEUE_SIZE];
  readonly stats: NetStats = { txFrames: 0, txBytes: 0, txDropped: 0, txWaits: 0, rxFrames: 0, rxBytes: 0, rxDropped: 0, rxTooBig: 0 };
  private readonly cfg = new Uint8Array(VIRTIO_NET_CFG_SIZE);
  private readonly hdr = new Uint8Array(VIRTIO_NET_HDR_SIZE);
  private ctx: VirtioContext | undefined;
  private backlog: Uint8Array[] = [];
  private linkUp = true;
  /** A TX chain the link refused (full): sent again when it has room, before any other. */
  private held: { readonly head: number; readonly frame: Uint8Array } | undefined;
  /** The link refused a frame because the backlog was full: resume it once there is room. */
  private refused = false;

  constructor(private readonly opts: NetOptions) {
    if (opts.mac.length !== 6) throw new RangeError("virtio-net: a MAC address is 6 bytes");
    this.label = opts.label ?? "virtio-net0";
    this.cfg.set(opts.mac, VIRTIO_NET_CFG_MAC);
    this.writeStatus();
    new DataView(this.hdr.buffer).setUint16(VIRTIO_NET_HDR_NUM_BUFFERS, 1, true);
    opts.backend.receive((frame) => this.onFrame(frame));
  }

  features(): bigint {
    return feature(VIRTIO_NET_F_MAC) | feature(VIRTIO_NET_F_STATUS);
  }

  config(): Uint8Array { return this.cfg; }

  activate(ctx: VirtioContext): void {
    this.ctx = ctx;
    this.clearQueues();
  }

  reset(): void {
    this.ctx = undefined;
    this.clearQueues();
  }

  private clearQueues(): void {
    this.backlog = [];
    this.held = undefined;
    if (this.refused) {
      this.refused = false;
      this.opts.backend.resume?.(); // the frames it kept are dropped now (no ctx)
    }
  }

  notify(q: number, vq: Virtqueue): void {
    if (!this.ctx) return;
    if (q === NET_TX) this.transmit(vq);
    else if (q === NET_RX) this.fillRx();
  }

  /** Link status (config status LINK_UP, with a config interrupt): a cable plugged or pulled. */
  setLinkUp(up: boolean): void {
    if (up === this.linkUp) return;
    this.linkUp = up;
    this.writeStatus();
    if (!up) this.backlog = [];
    if (this.ctx && hasFeature(this.ctx.features, VIRTIO_NET_F_STATUS)) {
      this.ctx.signalConfig();
      this.opts.wake?.();
    }
  }

  private writeStatus(): void {
    new DataView(this.cfg.buffer).setUint16(VIRTIO_NET_CFG_STATUS, this.linkUp ? VIRTIO_NET_S_LINK_UP : 0, true);
  }

  /** Each transmitq chain: header, then one frame for the link. */
  private transmit(vq: Virtqueue): void {
    if (this.held) {
      if (!this.opts.backend.send(this.held.frame)) return;
      this.sent(this.held.frame.length);
      vq.addUsed(this.held.head, 0);
      this.held = undefined;
    }
    for (let c = vq.pop(); c; c = vq.pop()) {
      const r = c.reader();
      if (r.remaining < VIRTIO_NET_HDR_SIZE) {
        throw new VirtioError({ kind: "ShortChain", queue: NET_TX, head: c.head, need: VIRTIO_NET_HDR_SIZE, have: r.remaining, what: "a virtio_net_hdr" });
      }
      r.skip(VIRTIO_NET_HDR_SIZE);
      const len = r.remaining;
      if (len < ETH_HLEN || len > MAX_FRAME || !this.linkUp) {
        this.stats.txDropped++;
      } else {
        const frame = r.readExact(len, "a frame");
        if (!this.opts.backend.send(frame)) {
          this.hold(c.head, frame, vq);
          break;
        }
        this.sent(len);
      }
      vq.addUsed(c.head, 0);
    }
    this.ctx!.signalUsed(NET_TX);
  }

  private sent(len: number): void {
    this.stats.txFrames++;
    this.stats.txBytes += len;
  }

  private hold(head: number, frame: Uint8Array, vq: Virtqueue): void {
    this.held = { head, frame };
    this.stats.txWaits++;
    const ctx = this.ctx;
    this.opts.backend.whenWritable?.(() => {
      if (!ctx || this.ctx !== ctx || this.held?.head !== head) return; // reset meanwhile
      try {
        this.transmit(vq);
      } catch (e) {
        // Outside notify the transport cannot catch a guest's error: stop the device here.
        if (!(e instanceof VirtioError)) throw e;
        this.ctx = undefined;
        this.clearQueues();
        ctx.fail(e);
      }
      this.opts.wake?.();
    });
  }

  private onFrame(frame: Uint8Array): boolean {
    if (!this.ctx || !this.linkUp) {
      this.stats.rxDropped++;
      return true;
    }
    if (this.backlog.length >= RX_BACKLOG) {
      if (!this.opts.backend.resume) {
        this.stats.rxDropped++; // a lossy link does not keep it
        return true;
      }
      this.refused = true;
      return false;
    }
    this.backlog.push(frame);
    if (this.fillRx()) this.opts.wake?.();
    return true;
  }

  /**
   * Move backlog frames into receive buffers; true when any was delivered. A guest error
   * found here (outside notify, so the transport cannot catch it) stops the device.
   */
  private fillRx(): boolean {
    const ctx = this.ctx, vq = ctx?.queues[NET_RX];
    if (!ctx || !vq || this.backlog.length === 0) return false;
    let used = 0;
    try {
      let c;
      while (this.backlog.length > 0 && (c = vq.pop())) {
        const frame = this.backlog.shift()!;
        const w = c.writer();
        if (w.remaining < VIRTIO_NET_HDR_SIZE + frame.length) {
          this.stats.rxTooBig++;
          vq.addUsed(c.head, 0);
        } else {
          w.write(this.hdr);
          w.write(frame);
          vq.addUsed(c.head, w.count);
          this.stats.rxFrames++;
          this.stats.rxBytes += frame.length;
        }
        used++;
      }
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      this.ctx = undefined;
      this.backlog = [];
      ctx.fail(e);
      return true;
    }
    if (used > 0) ctx.signalUsed(NET_RX);
    if (this.refused && this.backlog.length < RX_BACKLOG) {
      this.refused = false;
      this.opts.backend.resume?.();
    }
    return used > 0;
  }
}
