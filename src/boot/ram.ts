// Guest physical RAM as the loaders see it: one contiguous byte array at a physical
// base (the Cpu's RAM, or a plain Uint8Array in tests).
import { BootError, hex } from "./boot-error.js";

export interface GuestRam {
  /** Physical address of bytes[0] (RAM_BASE on virt). */
  readonly base: bigint;
  readonly bytes: Uint8Array;
}

/** The end (exclusive) of RAM. */
export function ramEnd(ram: GuestRam): bigint {
  return ram.base + BigInt(ram.bytes.length);
}

/** True when [addr, addr+len) lies inside RAM. */
export function inRam(ram: GuestRam, addr: bigint, len: bigint): boolean {
  return len >= 0n && addr >= ram.base && addr + len <= ramEnd(ram);
}

/**
 * Copy `data` to physical `addr`, zero-filling up to `memLen` bytes (bss). Throws
 * BootError OutsideRam, naming `what`, when the range leaves RAM.
 */
export function placeInRam(ram: GuestRam, addr: bigint, data: Uint8Array, what: string, memLen = data.length): void {
  const len = BigInt(Math.max(memLen, data.length));
  if (!inRam(ram, addr, len)) {
    throw new BootError(
      "OutsideRam",
      `${what} [${hex(addr)}, ${hex(addr + len)}) lies outside RAM [${hex(ram.base)}, ${hex(ramEnd(ram))})`,
    );
  }
  const off = Number(addr - ram.base);
  ram.bytes.set(data, off);
  if (memLen > data.length) ram.bytes.fill(0, off + data.length, off + memLen);
}
