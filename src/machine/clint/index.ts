// SiFive CLINT. Spec: SiFive FU540-C000 Manual §9 "Core Local Interruptor" (same layout as
// RISC-V ACLINT MSWI + MTIMER); offsets named as Linux drivers/clocksource/timer-clint.c.
// virt: 0x0200_0000, size 0x1_0000, DT compatible "sifive,clint0","riscv,clint0".
//
// A thin view: mtime and mtimecmp live in the hart's wasm (it compares them at block
// boundaries and raises or clears MTIP itself), msip is a mip bit. This file only
// decodes addresses and widths.
import type { AccessSize, MmioDevice } from "../../platform/mmio.js";

export const CLINT_IPI_OFF = 0x0000; // msip[h] at + 4*h, bit 0
export const CLINT_TIMER_CMP_OFF = 0x4000; // mtimecmp[h] at + 8*h
export const CLINT_TIMER_VAL_OFF = 0xbff8; // mtime

/** What the CLINT reads and drives. The machine adapts the Cpu to it. */
export interface ClintPort {
  mtime(): bigint;
  timecmp(hart: number): bigint;
  /** Also clears MTIP if the new value lies in the future (the wasm does that). */
  setTimecmp(hart: number, v: bigint): void;
  setMsip(hart: number, on: boolean): void;
  msip(hart: number): boolean;
  /** Optional: writes to mtime are ignored without it. */
  setMtime?(v: bigint): void;
}

const M32 = 0xffff_ffffn;

/**
 * 4- and 8-byte accesses, naturally aligned; a 4-byte access to a 64-bit register
 * reads or replaces one half (RV32 software and OpenSBI's split writes need this).
 * Offsets of harts that do not exist read as zero and ignore writes.
 */
export class Clint implements MmioDevice {
  readonly label = "clint";

  constructor(readonly harts: number, private readonly port: ClintPort) {}

  read(offset: number, size: AccessSize): bigint | undefined {
    if ((size !== 4 && size !== 8) || offset & (size - 1)) return undefined;
    if (offset < CLINT_TIMER_CMP_OFF) {
      // msip words are 32-bit: an 8-byte read spans two harts.
      if (size === 8) return this.readMsip(offset) | (this.readMsip(offset + 4) << 32n);
      return this.readMsip(offset);
    }
    const reg = this.reg64(offset);
    if (reg === undefined) return 0n;
    const v = reg < 0 ? this.port.mtime() : this.port.timecmp(reg);
    if (size === 8) return v;
    return offset & 4 ? v >> 32n : v & M32;
  }

  write(offset: number, size: AccessSize, value: bigint): boolean {
    if ((size !== 4 && size !== 8) || offset & (size - 1)) return false;
    if (offset < CLINT_TIMER_CMP_OFF) {
      this.writeMsip(offset, value & M32);
      if (size === 8) this.writeMsip(offset + 4, value >> 32n);
      return true;
    }
    const reg = this.reg64(offset);
    if (reg === undefined) return true;
    let v = value;
    if (size === 4) {
      const old = reg < 0 ? this.port.mtime() : this.port.timecmp(reg);
      v = offset & 4 ? (old & M32) | ((value & M32) << 32n) : (old & ~M32) | (value & M32);
    }
    if (reg < 0) this.port.setMtime?.(v);
    else this.port.setTimecmp(reg, v);
    return true;
  }

  /** The 64-bit register at `off`: a hart index for mtimecmp, -1 for mtime, undefined for none. */
  private reg64(off: number): number | undefined {
    if (off >= CLINT_TIMER_VAL_OFF && off < CLINT_TIMER_VAL_OFF + 8) return -1;
    const h = (off - CLINT_TIMER_CMP_OFF) >> 3;
    return off >= CLINT_TIMER_CMP_OFF && h < this.harts ? h : undefined;
  }

  private readMsip(off: number): bigint {
    const h = (off - CLINT_IPI_OFF) >> 2;
    return h < this.harts && this.port.msip(h) ? 1n : 0n;
  }

  private writeMsip(off: number, v: bigint): void {
    const h = (off - CLINT_IPI_OFF) >> 2;
    if (h < this.harts) this.port.setMsip(h, (v & 1n) === 1n); // bits 31:1 are hardwired zero
  }
}
