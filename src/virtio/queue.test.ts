import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtioError } from "./errors.js";
import { GuestMemory } from "./guest-memory.js";
import {
  MAX_INDIRECT_DESCRIPTORS, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_DESC_F_INDIRECT, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE,
  VIRTQ_USED_F_NO_NOTIFY, Virtqueue,
} from "./queue.js";
import { TestDriver, TestRam } from "./testing.js";

const bytes = (...v: number[]) => Uint8Array.from(v);
/** Assert that fn throws a VirtioError of this kind. */
function throwsKind(fn: () => unknown, kind: string): void {
  assert.throws(fn, (e: unknown) => e instanceof VirtioError && e.info.kind === kind, `expected VirtioError ${kind}`);
}

describe("guest memory", () => {
  test("bounds: inside, at the edges, past the end, below the base, huge and negative lengths", () => {
    const ram = new TestRam(4096);
    const m = ram.mem;
    assert.equal(m.contains(ram.base, 4096), true);
    assert.equal(m.contains(ram.base + 4096, 0), true);
    assert.equal(m.contains(ram.base + 4095, 2), false);
    assert.equal(m.contains(ram.base - 1, 1), false);
    assert.equal(m.contains(ram.base, -1), false);
    assert.equal(m.contains(2 ** 60, 1), false);
    assert.equal(m.contains(Infinity, 1), false);
    throwsKind(() => m.read(ram.base + 4000, 200), "OutsideRam");
    throwsKind(() => m.write(ram.base - 2, bytes(1, 2)), "OutsideRam");
  });

  test("every host write reports its range (code invalidation), reads do not", () => {
    const ram = new TestRam(4096);
    ram.mem.write(ram.base + 10, bytes(1, 2, 3));
    ram.mem.setU32(ram.base + 100, 7);
    ram.mem.fillView(ram.base + 200, 8, (v) => v.fill(9));
    ram.mem.read(ram.base, 16);
    ram.mem.u64(ram.base);
    assert.deepEqual(ram.invalidated, [[ram.base + 10, 3], [ram.base + 100, 4], [ram.base + 200, 8]]);
    assert.deepEqual([...ram.view(ram.base + 200, 8)], new Array(8).fill(9));
  });

  test("u64 above 2^53 reads exactly, and no range contains it: the error names the exact address", () => {
    const ram = new TestRam(4096);
    ram.dv().setBigUint64(0, 0xffff_ffff_ffff_f000n, true);
    assert.equal(ram.mem.u64(ram.base), 0xffff_ffff_ffff_f000n);
    assert.throws(() => ram.mem.checkWide(ram.mem.u64(ram.base), 512, "buffer"),
      (e: unknown) => e instanceof VirtioError && e.message === "buffer [0xfffffffffffff000, 0xfffffffffffff200) lies outside guest RAM");
    ram.dv().setBigUint64(0, 0x1_8000_0000n, true);
    assert.equal(ram.mem.u64(ram.base), 0x1_8000_0000n);
    assert.equal(ram.mem.checkWide(BigInt(ram.base) + 16n, 16, "buffer"), ram.base + 16);
  });

  test("a GuestMemory over a view of a larger buffer uses the view's offset", () => {
    const backing = new Uint8Array(8192);
    const m = new GuestMemory(backing.subarray(4096), 0x8000_0000);
    m.setU16(0x8000_0002, 0xbeef);
    assert.equal(backing[4098], 0xef);
    assert.equal(m.size, 4096);
  });
});

describe("virtqueue: enabling", () => {
  test("queue sizes that are not powers of 2, zero, or above the maximum are refused", () => {
    const ram = new TestRam();
    for (const size of [0, 3, 100, 512]) {
      const d = new TestDriver(ram, 256, { enable: false });
      d.vq.size = size;
      throwsKind(() => d.vq.enable(), "QueueSize");
      assert.equal(d.vq.ready, false);
    }
  });

  test("misaligned rings and rings outside RAM are refused", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { enable: false });
    d.vq.desc = BigInt(ram.base + 8);
    throwsKind(() => d.vq.enable(), "RingAlignment");
    d.vq.desc = BigInt(ram.base);
    d.vq.device = BigInt(ram.base + 0x2_0002);
    throwsKind(() => d.vq.enable(), "RingAlignment");
    d.vq.device = BigInt(ram.base + ram.bytes.length - 16);
    throwsKind(() => d.vq.enable(), "OutsideRam");
    d.vq.device = 0n;
    throwsKind(() => d.vq.enable(), "OutsideRam");
  });

  test("a disabled queue pops nothing and ignores addUsed", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { enable: false });
    assert.equal(d.vq.pop(), undefined);
    d.vq.addUsed(0, 1);
    assert.equal(d.usedIdx(), 0);
  });

  test("the constructor refuses a max size that is not a power of 2", () => {
    assert.throws(() => new Virtqueue(new TestRam().mem, 0, 6), RangeError);
  });
});

describe("virtqueue: chains", () => {
  test("pop a readable+writable chain, read it, write it, return it", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    const head = d.add([{ data: bytes(1, 2, 3) }, { data: bytes(4, 5) }, { len: 4, write: true }, { len: 3, write: true }]);
    assert.equal(d.vq.pending(), 1);
    const c = d.vq.pop()!;
    assert.equal(c.head, head);
    assert.equal(c.readableBytes, 5);
    assert.equal(c.writableBytes, 7);
    const r = c.reader();
    assert.deepEqual([...r.readExact(4, "test")], [1, 2, 3, 4]);
    assert.equal(r.remaining, 1);
    throwsKind(() => r.readExact(2, "test"), "ShortChain");
    const w = c.writer();
    assert.equal(w.write(bytes(9, 8, 7, 6, 5, 4, 3, 2)), 7);
    assert.equal(w.count, 7);
    d.vq.addUsed(c.head, w.count);
    assert.deepEqual(d.takeUsed(), [{ id: head, len: 7 }]);
    assert.deepEqual([...ram.view(c.writable[0]!.addr, 4)], [9, 8, 7, 6]);
    assert.deepEqual([...ram.view(c.writable[1]!.addr, 3)], [5, 4, 3]);
    assert.equal(d.vq.pop(), undefined);
  });

  test("Writer.splitEnd takes the last bytes across buffers; Reader.consume and Writer.fill are zero-copy", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.add([{ data: bytes(1, 2, 3, 4, 5, 6) }, { data: bytes(7) }, { len: 512, write: true }, { len: 1, write: true }]);
    const c = d.vq.pop()!;
    const w = c.writer();
    const status = w.splitEnd(1, "status");
    assert.equal(w.remaining, 512);
    assert.equal(status.remaining, 1);
    const views: number[] = [];
    assert.equal(w.fill(1000, (v, at) => { views.push(v.length); v.fill(at === 0 ? 0xaa : 0xbb); }), 512);
    status.write(bytes(0x42));
    assert.deepEqual(views, [512]);
    assert.equal(ram.view(c.writable[1]!.addr, 1)[0], 0x42);
    const r = c.reader();
    r.skip(2);
    const seen: number[] = [];
    r.consume(10, (v) => seen.push(...v));
    assert.deepEqual(seen, [3, 4, 5, 6, 7]);
  });

  test("splitEnd in the middle of a buffer, after some bytes were written", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 4);
    d.add([{ len: 10, write: true }]);
    const w = d.vq.pop()!.writer();
    w.write(bytes(1, 2));
    const tail = w.splitEnd(3, "tail");
    assert.equal(w.remaining, 5);
    assert.equal(w.write(new Uint8Array(10).fill(7)), 5);
    tail.write(bytes(8, 8, 8));
    const c = [...ram.view(ram.base + ram.bytes.length / 2, 10)];
    assert.deepEqual(c, [1, 2, 7, 7, 7, 7, 7, 8, 8, 8]);
    throwsKind(() => w.splitEnd(1, "status"), "ShortChain");
  });

  test("zero-length descriptors are skipped, wherever they point", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 4);
    d.add([{ data: bytes(1) }, { addr: 0, len: 0 }, { len: 2, write: true }]);
    const c = d.vq.pop()!;
    assert.equal(c.readable.length, 1);
    assert.equal(c.writable.length, 1);
  });

  test("used writes report their range to the code-invalidation hook", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 4);
    d.add([{ len: 2, write: true }]);
    const c = d.vq.pop()!;
    ram.invalidated.length = 0;
    c.writer().write(bytes(1, 2));
    d.vq.addUsed(c.head, 2);
    assert.deepEqual(ram.invalidated[0], [c.writable[0]!.addr, 2]);
    assert.ok(ram.invalidated.some(([a]) => a === d.used + 2), "used.idx write is reported");
  });
});

describe("virtqueue: indices", () => {
  test("avail and used indices wrap at 2^16", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 4);
    for (let i = 0; i < 65536 + 10; i++) {
      const head = d.add([{ addr: ram.base + 0x3_0000, len: 1, write: true }]);
      const c = d.vq.pop()!;
      assert.equal(c.head, head);
      d.vq.addUsed(c.head, 1);
      assert.deepEqual(d.takeUsed(), [{ id: head, len: 1 }]);
    }
    assert.deepEqual(d.vq.position(), { lastAvail: 10, usedIdx: 10 });
    assert.equal(d.usedIdx(), 10);
  });

  test("a batch that straddles the wrap is popped in order", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    for (let i = 0; i < 65533; i++) { d.add([{ addr: ram.base + 0x3_0000, len: 1 }]); d.vq.addUsed(d.vq.pop()!.head, 0); }
    const heads = [0, 1, 2, 3, 4, 5].map(() => d.add([{ addr: ram.base + 0x3_0000, len: 1 }]));
    assert.equal(d.vq.pending(), 6);
    assert.deepEqual([0, 1, 2, 3, 4, 5].map(() => d.vq.pop()!.head), heads);
  });

  test("avail.idx more than the queue size ahead is an error, not a walk through garbage", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.setAvailIdx(9);
    throwsKind(() => d.vq.pop(), "AvailIndex");
    d.setAvailIdx(0xffff); // "behind" us: as far ahead as it can be
    throwsKind(() => d.vq.pending(), "AvailIndex");
    d.setAvailIdx(8);
    assert.equal(d.vq.pending(), 8);
  });

  test("a head index at or past the queue size is an error", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.publish(8);
    throwsKind(() => d.vq.pop(), "DescriptorIndex");
    d.publish(0xffff);
    throwsKind(() => d.vq.pop(), "DescriptorIndex");
  });

  test("a next index at or past the queue size is an error", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.writeDesc(0, ram.base + 0x3_0000, 4, VIRTQ_DESC_F_NEXT, 8);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "DescriptorIndex");
  });
});

describe("virtqueue: hostile chains", () => {
  test("a chain that loops ends with ChainTooLong (self-loop and a cycle)", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.writeDesc(3, ram.base + 0x3_0000, 4, VIRTQ_DESC_F_NEXT, 3);
    d.publish(3);
    throwsKind(() => d.vq.pop(), "ChainTooLong");
    d.writeDesc(0, ram.base + 0x3_0000, 4, VIRTQ_DESC_F_NEXT, 1);
    d.writeDesc(1, ram.base + 0x3_0000, 4, VIRTQ_DESC_F_NEXT, 2);
    d.writeDesc(2, ram.base + 0x3_0000, 4, VIRTQ_DESC_F_NEXT, 0);
    d.publish(1);
    throwsKind(() => d.vq.pop(), "ChainTooLong");
  });

  test("a chain of exactly the queue size is fine", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 4);
    d.add([{ len: 1 }, { len: 1 }, { len: 1 }, { len: 1, write: true }]);
    assert.equal(d.vq.pop()!.readable.length, 3);
  });

  test("buffers outside RAM: below it, past its end, straddling its end, above 2^53", () => {
    const ram = new TestRam();
    const cases: Array<[number, number]> = [
      [0x1000, 16], [ram.base + ram.bytes.length, 1], [ram.base + ram.bytes.length - 8, 16], [ram.base, 0xffff_ffff],
    ];
    for (const [addr, len] of cases) {
      const d = new TestDriver(ram, 4);
      d.writeDesc(0, addr, len, VIRTQ_DESC_F_WRITE, 0);
      d.publish(0);
      throwsKind(() => d.vq.pop(), "OutsideRam");
    }
    const d = new TestDriver(ram, 4);
    d.writeDesc(0, 0, 16, 0, 0);
    new DataView(ram.bytes.buffer).setBigUint64(0, 0xffff_ffff_ffff_ff00n, true); // addr = 2^64 - 256
    d.publish(0);
    throwsKind(() => d.vq.pop(), "OutsideRam");
  });

  test("a device-readable buffer after a device-writable one (swapped flags) is an error", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.add([{ len: 4, write: true }, { data: bytes(1, 2) }]);
    throwsKind(() => d.vq.pop(), "ReadableAfterWritable");
  });

  test("after an error the queue moves on: the next chain pops", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.add([{ len: 4, write: true }, { data: bytes(1) }]);
    throwsKind(() => d.vq.pop(), "ReadableAfterWritable");
    d.add([{ data: bytes(1) }]);
    assert.equal(d.vq.pop()!.readableBytes, 1);
  });
});

describe("virtqueue: indirect descriptors", () => {
  test("an indirect table is walked when negotiated", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { indirect: true });
    const head = d.addIndirect([{ data: bytes(1, 2) }, { data: bytes(3) }, { len: 5, write: true }]);
    const c = d.vq.pop()!;
    assert.equal(c.head, head);
    assert.equal(c.readableBytes, 3);
    assert.equal(c.writableBytes, 5);
    assert.deepEqual([...c.reader().readExact(3, "t")], [1, 2, 3]);
  });

  test("an indirect table longer than the queue is fine (up to MAX_INDIRECT_DESCRIPTORS)", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 2, { indirect: true });
    d.addIndirect(new Array(100).fill(0).map(() => ({ len: 1 })));
    assert.equal(d.vq.pop()!.readable.length, 100);
  });

  test("indirect without VIRTIO_F_INDIRECT_DESC is refused", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.addIndirect([{ data: bytes(1) }]);
    throwsKind(() => d.vq.pop(), "IndirectNotNegotiated");
  });

  test("an indirect table that points to another indirect table is refused", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { indirect: true });
    const inner = ram.alloc(16);
    d.writeDesc(0, ram.base + 0x3_0000, 4, 0, 0, inner);
    const outer = ram.alloc(16);
    d.writeDesc(0, inner, 16, VIRTQ_DESC_F_INDIRECT, 0, outer);
    d.writeDesc(0, outer, 16, VIRTQ_DESC_F_INDIRECT, 0);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "NestedIndirect");
  });

  test("indirect with NEXT, a zero or ragged table length, a table outside RAM", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { indirect: true });
    const t = ram.alloc(32);
    d.writeDesc(0, t, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "BadIndirect");
    for (const len of [0, 17]) {
      d.writeDesc(0, t, len, VIRTQ_DESC_F_INDIRECT, 0);
      d.publish(0);
      throwsKind(() => d.vq.pop(), "BadIndirect");
    }
    d.writeDesc(0, ram.base + ram.bytes.length - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "OutsideRam");
  });

  test("a loop inside an indirect table, and a next past its end, are refused", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { indirect: true });
    const t = ram.alloc(32);
    d.writeDesc(0, ram.base + 0x3_0000, 1, VIRTQ_DESC_F_NEXT, 1, t);
    d.writeDesc(1, ram.base + 0x3_0000, 1, VIRTQ_DESC_F_NEXT, 0, t);
    d.writeDesc(0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "ChainTooLong");
    d.writeDesc(1, ram.base + 0x3_0000, 1, VIRTQ_DESC_F_NEXT, 2, t);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "DescriptorIndex");
  });

  test("a huge indirect table is walked at most MAX_INDIRECT_DESCRIPTORS deep", () => {
    const ram = new TestRam(1 << 20);
    const d = new TestDriver(ram, 8, { indirect: true });
    const n = MAX_INDIRECT_DESCRIPTORS + 8;
    const t = ram.alloc(16 * n);
    for (let i = 0; i < n; i++) d.writeDesc(i, ram.base + 0x3_0000, 1, VIRTQ_DESC_F_NEXT, i + 1, t);
    d.writeDesc(0, t, 16 * n, VIRTQ_DESC_F_INDIRECT, 0);
    d.publish(0);
    throwsKind(() => d.vq.pop(), "DescriptorIndex");
  });
});

describe("virtqueue: notification suppression", () => {
  test("VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the interrupt; nothing new, no interrupt", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    assert.equal(d.vq.needsInterrupt(), false);
    d.add([{ len: 1 }]);
    d.vq.addUsed(d.vq.pop()!.head, 0);
    assert.equal(d.vq.needsInterrupt(), true);
    assert.equal(d.vq.needsInterrupt(), false);
    d.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
    d.add([{ len: 1 }]);
    d.vq.addUsed(d.vq.pop()!.head, 0);
    assert.equal(d.vq.needsInterrupt(), false);
  });

  test("EVENT_IDX: interrupt only when used.idx passes used_event, also across the wrap", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { eventIdx: true });
    const complete = (n: number) => { for (let i = 0; i < n; i++) { d.add([{ addr: ram.base + 0x3_0000, len: 1 }]); d.vq.addUsed(d.vq.pop()!.head, 0); } };
    d.setUsedEvent(2); // interrupt when the entry at index 2 is used (used.idx goes 2 -> 3)
    complete(2);
    assert.equal(d.vq.needsInterrupt(), false);
    complete(1);
    assert.equal(d.vq.needsInterrupt(), true);
    complete(3);
    assert.equal(d.vq.needsInterrupt(), false, "used_event is behind: no interrupt");
    // Near the wrap: used_event = 0xffff, used.idx goes 0xfffe -> 0x0001.
    for (let i = 0; i < 65536 - 6 - 2; i++) { complete(1); d.vq.needsInterrupt(); }
    assert.equal(d.vq.position().usedIdx, 0xfffe);
    d.setUsedEvent(0xffff);
    complete(3);
    assert.equal(d.vq.needsInterrupt(), true);
  });

  test("EVENT_IDX: pop keeps avail_event at the next index to read", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { eventIdx: true });
    assert.equal(d.vq.pop(), undefined);
    assert.equal(d.availEvent(), 0);
    d.add([{ len: 1 }]);
    d.add([{ len: 1 }]);
    d.vq.pop();
    assert.equal(d.availEvent(), 1);
    d.vq.pop();
    assert.equal(d.vq.pop(), undefined);
    assert.equal(d.availEvent(), 2);
  });

  test("setNotification toggles used.flags NO_NOTIFY", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8);
    d.vq.setNotification(false);
    assert.equal(d.usedFlags(), VIRTQ_USED_F_NO_NOTIFY);
    d.vq.setNotification(true);
    assert.equal(d.usedFlags(), 0);
  });

  test("reset returns to the power-on state", () => {
    const ram = new TestRam();
    const d = new TestDriver(ram, 8, { maxSize: 16 });
    d.add([{ len: 1 }]);
    d.vq.pop();
    d.vq.reset();
    assert.equal(d.vq.ready, false);
    assert.equal(d.vq.size, 16);
    assert.deepEqual(d.vq.position(), { lastAvail: 0, usedIdx: 0 });
  });
});
