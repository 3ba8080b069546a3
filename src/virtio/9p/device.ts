// The virtio-9p device: the fid table and the 9P2000.L requests Linux 6.12's v9fs sends.
// The jail's device half: names are checked here (no "/", NUL, "." or ".." where a name
// is created or removed, valid UTF-8), ".." is resolved here, lexically, and stays at the
// root there (CVE-2016-7116), a walk never passes through anything but a directory, and a
// read-only share refuses every kind of write with EROFS before the backend is asked. A
// fid is a path of names from the root, so a rename in flight can only make it stale,
// never point it outside; the backend resolves that path anew, without following, at
// each use. Guest uids and gids are ignored (QEMU's security_model=none), and so are the
// set-id bits of a mode (the host file would be set-id for the RootOS's user).
//
// Requests are answered synchronously, in the notify store that made them available, so
// a Tflush always comes after its request's reply. Data moves straight between the chain's
// buffers and the host file (Rread fills the guest pages, Twrite writes from them).
import { feature, type VirtioContext, type VirtioDevice } from "../device.js";
import { VirtioError } from "../errors.js";
import type { DescriptorChain, Reader, Virtqueue } from "../queue.js";
import type { OpenMode, ShareBackend, ShareChanges, ShareHandle, SharePath, ShareStat } from "./backend.js";
import { MOUNT_TAG_PATTERN, VIRTIO_9P_MOUNT_TAG, VIRTIO_ID_9P } from "./spec.js";
import {
  Decoder, Encoder, ERRNO, type ErrnoName, P9, P9_AT_REMOVEDIR, P9_DOTL_ACCMODE, P9_DOTL_APPEND, P9_DOTL_DSYNC,
  P9_DOTL_RDWR, P9_DOTL_SYNC, P9_DOTL_TRUNC, P9_DOTL_WRONLY, P9_GETATTR_BASIC, P9_HEADER, P9_IOHDR,
  P9_LOCK_SUCCESS, P9_LOCK_TYPE_UNLCK, P9_MAXWELEM, P9_NOTAG, P9_SETATTR_ATIME, P9_SETATTR_ATIME_SET,
  P9_SETATTR_MODE, P9_SETATTR_MTIME, P9_SETATTR_MTIME_SET, P9_SETATTR_SIZE, P9_TWRITE_HDR, P9_VERSION_L,
  P9Malformed, type Qid, QTDIR, QTFILE, QTSYMLINK, rlerror,
} from "./protocol.js";

/** QEMU's MAX_REQ. */
export const P9_QUEUE_SIZE = 128;
/** The largest msize we agree to: Linux's virtio transport caps it lower (~500 KiB). */
export const MAX_MSIZE = 1 << 20;
/** Smallest msize we serve (QEMU's P9_MIN_MSIZE): room for a header and a page. */
export const MIN_MSIZE = 4096;
/** Fids per session, and open files among them: a guest cannot exhaust the RootOS's memory or descriptors. */
export const MAX_FIDS = 1 << 16;
export const MAX_OPEN = 1024;
const MAX_NAME_BYTES = 255;
/** Permission bits a guest may set: not set-uid or set-gid (the RootOS's user owns the host files). */
const PERM_MASK = 0o1777;
const S_IFMT = 0o170000, S_IFDIR = 0o040000, S_IFLNK = 0o120000;
const LOGGED_ERRORS = 5;

export interface Virtio9pOptions {
  readonly backend: ShareBackend;
  /** What the guest mounts (`mount -t 9p TAG`), MOUNT_TAG_PATTERN. */
  readonly tag: string;
  /** Refuse every write (create, write, setattr, rename, unlink, link, mkdir, symlink) with EROFS. */
  readonly readOnly: boolean;
  readonly label?: string;
  /** Host log for malformed messages (rate-limited here). */
  readonly log?: (line: string) => void;
}

/** What the device answered: each request, the Rlerrors among them, and the malformed ones. */
export interface Virtio9pStats {
  requests: number;
  errors: number;
  malformed: number;
}

interface Fid {
  path: string[];
  handle?: ShareHandle;
  write?: boolean;
  /** Open, and a directory: served by Treaddir, not Tread. */
  dir?: boolean;
  /** A directory's entries as of the last Treaddir at offset 0 (".", "..", then the listing). */
  entries?: Array<{ name: string; stat: ShareStat }>;
  /** An xattr fid from Txattrwalk: an empty attribute list. */
  xattr?: boolean;
}

/** A refusal the device answers with Rlerror. */
class P9Refusal extends Error {
  constructor(readonly errno: ErrnoName, why: string) { super(why); }
}
const refuse = (errno: ErrnoName, why: string): never => { throw new P9Refusal(errno, why); };

export class Virtio9p implements VirtioDevice {
  readonly type = VIRTIO_ID_9P;
  readonly label: string;
  readonly queueSizes = [P9_QUEUE_SIZE];
  readonly stats: Virtio9pStats = { requests: 0, errors: 0, malformed: 0 };
  private readonly cfg: Uint8Array;
  private readonly backend: ShareBackend;
  private ctx: VirtioContext | undefined;
  private fids = new Map<number, Fid>();
  private open = 0;
  /** 0 until Tversion: nothing else is served before it. */
  private msize = 0;

  constructor(private readonly opts: Virtio9pOptions) {
    if (!MOUNT_TAG_PATTERN.test(opts.tag)) throw new RangeError(`virtio-9p: mount tag '${opts.tag}' does not match ${MOUNT_TAG_PATTERN}`);
    this.label = opts.label ?? "virtio-9p0";
    this.backend = opts.backend;
    const tag = new TextEncoder().encode(opts.tag);
    this.cfg = new Uint8Array(2 + tag.length);
    new DataView(this.cfg.buffer).setUint16(0, tag.length, true);
    this.cfg.set(tag, 2);
  }

  features(): bigint { return feature(VIRTIO_9P_MOUNT_TAG); }
  config(): Uint8Array { return this.cfg; }
  activate(ctx: VirtioContext): void { this.ctx = ctx; }

  /** The driver reset: every fid is clunked, every open file closed. */
  reset(): void {
    this.ctx = undefined;
    this.clunkAll();
    this.msize = 0;
  }

  notify(q: number, vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) vq.addUsed(c.head, this.serve(c));
    this.ctx?.signalUsed(q);
  }

  /** Answer one chain; returns the reply's length. */
  private serve(c: DescriptorChain): number {
    if (c.writableBytes < P9_IOHDR) throw new VirtioError({ kind: "ShortChain", queue: c.queue, head: c.head, need: P9_IOHDR, have: c.writableBytes, what: "a 9P reply" });
    const r = c.reader();
    const hdr = new DataView(r.readExact(P9_HEADER, "a 9P message header").buffer);
    const size = hdr.getUint32(0, true), type = hdr.getUint8(4), tag = hdr.getUint16(5, true);
    this.stats.requests++;
    let reply: Uint8Array;
    try {
      const limit = this.msize || MAX_MSIZE;
      if (size < P9_HEADER || size > limit || size - P9_HEADER > r.remaining) {
        throw new P9Malformed(`size ${size} is not within [${P9_HEADER}, ${Math.min(limit, P9_HEADER + r.remaining)}]`);
      }
      if (this.msize === 0 && type !== P9.Tversion) refuse("EPROTO", "no Tversion yet");
      if (type === P9.Tread) return this.read(c, tag, new Decoder(r.readExact(size - P9_HEADER, "Tread")));
      if (type === P9.Twrite) reply = this.write(r, tag, size);
      else reply = this.handle(type, tag, new Decoder(r.readExact(size - P9_HEADER, "a 9P message")));
    } catch (e) {
      reply = rlerror(tag, this.errnoOf(e, type));
    }
    const w = c.writer();
    if (reply.length > w.remaining || (this.msize && reply.length > this.msize)) reply = rlerror(tag, ERRNO.EMSGSIZE);
    w.write(reply);
    return reply.length;
  }

  /** The errno of a failed request; rethrows what is neither the guest's doing nor the host file system's. */
  private errnoOf(e: unknown, type: number): number {
    this.stats.errors++;
    if (e instanceof P9Refusal) return ERRNO[e.errno];
    if (e instanceof P9Malformed) {
      const n = ++this.stats.malformed;
      if (n <= LOGGED_ERRORS) this.opts.log?.(`${this.label}: malformed 9P message (type ${type}): ${e.message}${n === LOGGED_ERRORS ? " (further ones are counted, not logged)" : ""}`);
      return ERRNO.EINVAL;
    }
    const code = (e as { code?: unknown } | null)?.code;
    if (typeof code === "string" && /^E[A-Z0-9]+$/.test(code)) return ERRNO[code as ErrnoName] ?? ERRNO.EIO;
    throw e;
  }

  private handle(type: number, tag: number, d: Decoder): Uint8Array {
    const ro = () => { if (this.opts.readOnly) refuse("EROFS", "the share is read-only"); };
    const ok = (t: P9) => new Encoder(t, tag).finish();
    switch (type) {
      case P9.Tversion: {
        const msize = d.u32("msize"), version = d.str("version");
        this.clunkAll();
        if (msize < MIN_MSIZE) refuse("EINVAL", `msize ${msize} is below ${MIN_MSIZE}`);
        this.msize = Math.min(msize, MAX_MSIZE);
        return new Encoder(P9.Rversion, P9_NOTAG).u32(this.msize).str(version === P9_VERSION_L ? P9_VERSION_L : "unknown").finish();
      }
      case P9.Tattach: {
        const fid = d.u32("fid");
        d.u32("afid"); d.str("uname"); d.str("aname"); d.u32("n_uname");
        this.newFid(fid, { path: [] });
        return new Encoder(P9.Rattach, tag).qid(qidOf(this.backend.stat([]))).finish();
      }
      case P9.Tflush:
        d.u16("oldtag");
        return ok(P9.Rflush);
      case P9.Twalk: return this.walk(tag, d);
      case P9.Tclunk: {
        const fid = d.u32("fid");
        this.fid(fid);
        this.clunk(fid);
        return ok(P9.Rclunk);
      }
      case P9.Tgetattr: {
        const f = this.fid(d.u32("fid"));
        d.u64("request_mask");
        const st = f.handle !== undefined ? this.backend.fstat(f.handle) : this.backend.stat(f.path);
        const e = new Encoder(P9.Rgetattr, tag, 160).u64(P9_GETATTR_BASIC).qid(qidOf(st))
          .u32(Number(st.mode)).u32(Number(st.uid)).u32(Number(st.gid)).u64(st.nlink).u64(st.rdev).u64(st.size)
          .u64(st.blksize).u64(st.blocks);
        for (const ns of [st.atimeNs, st.mtimeNs, st.ctimeNs, st.birthtimeNs]) e.u64(ns / 1_000_000_000n).u64(ns % 1_000_000_000n);
        return e.u64(0).u64(0).finish();
      }
      case P9.Tsetattr: {
        const f = this.fid(d.u32("fid"));
        const valid = d.u32("valid"), mode = d.u32("mode");
        d.u32("uid"); d.u32("gid");
        const size = d.u64("size"), atime = nanos(d.u64("atime_sec"), d.u64("atime_nsec")), mtime = nanos(d.u64("mtime_sec"), d.u64("mtime_nsec"));
        ro();
        const c: { -readonly [K in keyof ShareChanges]: ShareChanges[K] } = {};
        if (valid & P9_SETATTR_MODE) c.mode = mode & PERM_MASK;
        if (valid & P9_SETATTR_SIZE) c.size = BigInt(position(size, "EFBIG"));
        if (valid & P9_SETATTR_ATIME) c.atime = valid & P9_SETATTR_ATIME_SET ? atime : "now";
        if (valid & P9_SETATTR_MTIME) c.mtime = valid & P9_SETATTR_MTIME_SET ? mtime : "now";
        // uid and gid map to nothing (security_model=none); ctime follows any change by itself.
        if (Object.keys(c).length > 0) this.backend.setattr(f.path, c);
        return ok(P9.Rsetattr);
      }
      case P9.Tlopen: {
        const fid = d.u32("fid"), f = this.fid(fid), flags = d.u32("flags");
        const mode = openMode(flags);
        if (mode.write || mode.truncate) ro();
        this.notOpen(f);
        this.openSlot();
        f.handle = this.backend.open(f.path, mode);
        this.open++;
        f.write = mode.write;
        const st = this.backend.fstat(f.handle);
        f.dir = (Number(st.mode) & S_IFMT) === S_IFDIR;
        return new Encoder(P9.Rlopen, tag).qid(qidOf(st)).u32(0).finish();
      }
      case P9.Tlcreate: {
        const f = this.fid(d.u32("fid")), name = d.str("name"), flags = d.u32("flags"), perm = d.u32("mode");
        d.u32("gid");
        ro();
        checkName(name);
        this.notOpen(f);
        this.openSlot();
        const mode = openMode(flags);
        f.handle = this.backend.create(f.path, name, mode, perm & PERM_MASK);
        this.open++;
        f.write = mode.write;
        f.path = [...f.path, name];
        return new Encoder(P9.Rlcreate, tag).qid(qidOf(this.backend.fstat(f.handle))).u32(0).finish();
      }
      case P9.Treaddir: return this.readdir(tag, d);
      case P9.Tstatfs: {
        this.fid(d.u32("fid"));
        const s = this.backend.statfs();
        return new Encoder(P9.Rstatfs, tag).u32(s.type).u32(s.bsize).u64(s.blocks).u64(s.bfree).u64(s.bavail)
          .u64(s.files).u64(s.ffree).u64(0).u32(MAX_NAME_BYTES).finish();
      }
      case P9.Tfsync: {
        const f = this.fid(d.u32("fid")), datasync = d.u32("datasync");
        if (f.handle === undefined) refuse("EBADF", "fsync of a fid that is not open");
        this.backend.fsync(f.handle!, datasync !== 0);
        return ok(P9.Rfsync);
      }
      case P9.Tlock: {
        // Locks are the guest kernel's own business: v9fs keeps them locally too; the
        // host file is not locked (as QEMU does).
        this.fid(d.u32("fid"));
        d.u8("type"); d.u32("flags"); d.u64("start"); d.u64("length"); d.u32("proc_id"); d.str("client_id");
        return new Encoder(P9.Rlock, tag).u8(P9_LOCK_SUCCESS).finish();
      }
      case P9.Tgetlock: {
        this.fid(d.u32("fid"));
        d.u8("type");
        const start = d.u64("start"), length = d.u64("length"), proc = d.u32("proc_id"), client = d.str("client_id");
        return new Encoder(P9.Rgetlock, tag).u8(P9_LOCK_TYPE_UNLCK).u64(start).u64(length).u32(proc).str(client).finish();
      }
      case P9.Txattrwalk: {
        const f = this.fid(d.u32("fid")), newfid = d.u32("newfid"), name = d.str("name");
        // No extended attributes are served: the list is empty, and each name has none (ENODATA, as QEMU on a host file without it).
        if (name !== "") refuse("ENODATA", `no extended attribute ${name}`);
        this.newFid(newfid, { path: [...f.path], xattr: true });
        return new Encoder(P9.Rxattrwalk, tag).u64(0).finish();
      }
      case P9.Txattrcreate: {
        this.fid(d.u32("fid"));
        d.str("name"); d.u64("attr_size"); d.u32("flags");
        ro();
        return refuse("EOPNOTSUPP", "extended attributes are not stored");
      }
      case P9.Treadlink: {
        const f = this.fid(d.u32("fid"));
        return new Encoder(P9.Rreadlink, tag).str(this.backend.readlink(f.path)).finish();
      }
      case P9.Tsymlink: {
        const f = this.fid(d.u32("fid")), name = d.str("name"), target = d.str("symtgt");
        d.u32("gid");
        ro();
        checkName(name);
        if (target === "" || target.includes("\0")) refuse("EINVAL", "a symlink target is empty or holds a NUL");
        this.dir(f);
        this.backend.symlink(f.path, name, target);
        return new Encoder(P9.Rsymlink, tag).qid(qidOf(this.backend.stat([...f.path, name]))).finish();
      }
      case P9.Tmkdir: {
        const f = this.fid(d.u32("dfid")), name = d.str("name"), perm = d.u32("mode");
        d.u32("gid");
        ro();
        checkName(name);
        this.dir(f);
        this.backend.mkdir(f.path, name, perm & PERM_MASK);
        return new Encoder(P9.Rmkdir, tag).qid(qidOf(this.backend.stat([...f.path, name]))).finish();
      }
      case P9.Tmknod: {
        this.fid(d.u32("dfid"));
        checkName(d.str("name"));
        ro();
        return refuse("EPERM", "device files, FIFOs and sockets are not created in a share");
      }
      case P9.Tlink: {
        const dir = this.fid(d.u32("dfid")), f = this.fid(d.u32("fid")), name = d.str("name");
        ro();
        checkName(name);
        this.dir(dir);
        this.backend.link(f.path, dir.path, name);
        return ok(P9.Rlink);
      }
      case P9.Trename: {
        const f = this.fid(d.u32("fid")), dir = this.fid(d.u32("dfid")), name = d.str("name");
        ro();
        checkName(name);
        if (f.path.length === 0) refuse("EBUSY", "the root cannot be renamed");
        this.rename(f.path.slice(0, -1), f.path[f.path.length - 1]!, dir.path, name);
        return ok(P9.Rrename);
      }
      case P9.Trenameat: {
        const from = this.fid(d.u32("olddirfid")), oldname = d.str("oldname"), to = this.fid(d.u32("newdirfid")), newname = d.str("newname");
        ro();
        checkName(oldname);
        checkName(newname);
        this.rename(from.path, oldname, to.path, newname);
        return ok(P9.Rrenameat);
      }
      case P9.Tunlinkat: {
        const dir = this.fid(d.u32("dirfd")), name = d.str("name"), flags = d.u32("flags");
        ro();
        checkName(name);
        this.backend.unlink(dir.path, name, (flags & P9_AT_REMOVEDIR) !== 0);
        return ok(P9.Runlinkat);
      }
      case P9.Tremove: {
        // The fid is clunked whether or not the file could be removed (9P remove(5)).
        const fid = d.u32("fid"), path = this.fid(fid).path;
        this.clunk(fid);
        ro();
        if (path.length === 0) refuse("EBUSY", "the root cannot be removed");
        const isDir = (Number(this.backend.stat(path).mode) & S_IFMT) === S_IFDIR;
        this.backend.unlink(path.slice(0, -1), path[path.length - 1]!, isDir);
        return ok(P9.Rremove);
      }
      default:
        return refuse("EOPNOTSUPP", `message type ${type} is not part of 9P2000.L as served here`);
    }
  }

  /**
   * Twalk: up to 16 names from fid, each step from a directory; ".." stays at the root.
   * newfid exists only when every name was walked; a walk that fails at its first name
   * is an Rlerror, a later failure an Rwalk with the qids walked so far (9P walk(5)).
   */
  private walk(tag: number, d: Decoder): Uint8Array {
    const fid = d.u32("fid"), newfid = d.u32("newfid"), n = d.u16("nwname");
    if (n > P9_MAXWELEM) refuse("EINVAL", `a walk of ${n} names (at most ${P9_MAXWELEM})`);
    const names: string[] = [];
    for (let i = 0; i < n; i++) names.push(d.str("wname"));
    const f = this.fid(fid);
    if (f.xattr) refuse("EINVAL", "an xattr fid is not walked");
    if (newfid !== fid) this.unused(newfid);
    const path = [...f.path], qids: Qid[] = [];
    let st = n > 0 ? this.backend.stat(path) : undefined;
    for (const name of names) {
      try {
        if ((Number(st!.mode) & S_IFMT) !== S_IFDIR) refuse("ENOTDIR", "a walk goes through a directory only");
        if (name === "..") path.pop(); // at the root, ".." is the root
        else if (name !== ".") {
          checkName(name);
          path.push(name);
        }
        st = this.backend.stat(path);
      } catch (e) {
        if (qids.length === 0) throw e;
        break;
      }
      qids.push(qidOf(st));
    }
    if (qids.length === n) {
      if (newfid === fid) f.path = path;
      else this.newFid(newfid, { path });
    }
    const e = new Encoder(P9.Rwalk, tag, 9 + 13 * qids.length).u16(qids.length);
    for (const q of qids) e.qid(q);
    return e.finish();
  }

  /** Tread: the data goes straight from the host file into the chain's buffers after the 11-byte header. */
  private read(c: DescriptorChain, tag: number, d: Decoder): number {
    let reply: Uint8Array;
    try {
      const f = this.fid(d.u32("fid")), offset = d.u64("offset"), count = d.u32("count");
      if (f.xattr) reply = new Encoder(P9.Rread, tag).u32(0).finish();
      else {
        if (f.handle === undefined) refuse("EBADF", "read of a fid that is not open");
        if (f.dir) refuse("EISDIR", "a directory is read with Treaddir");
        const at = position(offset);
        const want = Math.min(count, this.msize - P9_IOHDR, c.writableBytes - P9_IOHDR);
        const data = c.writer();
        data.skip(P9_IOHDR);
        let got = 0, eof = false;
        data.fill(want, (view) => {
          if (eof) return;
          const k = this.backend.read(f.handle!, at + got, view);
          got += k;
          eof = k < view.length;
        });
        c.writer().write(new Encoder(P9.Rread, tag).u32(got).finish(P9_IOHDR + got));
        return P9_IOHDR + got;
      }
    } catch (e) {
      reply = rlerror(tag, this.errnoOf(e, P9.Tread));
    }
    c.writer().write(reply);
    return reply.length;
  }

  /** Twrite: fid[4] offset[8] count[4], then count bytes written from the chain's buffers to the host file. */
  private write(r: Reader, tag: number, size: number): Uint8Array {
    if (size < P9_TWRITE_HDR) throw new P9Malformed(`a Twrite of ${size} bytes has no room for its header`);
    const d = new Decoder(r.readExact(P9_TWRITE_HDR - P9_HEADER, "Twrite"));
    const f = this.fid(d.u32("fid")), offset = d.u64("offset"), count = d.u32("count");
    if (count !== size - P9_TWRITE_HDR) throw new P9Malformed(`Twrite count ${count} disagrees with its size ${size}`);
    if (this.opts.readOnly) refuse("EROFS", "the share is read-only");
    if (f.handle === undefined || !f.write) refuse("EBADF", "write to a fid not open for writing");
    const at = position(offset);
    let done = 0, short = false;
    r.consume(count, (view) => {
      if (short) return;
      const k = this.backend.write(f.handle!, at + done, view);
      done += k;
      short = k < view.length;
    });
    return new Encoder(P9.Rwrite, tag).u32(done).finish();
  }

  /** Treaddir: entries qid[13] offset[8] type[1] name[s] from `offset`, as many as fit; offsets are indices. */
  private readdir(tag: number, d: Decoder): Uint8Array {
    const f = this.fid(d.u32("fid")), offset = d.u64("offset"), count = d.u32("count");
    if (f.handle === undefined) refuse("EBADF", "readdir of a fid that is not open");
    if (!f.dir) refuse("ENOTDIR", "readdir of a file");
    if (offset === 0n || f.entries === undefined) {
      const self = this.backend.fstat(f.handle!);
      const parent = f.path.length === 0 ? self : this.backend.stat(f.path.slice(0, -1));
      f.entries = [{ name: ".", stat: self }, { name: "..", stat: parent }, ...this.backend.list(f.handle!)];
    }
    const room = Math.min(count, this.msize - P9_IOHDR);
    const e = new Encoder(P9.Rreaddir, tag, Math.min(room, 8192) + P9_IOHDR).u32(0);
    let used = 0;
    for (let i = Number(offset < BigInt(f.entries.length) ? offset : BigInt(f.entries.length)); i < f.entries.length; i++) {
      const { name, stat } = f.entries[i]!;
      const bytes = new TextEncoder().encode(name);
      const size = 13 + 8 + 1 + 2 + bytes.length;
      if (used + size > room) break;
      e.qid(qidOf(stat)).u64(i + 1).u8((Number(stat.mode) & S_IFMT) >> 12).bytes(bytes);
      used += size;
    }
    const out = e.finish();
    new DataView(out.buffer, out.byteOffset).setUint32(P9_HEADER, used, true);
    return out;
  }

  /** Rename, then point every fid under the old name at the new one (as QEMU's v9fs_fix_path). */
  private rename(fromDir: SharePath, fromName: string, toDir: SharePath, toName: string): void {
    this.backend.rename(fromDir, fromName, toDir, toName);
    const from = [...fromDir, fromName], to = [...toDir, toName];
    for (const f of this.fids.values()) {
      if (f.path.length >= from.length && from.every((n, i) => f.path[i] === n)) f.path = [...to, ...f.path.slice(from.length)];
    }
  }

  private fid(n: number): Fid {
    return this.fids.get(n) ?? refuse("EBADF", `fid ${n} is not in use`);
  }

  private unused(n: number): void {
    if (this.fids.has(n)) refuse("EINVAL", `fid ${n} is already in use`);
  }

  private newFid(n: number, f: Fid): void {
    this.unused(n);
    if (this.fids.size >= MAX_FIDS) refuse("EMFILE", `more than ${MAX_FIDS} fids`);
    this.fids.set(n, f);
  }

  private notOpen(f: Fid): void {
    if (f.handle !== undefined || f.xattr) refuse("EINVAL", "the fid is already open");
  }

  private openSlot(): void {
    if (this.open >= MAX_OPEN) refuse("EMFILE", `more than ${MAX_OPEN} open files`);
  }

  /** The fid names a directory (for creating names in it). */
  private dir(f: Fid): void {
    if ((Number(this.backend.stat(f.path).mode) & S_IFMT) !== S_IFDIR) refuse("ENOTDIR", "not a directory");
  }

  private clunk(n: number): void {
    const f = this.fids.get(n);
    this.fids.delete(n);
    if (f?.handle !== undefined) {
      this.open--;
      this.backend.close(f.handle);
    }
  }

  private clunkAll(): void {
    for (const n of [...this.fids.keys()]) this.clunk(n);
  }
}

/** A name to create, remove or rename: one component, no "/" or NUL, not "." or "..". */
function checkName(name: string): void {
  if (name === "" || name === "." || name === "..") refuse("EINVAL", `'${name}' is not a file name`);
  if (name.includes("/") || name.includes("\0")) refuse("EINVAL", "a file name holds '/' or NUL");
  if (new TextEncoder().encode(name).length > MAX_NAME_BYTES) refuse("ENAMETOOLONG", "a file name over 255 bytes");
}

function openMode(flags: number): OpenMode {
  const acc = flags & P9_DOTL_ACCMODE;
  return {
    read: acc !== P9_DOTL_WRONLY,
    write: acc === P9_DOTL_WRONLY || acc === P9_DOTL_RDWR,
    truncate: (flags & P9_DOTL_TRUNC) !== 0,
    append: (flags & P9_DOTL_APPEND) !== 0,
    sync: (flags & (P9_DOTL_SYNC | P9_DOTL_DSYNC)) !== 0,
  };
}

function qidOf(st: ShareStat): Qid {
  const type = Number(st.mode) & S_IFMT;
  return {
    type: type === S_IFDIR ? QTDIR : type === S_IFLNK ? QTSYMLINK : QTFILE,
    // Changes when the file does (QEMU: mtime ^ size << 8), for guests that cache.
    version: Number(BigInt.asUintN(32, st.mtimeNs / 1_000_000_000n ^ (st.size << 8n))),
    path: st.ino,
  };
}

function nanos(sec: bigint, nsec: bigint): bigint { return sec * 1_000_000_000n + nsec; }

/** A file offset (or size) the host can take. */
function position(offset: bigint, errno: ErrnoName = "EINVAL"): number {
  if (offset > BigInt(Number.MAX_SAFE_INTEGER)) refuse(errno, `offset ${offset} is past any file`);
  return Number(offset);
}
