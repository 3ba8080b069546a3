// A 9P2000.L client for the device tests: builds T-messages, hands each to the device as
// one chain (the message readable, a reply buffer writable, or Linux's zero-copy shape),
// and decodes the reply. Raw bytes can be sent too, to lie about sizes and strings.
import { TestDriver, TestRam, testContext } from "../testing.js";
import type { ShareBackend } from "./backend.js";
import { Virtio9p } from "./device.js";
import { Decoder, Encoder, P9, P9_NOFID, P9_NOTAG, type Qid } from "./protocol.js";

export interface Reply {
  readonly type: number;
  readonly tag: number;
  /** The body after size, type and tag. */
  readonly d: Decoder;
  readonly bytes: Uint8Array;
  /** The used length the device reported. */
  readonly len: number;
}

export class P9TestClient {
  readonly ram = new TestRam(8 << 20);
  readonly driver = new TestDriver(this.ram, 64, { indirect: true });
  readonly ctx = testContext(this.ram, [this.driver.vq]);
  readonly dev: Virtio9p;
  private tag = 1;

  constructor(backend: ShareBackend, opts: { readOnly?: boolean; tag?: string } = {}) {
    this.dev = new Virtio9p({ backend, tag: opts.tag ?? "host", readOnly: opts.readOnly ?? false });
    this.dev.activate(this.ctx);
  }

  /** Send raw message bytes (split into `parts` readable buffers) with a writable reply buffer of `replyLen`. */
  raw(msg: Uint8Array | Uint8Array[], replyLen = 8192, extraWritable: number[] = []): Reply {
    const reply = this.ram.alloc(Math.max(replyLen, 1));
    const extra = extraWritable.map((n) => ({ addr: this.ram.alloc(n), len: n, write: true }));
    const parts = Array.isArray(msg) ? msg : [msg];
    this.driver.add([...parts.map((data) => ({ data })), { addr: reply, len: replyLen, write: true }, ...extra]);
    this.dev.notify(0, this.driver.vq);
    const used = this.driver.takeUsed();
    if (used.length !== 1) throw new Error(`expected one used chain, got ${used.length}`);
    const len = used[0]!.len;
    // The reply is one stream over the reply buffer and then the extra ones.
    const bytes = new Uint8Array(len);
    let at = 0;
    for (const { addr, len: n } of [{ addr: reply, len: replyLen }, ...extra]) {
      const k = Math.min(n, len - at);
      if (k <= 0) break;
      bytes.set(this.ram.view(addr, k), at);
      at += k;
    }
    const dv = new DataView(bytes.buffer);
    if (len >= 7 && dv.getUint32(0, true) !== len) throw new Error(`reply size field ${dv.getUint32(0, true)} != used length ${len}`);
    return { type: bytes[4]!, tag: dv.getUint16(5, true), d: new Decoder(bytes.subarray(7)), bytes, len };
  }

  /** Build and send one T-message; returns the reply. */
  rpc(type: P9, body: (e: Encoder) => void, replyLen = 8192, extraWritable: number[] = []): Reply {
    const e = new Encoder(type, type === P9.Tversion ? P9_NOTAG : this.tag++);
    body(e);
    return this.raw(e.finish(), replyLen, extraWritable);
  }

  /** Like rpc, but throws unless the reply is `type + 1`; an Rlerror throws `E<errno>`. */
  ok(type: P9, body: (e: Encoder) => void, replyLen?: number): Decoder {
    const r = this.rpc(type, body, replyLen);
    if (r.type === P9.Rlerror) throw new Error(`E${r.d.u32("ecode")}`);
    if (r.type !== type + 1) throw new Error(`reply type ${r.type} to ${type}`);
    return r.d;
  }

  /** The errno of an Rlerror reply (0 when the request succeeded). */
  errno(type: P9, body: (e: Encoder) => void): number {
    const r = this.rpc(type, body);
    return r.type === P9.Rlerror ? r.d.u32("ecode") : 0;
  }

  /** Tversion + Tattach of fid 0 at the root. */
  mount(msize = 65536): void {
    this.ok(P9.Tversion, (e) => e.u32(msize).str("9P2000.L"));
    this.ok(P9.Tattach, (e) => e.u32(0).u32(P9_NOFID).str("root").str("").u32(0));
  }

  walk(fid: number, newfid: number, names: string[]): Qid[] {
    const d = this.ok(P9.Twalk, (e) => { e.u32(fid).u32(newfid).u16(names.length); for (const n of names) e.str(n); });
    return Array.from({ length: d.u16("nwqid") }, () => readQid(d));
  }

  lopen(fid: number, flags: number): Qid {
    return readQid(this.ok(P9.Tlopen, (e) => e.u32(fid).u32(flags)));
  }

  /** Tread with Linux's zero-copy shape: an 11-byte header buffer, then 4 KiB pages. */
  read(fid: number, offset: number, count: number): Uint8Array {
    const pages = Array.from({ length: Math.ceil(count / 4096) }, () => 4096);
    const r = this.rpc(P9.Tread, (e) => e.u32(fid).u64(offset).u32(count), 11, pages);
    if (r.type === P9.Rlerror) throw new Error(`E${r.d.u32("ecode")}`);
    const n = r.d.u32("count");
    return r.bytes.slice(11, 11 + n);
  }

  /** Twrite with Linux's zero-copy shape: the 23-byte header, then the data in pages. */
  write(fid: number, offset: number, data: Uint8Array): number {
    const e = new Encoder(P9.Twrite, this.tag++).u32(fid).u64(offset).u32(data.length);
    const hdr = e.finish();
    new DataView(hdr.buffer, hdr.byteOffset).setUint32(0, hdr.length + data.length, true);
    const pages: Uint8Array[] = [];
    for (let at = 0; at < data.length; at += 4096) pages.push(data.subarray(at, at + 4096));
    const r = this.raw([hdr, ...pages], 64);
    if (r.type === P9.Rlerror) throw new Error(`E${r.d.u32("ecode")}`);
    return r.d.u32("count");
  }

  getattr(fid: number): { qid: Qid; mode: number; size: bigint; mtimeSec: bigint } {
    const d = this.ok(P9.Tgetattr, (e) => e.u32(fid).u64(0x7ff));
    d.u64("valid");
    const qid = readQid(d), mode = d.u32("mode");
    d.u32("uid"); d.u32("gid"); d.u64("nlink"); d.u64("rdev");
    const size = d.u64("size");
    d.u64("blksize"); d.u64("blocks"); d.u64("atime"); d.u64("atime_ns");
    return { qid, mode, size, mtimeSec: d.u64("mtime") };
  }

  /** Every entry name of an open directory fid, through Treaddir in `count`-byte replies. */
  readdir(fid: number, count = 8192): Array<{ name: string; type: number; qid: Qid }> {
    const out: Array<{ name: string; type: number; qid: Qid }> = [];
    let offset = 0n;
    for (;;) {
      const d = this.ok(P9.Treaddir, (e) => e.u32(fid).u64(offset).u32(count), count + 11);
      const n = d.u32("count");
      if (n === 0) return out;
      const end = d.remaining - n;
      while (d.remaining > end) {
        const qid = readQid(d);
        offset = d.u64("offset");
        const type = d.u8("type");
        out.push({ name: d.str("name"), type, qid });
      }
    }
  }

  clunk(fid: number): void { this.ok(P9.Tclunk, (e) => e.u32(fid)); }
}

export function readQid(d: Decoder): Qid {
  return { type: d.u8("qid.type"), version: d.u32("qid.version"), path: d.u64("qid.path") };
}
