// The host side of a virtio-9p share, as the device sees it: one directory tree, named by
// paths of plain names from its root. The device checks every name (no "/", NUL, "." or
// "..", resolves ".." itself, clamped at the root) and every permission of the protocol
// (read-only, which fids are open) before it calls here; the backend's part of the jail is
// to never follow a symlink in any component, and to open only regular files and
// directories. src/share/local.ts implements it over node:fs.
//
// Errors: a host failure is thrown as an Error whose `code` is a Linux errno name
// ("ENOENT", "EACCES", ...), as node:fs throws them; the device answers Rlerror with it.
// Anything else thrown is a bug, and the device lets it through.

/** Names from the share's root: [] is the root itself, ["a", "b"] is a/b. */
export type SharePath = readonly string[];
/** An open file or directory. */
export type ShareHandle = number;

/** What stat says of a file, the fields named as node:fs's BigIntStats. */
export interface ShareStat {
  readonly dev: bigint;
  readonly ino: bigint;
  /** st_mode, type bits included. */
  readonly mode: bigint;
  readonly nlink: bigint;
  readonly uid: bigint;
  readonly gid: bigint;
  readonly rdev: bigint;
  readonly size: bigint;
  readonly blksize: bigint;
  readonly blocks: bigint;
  readonly atimeNs: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly birthtimeNs: bigint;
}

export interface ShareStatfs {
  readonly type: number;
  readonly bsize: number;
  readonly blocks: number;
  readonly bfree: number;
  readonly bavail: number;
  readonly files: number;
  readonly ffree: number;
}

export interface OpenMode {
  readonly read: boolean;
  readonly write: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
  /** O_SYNC / O_DSYNC: each write durable before it returns. */
  readonly sync: boolean;
}

/** A time to set: nanoseconds since the epoch, or the host's now. */
export type ShareTime = bigint | "now";

export interface ShareChanges {
  /** Permission bits (the device has already masked them). */
  readonly mode?: number;
  readonly size?: bigint;
  readonly atime?: ShareTime;
  readonly mtime?: ShareTime;
}

/** One directory entry, "." and ".." not included. */
export interface ShareEntry {
  readonly name: string;
  readonly stat: ShareStat;
}

/**
 * One shared directory tree. Every call is synchronous (the VM's thread waits for the host
 * file system, as for a block device). A path's every component must resolve without
 * following a symlink; a name is a name in its parent directory, never followed either.
 */
export interface ShareBackend {
  /** The file at `path` itself (lstat: a symlink is described, not followed). */
  stat(path: SharePath): ShareStat;
  /** Open a regular file or a directory; anything else (a device, FIFO, socket, symlink) fails. */
  open(path: SharePath, mode: OpenMode): ShareHandle;
  /** Create and open a new regular file `name` in `dir` (exclusively: an existing name fails with EEXIST). */
  create(dir: SharePath, name: string, mode: OpenMode, perm: number): ShareHandle;
  fstat(h: ShareHandle): ShareStat;
  /** Read into `dst` from `offset`; returns the bytes read (0 at the end). */
  read(h: ShareHandle, offset: number, dst: Uint8Array): number;
  /** Write `src` at `offset`; returns the bytes written. */
  write(h: ShareHandle, offset: number, src: Uint8Array): number;
  /** The entries of an open directory, now. */
  list(h: ShareHandle): ShareEntry[];
  fsync(h: ShareHandle, dataOnly: boolean): void;
  close(h: ShareHandle): void;
  mkdir(dir: SharePath, name: string, perm: number): void;
  symlink(dir: SharePath, name: string, target: string): void;
  /** A new name `name` in `dir` for the file at `target` (a hard link; symlinks linked as themselves). */
  link(target: SharePath, dir: SharePath, name: string): void;
  readlink(path: SharePath): string;
  /** Remove `name` from `dir`: a directory (rmdir) when `directory`, else any other kind of file. */
  unlink(dir: SharePath, name: string, directory: boolean): void;
  rename(fromDir: SharePath, fromName: string, toDir: SharePath, toName: string): void;
  /** Change a regular file's or directory's attributes (a symlink's: EOPNOTSUPP). */
  setattr(path: SharePath, changes: ShareChanges): void;
  statfs(): ShareStatfs;
}
