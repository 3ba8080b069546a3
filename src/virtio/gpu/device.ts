// virtio-gpu 2D commands (Virtio 1.2 §5.7.6): resources in host memory, their backing
// pages in guest RAM, one scanout, the cursor. Linux's fbdev emulation drives it as:
//
//   GET_EDID, GET_DISPLAY_INFO ─▶ RESOURCE_CREATE_2D ─▶ ATTACH_BACKING (its pages) ─▶ SET_SCANOUT
//   then on each damage: TRANSFER_TO_HOST_2D (pages ─▶ resource) ─▶ RESOURCE_FLUSH (resource ─▶ sink)
//
// Every command is answered in order on the queue it came in, so a fence (FLAG_FENCE) is
// signalled by echoing it on the response: the work is done when the response is written.
// A command the guest gets wrong (an unknown resource, backing outside RAM, a rectangle
// outside its resource, a scanout that does not exist) gets the spec's VIRTIO_GPU_RESP_ERR_*
// and changes nothing; only a chain with no room for the response is a VirtioError.
import { feature, hasFeature, VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import type { GuestMemory } from "../guest-memory.js";
import type { DescriptorChain, Reader, Segment, Virtqueue } from "../queue.js";
import { buildEdid } from "./edid.js";
import {
  BYTES_PER_PIXEL, type CursorState, DEFAULT_DISPLAY_MODE, type DisplayMode, PIXEL_LAYOUTS, type PixelLayout, type Rect,
  type ScanoutSink, VIRTIO_GPU_CFG_EVENTS_CLEAR, VIRTIO_GPU_CFG_EVENTS_READ, VIRTIO_GPU_CFG_NUM_SCANOUTS,
  VIRTIO_GPU_CFG_SIZE, VIRTIO_GPU_CMD_GET_DISPLAY_INFO, VIRTIO_GPU_CMD_GET_EDID, VIRTIO_GPU_CMD_MOVE_CURSOR,
  VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING, VIRTIO_GPU_CMD_RESOURCE_CREATE_2D, VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING,
  VIRTIO_GPU_CMD_RESOURCE_FLUSH, VIRTIO_GPU_CMD_RESOURCE_UNREF, VIRTIO_GPU_CMD_SET_SCANOUT,
  VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D, VIRTIO_GPU_CMD_UPDATE_CURSOR, VIRTIO_GPU_DISPLAY_ONE_SIZE,
  VIRTIO_GPU_EDID_RESP_SIZE, VIRTIO_GPU_F_EDID, VIRTIO_GPU_FLAG_FENCE, VIRTIO_GPU_FLAG_INFO_RING_IDX,
  VIRTIO_GPU_HDR_SIZE, VIRTIO_GPU_MAX_SCANOUTS, VIRTIO_GPU_MEM_ENTRY_SIZE, VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER,
  VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID, VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID, VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY,
  VIRTIO_GPU_RESP_ERR_UNSPEC, VIRTIO_GPU_RESP_OK_DISPLAY_INFO, VIRTIO_GPU_RESP_OK_EDID, VIRTIO_GPU_RESP_OK_NODATA,
} from "./spec.js";

export const GPU_CONTROL_QUEUE = 0;
export const GPU_CURSOR_QUEUE = 1;
export const GPU_QUEUE_SIZES = [256, 16] as const;
/** Host memory the guest's resources may take at once (QEMU's max_hostmem default). */
export const GPU_MAX_HOST_MEMORY = 256 * 1024 * 1024;
/** Most pages one ATTACH_BACKING may list (QEMU's limit): bounds the work per command. */
export const GPU_MAX_BACKING_ENTRIES = 16384;
/** The largest cursor image taken (Linux's is 64x64): each UPDATE_CURSOR copies it. */
export const GPU_MAX_CURSOR = 256;
/** The smallest scanout rectangle (QEMU refuses smaller). */
const MIN_SCANOUT = 16;
const LOGGED_ERRORS = 5;

export interface GpuOptions {
  readonly sink: ScanoutSink;
  /** The mode scanout 0 reports (GET_DISPLAY_INFO, EDID). */
  readonly mode?: DisplayMode;
  readonly label?: string;
  readonly maxHostMemory?: number;
  /** Host log for refused commands (rate-limited here). */
  readonly log?: (line: string) => void;
}

/** Commands served, and those refused with an error response. */
export interface GpuStats {
  commands: number;
  refused: number;
  transfers: number;
  flushes: number;
  cursor: number;
}

interface Resource {
  readonly id: number;
  readonly layout: PixelLayout;
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
  backing: Backing | undefined;
}

/** The guest pages behind a resource, as one byte range through its scatter list. */
class Backing {
  readonly size: number;
  /** starts[i]: the offset in the backing where segs[i] begins. */
  private readonly starts: number[] = [];

  constructor(private readonly mem: GuestMemory, private readonly segs: readonly Segment[]) {
    let at = 0;
    for (const s of segs) { this.starts.push(at); at += s.len; }
    this.size = at;
  }

  /** Copy [off, off + dst.length) of the backing into dst; the caller checked it fits. */
  read(off: number, dst: Uint8Array): void {
    let lo = 0, hi = this.segs.length - 1;
    while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (this.starts[mid]! <= off) lo = mid; else hi = mid - 1; }
    let done = 0;
    for (let i = lo; done < dst.length; i++) {
      const s = this.segs[i]!, skip = off + done - this.starts[i]!;
      const n = Math.min(s.len - skip, dst.length - done);
      this.mem.readInto(s.addr + skip, dst.subarray(done, done + n), "gpu backing");
      done += n;
    }
  }
}

/** A response: its type and the bytes after the header. */
interface Response { readonly type: number; readonly body?: Uint8Array }

export class VirtioGpu implements VirtioDevice {
  readonly type = VIRTIO_ID.gpu;
  readonly label: string;
  readonly queueSizes = GPU_QUEUE_SIZES;
  readonly stats: GpuStats = { commands: 0, refused: 0, transfers: 0, flushes: 0, cursor: 0 };
  readonly mode: DisplayMode;
  private readonly cfg = new Uint8Array(VIRTIO_GPU_CFG_SIZE);
  private readonly resources = new Map<number, Resource>();
  private hostMemory = 0;
  /** What scanout 0 shows, or undefined when the guest has it off. */
  private scanout: { resource: Resource; rect: Rect } | undefined;
  private cursor: CursorState = { x: 0, y: 0, hotX: 0, hotY: 0, image: undefined };
  private ctx: VirtioContext | undefined;
  private scratch = new Uint8Array(0);

  constructor(private readonly opts: GpuOptions) {
    this.label = opts.label ?? "virtio-gpu0";
    this.mode = opts.mode ?? DEFAULT_DISPLAY_MODE;
    new DataView(this.cfg.buffer).setUint32(VIRTIO_GPU_CFG_NUM_SCANOUTS, 1, true);
  }

  features(): bigint { return feature(VIRTIO_GPU_F_EDID); }
  config(): Uint8Array { return this.cfg; }

  /** events_clear is write-to-clear of events_read (§5.7.4); the rest is read-only. */
  writeConfig(offset: number, data: Uint8Array): void {
    if (offset !== VIRTIO_GPU_CFG_EVENTS_CLEAR || data.length !== 4) return;
    const dv = new DataView(this.cfg.buffer), clear = new DataView(data.buffer, data.byteOffset).getUint32(0, true);
    dv.setUint32(VIRTIO_GPU_CFG_EVENTS_READ, dv.getUint32(VIRTIO_GPU_CFG_EVENTS_READ, true) & ~clear, true);
  }

  activate(ctx: VirtioContext): void { this.ctx = ctx; }

  reset(): void {
    this.ctx = undefined;
    this.resources.clear();
    this.hostMemory = 0;
    this.setScanout(undefined);
    if (this.cursor.image) this.opts.sink.cursor(this.cursor = { ...this.cursor, image: undefined });
  }

  notify(q: number, vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) vq.addUsed(c.head, q === GPU_CONTROL_QUEUE ? this.control(c) : this.cursorCommand(c));
    this.ctx?.signalUsed(q);
  }

  /** One control command: parse, run, answer. Returns the bytes written. */
  private control(c: DescriptorChain): number {
    this.stats.commands++;
    const r = c.reader();
    const hdr = r.remaining >= VIRTIO_GPU_HDR_SIZE ? new DataView(r.readExact(VIRTIO_GPU_HDR_SIZE, "a virtio-gpu command header").buffer) : undefined;
    const resp = hdr ? this.run(hdr.getUint32(0, true), r) : this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `a command of ${r.remaining} bytes, shorter than its header`);
    const out = new Uint8Array(VIRTIO_GPU_HDR_SIZE + (resp.body?.length ?? 0)), dv = new DataView(out.buffer);
    dv.setUint32(0, resp.type, true);
    if (hdr) {
      // The fence and ring index come back as they went (§5.7.6.7): that completes the fence.
      dv.setUint32(4, hdr.getUint32(4, true) & (VIRTIO_GPU_FLAG_FENCE | VIRTIO_GPU_FLAG_INFO_RING_IDX), true);
      dv.setBigUint64(8, hdr.getBigUint64(8, true), true);
      dv.setUint32(16, hdr.getUint32(16, true), true);
      out[20] = hdr.getUint8(20);
    }
    if (resp.body) out.set(resp.body, VIRTIO_GPU_HDR_SIZE);
    c.writer().writeAll(out, "a virtio-gpu response");
    return out.length;
  }

  private run(type: number, r: Reader): Response {
    switch (type) {
      case VIRTIO_GPU_CMD_GET_DISPLAY_INFO: return this.displayInfo();
      case VIRTIO_GPU_CMD_GET_EDID: return this.edid(r);
      case VIRTIO_GPU_CMD_RESOURCE_CREATE_2D: return this.create(r);
      case VIRTIO_GPU_CMD_RESOURCE_UNREF: return this.unref(r);
      case VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING: return this.attach(r);
      case VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING: return this.detach(r);
      case VIRTIO_GPU_CMD_SET_SCANOUT: return this.setScanoutCommand(r);
      case VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D: return this.transfer(r);
      case VIRTIO_GPU_CMD_RESOURCE_FLUSH: return this.flush(r);
      default: return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `command 0x${type.toString(16)} is not supported (2D only, no capsets)`);
    }
  }

  private displayInfo(): Response {
    const body = new Uint8Array(VIRTIO_GPU_MAX_SCANOUTS * VIRTIO_GPU_DISPLAY_ONE_SIZE), dv = new DataView(body.buffer);
    dv.setUint32(8, this.mode.width, true);
    dv.setUint32(12, this.mode.height, true);
    dv.setUint32(16, 1, true); // enabled: a display is connected
    return { type: VIRTIO_GPU_RESP_OK_DISPLAY_INFO, body };
  }

  private edid(r: Reader): Response {
    const cmd = this.body(r, 8, "GET_EDID");
    if (!cmd) return this.short("GET_EDID");
    if (!this.ctx || !hasFeature(this.ctx.features, VIRTIO_GPU_F_EDID)) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, "GET_EDID without VIRTIO_GPU_F_EDID negotiated");
    const scanout = cmd.getUint32(0, true);
    if (scanout !== 0) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID, `GET_EDID of scanout ${scanout} (there is one scanout, 0)`);
    const edid = buildEdid(this.mode);
    const body = new Uint8Array(VIRTIO_GPU_EDID_RESP_SIZE - VIRTIO_GPU_HDR_SIZE);
    new DataView(body.buffer).setUint32(0, edid.length, true);
    body.set(edid, 8);
    return { type: VIRTIO_GPU_RESP_OK_EDID, body };
  }

  private create(r: Reader): Response {
    const cmd = this.body(r, 16, "RESOURCE_CREATE_2D");
    if (!cmd) return this.short("RESOURCE_CREATE_2D");
    const [id, format, width, height] = [0, 4, 8, 12].map((o) => cmd.getUint32(o, true)) as [number, number, number, number];
    if (id === 0 || this.resources.has(id)) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID, `RESOURCE_CREATE_2D of resource ${id}, ${id === 0 ? "which is reserved" : "which exists"}`);
    const layout = PIXEL_LAYOUTS.get(format);
    if (!layout) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `RESOURCE_CREATE_2D with format ${format}, not one of ${[...PIXEL_LAYOUTS.keys()].join(", ")}`);
    if (width === 0 || height === 0) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `RESOURCE_CREATE_2D of ${width}x${height}`);
    const bytes = width * height * BYTES_PER_PIXEL, limit = this.opts.maxHostMemory ?? GPU_MAX_HOST_MEMORY;
    if (bytes > limit - this.hostMemory) return this.refuse(VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY, `RESOURCE_CREATE_2D of ${width}x${height}: ${bytes} bytes, ${limit - this.hostMemory} left of ${limit}`);
    this.hostMemory += bytes;
    this.resources.set(id, { id, layout, width, height, pixels: new Uint8Array(bytes), backing: undefined });
    return ok();
  }

  private unref(r: Reader): Response {
    const cmd = this.body(r, 8, "RESOURCE_UNREF");
    if (!cmd) return this.short("RESOURCE_UNREF");
    const res = this.resource(cmd.getUint32(0, true), "RESOURCE_UNREF");
    if ("type" in res) return res;
    if (this.scanout?.resource === res) this.setScanout(undefined);
    this.resources.delete(res.id);
    this.hostMemory -= res.pixels.length;
    return ok();
  }

  private attach(r: Reader): Response {
    const cmd = this.body(r, 8, "RESOURCE_ATTACH_BACKING");
    if (!cmd) return this.short("RESOURCE_ATTACH_BACKING");
    const res = this.resource(cmd.getUint32(0, true), "RESOURCE_ATTACH_BACKING");
    if ("type" in res) return res;
    const n = cmd.getUint32(4, true);
    if (n === 0 || n > GPU_MAX_BACKING_ENTRIES) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `RESOURCE_ATTACH_BACKING with ${n} entries (1 to ${GPU_MAX_BACKING_ENTRIES})`);
    if (r.remaining < n * VIRTIO_GPU_MEM_ENTRY_SIZE) return this.short("RESOURCE_ATTACH_BACKING's entries");
    if (res.backing) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `RESOURCE_ATTACH_BACKING to resource ${res.id}, which has backing`);
    const entries = new DataView(r.readExact(n * VIRTIO_GPU_MEM_ENTRY_SIZE, "backing entries").buffer), segs: Segment[] = [];
    const mem = this.ctx!.mem;
    for (let i = 0; i < n; i++) {
      const lo = entries.getUint32(16 * i, true), hi = entries.getUint32(16 * i + 4, true), len = entries.getUint32(16 * i + 8, true);
      const addr = hi >= 1 << 21 ? Infinity : hi * 2 ** 32 + lo;
      if (!mem.contains(addr, len)) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `RESOURCE_ATTACH_BACKING entry ${i} [0x${(hi * 2 ** 32 + lo).toString(16)}, +0x${len.toString(16)}) lies outside guest RAM`);
      if (len > 0) segs.push({ addr, len });
    }
    res.backing = new Backing(mem, segs);
    return ok();
  }

  private detach(r: Reader): Response {
    const cmd = this.body(r, 8, "RESOURCE_DETACH_BACKING");
    if (!cmd) return this.short("RESOURCE_DETACH_BACKING");
    const res = this.resource(cmd.getUint32(0, true), "RESOURCE_DETACH_BACKING");
    if ("type" in res) return res;
    if (!res.backing) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `RESOURCE_DETACH_BACKING of resource ${res.id}, which has none`);
    res.backing = undefined;
    return ok();
  }

  private setScanoutCommand(r: Reader): Response {
    const cmd = this.body(r, 24, "SET_SCANOUT");
    if (!cmd) return this.short("SET_SCANOUT");
    const rect = readRect(cmd, 0), scanout = cmd.getUint32(16, true), id = cmd.getUint32(20, true);
    if (scanout !== 0) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID, `SET_SCANOUT of scanout ${scanout} (there is one scanout, 0)`);
    if (id === 0) { this.setScanout(undefined); return ok(); }
    const res = this.resource(id, "SET_SCANOUT");
    if ("type" in res) return res;
    if (!inside(rect, res) || rect.width < MIN_SCANOUT || rect.height < MIN_SCANOUT) {
      return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `SET_SCANOUT of ${showRect(rect)}: not inside resource ${id} (${res.width}x${res.height}), or smaller than ${MIN_SCANOUT}x${MIN_SCANOUT}`);
    }
    this.setScanout({ resource: res, rect });
    return ok();
  }

  private transfer(r: Reader): Response {
    const cmd = this.body(r, 32, "TRANSFER_TO_HOST_2D");
    if (!cmd) return this.short("TRANSFER_TO_HOST_2D");
    const rect = readRect(cmd, 0), offset = Number(cmd.getBigUint64(16, true));
    const res = this.resource(cmd.getUint32(24, true), "TRANSFER_TO_HOST_2D");
    if ("type" in res) return res;
    if (!res.backing) return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `TRANSFER_TO_HOST_2D to resource ${res.id}, which has no backing`);
    if (!inside(rect, res)) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `TRANSFER_TO_HOST_2D of ${showRect(rect)}, outside resource ${res.id} (${res.width}x${res.height})`);
    if (rect.width === 0 || rect.height === 0) return ok();
    // Row h of the rectangle comes from offset + h * stride of the backing (§5.7.6.8, as Linux lays it out).
    const stride = res.width * BYTES_PER_PIXEL, row = rect.width * BYTES_PER_PIXEL;
    const last = offset + (rect.height - 1) * stride + row;
    if (!Number.isSafeInteger(last) || last > res.backing.size) {
      return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `TRANSFER_TO_HOST_2D of ${showRect(rect)} at offset ${offset} reads past the ${res.backing.size} bytes of resource ${res.id}'s backing`);
    }
    for (let h = 0; h < rect.height; h++) {
      const dst = (rect.y + h) * stride + rect.x * BYTES_PER_PIXEL;
      res.backing.read(offset + h * stride, res.pixels.subarray(dst, dst + row));
    }
    this.stats.transfers++;
    return ok();
  }

  private flush(r: Reader): Response {
    const cmd = this.body(r, 24, "RESOURCE_FLUSH");
    if (!cmd) return this.short("RESOURCE_FLUSH");
    const rect = readRect(cmd, 0);
    const res = this.resource(cmd.getUint32(16, true), "RESOURCE_FLUSH");
    if ("type" in res) return res;
    if (!inside(rect, res)) return this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `RESOURCE_FLUSH of ${showRect(rect)}, outside resource ${res.id} (${res.width}x${res.height})`);
    this.stats.flushes++;
    const s = this.scanout;
    if (!s || s.resource !== res) return ok();
    // The part of the flushed rectangle the scanout shows, in scanout coordinates.
    const x0 = Math.max(rect.x, s.rect.x), y0 = Math.max(rect.y, s.rect.y);
    const x1 = Math.min(rect.x + rect.width, s.rect.x + s.rect.width), y1 = Math.min(rect.y + rect.height, s.rect.y + s.rect.height);
    if (x1 <= x0 || y1 <= y0) return ok();
    const area = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
    const rgba = this.toRgba(res, area, true);
    this.opts.sink.damage({ x: x0 - s.rect.x, y: y0 - s.rect.y, width: area.width, height: area.height }, rgba);
    return ok();
  }

  /** A cursor-queue command (§5.7.6.10): no response is expected; mistakes are counted and logged. */
  private cursorCommand(c: DescriptorChain): number {
    this.stats.cursor++;
    const r = c.reader();
    const cmd = r.remaining >= VIRTIO_GPU_HDR_SIZE + 32 ? new DataView(r.readExact(VIRTIO_GPU_HDR_SIZE + 32, "a virtio-gpu cursor command").buffer) : undefined;
    if (!cmd) { this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `a cursor command of ${r.remaining} bytes, shorter than struct virtio_gpu_update_cursor`); return 0; }
    const type = cmd.getUint32(0, true), at = VIRTIO_GPU_HDR_SIZE;
    const scanout = cmd.getUint32(at, true), x = cmd.getUint32(at + 4, true), y = cmd.getUint32(at + 8, true);
    if (scanout !== 0) { this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID, `cursor on scanout ${scanout}`); return 0; }
    if (type === VIRTIO_GPU_CMD_MOVE_CURSOR) {
      this.opts.sink.cursor(this.cursor = { ...this.cursor, x, y });
    } else if (type === VIRTIO_GPU_CMD_UPDATE_CURSOR) {
      const id = cmd.getUint32(at + 16, true), hotX = cmd.getUint32(at + 20, true), hotY = cmd.getUint32(at + 24, true);
      let image: CursorState["image"];
      if (id !== 0) {
        const res = this.resource(id, "UPDATE_CURSOR");
        if ("type" in res) return 0;
        if (res.width > GPU_MAX_CURSOR || res.height > GPU_MAX_CURSOR) { this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER, `UPDATE_CURSOR with resource ${id} of ${res.width}x${res.height}, over ${GPU_MAX_CURSOR}x${GPU_MAX_CURSOR}`); return 0; }
        image = { width: res.width, height: res.height, rgba: this.toRgba(res, { x: 0, y: 0, width: res.width, height: res.height }, false).slice() };
      }
      this.opts.sink.cursor(this.cursor = { x, y, hotX, hotY, image });
    } else {
      this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `cursor command 0x${type.toString(16)}`);
    }
    return 0;
  }

  /** Show `next` on scanout 0; the sink hears of a change of size (or of on/off). */
  private setScanout(next: { resource: Resource; rect: Rect } | undefined): void {
    const was = this.scanout;
    this.scanout = next;
    const w = next?.rect.width ?? 0, h = next?.rect.height ?? 0;
    if ((was?.rect.width ?? 0) !== w || (was?.rect.height ?? 0) !== h) this.opts.sink.resize(w, h);
  }

  /** `area` of `res` as RGBA rows (in a scratch buffer, lent): opaque, or with the format's alpha when it has one. */
  private toRgba(res: Resource, area: Rect, opaque: boolean): Uint8Array {
    const n = area.width * area.height * 4;
    if (this.scratch.length < n) this.scratch = new Uint8Array(n);
    const out = this.scratch.subarray(0, n), src = res.pixels, { r, g, b, a } = res.layout;
    const alpha = !opaque && a !== undefined;
    let d = 0;
    for (let y = 0; y < area.height; y++) {
      let s = ((area.y + y) * res.width + area.x) * BYTES_PER_PIXEL;
      for (let x = 0; x < area.width; x++, s += 4, d += 4) {
        out[d] = src[s + r]!; out[d + 1] = src[s + g]!; out[d + 2] = src[s + b]!;
        out[d + 3] = alpha ? src[s + a!]! : 255;
      }
    }
    return out;
  }

  /** The command's fixed part after the header, or undefined when the chain is shorter. */
  private body(r: Reader, n: number, what: string): DataView | undefined {
    return r.remaining < n ? undefined : new DataView(r.readExact(n, what).buffer);
  }

  private resource(id: number, what: string): Resource | Response {
    return this.resources.get(id) ?? this.refuse(VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID, `${what} of resource ${id}, which does not exist`);
  }

  private short(what: string): Response {
    return this.refuse(VIRTIO_GPU_RESP_ERR_UNSPEC, `${what} is shorter than its structure`);
  }

  private refuse(type: number, why: string): Response {
    const n = ++this.stats.refused;
    if (n <= LOGGED_ERRORS) this.opts.log?.(`${this.label}: refused: ${why}${n === LOGGED_ERRORS ? " (further refusals are counted, not logged)" : ""}`);
    return { type };
  }
}

function ok(): Response { return { type: VIRTIO_GPU_RESP_OK_NODATA }; }

function readRect(dv: DataView, at: number): Rect {
  return { x: dv.getUint32(at, true), y: dv.getUint32(at + 4, true), width: dv.getUint32(at + 8, true), height: dv.getUint32(at + 12, true) };
}

/** Whether `r` lies inside a width×height resource (u32 sums cannot wrap here: plain numbers). */
function inside(r: Rect, res: { width: number; height: number }): boolean {
  return r.x + r.width <= res.width && r.y + r.height <= res.height;
}

function showRect(r: Rect): string { return `${r.width}x${r.height}+${r.x}+${r.y}`; }

