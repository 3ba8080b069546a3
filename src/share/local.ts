// A host directory as a virtio-9p share (QEMU's `local` fsdriver, security_model=none):
// the ShareBackend port over node:fs. Files are read and written as the RootOS's own user;
// guest uids and gids reach nothing here.
//
// The jail. QEMU's history is the list of what to get right: `..` walked above the export
// (CVE-2016-7116: the device resolves ".." itself, so no ".." reaches this file), host
// symlinks followed in a path (CVE-2016-9602), device files opened (CVE-2023-2861), and a
// path raced between its check and its use. Node has no openat(), and O_NOFOLLOW guards
// only a path's last component, so a path is never handed to the host whole: each
// component is opened on its own, O_PATH|O_NOFOLLOW, relative to the descriptor of its
// parent through /proc/self/fd/N (the kernel resolves that magic link to the very
// directory the descriptor holds, as openat(N, name) would). So every component is the
// last one of its own lookup, a symlink anywhere fails with ENOTDIR or ELOOP, and a rename
// or a symlink swapped in while we work cannot redirect a lookup already made: the
// descriptors pin the inodes. Operations on a name (mkdir, unlink, rename, symlink, link,
// readlink, create with O_EXCL) take `/proc/self/fd/PARENT/name`, whose last component
// those calls never follow; attribute changes and opens go through the O_PATH descriptor
// of the file itself, after fstat checked its type (an inode's type cannot change). Only
// regular files and directories are opened (ENXIO otherwise, as QEMU answers); O_NONBLOCK
// keeps a FIFO from blocking the VM in the moment before that check. Linux only (/proc).
import * as fs from "node:fs";
import type {
  OpenMode, ShareBackend, ShareChanges, ShareEntry, ShareHandle, SharePath, ShareStat, ShareStatfs, ShareTime,
} from "../virtio/9p/backend.js";

/** A share that cannot be served: its directory is missing, not a directory, or this host lacks what the jail needs. */
export class ShareError extends Error {
  override readonly name = "ShareError";
}

/** O_PATH (Linux asm-generic fcntl.h); node:fs does not export it. */
const O_PATH = 0o10000000;
const { O_DIRECTORY, O_NOFOLLOW, O_RDONLY, O_WRONLY, O_RDWR, O_TRUNC, O_APPEND, O_CREAT, O_EXCL, O_NONBLOCK, O_SYNC } = fs.constants;
const S_IFMT = 0o170000n, S_IFDIR = 0o040000n, S_IFREG = 0o100000n;

/** A host error as the device expects one: `code` is the errno name. */
function errno(code: string, what: string): Error {
  return Object.assign(new Error(`${code}: ${what}`), { code });
}

const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class LocalShare implements ShareBackend {
  private constructor(private readonly root: number, readonly dir: string) {}

  /**
   * Open `dir` as a share's root. Throws a one-line Error when it is not a directory or
   * this host has no /proc/self/fd to make lookups relative to a descriptor.
   */
  static open(dir: string): LocalShare {
    let root: number;
    try {
      root = fs.openSync(fs.realpathSync(dir), O_PATH | O_DIRECTORY);
    } catch (e) {
      throw new ShareError(`share directory ${dir}: ${(e as NodeJS.ErrnoException).code === "ENOTDIR" ? "not a directory" : (e as Error).message}`);
    }
    const a = fs.fstatSync(root, { bigint: true });
    let b: fs.BigIntStats | undefined;
    try { b = fs.statSync(fdPath(root), { bigint: true }); } catch { /* no /proc */ }
    if (!b || a.dev !== b.dev || a.ino !== b.ino) {
      fs.closeSync(root);
      throw new ShareError(`share directory ${dir}: this host has no /proc/self/fd, which the share's no-follow lookups need (Linux)`);
    }
    return new LocalShare(root, dir);
  }

  /** Close the root; the share serves nothing after this. */
  dispose(): void { fs.closeSync(this.root); }

  stat(path: SharePath): ShareStat {
    return this.withNode(path, (fd) => fs.fstatSync(fd, { bigint: true }));
  }

  open(path: SharePath, mode: OpenMode): ShareHandle {
    return this.withNode(path, (fd) => this.reopen(fd, mode));
  }

  create(dir: SharePath, name: string, mode: OpenMode, perm: number): ShareHandle {
    return this.withDir(dir, (d) => fs.openSync(`${d}/${name}`, openFlags(mode) | O_CREAT | O_EXCL | O_NOFOLLOW, perm));
  }

  fstat(h: ShareHandle): ShareStat { return fs.fstatSync(h, { bigint: true }); }
  read(h: ShareHandle, offset: number, dst: Uint8Array): number { return fs.readSync(h, dst, 0, dst.length, offset); }
  write(h: ShareHandle, offset: number, src: Uint8Array): number { return fs.writeSync(h, src, 0, src.length, offset); }

  list(h: ShareHandle): ShareEntry[] {
    const out: ShareEntry[] = [];
    for (const raw of fs.readdirSync(fdPath(h), { encoding: "buffer" })) {
      let name: string;
      try { name = utf8.decode(raw); } catch { continue; } // 9P names are UTF-8: a host name that is not stays unseen
      try {
        out.push({ name, stat: fs.lstatSync(`${fdPath(h)}/${name}`, { bigint: true }) });
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e; // removed since the listing
      }
    }
    return out;
  }

  fsync(h: ShareHandle, dataOnly: boolean): void { (dataOnly ? fs.fdatasyncSync : fs.fsyncSync)(h); }
  close(h: ShareHandle): void { fs.closeSync(h); }

  mkdir(dir: SharePath, name: string, perm: number): void { this.withDir(dir, (d) => fs.mkdirSync(`${d}/${name}`, perm)); }
  symlink(dir: SharePath, name: string, target: string): void { this.withDir(dir, (d) => fs.symlinkSync(target, `${d}/${name}`)); }
  readlink(path: SharePath): string {
    if (path.length === 0) throw errno("EINVAL", "the root is not a symlink");
    return this.withDir(path.slice(0, -1), (d) => fs.readlinkSync(`${d}/${path[path.length - 1]}`));
  }
  unlink(dir: SharePath, name: string, directory: boolean): void {
    this.withDir(dir, (d) => (directory ? fs.rmdirSync : fs.unlinkSync)(`${d}/${name}`));
  }

  link(target: SharePath, dir: SharePath, name: string): void {
    if (target.length === 0) throw errno("EPERM", "the root cannot be linked");
    // link(2) does not follow the old path's last component on Linux: a symlink is linked as itself.
    this.withDir(target.slice(0, -1), (t) => this.withDir(dir, (d) => fs.linkSync(`${t}/${target[target.length - 1]}`, `${d}/${name}`)));
  }

  rename(fromDir: SharePath, fromName: string, toDir: SharePath, toName: string): void {
    this.withDir(fromDir, (f) => this.withDir(toDir, (t) => fs.renameSync(`${f}/${fromName}`, `${t}/${toName}`)));
  }

  setattr(path: SharePath, c: ShareChanges): void {
    this.withNode(path, (fd) => {
      const st = fs.fstatSync(fd, { bigint: true });
      const type = st.mode & S_IFMT;
      if (type !== S_IFREG && type !== S_IFDIR) throw errno("EOPNOTSUPP", "only a regular file's or a directory's attributes can change");
      const self = fdPath(fd); // the inode this O_PATH descriptor holds, whatever its name is now
      if (c.mode !== undefined) fs.chmodSync(self, c.mode);
      if (c.size !== undefined) {
        if (type !== S_IFREG) throw errno("EISDIR", "a directory has no size to set");
        fs.truncateSync(self, Number(c.size));
      }
      if (c.atime !== undefined || c.mtime !== undefined) {
        fs.utimesSync(self, seconds(c.atime, st.atimeNs), seconds(c.mtime, st.mtimeNs));
      }
    });
  }

  statfs(): ShareStatfs { return fs.statfsSync(fdPath(this.root)); }

  /** Reopen an O_PATH descriptor's file for I/O, if it is a regular file or a directory. */
  private reopen(fd: number, mode: OpenMode): number {
    const type = fs.fstatSync(fd, { bigint: true }).mode & S_IFMT;
    if (type === S_IFDIR) {
      if (mode.write || mode.truncate) throw errno("EISDIR", "a directory cannot be opened for writing");
      return fs.openSync(fdPath(fd), O_RDONLY | O_DIRECTORY);
    }
    if (type !== S_IFREG) throw errno(type === 0o120000n ? "ELOOP" : "ENXIO", "only regular files and directories are opened");
    return fs.openSync(fdPath(fd), openFlags(mode) | O_NONBLOCK);
  }

  /** Run `use` with a descriptor (O_PATH) of the file at `path`, not following it if a symlink. */
  private withNode<R>(path: SharePath, use: (fd: number) => R): R {
    if (path.length === 0) return use(this.root);
    return this.withDir(path.slice(0, -1), (d) => {
      const fd = fs.openSync(`${d}/${path[path.length - 1]}`, O_PATH | O_NOFOLLOW);
      try { return use(fd); } finally { fs.closeSync(fd); }
    });
  }

  /** Run `use` with `/proc/self/fd/N` of the directory at `path`, each component opened without following. */
  private withDir<R>(path: SharePath, use: (dir: string) => R): R {
    let fd = this.root;
    try {
      for (const name of path) {
        const next = fs.openSync(`${fdPath(fd)}/${name}`, O_PATH | O_DIRECTORY | O_NOFOLLOW);
        if (fd !== this.root) fs.closeSync(fd);
        fd = next;
      }
      return use(fdPath(fd));
    } finally {
      if (fd !== this.root) fs.closeSync(fd);
    }
  }
}

function openFlags(m: OpenMode): number {
  return (m.write ? (m.read ? O_RDWR : O_WRONLY) : O_RDONLY) | (m.truncate ? O_TRUNC : 0) | (m.append ? O_APPEND : 0) | (m.sync ? O_SYNC : 0);
}

function seconds(t: ShareTime | undefined, keep: bigint): number {
  if (t === "now") return Date.now() / 1000;
  return Number(t ?? keep) / 1e9;
}
