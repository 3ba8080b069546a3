import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtioError } from "../errors.js";
import { TestDriver, TestRam, testContext } from "../testing.js";
import { BLK_BOUNCE_BYTES } from "./device.js";
import {
  VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK, VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VirtioBlk,
} from "./index.js";
import { MemoryBackend } from "./testing.js";

function setup(opts: { size?: number; readOnly?: boolean } = {}) {
  const ram = new TestRam(1 << 20);
  const d = new TestDriver(ram, 16, { indirect: true });
  const disk = new MemoryBackend(opts.size ?? 64 * 512);
  for (let i = 0; i < disk.size; i++) disk.bytes[i] = (i >> 9) & 0xff; // each sector holds its number
  const logs: string[] = [];
  const blk = new VirtioBlk({ backend: disk, readOnly: opts.readOnly ?? false, serial: "disk-serial-0123456789abc", log: (l) => logs.push(l) });
  const ctx = testContext(ram, [d.vq]);
  blk.activate(ctx);
  return { ram, d, disk, blk, ctx, logs };
}

function header(type: number, sector: bigint | number): Uint8Array {
  const b = new Uint8Array(16), dv = new DataView(b.buffer);
  dv.setUint32(0, type, true);
  dv.setBigUint64(8, BigInt(sector), true);
  return b;
}

/** Submit one request; returns its used length, the status byte and the data buffer's address. */
function request(s: ReturnType<typeof setup>, type: number, sector: bigint | number, data: { out?: Uint8Array; inLen?: number } = {}) {
  const statusAddr = s.ram.alloc(1);
  const bufs = [{ data: header(type, sector) }];
  if (data.out) bufs.push({ data: data.out });
  const inAddr = data.inLen !== undefined ? s.ram.alloc(data.inLen) : 0;
  const all = [...bufs, ...(data.inLen !== undefined ? [{ addr: inAddr, len: data.inLen, write: true }] : []), { addr: statusAddr, len: 1, write: true }];
  s.ram.view(statusAddr, 1)[0] = 0xee;
  const head = s.d.add(all);
  s.blk.notify(0, s.d.vq);
  const used = s.d.takeUsed();
  assert.equal(used.length, 1);
  assert.equal(used[0]!.id, head);
  return { len: used[0]!.len, status: s.ram.view(statusAddr, 1)[0], data: inAddr ? s.ram.view(inAddr, data.inLen!) : new Uint8Array(0) };
}

describe("virtio-blk", () => {
  test("config: capacity in sectors, seg_max, blk_size; features: FLUSH, RO only when read-only", () => {
    const rw = setup({ size: 10 * 512 + 100 });
    const dv = new DataView(rw.blk.config().buffer);
    assert.equal(dv.getBigUint64(0, true), 10n, "a ragged tail is not a sector");
    assert.equal(dv.getUint32(12, true), 254);
    assert.equal(dv.getUint32(20, true), 512);
    assert.ok(rw.blk.features() & (1n << BigInt(VIRTIO_BLK_F_FLUSH)));
    assert.equal(rw.blk.features() & (1n << BigInt(VIRTIO_BLK_F_RO)), 0n);
    assert.ok(setup({ readOnly: true }).blk.features() & (1n << BigInt(VIRTIO_BLK_F_RO)));
  });

  test("IN reads sectors into the writable buffers; used length counts data and status", () => {
    const s = setup();
    const r = request(s, VIRTIO_BLK_T_IN, 3, { inLen: 1024 });
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(r.len, 1025);
    assert.equal(r.data[0], 3);
    assert.equal(r.data[1023], 4);
    assert.ok(s.ram.invalidated.some(([a, n]) => n === 1024), "the read data's range is reported to the harts");
  });

  test("OUT writes the readable data at the sector; the rest of the disk is untouched", () => {
    const s = setup();
    const before = s.disk.bytes.slice();
    const r = request(s, VIRTIO_BLK_T_OUT, 5, { out: new Uint8Array(512).fill(0xab) });
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(r.len, 1);
    assert.ok(s.disk.bytes.subarray(5 * 512, 6 * 512).every((b) => b === 0xab));
    assert.deepEqual(s.disk.bytes.subarray(0, 5 * 512), before.subarray(0, 5 * 512));
    assert.deepEqual(s.disk.bytes.subarray(6 * 512), before.subarray(6 * 512));
  });

  test("reads and writes past the end, straddling it, or at absurd sectors are IOERR and never reach the backend", () => {
    const s = setup();
    for (const [type, sector, len] of [[VIRTIO_BLK_T_IN, 64, 512], [VIRTIO_BLK_T_IN, 63, 1024], [VIRTIO_BLK_T_OUT, 63, 1024], [VIRTIO_BLK_T_OUT, 0xffff_ffff_ffff_ffffn, 512], [VIRTIO_BLK_T_IN, 2n ** 55n, 512]] as const) {
      s.disk.calls.length = 0;
      const r = type === VIRTIO_BLK_T_IN ? request(s, type, sector, { inLen: len }) : request(s, type, sector, { out: new Uint8Array(len) });
      assert.equal(r.status, VIRTIO_BLK_S_IOERR, `${type} ${sector}`);
      assert.deepEqual(s.disk.calls, []);
    }
    assert.equal(s.blk.stats.ioErrors, 5);
    assert.equal(s.logs.length, 5);
    assert.match(s.logs[0]!, /past the end of the disk \(64 sectors\)/);
  });

  test("a read-only disk refuses every write with IOERR; reads and flushes work", () => {
    const s = setup({ readOnly: true });
    const before = s.disk.bytes.slice();
    assert.equal(request(s, VIRTIO_BLK_T_OUT, 0, { out: new Uint8Array(512).fill(1) }).status, VIRTIO_BLK_S_IOERR);
    assert.deepEqual(s.disk.bytes, before);
    assert.equal(request(s, VIRTIO_BLK_T_IN, 1, { inLen: 512 }).status, VIRTIO_BLK_S_OK);
    assert.equal(request(s, VIRTIO_BLK_T_FLUSH, 0).status, VIRTIO_BLK_S_OK);
  });

  test("FLUSH calls the backend's flush before completing; a failing flush is IOERR", () => {
    const s = setup();
    assert.equal(request(s, VIRTIO_BLK_T_FLUSH, 0).status, VIRTIO_BLK_S_OK);
    assert.equal(s.disk.flushes, 1);
    s.disk.failNext = true;
    assert.equal(request(s, VIRTIO_BLK_T_FLUSH, 0).status, VIRTIO_BLK_S_IOERR);
    assert.match(s.logs[0]!, /host flush failed: EIO/);
  });

  test("a host read error is IOERR", () => {
    const s = setup();
    s.disk.failNext = true;
    assert.equal(request(s, VIRTIO_BLK_T_IN, 0, { inLen: 512 }).status, VIRTIO_BLK_S_IOERR);
  });

  test("GET_ID writes the 20-byte serial; unknown types are UNSUPP", () => {
    const s = setup();
    const r = request(s, VIRTIO_BLK_T_GET_ID, 0, { inLen: 20 });
    assert.equal(r.status, VIRTIO_BLK_S_OK);
    assert.equal(new TextDecoder().decode(r.data), "disk-serial-01234567");
    assert.equal(r.len, 21);
    assert.equal(request(s, 11 /* DISCARD */, 0, { out: new Uint8Array(16) }).status, VIRTIO_BLK_S_UNSUPP);
  });

  test("ragged lengths and swapped directions are IOERR", () => {
    const s = setup();
    assert.equal(request(s, VIRTIO_BLK_T_IN, 0, { inLen: 100 }).status, VIRTIO_BLK_S_IOERR);
    assert.equal(request(s, VIRTIO_BLK_T_OUT, 0, { out: new Uint8Array(100) }).status, VIRTIO_BLK_S_IOERR);
    // IN whose data buffer is device-readable; OUT whose data buffer is device-writable
    assert.equal(request(s, VIRTIO_BLK_T_IN, 0, { out: new Uint8Array(512) }).status, VIRTIO_BLK_S_IOERR);
    assert.equal(request(s, VIRTIO_BLK_T_OUT, 0, { inLen: 512 }).status, VIRTIO_BLK_S_IOERR);
  });

  test("a chain with no room for the header or the status is a VirtioError (the transport resets the device)", () => {
    const s = setup();
    s.d.add([{ data: new Uint8Array(8) }, { len: 1, write: true }]);
    assert.throws(() => s.blk.notify(0, s.d.vq), (e: unknown) => e instanceof VirtioError && e.info.kind === "ShortChain");
    s.d.add([{ data: header(VIRTIO_BLK_T_IN, 0) }]);
    assert.throws(() => s.blk.notify(0, s.d.vq), (e: unknown) => e instanceof VirtioError && /status byte/.test(e.message));
  });

  test("a batch of requests gets one signal", () => {
    const s = setup();
    for (let i = 0; i < 3; i++) s.d.add([{ data: header(VIRTIO_BLK_T_IN, i) }, { len: 512, write: true }, { len: 1, write: true }]);
    s.blk.notify(0, s.d.vq);
    assert.equal(s.d.takeUsed().length, 3);
    assert.deepEqual(s.ctx.signals, [0]);
  });

  test("transfers larger than the bounce buffer, over scattered guest buffers, land whole and in order", () => {
    const ram = new TestRam(8 << 20);
    const d = new TestDriver(ram, 16, { indirect: true });
    const disk = new MemoryBackend(4 << 20);
    const blk = new VirtioBlk({ backend: disk, readOnly: false });
    blk.activate(testContext(ram, [d.vq]));
    const n = BLK_BOUNCE_BYTES + (BLK_BOUNCE_BYTES >> 1);
    const pattern = Uint8Array.from({ length: n }, (_, i) => (i * 7 + (i >> 12)) & 0xff);
    const pieces = [pattern.subarray(0, 4096), pattern.subarray(4096, BLK_BOUNCE_BYTES + 512), pattern.subarray(BLK_BOUNCE_BYTES + 512)];
    d.addIndirect([{ data: header(VIRTIO_BLK_T_OUT, 8) }, ...pieces.map((p) => ({ data: p })), { len: 1, write: true }]);
    blk.notify(0, d.vq);
    assert.deepEqual(disk.bytes.subarray(8 * 512, 8 * 512 + n), pattern);
    assert.deepEqual(disk.calls.filter((c) => c.startsWith("write")), [`write 4096 ${BLK_BOUNCE_BYTES}`, `write ${4096 + BLK_BOUNCE_BYTES} ${n - BLK_BOUNCE_BYTES}`], "one host write per bounce-buffer chunk");
    const bufs = [512, n - 1024, 512].map((len) => ({ addr: ram.alloc(len), len, write: true }));
    d.addIndirect([{ data: header(VIRTIO_BLK_T_IN, 8) }, ...bufs, { len: 1, write: true }]);
    blk.notify(0, d.vq);
    assert.equal(d.takeUsed()[1]!.len, n + 1);
    const back = new Uint8Array(n);
    let at = 0;
    for (const b of bufs) { back.set(ram.view(b.addr, b.len), at); at += b.len; }
    assert.deepEqual(back, pattern);
    assert.equal(blk.stats.ioErrors, 0);
  });
});
