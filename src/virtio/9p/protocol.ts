// 9P2000.L on the wire: message types, the errno values Rlerror carries, and a bounded
// decoder/encoder. Sources: the 9P2000.L protocol (diod's protocol.md, Linux
// include/net/9p/9p.h), 9P2000's intro(5) for the framing: size[4] type[1] tag[2] body,
// little-endian; a string is len[2] then UTF-8 bytes; a qid is type[1] version[4] path[8].
// The decoder never reads past the message it was given: a lying length is a P9Malformed,
// answered with an Rlerror, never an exception that leaves the device.

/** Message types (Linux enum p9_msg_t). R = T + 1. */
export const enum P9 {
  Tlerror = 6, Rlerror = 7,
  Tstatfs = 8, Rstatfs = 9,
  Tlopen = 12, Rlopen = 13,
  Tlcreate = 14, Rlcreate = 15,
  Tsymlink = 16, Rsymlink = 17,
  Tmknod = 18, Rmknod = 19,
  Trename = 20, Rrename = 21,
  Treadlink = 22, Rreadlink = 23,
  Tgetattr = 24, Rgetattr = 25,
  Tsetattr = 26, Rsetattr = 27,
  Txattrwalk = 30, Rxattrwalk = 31,
  Txattrcreate = 32, Rxattrcreate = 33,
  Treaddir = 40, Rreaddir = 41,
  Tfsync = 50, Rfsync = 51,
  Tlock = 52, Rlock = 53,
  Tgetlock = 54, Rgetlock = 55,
  Tlink = 70, Rlink = 71,
  Tmkdir = 72, Rmkdir = 73,
  Trenameat = 74, Rrenameat = 75,
  Tunlinkat = 76, Runlinkat = 77,
  Tversion = 100, Rversion = 101,
  Tauth = 102, Rauth = 103,
  Tattach = 104, Rattach = 105,
  Tflush = 108, Rflush = 109,
  Twalk = 110, Rwalk = 111,
  Tread = 116, Rread = 117,
  Twrite = 118, Rwrite = 119,
  Tclunk = 120, Rclunk = 121,
  Tremove = 122, Rremove = 123,
}

export const P9_VERSION_L = "9P2000.L";
export const P9_NOTAG = 0xffff;
export const P9_NOFID = 0xffff_ffff;
/** Most names in one Twalk (P9_MAXWELEM). */
export const P9_MAXWELEM = 16;
/** size[4] type[1] tag[2]. */
export const P9_HEADER = 7;
/** An Rread/Rreaddir header: size[4] type[1] tag[2] count[4] (Linux's zero-copy in-header). */
export const P9_IOHDR = 11;
/** A Twrite header before its data: header, fid[4] offset[8] count[4]. */
export const P9_TWRITE_HDR = P9_HEADER + 16;
export const QID_SIZE = 13;

/** Qid types (QT*). */
export const QTDIR = 0x80;
export const QTSYMLINK = 0x02;
export const QTFILE = 0;

/** Tgetattr/Rgetattr valid mask: the basic fields (P9_GETATTR_BASIC). */
export const P9_GETATTR_BASIC = 0x7ffn;
/** Tsetattr valid bits. */
export const P9_SETATTR_MODE = 0x1;
export const P9_SETATTR_UID = 0x2;
export const P9_SETATTR_GID = 0x4;
export const P9_SETATTR_SIZE = 0x8;
export const P9_SETATTR_ATIME = 0x10;
export const P9_SETATTR_MTIME = 0x20;
export const P9_SETATTR_ATIME_SET = 0x80;
export const P9_SETATTR_MTIME_SET = 0x100;

/** Tlopen/Tlcreate flags (P9_DOTL_*): octal, as Linux's generic O_* values. */
export const P9_DOTL_ACCMODE = 0o3;
export const P9_DOTL_WRONLY = 0o1;
export const P9_DOTL_RDWR = 0o2;
export const P9_DOTL_TRUNC = 0o1000;
export const P9_DOTL_APPEND = 0o2000;
export const P9_DOTL_DSYNC = 0o10000;
export const P9_DOTL_SYNC = 0o4000000;

/** Tunlinkat flags: AT_REMOVEDIR. */
export const P9_AT_REMOVEDIR = 0x200;
/** Rlock status. */
export const P9_LOCK_SUCCESS = 0;
/** Tgetlock/Rgetlock type F_UNLCK. */
export const P9_LOCK_TYPE_UNLCK = 2;

/** Linux errno values (asm-generic/errno*.h): what Rlerror carries, by name. */
export const ERRNO = {
  EPERM: 1, ENOENT: 2, EIO: 5, ENXIO: 6, E2BIG: 7, EBADF: 9, EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14,
  EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19, ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24,
  ETXTBSY: 26, EFBIG: 27, ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, ERANGE: 34, ENAMETOOLONG: 36,
  ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENODATA: 61, EPROTO: 71, EOVERFLOW: 75, EBADMSG: 74, EMSGSIZE: 90,
  EOPNOTSUPP: 95, ENOTSUP: 95, ESTALE: 116, EDQUOT: 122,
} as const;
export type ErrnoName = keyof typeof ERRNO;

/** The message the decoder was given ends before a field does. */
export class P9Malformed extends Error {
  override readonly name = "P9Malformed";
}

const utf8 = new TextDecoder("utf-8", { fatal: true });
const utf8Enc = new TextEncoder();

/** Reads the fields of one message body; every read is bounded by the body's length. */
export class Decoder {
  private at = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) { this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength); }

  get remaining(): number { return this.b.length - this.at; }

  private take(n: number, what: string): number {
    if (n > this.b.length - this.at) throw new P9Malformed(`${what} runs past the end of the message (${n} bytes at ${this.at} of ${this.b.length})`);
    const at = this.at;
    this.at += n;
    return at;
  }
  u8(what: string): number { return this.dv.getUint8(this.take(1, what)); }
  u16(what: string): number { return this.dv.getUint16(this.take(2, what), true); }
  u32(what: string): number { return this.dv.getUint32(this.take(4, what), true); }
  u64(what: string): bigint { return this.dv.getBigUint64(this.take(8, what), true); }
  /** A string: len[2] then that many bytes, which must be UTF-8. */
  str(what: string): string {
    const n = this.u16(`${what}'s length`);
    const at = this.take(n, what);
    try {
      return utf8.decode(this.b.subarray(at, at + n));
    } catch {
      throw new P9Malformed(`${what} is not UTF-8`);
    }
  }
}

/** A qid: what the device tells the guest a file is. */
export interface Qid {
  readonly type: number;
  readonly version: number;
  readonly path: bigint;
}

/** Builds one message: the size field is filled in by finish(). */
export class Encoder {
  private b: Uint8Array;
  private dv: DataView;
  private at = P9_HEADER;
  constructor(type: number, tag: number, capacity = 64) {
    this.b = new Uint8Array(Math.max(capacity, P9_HEADER));
    this.dv = new DataView(this.b.buffer);
    this.dv.setUint8(4, type);
    this.dv.setUint16(5, tag, true);
  }
  get length(): number { return this.at; }
  private room(n: number): number {
    if (this.at + n > this.b.length) {
      const nb = new Uint8Array(Math.max(this.b.length * 2, this.at + n));
      nb.set(this.b);
      this.b = nb;
      this.dv = new DataView(nb.buffer);
    }
    const at = this.at;
    this.at += n;
    return at;
  }
  // room() may grow the buffer: take the offset before touching this.dv.
  u8(v: number): this { const at = this.room(1); this.dv.setUint8(at, v); return this; }
  u16(v: number): this { const at = this.room(2); this.dv.setUint16(at, v, true); return this; }
  u32(v: number): this { const at = this.room(4); this.dv.setUint32(at, v >>> 0, true); return this; }
  u64(v: bigint | number): this { const at = this.room(8); this.dv.setBigUint64(at, BigInt.asUintN(64, BigInt(v)), true); return this; }
  str(s: string): this { return this.bytes(utf8Enc.encode(s)); }
  bytes(s: Uint8Array): this { this.u16(s.length); const at = this.room(s.length); this.b.set(s, at); return this; }
  qid(q: Qid): this { return this.u8(q.type).u32(q.version).u64(q.path); }
  /** The message, its size field set (to `size` when data follows it elsewhere: Rread's). */
  finish(size = this.at): Uint8Array {
    this.dv.setUint32(0, size, true);
    return this.b.subarray(0, this.at);
  }
}

/** The wire length of a string. */
export function strSize(s: string): number { return 2 + utf8Enc.encode(s).length; }

/** An Rlerror for `tag`. */
export function rlerror(tag: number, errno: number): Uint8Array {
  return new Encoder(P9.Rlerror, tag, 11).u32(errno).finish();
}
