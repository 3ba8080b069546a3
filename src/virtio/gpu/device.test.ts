import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { feature } from "../device.js";
import { VirtioError } from "../errors.js";
import { TestDriver, TestRam, testContext } from "../testing.js";
import { GPU_CURSOR_QUEUE } from "./device.js";
import {
  type CursorState, type Rect, type ScanoutSink, VIRTIO_GPU_CMD_GET_DISPLAY_INFO, VIRTIO_GPU_CMD_GET_EDID,
  VIRTIO_GPU_CMD_MOVE_CURSOR, VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D,
  VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_RESOURCE_UNREF,
  VIRTIO_GPU_CMD_SET_SCANOUT, VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, VIRTIO_GPU_CMD_UPDATE_CURSOR, VIRTIO_GPU_F_EDID,
  VIRTIO_GPU_FLAG_FENCE, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM,
  VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM,
  VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER as BAD_PARAM, VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID as BAD_RES,
  VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID as BAD_SCANOUT, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
  VIRTIO_GPU_RESP_ERR_UNSPEC as UNSPEC, VIRTIO_GPU_RESP_OK_DISPLAY_INFO, VIRTIO_GPU_RESP_OK_EDID,
  VIRTIO_GPU_RESP_OK_NODATA as OK, VirtioGpu,
} from "./index.js";

/** A sink that records what the host side would see. */
class RecordingSink implements ScanoutSink {
  readonly sizes: Array<[number, number]> = [];
  readonly damaged: Array<{ rect: Rect; rgba: Uint8Array }> = [];
  readonly cursors: CursorState[] = [];
  resize(w: number, h: number): void { this.sizes.push([w, h]); }
  damage(rect: Rect, rgba: Uint8Array): void { this.damaged.push({ rect, rgba: rgba.slice() }); }
  cursor(s: CursorState): void { this.cursors.push(s); }
}

function setup(opts: { edid?: boolean; maxHostMemory?: number; mode?: { width: number; height: number } } = {}) {
  const ram = new TestRam(4 << 20);
  const ctrl = new TestDriver(ram, 64, { ringBase: ram.base });
  const cursor = new TestDriver(ram, 16, { ringBase: ram.base + 0x4_0000, index: 1 });
  const sink = new RecordingSink();
  const logs: string[] = [];
  const gpu = new VirtioGpu({ sink, log: (l) => logs.push(l), ...(opts.maxHostMemory ? { maxHostMemory: opts.maxHostMemory } : {}), ...(opts.mode ? { mode: opts.mode } : {}) });
  const ctx = testContext(ram, [ctrl.vq, cursor.vq], opts.edid === false ? 0n : feature(VIRTIO_GPU_F_EDID));
  gpu.activate(ctx);
  /** Send one control command (header + u32 fields + extra bytes); returns the response type, flags, fence and body. */
  const send = (type: number, fields: readonly number[] = [], o: { flags?: number; fence?: bigint; extra?: Uint8Array; respLen?: number } = {}) => {
    const cmd = new Uint8Array(24 + 4 * fields.length), dv = new DataView(cmd.buffer);
    dv.setUint32(0, type, true);
    dv.setUint32(4, o.flags ?? 0, true);
    dv.setBigUint64(8, o.fence ?? 0n, true);
    dv.setUint32(16, 7, true); // ctx_id, echoed
    fields.forEach((f, i) => dv.setUint32(24 + 4 * i, f >>> 0, true));
    const respLen = o.respLen ?? 2048, resp = ram.alloc(respLen);
    ctrl.add([{ data: cmd }, ...(o.extra ? [{ data: o.extra }] : []), { addr: resp, len: respLen, write: true }]);
    gpu.notify(0, ctrl.vq);
    const [used] = ctrl.takeUsed();
    const rv = new DataView(ram.bytes.buffer, resp - ram.base, respLen);
    return { type: rv.getUint32(0, true), flags: rv.getUint32(4, true), fence: rv.getBigUint64(8, true), ctxId: rv.getUint32(16, true), len: used!.len, body: ram.view(resp + 24, used!.len - 24) };
  };
  return { ram, ctrl, cursor, sink, gpu, ctx, logs, send };
}

/** mem entries (le64 addr, le32 len, le32 pad) for ATTACH_BACKING. */
function entries(list: ReadonlyArray<readonly [number, number]>): Uint8Array {
  const b = new Uint8Array(16 * list.length), dv = new DataView(b.buffer);
  list.forEach(([addr, len], i) => { dv.setBigUint64(16 * i, BigInt(addr), true); dv.setUint32(16 * i + 8, len, true); });
  return b;
}

/** A w×h B8G8R8X8 resource 1 with a two-piece backing, shown on scanout 0. Returns the backing's pieces. */
function framebuffer(s: ReturnType<typeof setup>, w: number, h: number, format = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM) {
  assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [1, format, w, h]).type, OK);
  const size = w * h * 4, half = (size / 2) & ~3;
  const a = s.ram.alloc(half), gap = s.ram.alloc(64), b = s.ram.alloc(size - half);
  assert.ok(gap < b);
  assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 2], { extra: entries([[a, half], [b, size - half]]) }).type, OK);
  assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, w, h, 0, 1]).type, OK);
  /** Write pixel (x, y) of the backing as 4 bytes in memory order. */
  const poke = (x: number, y: number, bytes: readonly number[]) => {
    const off = (y * w + x) * 4;
    const addr = off < half ? a + off : b + off - half;
    s.ram.view(addr, 4).set(bytes);
  };
  return { poke, pieces: [[a, half], [b, size - half]] as const };
}

const rgbaAt = (d: { rect: Rect; rgba: Uint8Array }, x: number, y: number) => [...d.rgba.subarray((y * d.rect.width + x) * 4, (y * d.rect.width + x) * 4 + 4)];

describe("virtio-gpu", () => {
  test("config: one scanout, no capsets; events_clear clears events_read; EDID is offered", () => {
    const { gpu } = setup();
    const dv = new DataView(gpu.config().buffer);
    assert.equal(dv.getUint32(8, true), 1);
    assert.equal(dv.getUint32(12, true), 0);
    dv.setUint32(0, 1, true);
    gpu.writeConfig(4, Uint8Array.of(1, 0, 0, 0));
    assert.equal(dv.getUint32(0, true), 0);
    assert.equal(gpu.features(), feature(VIRTIO_GPU_F_EDID));
  });

  test("GET_DISPLAY_INFO: scanout 0 enabled at the configured mode, the other 15 off", () => {
    const s = setup({ mode: { width: 1024, height: 768 } });
    const r = s.send(VIRTIO_GPU_CMD_GET_DISPLAY_INFO);
    assert.equal(r.type, VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
    assert.equal(r.len, 24 + 16 * 24);
    const dv = new DataView(r.body.buffer, r.body.byteOffset);
    assert.deepEqual([0, 4, 8, 12, 16].map((o) => dv.getUint32(o, true)), [0, 0, 1024, 768, 1]);
    for (let i = 1; i < 16; i++) assert.equal(dv.getUint32(24 * i + 16, true), 0, `scanout ${i} disabled`);
    assert.equal(r.ctxId, 7, "the header's ctx_id comes back");
  });

  test("GET_EDID: a 128-byte block for scanout 0 when negotiated; errors otherwise", () => {
    const s = setup();
    const r = s.send(VIRTIO_GPU_CMD_GET_EDID, [0, 0]);
    assert.equal(r.type, VIRTIO_GPU_RESP_OK_EDID);
    assert.equal(r.len, 24 + 8 + 1024);
    assert.equal(new DataView(r.body.buffer, r.body.byteOffset).getUint32(0, true), 128);
    const edid = r.body.subarray(8, 136);
    assert.deepEqual([...edid.subarray(0, 8)], [0, 255, 255, 255, 255, 255, 255, 0]);
    assert.equal(edid.reduce((a, b) => a + b, 0) % 256, 0, "checksum");
    assert.equal(edid[56]! | (edid[58]! >> 4) << 8, 1280, "the preferred timing is 1280 wide");
    assert.equal(edid[59]! | (edid[61]! >> 4) << 8, 800, "and 800 high");
    assert.equal(s.send(VIRTIO_GPU_CMD_GET_EDID, [1, 0]).type, BAD_SCANOUT);
    assert.equal(setup({ edid: false }).send(VIRTIO_GPU_CMD_GET_EDID, [0, 0]).type, UNSPEC);
  });

  test("create, attach a scattered backing, scan out, transfer, flush: the sink gets the flushed rectangle in RGBA", () => {
    const s = setup();
    const fb = framebuffer(s, 64, 32);
    assert.deepEqual(s.sink.sizes, [[64, 32]]);
    fb.poke(10, 20, [0x11, 0x22, 0x33, 0x00]); // B G R X
    fb.poke(13, 22, [0xff, 0x00, 0x80, 0x00]);
    fb.poke(0, 31, [1, 2, 3, 4]); // in the second piece of the backing, outside the transfer below
    const offset = (20 * 64 + 10) * 4;
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [10, 20, 4, 3, offset, 0, 1, 0]).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [8, 19, 8, 5, 1, 0]).type, OK);
    assert.equal(s.sink.damaged.length, 1);
    const d = s.sink.damaged[0]!;
    assert.deepEqual(d.rect, { x: 8, y: 19, width: 8, height: 5 }, "damage is the flushed rectangle, not the frame");
    assert.deepEqual(rgbaAt(d, 2, 1), [0x33, 0x22, 0x11, 255]);
    assert.deepEqual(rgbaAt(d, 5, 3), [0x80, 0x00, 0xff, 255]);
    assert.deepEqual(rgbaAt(d, 0, 0), [0, 0, 0, 255], "not transferred yet: black");
    // A whole-frame transfer brings the pixel in the second piece too.
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 64, 32, 0, 0, 1, 0]).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [0, 0, 64, 32, 1, 0]).type, OK);
    assert.deepEqual(rgbaAt(s.sink.damaged[1]!, 0, 31), [3, 2, 1, 255]);
    const overlaps = ([a, n]: readonly [number, number], [b, m]: readonly [number, number]) => a < b + m && b < a + n;
    assert.ok(s.ram.invalidated.every((w) => fb.pieces.every((p) => !overlaps(w, p))), "the device never wrote the backing");
  });

  test("a flush of a resource shown through an offset scanout rectangle yields scanout coordinates, clipped", () => {
    const s = setup();
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [5, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 100, 100]).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [20, 30, 50, 40, 0, 5]).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [10, 60, 30, 30, 5, 0]).type, OK);
    assert.deepEqual(s.sink.damaged.map((d) => d.rect), [{ x: 0, y: 30, width: 20, height: 10 }]);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [0, 0, 10, 10, 5, 0]).type, OK, "outside the scanout: nothing to show");
    assert.equal(s.sink.damaged.length, 1);
  });

  test("the formats Linux uses map to RGBA; the scanout is opaque, a cursor keeps its alpha", () => {
    const cases: Array<[number, number[], number[]]> = [
      [VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, [1, 2, 3, 4], [3, 2, 1, 255]],
      [VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, [1, 2, 3, 4], [3, 2, 1, 255]],
      [VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, [1, 2, 3, 4], [2, 3, 4, 255]],
      [VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, [1, 2, 3, 4], [1, 2, 3, 255]],
      [VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, [1, 2, 3, 4], [4, 3, 2, 255]],
    ];
    for (const [format, bytes, rgba] of cases) {
      const s = setup();
      framebuffer(s, 16, 16, format).poke(0, 0, bytes);
      s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 16, 16, 0, 0, 1, 0]);
      s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [0, 0, 1, 1, 1, 0]);
      assert.deepEqual(rgbaAt(s.sink.damaged[0]!, 0, 0), rgba, `format ${format}`);
    }
  });

  test("fences: the response carries FLAG_FENCE and the fence id, once the command is done", () => {
    const s = setup();
    const r = s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [3, VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, 8, 8], { flags: VIRTIO_GPU_FLAG_FENCE, fence: 0x1_0000_0042n });
    assert.deepEqual([r.type, r.flags, r.fence], [OK, VIRTIO_GPU_FLAG_FENCE, 0x1_0000_0042n]);
    const plain = s.send(VIRTIO_GPU_CMD_RESOURCE_UNREF, [3, 0]);
    assert.deepEqual([plain.type, plain.flags], [OK, 0]);
    const refused = s.send(VIRTIO_GPU_CMD_RESOURCE_UNREF, [3, 0], { flags: VIRTIO_GPU_FLAG_FENCE, fence: 9n });
    assert.deepEqual([refused.type, refused.flags, refused.fence], [BAD_RES, VIRTIO_GPU_FLAG_FENCE, 9n], "a refused command still completes its fence");
  });

  test("malformed commands get the spec's error responses and change nothing", () => {
    const s = setup({ maxHostMemory: 1 << 20 });
    const X = VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM;
    // Resources that do not exist.
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_UNREF, [9, 0]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [9, 1], { extra: entries([[s.ram.alloc(64), 64]]) }).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, [9, 0]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 16, 16, 0, 9]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 1, 1, 0, 0, 9, 0]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [0, 0, 1, 1, 9, 0]).type, BAD_RES);
    // Creation: id 0, a duplicate, a format we do not know, an empty size, more memory than allowed.
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [0, X, 8, 8]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [1, X, 32, 32]).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [1, X, 8, 8]).type, BAD_RES);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [2, 999, 8, 8]).type, BAD_PARAM);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [2, X, 0, 8]).type, BAD_PARAM);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [2, X, 0xffff_ffff, 0xffff_ffff]).type, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [2, X, 512, 512]).type, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY, "1 MiB: over the limit with resource 1");
    // Backing outside guest RAM (below, past the end, an address above 2^53): refused, nothing attached.
    const inRam = s.ram.alloc(4096);
    for (const bad of [[0x1000, 4096], [s.ram.base + s.ram.bytes.length - 16, 32], [2 ** 60, 16]] as const) {
      assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 2], { extra: entries([[inRam, 4096], bad]) }).type, UNSPEC);
    }
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 1, 1, 0, 0, 1, 0]).type, UNSPEC, "no backing was attached");
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING, [1, 0]).type, UNSPEC);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 0]).type, UNSPEC, "no entries");
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 4], { extra: entries([[inRam, 4096]]) }).type, UNSPEC, "fewer entries than it says");
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 1], { extra: entries([[inRam, 1024]]) }).type, OK);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [1, 1], { extra: entries([[inRam, 1024]]) }).type, UNSPEC, "backing twice");
    // Rectangles outside the resource (32x32), also where x + width wraps a u32.
    for (const rect of [[0, 0, 33, 1], [0, 31, 1, 2], [0xffff_ffff, 0, 2, 1], [1, 0, 0xffff_ffff, 1]]) {
      assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [...rect, 0, 0, 1, 0]).type, BAD_PARAM, `transfer ${rect}`);
      assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [...rect, 1, 0]).type, BAD_PARAM, `flush ${rect}`);
      assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [...rect, 0, 1]).type, BAD_PARAM, `scanout ${rect}`);
    }
    // Inside the resource but past the 1 KiB backing; a huge offset.
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 32, 32, 0, 0, 1, 0]).type, BAD_PARAM);
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 1, 1, 0xffff_fff0, 0xffff_ffff, 1, 0]).type, BAD_PARAM);
    assert.equal(s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 32, 8, 0, 0, 1, 0]).type, OK, "the first KiB is there");
    // A scanout that does not exist; commands that are short, unknown or 3D.
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 16, 16, 1, 1]).type, BAD_SCANOUT);
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 16, 16, 0xffff_ffff, 0]).type, BAD_SCANOUT);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [5, X]).type, UNSPEC, "short");
    assert.equal(s.send(0x0200, [0, 0, 0, 0]).type, UNSPEC, "3D context create");
    assert.equal(s.send(0xdead).type, UNSPEC);
    assert.deepEqual(s.sink.sizes, [], "no scanout was ever set");
    assert.ok(s.gpu.stats.refused >= 30);
    assert.ok(s.logs.length === 5 && s.logs[4]!.includes("counted, not logged"), "refusals are logged, rate-limited");
    assert.match(s.logs[0]!, /RESOURCE_UNREF of resource 9, which does not exist/);
    // And it still works.
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 32, 32, 0, 1]).type, OK);
    assert.deepEqual(s.sink.sizes, [[32, 32]]);
  });

  test("a chain with no room for the response is a VirtioError (the transport sets NEEDS_RESET)", () => {
    const s = setup();
    assert.throws(() => s.send(VIRTIO_GPU_CMD_GET_DISPLAY_INFO, [], { respLen: 100 }), (e: unknown) => e instanceof VirtioError && e.info.kind === "ShortChain");
  });

  test("unref of the scanned-out resource turns the scanout off; SET_SCANOUT 0 too; reset forgets everything", () => {
    const s = setup();
    framebuffer(s, 32, 16);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_UNREF, [1, 0]).type, OK);
    assert.deepEqual(s.sink.sizes, [[32, 16], [0, 0]]);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_FLUSH, [0, 0, 1, 1, 1, 0]).type, BAD_RES);
    framebuffer(s, 32, 16);
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 0, 0, 0, 0]).type, OK);
    assert.deepEqual(s.sink.sizes.slice(2), [[32, 16], [0, 0]]);
    assert.equal(s.send(VIRTIO_GPU_CMD_SET_SCANOUT, [0, 0, 32, 16, 0, 1]).type, OK);
    s.gpu.reset();
    assert.deepEqual(s.sink.sizes.slice(4), [[32, 16], [0, 0]]);
    s.gpu.activate(s.ctx);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_UNREF, [1, 0]).type, BAD_RES, "resources do not survive a reset");
  });

  test("the cursor queue: UPDATE_CURSOR gives the sink the image with its alpha, MOVE_CURSOR the position; no response bytes", () => {
    const s = setup();
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [4, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 64, 64]).type, OK);
    const pix = s.ram.alloc(64 * 64 * 4);
    s.ram.view(pix, 4).set([10, 20, 30, 128]);
    s.send(VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, [4, 1], { extra: entries([[pix, 64 * 64 * 4]]) });
    s.send(VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, [0, 0, 64, 64, 0, 0, 4, 0]);
    const cursorCmd = (type: number, x: number, y: number, res: number, scanout = 0) => {
      const b = new Uint8Array(56), dv = new DataView(b.buffer);
      dv.setUint32(0, type, true);
      [scanout, x, y, 0, res, 3, 5].forEach((v, i) => dv.setUint32(24 + 4 * i, v, true));
      s.cursor.add([{ data: b }]);
      s.gpu.notify(GPU_CURSOR_QUEUE, s.cursor.vq);
      return s.cursor.takeUsed();
    };
    assert.deepEqual(cursorCmd(VIRTIO_GPU_CMD_UPDATE_CURSOR, 100, 50, 4).map((u) => u.len), [0]);
    const c = s.sink.cursors[0]!;
    assert.deepEqual([c.x, c.y, c.hotX, c.hotY, c.image?.width], [100, 50, 3, 5, 64]);
    assert.deepEqual([...c.image!.rgba.subarray(0, 4)], [30, 20, 10, 128]);
    cursorCmd(VIRTIO_GPU_CMD_MOVE_CURSOR, 7, 8, 0);
    assert.deepEqual([s.sink.cursors[1]!.x, s.sink.cursors[1]!.y, s.sink.cursors[1]!.image?.width], [7, 8, 64]);
    cursorCmd(VIRTIO_GPU_CMD_UPDATE_CURSOR, 7, 8, 0);
    assert.equal(s.sink.cursors[2]!.image, undefined, "resource 0 hides it");
    const refused = s.gpu.stats.refused;
    cursorCmd(VIRTIO_GPU_CMD_UPDATE_CURSOR, 1, 1, 99);
    assert.equal(s.send(VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, [5, VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, 1024, 64]).type, OK);
    cursorCmd(VIRTIO_GPU_CMD_UPDATE_CURSOR, 1, 1, 5);
    cursorCmd(VIRTIO_GPU_CMD_MOVE_CURSOR, 1, 1, 0, 3);
    s.cursor.add([{ data: new Uint8Array(8) }]);
    s.gpu.notify(GPU_CURSOR_QUEUE, s.cursor.vq);
    assert.equal(s.gpu.stats.refused, refused + 4, "unknown resource, an image too big, bad scanout, short command: counted");
    assert.equal(s.sink.cursors.length, 3);
  });
});
