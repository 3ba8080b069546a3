// What both transports share (Virtio 1.2 §2.1 status, §2.2 feature negotiation, §3.1
// initialization, §2.1.2 DEVICE_NEEDS_RESET): the status machine, feature negotiation,
// the queues, the interrupt status bits, and the wall between guest errors and the host.
// mmio.ts and pci.ts only map their registers onto it.
import {
  feature, hasFeature, VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FAILED, VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1,
  newCounters, type VirtioContext, type VirtioCounters, type VirtioDevice,
} from "../device.js";
import { VirtioError } from "../errors.js";
import type { GuestMemory } from "../guest-memory.js";
import { Virtqueue } from "../queue.js";

/** Interrupt status bits (mmio InterruptStatus, pci ISR). */
export const VIRTIO_INT_USED = 1;
export const VIRTIO_INT_CONFIG = 2;
/** Ring features every device gets from the transport. */
export const TRANSPORT_FEATURES = feature(VIRTIO_F_VERSION_1) | feature(VIRTIO_F_INDIRECT_DESC) | feature(VIRTIO_F_EVENT_IDX);
/** Guest errors logged per device before going quiet (they are still counted). */
const LOGGED_ERRORS = 5;

export interface CoreOptions {
  /** The interrupt status became non-zero (true) or zero (false). */
  readonly interrupt: (level: boolean) => void;
  /** Host log for guest errors; rate-limited here. */
  readonly log?: (line: string) => void;
}

/** A device behind a transport: status, features, queues, interrupt bits. */
export class VirtioCore {
  readonly queues: Virtqueue[];
  readonly offered: bigint;
  status = 0;
  driverFeatures = 0n;
  configGeneration = 0;
  /** VIRTIO_INT_USED | VIRTIO_INT_CONFIG, until the driver acknowledges them. */
  private isr = 0;
  private level = false;
  /** The device's traffic and guest errors (its queues count into it too); never reset. */
  readonly counters: VirtioCounters = newCounters();
  /** The last guest error's message. */
  lastError: string | undefined;

  constructor(readonly device: VirtioDevice, readonly mem: GuestMemory, private readonly opts: CoreOptions) {
    this.queues = device.queueSizes.map((n, i) => new Virtqueue(mem, i, n, this.counters));
    this.offered = device.features() | TRANSPORT_FEATURES;
  }

  get interruptStatus(): number { return this.isr; }

  /** The driver acknowledged interrupt bits (mmio InterruptACK; pci reads ISR, which clears all). */
  ack(bits: number): void {
    this.isr &= ~bits;
    this.updateIrq();
  }

  /** 32 bits of the offered features: word 0 = bits 0..31, word 1 = 32..63. */
  offeredWord(sel: number): number { return sel > 1 ? 0 : Number((this.offered >> BigInt(32 * sel)) & 0xffff_ffffn); }

  /** The driver wrote 32 bits of its accepted features (ignored once FEATURES_OK is set, spec §3.1.1). */
  setDriverWord(sel: number, v: number): void {
    if (sel > 1 || this.status & VIRTIO_CONFIG_S_FEATURES_OK) return;
    const shift = BigInt(32 * sel);
    this.driverFeatures = (this.driverFeatures & ~(0xffff_ffffn << shift)) | (BigInt(v >>> 0) << shift);
  }

  /**
   * A status write (spec §2.1, §3.1.1). 0 resets. FEATURES_OK is kept only when the
   * driver accepted a subset of what we offer, VERSION_1 included; DRIVER_OK activates.
   */
  setStatus(v: number): void {
    v &= 0xff;
    if (v === 0) return this.reset();
    const was = this.status;
    let next = (v & ~VIRTIO_CONFIG_S_NEEDS_RESET) | (was & VIRTIO_CONFIG_S_NEEDS_RESET);
    if (next & VIRTIO_CONFIG_S_FEATURES_OK && !(was & VIRTIO_CONFIG_S_FEATURES_OK)) {
      const extra = this.driverFeatures & ~this.offered;
      if (extra !== 0n || !hasFeature(this.driverFeatures, VIRTIO_F_VERSION_1)) {
        this.guestError(new VirtioError({ kind: "Features", why: extra !== 0n ? `the driver accepted features never offered (0x${extra.toString(16)})` : "VIRTIO_F_VERSION_1 not accepted (legacy drivers are not supported)" }), false);
        next &= ~VIRTIO_CONFIG_S_FEATURES_OK;
      }
    }
    if (next & VIRTIO_CONFIG_S_DRIVER_OK && !(was & VIRTIO_CONFIG_S_DRIVER_OK)) {
      if (!(next & VIRTIO_CONFIG_S_FEATURES_OK)) {
        this.status = next & ~VIRTIO_CONFIG_S_DRIVER_OK;
        this.fail(new VirtioError({ kind: "NotReady", what: "set DRIVER_OK without FEATURES_OK" }));
        return;
      }
      this.status = next;
      this.activate();
      return;
    }
    this.status = next;
  }

  /** The driver enabled queue q: take the negotiated ring features, check the rings. */
  enableQueue(q: number): void {
    const vq = this.queues[q];
    if (!vq || vq.ready) return;
    vq.indirect = hasFeature(this.driverFeatures, VIRTIO_F_INDIRECT_DESC);
    vq.eventIdx = hasFeature(this.driverFeatures, VIRTIO_F_EVENT_IDX);
    try {
      vq.enable();
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      this.fail(e);
    }
  }

  /** The driver kicked queue q. Ignored (and counted) for a queue that does not exist or is not running. */
  notify(q: number): void {
    this.counters.notifications++;
    const vq = this.queues[q];
    if (!vq || !vq.ready || !this.running()) {
      this.guestError(new VirtioError({ kind: "NotReady", what: `notified queue ${q}` }), false);
      return;
    }
    this.guard(() => this.device.notify(q, vq));
  }

  /** Config space read: `size` bytes at `offset`, little-endian; 0 past its end. */
  readConfig(offset: number, size: number): bigint {
    const cfg = this.device.config();
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) v = (v << 8n) | BigInt(cfg[offset + i] ?? 0);
    return v;
  }

  /** Config space write: handed to the device as bytes, when it lies inside the config space. */
  writeConfig(offset: number, size: number, value: bigint): void {
    if (!this.device.writeConfig || offset + size > this.device.config().length) return;
    const b = new Uint8Array(size);
    for (let i = 0; i < size; i++) b[i] = Number((value >> BigInt(8 * i)) & 0xffn);
    this.guard(() => this.device.writeConfig!(offset, b));
  }

  /** Device reset: everything back to power-on, the device told, the interrupt lowered. */
  reset(): void {
    this.device.reset();
    for (const vq of this.queues) vq.reset();
    this.status = 0;
    this.driverFeatures = 0n;
    this.isr = 0;
    this.updateIrq();
  }

  private running(): boolean {
    return (this.status & (VIRTIO_CONFIG_S_DRIVER_OK | VIRTIO_CONFIG_S_NEEDS_RESET | VIRTIO_CONFIG_S_FAILED)) === VIRTIO_CONFIG_S_DRIVER_OK;
  }

  private activate(): void {
    const ctx: VirtioContext = {
      mem: this.mem,
      queues: this.queues,
      features: this.driverFeatures,
      signalUsed: (q) => {
        if (!this.running()) return;
        const vq = this.queues[q];
        if (vq && this.guard(() => vq.needsInterrupt()) === true) this.raise(VIRTIO_INT_USED);
      },
      signalConfig: () => {
        this.configGeneration = (this.configGeneration + 1) & 0xff;
        if (this.status & VIRTIO_CONFIG_S_DRIVER_OK) this.raise(VIRTIO_INT_CONFIG);
      },
      fail: (e) => this.fail(e),
    };
    this.guard(() => this.device.activate(ctx));
    // Buffers made available before DRIVER_OK were not looked at (spec §3.1.1): look now.
    this.queues.forEach((vq, q) => {
      if (this.running() && vq.ready && this.guard(() => vq.pending()) !== 0) this.guard(() => this.device.notify(q, vq));
    });
  }

  /** Run device code; a VirtioError from it is the guest's fault: NEEDS_RESET. Returns fn's value, or undefined after a failure. */
  private guard<R>(fn: () => R): R | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof VirtioError)) throw e;
      this.fail(e);
      return undefined;
    }
  }

  /** DEVICE_NEEDS_RESET with a configuration interrupt (spec §2.1.2, §4.1.5.2 / §4.2.3.3). */
  private fail(e: VirtioError): void {
    this.guestError(e, true);
    if (this.status & VIRTIO_CONFIG_S_NEEDS_RESET) return;
    this.status |= VIRTIO_CONFIG_S_NEEDS_RESET;
    if (this.status & VIRTIO_CONFIG_S_DRIVER_OK) this.raise(VIRTIO_INT_CONFIG);
  }

  private guestError(e: VirtioError, fatal: boolean): void {
    const n = ++this.counters.errors;
    this.lastError = e.message;
    if (n <= LOGGED_ERRORS) {
      const more = n === LOGGED_ERRORS ? " (further guest errors on this device are counted, not logged)" : "";
      this.opts.log?.(`${this.device.label}: ${e.message}${fatal ? ": device needs reset" : ": ignored"}${more}`);
    }
  }

  private raise(bit: number): void {
    this.isr |= bit;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.isr !== 0;
    if (level === this.level) return;
    this.level = level;
    if (level) this.counters.interrupts++;
    this.opts.interrupt(level);
  }
}
