// cpio "newc" archive writer: the format the Linux kernel unpacks as an initramfs.
// Spec: Documentation/driver-api/early-userspace/buffer-format.rst (linux), and
// cpio(5) "New ASCII Format". Each entry is a 110-byte ASCII header ("070701" and
// 13 eight-digit hex fields), the NUL-terminated name padded to 4 bytes, then the
// data padded to 4 bytes. The archive ends with an entry named "TRAILER!!!".

import { ImagesError } from "./errors.js";

export const NEWC_MAGIC = "070701";
export const NEWC_TRAILER = "TRAILER!!!";
export const NEWC_HEADER_SIZE = 110;

// st_mode file type bits (sys/stat.h).
export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;
export const S_IFCHR = 0o020000;
export const S_IFBLK = 0o060000;

/** One archive member. Paths are relative to the archive root ("bin/sh"; a leading "/" is dropped). */
export type CpioEntry =
  | { type: "file"; path: string; data: Uint8Array; mode?: number }
  | { type: "dir"; path: string; mode?: number }
  | { type: "symlink"; path: string; target: string }
  | { type: "char" | "block"; path: string; major: number; minor: number; mode?: number };

/** Normalise "/a//b/" to "a/b"; rejects "." and ".." components and the empty path. */
export function normalizeCpioPath(path: string): string {
  const parts = path.split("/").filter((p) => p !== "");
  if (parts.length === 0) throw new ImagesError({ kind: "BadPath", path, why: "empty path" });
  for (const p of parts) {
    if (p === "." || p === "..") throw new ImagesError({ kind: "BadPath", path, why: "'.' and '..' are not allowed" });
    if (p.includes("\0")) throw new ImagesError({ kind: "BadPath", path, why: "NUL in path" });
  }
  return parts.join("/");
}

/**
 * Collects entries and writes a newc archive. Parent directories are created (0755)
 * when an entry needs them; adding a path twice replaces the first entry in place, so
 * callers can override a default file. Output is deterministic: inode numbers follow
 * insertion order, owner is root, mtime is fixed.
 */
export class CpioWriter {
  private entries = new Map<string, CpioEntry>();

  constructor(private readonly mtime = 0) {}

  add(entry: CpioEntry): this {
    const path = normalizeCpioPath(entry.path);
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const existing = this.entries.get(parent);
      if (existing === undefined) this.entries.set(parent, { type: "dir", path: parent, mode: 0o755 });
      else if (existing.type !== "dir") {
        throw new ImagesError({ kind: "BadPath", path: entry.path, why: `${parent} is not a directory` });
      }
    }
    this.entries.set(path, { ...entry, path });
    return this;
  }

  file(path: string, data: Uint8Array | string, mode = 0o644): this {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    return this.add({ type: "file", path, data: bytes, mode });
  }

  dir(path: string, mode = 0o755): this {
    return this.add({ type: "dir", path, mode });
  }

  symlink(path: string, target: string): this {
    return this.add({ type: "symlink", path, target });
  }

  charDevice(path: string, major: number, minor: number, mode = 0o600): this {
    return this.add({ type: "char", path, major, minor, mode });
  }

  has(path: string): boolean {
    return this.entries.has(normalizeCpioPath(path));
  }

  /** The archive bytes, trailer included. */
  finish(): Buffer {
    const chunks: Buffer[] = [];
    let ino = 1;
    for (const e of this.entries.values()) chunks.push(...encodeEntry(e, ino++, this.mtime));
    chunks.push(...encodeRaw(NEWC_TRAILER, { ino: 0, mode: 0, nlink: 1, mtime: 0, data: Buffer.alloc(0) }));
    return Buffer.concat(chunks);
  }
}

function encodeEntry(e: CpioEntry, ino: number, mtime: number): Buffer[] {
  switch (e.type) {
    case "file":
      return encodeRaw(e.path, { ino, mode: S_IFREG | ((e.mode ?? 0o644) & 0o7777), nlink: 1, mtime, data: e.data });
    case "dir":
      return encodeRaw(e.path, { ino, mode: S_IFDIR | ((e.mode ?? 0o755) & 0o7777), nlink: 2, mtime, data: Buffer.alloc(0) });
    case "symlink":
      return encodeRaw(e.path, { ino, mode: S_IFLNK | 0o777, nlink: 1, mtime, data: Buffer.from(e.target, "utf8") });
    case "char":
    case "block": {
      const type = e.type === "char" ? S_IFCHR : S_IFBLK;
      return encodeRaw(e.path, {
        ino, mode: type | ((e.mode ?? 0o600) & 0o7777), nlink: 1, mtime, data: Buffer.alloc(0),
        rdevmajor: e.major, rdevminor: e.minor,
      });
    }
  }
}

interface RawFields {
  ino: number; mode: number; nlink: number; mtime: number; data: Uint8Array;
  rdevmajor?: number; rdevminor?: number;
}

function hex8(n: number, what: string): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new RangeError(`cpio newc: ${what} ${n} does not fit 32 bits`);
  return n.toString(16).padStart(8, "0");
}

const pad4 = (n: number) => (4 - (n % 4)) % 4;

function encodeRaw(name: string, f: RawFields): Buffer[] {
  const nameBytes = Buffer.from(name + "\0", "utf8");
  const header = NEWC_MAGIC +
    hex8(f.ino, "ino") + hex8(f.mode, "mode") + hex8(0, "uid") + hex8(0, "gid") +
    hex8(f.nlink, "nlink") + hex8(f.mtime, "mtime") + hex8(f.data.length, "filesize") +
    hex8(0, "devmajor") + hex8(0, "devminor") +
    hex8(f.rdevmajor ?? 0, "rdevmajor") + hex8(f.rdevminor ?? 0, "rdevminor") +
    hex8(nameBytes.length, "namesize") + hex8(0, "check");
  const out: Buffer[] = [Buffer.from(header, "ascii"), nameBytes, Buffer.alloc(pad4(NEWC_HEADER_SIZE + nameBytes.length))];
  if (f.data.length > 0) out.push(Buffer.from(f.data.buffer, f.data.byteOffset, f.data.length), Buffer.alloc(pad4(f.data.length)));
  return out;
}
