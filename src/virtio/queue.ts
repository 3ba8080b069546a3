// Split virtqueues. Spec: Virtio 1.2 §2.7 (rings, descriptor chains, indirect descriptors
// §2.7.5.3, notification suppression §2.7.7 / §2.7.10, VIRTIO_F_EVENT_IDX). The only
// code in Bulkhead that reads descriptors and rings: both transports own Virtqueues,
// devices pop chains, read and write them through Reader/Writer, then addUsed().
//
//   driver:  desc table ──▶ avail ring (idx++)  ──notify──▶  device: pop() ─▶ DescriptorChain
//   device:  Reader/Writer over the chain ─▶ addUsed(head, len) ─▶ used ring (idx++) ─▶ needsInterrupt()
//
// A guest is not trusted: every index is range-checked, every buffer must lie in RAM,
// a chain has a bounded number of descriptors (loops end), readable buffers come before
// writable ones. Anything else is a VirtioError, thrown before the device sees the chain.
import { newCounters, type VirtioCounters } from "./counters.js";
import { VirtioError } from "./errors.js";
import type { GuestMemory } from "./guest-memory.js";

export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;
/** Bytes per descriptor (addr u64, len u32, flags u16, next u16). */
export const DESC_SIZE = 16;
/** The largest split queue (spec §2.7). */
export const MAX_QUEUE_SIZE = 32768;
/** Most descriptors an indirect table may chain (QEMU's VIRTQUEUE_MAX_SIZE); bounds the work per chain. */
export const MAX_INDIRECT_DESCRIPTORS = 1024;

/** One guest buffer, already checked to lie in RAM. */
export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/**
 * One virtqueue's rings and our position in them. The transport writes `size`, the ring
 * addresses and the negotiated ring features, then calls enable(); reset() returns to
 * the power-on state. All u16 indices are free-running and wrap at 2^16 (spec §2.7.6).
 */
export class Virtqueue {
  /** Queue size chosen by the driver (defaults to maxSize, as the transports' QueueNum). */
  size: number;
  /**
   * Guest-physical addresses of the descriptor table, the driver area (avail ring), the
   * device area (used ring), as the driver wrote them: 64-bit, so bigint (a JS number
   * would round an address above 2^53). enable() checks them into the numbers below.
   */
  desc = 0n;
  driver = 0n;
  device = 0n;
  /** The same, once enable() found them in RAM (below 2^53: exact as numbers). */
  private descAt = 0;
  private availAt = 0;
  private usedAt = 0;
  /** VIRTIO_F_INDIRECT_DESC and VIRTIO_F_EVENT_IDX as negotiated; set before enable(). */
  indirect = false;
  eventIdx = false;
  private isReady = false;
  /** The next avail ring entry to consume. */
  private lastAvail = 0;
  /** The next used ring entry to fill (also what used.idx reads). */
  private usedIdx = 0;
  /** used.idx when we last decided about an interrupt. */
  private signalledUsed = 0;

  /**
   * @param mem guest RAM
   * @param index the queue's number, for messages
   * @param maxSize the largest size the device offers (a power of 2, at most MAX_QUEUE_SIZE)
   * @param counters the device's counters (shared by its queues): chains popped, bytes read and written
   */
  constructor(private readonly mem: GuestMemory, readonly index: number, readonly maxSize: number, private readonly counters: VirtioCounters = newCounters()) {
    if (!isPowerOf2(maxSize) || maxSize > MAX_QUEUE_SIZE) throw new RangeError(`queue ${index}: max size ${maxSize} is not a power of 2 up to ${MAX_QUEUE_SIZE}`);
    this.size = maxSize;
  }

  /** Enabled by the driver and checked: only then do pop() and addUsed() touch the rings. */
  get ready(): boolean { return this.isReady; }

  /** Power-on state: disabled, default size, addresses 0, indices 0. */
  reset(): void {
    this.size = this.maxSize;
    this.desc = this.driver = this.device = 0n;
    this.descAt = this.availAt = this.usedAt = 0;
    this.indirect = this.eventIdx = false;
    this.isReady = false;
    this.lastAvail = this.usedIdx = this.signalledUsed = 0;
  }

  /**
   * The driver enabled the queue: check its size, the alignment (spec §2.7: 16, 2, 4)
   * and that all three rings lie in RAM. Throws VirtioError; the queue stays disabled.
   */
  enable(): void {
    const q = this.index, n = this.size;
    if (!isPowerOf2(n) || n > this.maxSize) throw new VirtioError({ kind: "QueueSize", queue: q, size: n, max: this.maxSize });
    const rings: Array<[string, bigint, number, number]> = [
      ["descriptor table", this.desc, DESC_SIZE * n, 16],
      ["avail ring", this.driver, 6 + 2 * n, 2],
      ["used ring", this.device, 6 + 8 * n, 4],
    ];
    const at = rings.map(([what, addr, len, align]) => {
      const a = this.mem.checkWide(addr, len, `queue ${q} ${what}`);
      if (addr % BigInt(align) !== 0n) throw new VirtioError({ kind: "RingAlignment", queue: q, what, addr, align });
      return a;
    });
    [this.descAt, this.availAt, this.usedAt] = at as [number, number, number];
    this.lastAvail = this.usedIdx = this.signalledUsed = 0;
    this.isReady = true;
  }

  /** Chains available and not yet popped. Throws VirtioError AvailIndex when avail.idx lies. */
  pending(): number {
    if (!this.isReady) return 0;
    const availIdx = this.mem.u16(this.availAt + 2, "avail.idx");
    const n = (availIdx - this.lastAvail) & 0xffff;
    if (n > this.size) throw new VirtioError({ kind: "AvailIndex", queue: this.index, availIdx, lastAvail: this.lastAvail, size: this.size });
    return n;
  }

  /**
   * The next available chain, walked and validated, or undefined when there is none (or
   * the queue is not enabled). With EVENT_IDX, also asks the driver to notify us as soon
   * as it makes the next buffer available (avail_event = the next index we will read).
   */
  pop(): DescriptorChain | undefined {
    if (!this.isReady) return undefined;
    if (this.pending() === 0) {
      if (this.eventIdx) this.mem.setU16(this.availEventAddr(), this.lastAvail, "avail_event");
      return undefined;
    }
    const head = this.mem.u16(this.availAt + 4 + 2 * (this.lastAvail & (this.size - 1)), "avail ring");
    this.lastAvail = (this.lastAvail + 1) & 0xffff;
    if (this.eventIdx) this.mem.setU16(this.availEventAddr(), this.lastAvail, "avail_event");
    const chain = this.walk(head);
    this.counters.requests++;
    this.counters.bytesRead += chain.readableBytes;
    return chain;
  }

  /**
   * Return a chain to the driver: `len` is the number of bytes the device wrote into its
   * writable buffers. Call needsInterrupt() (through the transport) after a batch.
   */
  addUsed(head: number, len: number): void {
    if (!this.isReady) return; // reset while the device held the chain: the driver forgot it
    if (!(head >= 0 && head < this.size)) throw new RangeError(`queue ${this.index}: addUsed of head ${head}, not a popped chain`);
    const e = this.usedAt + 4 + 8 * (this.usedIdx & (this.size - 1));
    this.mem.setU32(e, head, "used ring");
    this.mem.setU32(e + 4, len, "used ring");
    this.usedIdx = (this.usedIdx + 1) & 0xffff;
    this.mem.setU16(this.usedAt + 2, this.usedIdx, "used.idx");
    this.counters.bytesWritten += len;
  }

  /**
   * Whether the driver wants an interrupt for the used buffers added since the last call:
   * VIRTQ_AVAIL_F_NO_INTERRUPT, or with EVENT_IDX whether used.idx passed used_event
   * (spec §2.7.10, vring_need_event). False when nothing was added.
   */
  needsInterrupt(): boolean {
    if (!this.isReady) return false;
    const old = this.signalledUsed, now = this.usedIdx;
    if (old === now) return false;
    this.signalledUsed = now;
    if (this.eventIdx) {
      const usedEvent = this.mem.u16(this.availAt + 4 + 2 * this.size, "used_event");
      return ((now - usedEvent - 1) & 0xffff) < ((now - old) & 0xffff);
    }
    return (this.mem.u16(this.availAt, "avail.flags") & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
  }

  /**
   * Tell the driver whether to notify us of new buffers (used.flags NO_NOTIFY). A hint
   * only; with EVENT_IDX the driver reads avail_event instead, which pop() keeps current.
   */
  setNotification(enabled: boolean): void {
    if (!this.isReady || this.eventIdx) return;
    this.mem.setU16(this.usedAt, enabled ? 0 : VIRTQ_USED_F_NO_NOTIFY, "used.flags");
  }

  /** Where we are in the rings (tests, snapshots, logs). */
  position(): { lastAvail: number; usedIdx: number } { return { lastAvail: this.lastAvail, usedIdx: this.usedIdx }; }

  private availEventAddr(): number { return this.usedAt + 4 + 8 * this.size; }

  /** Follow a chain from `head`, through at most one indirect table, collecting its buffers. */
  private walk(head: number): DescriptorChain {
    const q = this.index, mem = this.mem;
    if (head >= this.size) throw new VirtioError({ kind: "DescriptorIndex", queue: q, index: head, limit: this.size });
    const readable: Segment[] = [], writable: Segment[] = [];
    let table = this.descAt, limit = this.size, idx = head, count = 0, indirect = false;
    for (;;) {
      if (++count > limit) throw new VirtioError({ kind: "ChainTooLong", queue: q, head, limit });
      const d = table + DESC_SIZE * idx;
      const wide = mem.u64(d, "descriptor"), len = mem.u32(d + 8, "descriptor");
      const flags = mem.u16(d + 12, "descriptor"), next = mem.u16(d + 14, "descriptor");
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirect) throw new VirtioError({ kind: "IndirectNotNegotiated", queue: q, head });
        if (indirect) throw new VirtioError({ kind: "NestedIndirect", queue: q, head });
        if (flags & VIRTQ_DESC_F_NEXT) throw new VirtioError({ kind: "BadIndirect", queue: q, head, why: "it has NEXT set too" });
        if (len === 0 || len % DESC_SIZE !== 0) throw new VirtioError({ kind: "BadIndirect", queue: q, head, why: `table length ${len} is not a non-zero multiple of ${DESC_SIZE}` });
        // The table replaces the rest of the chain; WRITE on this descriptor means nothing (§2.7.5.3.2).
        table = mem.checkWide(wide, len, `queue ${q} indirect table`);
        limit = Math.min(len / DESC_SIZE, MAX_INDIRECT_DESCRIPTORS);
        idx = 0;
        count = 0;
        indirect = true;
        continue;
      }
      if (len > 0) {
        const addr = mem.checkWide(wide, len, `queue ${q} buffer`);
        if (flags & VIRTQ_DESC_F_WRITE) writable.push({ addr, len });
        else if (writable.length > 0) throw new VirtioError({ kind: "ReadableAfterWritable", queue: q, head });
        else readable.push({ addr, len });
      }
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      if (next >= limit) throw new VirtioError({ kind: "DescriptorIndex", queue: q, index: next, limit });
      idx = next;
    }
    return new DescriptorChain(mem, q, head, readable, writable);
  }
}

/** A validated chain: its head (for addUsed), its device-readable then device-writable buffers. */
export class DescriptorChain {
  readonly readableBytes: number;
  readonly writableBytes: number;

  constructor(
    private readonly mem: GuestMemory,
    /** The queue it came from. */
    readonly queue: number,
    /** The head descriptor's index: pass it to addUsed. */
    readonly head: number,
    readonly readable: readonly Segment[],
    readonly writable: readonly Segment[],
  ) {
    this.readableBytes = readable.reduce((n, s) => n + s.len, 0);
    this.writableBytes = writable.reduce((n, s) => n + s.len, 0);
  }

  /** A reader over the device-readable buffers, from their start. */
  reader(): Reader { return new Reader(this.mem, this.readable, this.queue, this.head); }
  /** A writer over the device-writable buffers, from their start. */
  writer(): Writer { return new Writer(this.mem, this.writable, this.queue, this.head); }
}

/** A cursor over a list of guest buffers, as one byte stream. */
abstract class Cursor {
  private seg = 0;
  private off = 0;
  private left: number;
  private done = 0;

  constructor(protected readonly mem: GuestMemory, protected segs: readonly Segment[], readonly queue: number, readonly head: number) {
    this.left = segs.reduce((n, s) => n + s.len, 0);
  }

  /** Bytes not yet read (or written). */
  get remaining(): number { return this.left; }
  /** Bytes read (or written) so far. */
  get count(): number { return this.done; }

  /** Advance past up to n bytes; returns how many. */
  skip(n: number): number { return this.each(n, () => {}); }

  /** Visit the next up to n bytes, one guest range at a time; returns how many. */
  protected each(n: number, visit: (addr: number, len: number, at: number) => void): number {
    let want = Math.max(0, Math.min(n, this.left)), at = 0;
    while (want > 0) {
      const s = this.segs[this.seg]!;
      const len = Math.min(want, s.len - this.off);
      visit(s.addr + this.off, len, at);
      at += len;
      want -= len;
      this.off += len;
      if (this.off === s.len) { this.seg++; this.off = 0; }
    }
    this.left -= at;
    this.done += at;
    return at;
  }

  /** Take the last n bytes off this cursor's end: they become another cursor's. */
  protected cutEnd(n: number, what: string): Segment[] {
    if (n > this.left) throw new VirtioError({ kind: "ShortChain", queue: this.queue, head: this.head, need: n, have: this.left, what });
    let keepBytes = this.left - n;
    const keep: Segment[] = [], tail: Segment[] = [];
    for (let i = this.seg; i < this.segs.length; i++) {
      const s = this.segs[i]!, start = i === this.seg ? this.off : 0;
      const addr = s.addr + start, len = s.len - start;
      const k = Math.min(keepBytes, len);
      if (k > 0) keep.push({ addr, len: k });
      if (len - k > 0) tail.push({ addr: addr + k, len: len - k });
      keepBytes -= k;
    }
    this.segs = keep;
    this.seg = this.off = 0;
    this.left -= n;
    return tail;
  }
}

/** Reads a chain's device-readable buffers in order (crosvm's Reader). */
export class Reader extends Cursor {
  /** Copy the next bytes into dst; returns how many (fewer when the chain ends). */
  readInto(dst: Uint8Array): number {
    return this.each(dst.length, (addr, len, at) => this.mem.readInto(addr, dst.subarray(at, at + len)));
  }

  /** The next n bytes, copied; throws VirtioError ShortChain (naming `what`) when fewer remain. */
  readExact(n: number, what: string): Uint8Array {
    if (n > this.remaining) throw new VirtioError({ kind: "ShortChain", queue: this.queue, head: this.head, need: n, have: this.remaining, what });
    const b = new Uint8Array(n);
    this.readInto(b);
    return b;
  }

  /** Zero-copy: hand the next up to n bytes to `use`, one view per guest range (read them, do not keep them). */
  consume(n: number, use: (view: Uint8Array, at: number) => void): number {
    return this.each(n, (addr, len, at) => this.mem.withView(addr, len, (v) => use(v, at)));
  }
}

/** Writes a chain's device-writable buffers in order (crosvm's Writer). */
export class Writer extends Cursor {
  /** Copy as much of src as fits; returns how many bytes. */
  write(src: Uint8Array): number {
    return this.each(src.length, (addr, len, at) => this.mem.write(addr, src.subarray(at, at + len)));
  }

  /** Copy all of src; throws VirtioError ShortChain (naming `what`) when it does not fit, writing nothing. */
  writeAll(src: Uint8Array, what: string): void {
    if (src.length > this.remaining) throw new VirtioError({ kind: "ShortChain", queue: this.queue, head: this.head, need: src.length, have: this.remaining, what });
    this.write(src);
  }

  /** Zero-copy: `fill` writes each guest range of the next up to n bytes in turn (the harts are told). */
  fill(n: number, fill: (view: Uint8Array, at: number) => void): number {
    return this.each(n, (addr, len, at) => this.mem.fillView(addr, len, (v) => fill(v, at)));
  }

  /**
   * Split off the last n bytes as a Writer of their own (virtio-blk's status byte): this
   * writer ends before them. Throws VirtioError ShortChain when fewer than n remain.
   */
  splitEnd(n: number, what: string): Writer {
    return new Writer(this.mem, this.cutEnd(n, what), this.queue, this.head);
  }
}

function isPowerOf2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}
