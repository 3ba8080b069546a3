// A scriptable virtio driver for unit tests: guest RAM in a plain Uint8Array, rings
// laid out by hand, chains built from a list of buffers, and raw descriptor writes so
// a test can hand the device exactly the malformed structure it wants to provoke.
import type { VirtioContext, VirtioDevice } from "./device.js";
import { GuestMemory } from "./guest-memory.js";
import { DESC_SIZE, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, Virtqueue } from "./queue.js";

export const TEST_RAM_BASE = 0x8000_0000;

/** One buffer of a chain: `data` to place (device-readable), or `len` bytes for the device to write. */
export interface TestBuffer {
  data?: Uint8Array;
  len?: number;
  write?: boolean;
  /** Place it here instead of allocating. */
  addr?: number;
}

/** Guest RAM plus a record of every range the host wrote (the code-invalidation hook). */
export class TestRam {
  readonly bytes: Uint8Array;
  readonly mem: GuestMemory;
  readonly invalidated: Array<[number, number]> = [];
  private next: number;

  constructor(size = 1 << 20, readonly base = TEST_RAM_BASE) {
    this.bytes = new Uint8Array(size);
    this.mem = new GuestMemory(this.bytes, base, (a, n) => this.invalidated.push([a, n]));
    this.next = base + size / 2; // the lower half is for rings placed by tests
  }

  /** Bump-allocate `len` bytes (16-aligned) in the upper half of RAM. */
  alloc(len: number): number {
    const a = this.next;
    this.next += (len + 15) & ~15;
    if (this.next > this.base + this.bytes.length) throw new RangeError("TestRam: out of memory");
    return a;
  }

  view(addr: number, len: number): Uint8Array { return this.bytes.subarray(addr - this.base, addr - this.base + len); }
  dv(): DataView { return new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength); }
}

/** The driver side of one split virtqueue. */
export class TestDriver {
  readonly vq: Virtqueue;
  readonly desc: number;
  readonly avail: number;
  readonly used: number;
  private freeDesc = 0;
  private availIdx = 0;
  private usedSeen = 0;

  /** Lay out a queue of `size` at the bottom of RAM (each ring at `ringBase` + k*64 KiB) and enable it. */
  constructor(readonly ram: TestRam, readonly size: number, opts: { index?: number; maxSize?: number; indirect?: boolean; eventIdx?: boolean; ringBase?: number; enable?: boolean } = {}) {
    const base = opts.ringBase ?? ram.base;
    this.desc = base;
    this.avail = base + 0x1_0000;
    this.used = base + 0x2_0000;
    this.vq = new Virtqueue(ram.mem, opts.index ?? 0, opts.maxSize ?? size);
    this.vq.size = size;
    this.vq.desc = BigInt(this.desc);
    this.vq.driver = BigInt(this.avail);
    this.vq.device = BigInt(this.used);
    this.vq.indirect = opts.indirect ?? false;
    this.vq.eventIdx = opts.eventIdx ?? false;
    if (opts.enable ?? true) this.vq.enable();
  }

  /** Write descriptor `i` of the table at `table` (default: the queue's own). */
  writeDesc(i: number, addr: number, len: number, flags: number, next: number, table = this.desc): void {
    const dv = this.ram.dv(), o = table - this.ram.base + DESC_SIZE * i;
    dv.setBigUint64(o, BigInt(addr), true);
    dv.setUint32(o + 8, len, true);
    dv.setUint16(o + 12, flags, true);
    dv.setUint16(o + 14, next, true);
  }

  /** Place a buffer's bytes and return its address and length. */
  place(b: TestBuffer): { addr: number; len: number } {
    const len = b.data?.length ?? b.len ?? 0;
    const addr = b.addr ?? this.ram.alloc(len);
    if (b.data) this.ram.view(addr, len).set(b.data);
    return { addr, len };
  }

  /** Build a chain of direct descriptors (the next free ones) and make it available. Returns the head. */
  add(bufs: readonly TestBuffer[]): number {
    const head = this.freeDesc % this.size;
    bufs.forEach((b, k) => {
      const i = (head + k) % this.size;
      const { addr, len } = this.place(b);
      const last = k === bufs.length - 1;
      this.writeDesc(i, addr, len, (b.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : (i + 1) % this.size);
    });
    this.freeDesc += bufs.length;
    this.publish(head);
    return head;
  }

  /** Build a chain as one indirect descriptor whose table holds `bufs`. Returns the head. */
  addIndirect(bufs: readonly TestBuffer[]): number {
    const table = this.ram.alloc(DESC_SIZE * bufs.length);
    bufs.forEach((b, k) => {
      const { addr, len } = this.place(b);
      const last = k === bufs.length - 1;
      this.writeDesc(k, addr, len, (b.write ? VIRTQ_DESC_F_WRITE : 0) | (last ? 0 : VIRTQ_DESC_F_NEXT), last ? 0 : k + 1, table);
    });
    const head = this.freeDesc++ % this.size;
    this.writeDesc(head, table, DESC_SIZE * bufs.length, VIRTQ_DESC_F_INDIRECT, 0);
    this.publish(head);
    return head;
  }

  /** Put `head` in the avail ring and bump avail.idx. */
  publish(head: number): void {
    const dv = this.ram.dv(), a = this.avail - this.ram.base;
    dv.setUint16(a + 4 + 2 * (this.availIdx % this.size), head, true);
    this.availIdx = (this.availIdx + 1) & 0xffff;
    dv.setUint16(a + 2, this.availIdx, true);
  }

  /** Overwrite avail.idx (to lie about it). */
  setAvailIdx(v: number): void { this.availIdx = v & 0xffff; this.ram.dv().setUint16(this.avail - this.ram.base + 2, this.availIdx, true); }
  setAvailFlags(v: number): void { this.ram.dv().setUint16(this.avail - this.ram.base, v, true); }
  setUsedEvent(v: number): void { this.ram.dv().setUint16(this.avail - this.ram.base + 4 + 2 * this.size, v, true); }
  availEvent(): number { return this.ram.dv().getUint16(this.used - this.ram.base + 4 + 8 * this.size, true); }
  usedIdx(): number { return this.ram.dv().getUint16(this.used - this.ram.base + 2, true); }
  usedFlags(): number { return this.ram.dv().getUint16(this.used - this.ram.base, true); }

  /** Used entries added since the last call. */
  takeUsed(): Array<{ id: number; len: number }> {
    const dv = this.ram.dv(), u = this.used - this.ram.base, out: Array<{ id: number; len: number }> = [];
    const idx = dv.getUint16(u + 2, true);
    while (this.usedSeen !== idx) {
      const e = u + 4 + 8 * (this.usedSeen % this.size);
      out.push({ id: dv.getUint32(e, true), len: dv.getUint32(e + 4, true) });
      this.usedSeen = (this.usedSeen + 1) & 0xffff;
    }
    return out;
  }
}

/**
 * A device for transport tests: one queue (or `queues`) whose chains it answers by
 * copying the readable bytes, reversed, into the writable ones. Records what it was told.
 */
export class EchoDevice implements VirtioDevice {
  readonly type = 0x7f;
  readonly label = "echo0";
  readonly queueSizes: readonly number[];
  readonly cfg = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
  readonly log: string[] = [];
  ctx: VirtioContext | undefined;

  constructor(queues = 1, size = 16, private readonly extraFeatures = 1n << 5n) {
    this.queueSizes = new Array<number>(queues).fill(size);
  }

  features(): bigint { return this.extraFeatures; }
  config(): Uint8Array { return this.cfg; }
  writeConfig(offset: number, data: Uint8Array): void { this.cfg.set(data, offset); this.log.push(`config ${offset} ${[...data]}`); }
  activate(ctx: VirtioContext): void { this.ctx = ctx; this.log.push(`activate 0x${ctx.features.toString(16)}`); }
  reset(): void { this.ctx = undefined; this.log.push("reset"); }

  notify(q: number, vq: Virtqueue): void {
    this.log.push(`notify ${q}`);
    for (let c = vq.pop(); c; c = vq.pop()) {
      const data = c.reader().readExact(c.readableBytes, "echo input").reverse();
      const w = c.writer();
      vq.addUsed(c.head, w.write(data));
    }
    this.ctx!.signalUsed(q);
  }
}

/** A VirtioContext over test queues that records the device's signals and failures. */
export function testContext(ram: TestRam, queues: readonly Virtqueue[], features = 0n): VirtioContext & { signals: number[]; failures: string[] } {
  const signals: number[] = [], failures: string[] = [];
  return {
    mem: ram.mem, queues, features, signals, failures,
    signalUsed: (q) => { signals.push(q); },
    signalConfig: () => { signals.push(-1); },
    fail: (e) => { failures.push(e.info.kind); },
  };
}
