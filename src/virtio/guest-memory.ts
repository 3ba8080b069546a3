// Guest RAM as devices see it: bounds-checked, little-endian, and every host write
// reported to the harts so they drop code they decoded from those bytes (a device that
// DMAs a program into RAM must not leave the hart running the old instructions).
// The only door from src/virtio to guest memory: the queue and the devices go through it.
//
// A 64-bit value the guest hands us (a descriptor's or a ring's address) stays a bigint
// until checkWide() has found it in RAM: RAM lies far below 2^53, so from then on a plain
// number is exact. A JS number never holds a guest's 64-bit value unchecked.
import { VirtioError } from "./errors.js";

/** Called after the host wrote guest RAM: [addr, addr+len), guest-physical. */
export type CodeInvalidator = (addr: number, len: number) => void;

/** Guest RAM: `bytes[0]` is guest-physical `base`. */
export class GuestMemory {
  readonly base: number;
  readonly size: number;
  readonly end: number;
  private readonly dv: DataView;

  constructor(private readonly bytes: Uint8Array, base: number | bigint, private readonly invalidate: CodeInvalidator = () => {}) {
    this.base = Number(base);
    this.size = bytes.length;
    this.end = this.base + this.size;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** True when [addr, addr+len) lies inside RAM (len 0 included: an empty range at a RAM address). */
  contains(addr: number, len: number): boolean {
    return Number.isSafeInteger(addr) && Number.isSafeInteger(len) && len >= 0 && addr >= this.base && addr + len <= this.end;
  }

  /** The offset into RAM of [addr, addr+len); throws VirtioError OutsideRam naming `what`. */
  check(addr: number, len: number, what: string): number {
    if (!this.contains(addr, len)) throw new VirtioError({ kind: "OutsideRam", addr: BigInt(addr), len, what });
    return addr - this.base;
  }

  /** A guest's 64-bit address of [addr, addr+len), checked to lie in RAM, as a number; else VirtioError OutsideRam. */
  checkWide(addr: bigint, len: number, what: string): number {
    if (addr < BigInt(this.base) || addr + BigInt(len) > BigInt(this.end)) throw new VirtioError({ kind: "OutsideRam", addr, len, what });
    return Number(addr);
  }

  /** A copy of [addr, addr+len). */
  read(addr: number, len: number, what = "buffer"): Uint8Array {
    const o = this.check(addr, len, what);
    return this.bytes.slice(o, o + len);
  }

  /** Copy guest bytes at `addr` into `dst` (all of it). */
  readInto(addr: number, dst: Uint8Array, what = "buffer"): void {
    const o = this.check(addr, dst.length, what);
    dst.set(this.bytes.subarray(o, o + dst.length));
  }

  /** Copy `src` to guest `addr`. */
  write(addr: number, src: Uint8Array, what = "buffer"): void {
    const o = this.check(addr, src.length, what);
    this.bytes.set(src, o);
    this.invalidate(addr, src.length);
  }

  /**
   * Zero-copy read: `use` gets a view of [addr, addr+len) that it must only read and not
   * keep (e.g. to write it to a file). Returns what `use` returns.
   */
  withView<R>(addr: number, len: number, use: (view: Uint8Array) => R, what = "buffer"): R {
    const o = this.check(addr, len, what);
    return use(this.bytes.subarray(o, o + len));
  }

  /**
   * Zero-copy write: `fill` gets a view of [addr, addr+len) to write into (e.g. a file
   * read); the range is invalidated afterwards, whatever `fill` did (or threw).
   */
  fillView<R>(addr: number, len: number, fill: (view: Uint8Array) => R, what = "buffer"): R {
    const o = this.check(addr, len, what);
    try {
      return fill(this.bytes.subarray(o, o + len));
    } finally {
      this.invalidate(addr, len);
    }
  }

  u8(addr: number, what = "u8"): number { return this.bytes[this.check(addr, 1, what)]!; }
  u16(addr: number, what = "u16"): number { return this.dv.getUint16(this.check(addr, 2, what), true); }
  u32(addr: number, what = "u32"): number { return this.dv.getUint32(this.check(addr, 4, what), true); }
  /** A u64, exact (checkWide() turns an address into a number). */
  u64(addr: number, what = "u64"): bigint { return this.dv.getBigUint64(this.check(addr, 8, what), true); }

  setU8(addr: number, v: number, what = "u8"): void { this.bytes[this.check(addr, 1, what)] = v; this.invalidate(addr, 1); }
  setU16(addr: number, v: number, what = "u16"): void { this.dv.setUint16(this.check(addr, 2, what), v, true); this.invalidate(addr, 2); }
  setU32(addr: number, v: number, what = "u32"): void { this.dv.setUint32(this.check(addr, 4, what), v >>> 0, true); this.invalidate(addr, 4); }
}
