// A BlockBackend in memory for the device tests: counts flushes, can be told to fail.
import type { BlockBackend } from "./index.js";

export class MemoryBackend implements BlockBackend {
  readonly bytes: Uint8Array;
  flushes = 0;
  /** Make the next host call throw, as a failing disk would. */
  failNext = false;
  readonly calls: string[] = [];

  constructor(size: number) { this.bytes = new Uint8Array(size); }
  get size(): number { return this.bytes.length; }

  read(offset: number, dst: Uint8Array): void {
    this.check("read", offset, dst.length);
    dst.set(this.bytes.subarray(offset, offset + dst.length));
  }
  write(offset: number, src: Uint8Array): void {
    this.check("write", offset, src.length);
    this.bytes.set(src, offset);
  }
  flush(): void {
    this.calls.push("flush");
    if (this.failNext) { this.failNext = false; throw new Error("EIO: flush failed"); }
    this.flushes++;
  }

  private check(what: string, offset: number, len: number): void {
    this.calls.push(`${what} ${offset} ${len}`);
    if (this.failNext) { this.failNext = false; throw new Error(`EIO: ${what} failed`); }
    if (offset < 0 || offset + len > this.bytes.length) throw new RangeError(`MemoryBackend: ${what} [${offset}, ${offset + len}) outside [0, ${this.bytes.length})`);
  }
}
