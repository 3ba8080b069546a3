// A raw disk image file as a virtio-blk BlockBackend: the whole image, or one byte range
// of it (a GPT partition found by number or name, or a range the RootOS planned). The
// range is the device's whole world: every access is checked against it here too, so not
// even a bug in the device can reach a neighbouring partition.
//
// Synchronous fs calls (readSync, writeSync, fsyncSync): the VM's thread waits for the
// host disk, as the guest's request would on hardware. Moving I/O off the VM's thread
// (a worker and a SharedArrayBuffer ring, DESIGN "Threads") is the step after this.
import { closeSync, fstatSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import type { BlockBackend } from "../virtio/blk/index.js";
import { ImagesError } from "./errors.js";
import { findPartition, type GptPartition, readGpt } from "./gpt.js";

/** Which bytes of the image a disk is. */
export type DiskRange =
  | { readonly kind: "whole" }
  | { readonly kind: "partition"; readonly number: number }
  | { readonly kind: "partition-name"; readonly name: string }
  | { readonly kind: "bytes"; readonly offset: number; readonly size: number };

export interface OpenDiskOptions {
  readonly range: DiskRange;
  /** Open the file read-only: nothing this process does can change it. */
  readonly readOnly: boolean;
}

/** An open image (range). Close it when the last VM using it is gone. */
export class FileDisk implements BlockBackend {
  private fd: number | undefined;

  private constructor(
    fd: number,
    readonly path: string,
    /** Where the range starts in the file. */
    readonly offset: number,
    readonly size: number,
    readonly readOnly: boolean,
    /** The GPT entry, when opened by partition. */
    readonly partition?: GptPartition,
  ) {
    this.fd = fd;
  }

  /** Open `path` and find the range. Throws ImagesError (DiskOpen, NotGpt, NoPartition, DiskRange), never leaving the file open. */
  static open(path: string, opts: OpenDiskOptions): FileDisk {
    let fd: number;
    try {
      fd = openSync(path, opts.readOnly ? "r" : "r+");
    } catch (e) {
      throw new ImagesError({ kind: "DiskOpen", path, why: describeErrno(e, opts.readOnly) });
    }
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new ImagesError({ kind: "DiskOpen", path, why: "not a regular file" });
      const imageSize = st.size;
      const r = opts.range;
      if (r.kind === "whole") return new FileDisk(fd, path, 0, imageSize, opts.readOnly);
      if (r.kind === "bytes") {
        if (!(r.offset >= 0 && r.size >= 0 && r.offset + r.size <= imageSize)) {
          throw new ImagesError({ kind: "DiskRange", path, offset: r.offset, size: r.size, imageSize });
        }
        return new FileDisk(fd, path, r.offset, r.size, opts.readOnly);
      }
      const table = readGpt((offset, len) => readAt(fd, offset, len), imageSize, path);
      const p = findPartition(table, r.kind === "partition" ? { number: r.number } : { name: r.name }, path);
      return new FileDisk(fd, path, p.offset, p.size, opts.readOnly, p);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  read(offset: number, dst: Uint8Array): void {
    const fd = this.check(offset, dst.length, "read");
    let done = 0;
    while (done < dst.length) {
      const n = readSync(fd, dst, done, dst.length - done, this.offset + offset + done);
      if (n === 0) { dst.fill(0, done); return; } // the file shrank under us: reads past its end are zeros
      done += n;
    }
  }

  write(offset: number, src: Uint8Array): void {
    if (this.readOnly) throw new Error(`${this.path} is open read-only`);
    const fd = this.check(offset, src.length, "write");
    let done = 0;
    while (done < src.length) done += writeSync(fd, src, done, src.length - done, this.offset + offset + done);
  }

  flush(): void {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    if (!this.readOnly) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** The range check every access passes; a failure is a bug in the caller (the device checks first). */
  private check(offset: number, len: number, what: string): number {
    if (this.fd === undefined) throw new Error(`${this.path} is closed`);
    if (!(Number.isSafeInteger(offset) && offset >= 0 && len >= 0 && offset + len <= this.size)) {
      throw new RangeError(`${what} [${offset}, ${offset + len}) outside the disk's ${this.size} bytes`);
    }
    return this.fd;
  }
}

function readAt(fd: number, offset: number, len: number): Uint8Array {
  const b = new Uint8Array(len);
  let done = 0;
  while (done < len) {
    const n = readSync(fd, b, done, len - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return b.subarray(0, done);
}

function describeErrno(e: unknown, readOnly: boolean): string {
  switch ((e as NodeJS.ErrnoException).code) {
    case "ENOENT": return "not found";
    case "EISDIR": return "is a directory";
    case "EACCES": case "EPERM": case "EROFS": return readOnly ? "permission denied" : "cannot be opened for writing (use readonly=on, or fix its permissions)";
    default: return (e as Error).message;
  }
}
