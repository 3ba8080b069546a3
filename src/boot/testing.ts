// Synthetic boot images for the tests: minimal, well-formed ELF64 and Image files that
// each test then bends to provoke one error.

export interface FakeSegment {
  paddr: bigint;
  vaddr?: bigint;
  data: Uint8Array;
  memsz?: number;
  type?: number;
}

export interface FakeElfOptions {
  entry: bigint;
  segments: FakeSegment[];
  cls?: number;
  data?: number;
  machine?: number;
  type?: number;
  flags?: number;
}

/** An ELF64 file: header, program headers, then each segment's bytes. */
export function makeElf(o: FakeElfOptions): Uint8Array {
  const phoff = 64;
  let off = phoff + 56 * o.segments.length;
  const total = off + o.segments.reduce((n, s) => n + s.data.length, 0);
  const b = new Uint8Array(total);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, o.cls ?? 2, o.data ?? 1, 1]);
  dv.setUint16(16, o.type ?? 2, true);
  dv.setUint16(18, o.machine ?? 243, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, o.entry, true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setUint32(48, o.flags ?? 0x5, true); // RVC, double-float ABI
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, o.segments.length, true);
  o.segments.forEach((s, i) => {
    const p = phoff + 56 * i;
    dv.setUint32(p, s.type ?? 1, true);
    dv.setUint32(p + 4, 5, true);
    dv.setBigUint64(p + 8, BigInt(off), true);
    dv.setBigUint64(p + 16, s.vaddr ?? s.paddr, true);
    dv.setBigUint64(p + 24, s.paddr, true);
    dv.setBigUint64(p + 32, BigInt(s.data.length), true);
    dv.setBigUint64(p + 40, BigInt(s.memsz ?? s.data.length), true);
    dv.setBigUint64(p + 48, 0x1000n, true);
    b.set(s.data, off);
    off += s.data.length;
  });
  return b;
}

export interface FakeImageOptions {
  size: number;
  textOffset?: bigint;
  imageSize?: bigint;
  efi?: boolean;
  oldMagicOnly?: boolean;
}

/** A RISC-V Linux Image of `size` bytes with a valid header. */
export function makeLinuxImage(o: FakeImageOptions): Uint8Array {
  const b = new Uint8Array(Math.max(o.size, 64));
  const dv = new DataView(b.buffer);
  if (o.efi) b.set([0x4d, 0x5a]);
  else dv.setUint32(0, 0x0000_0013, true); // nop-ish code0
  dv.setBigUint64(8, o.textOffset ?? 0x20_0000n, true);
  dv.setBigUint64(16, o.imageSize ?? BigInt(o.size), true);
  dv.setUint32(32, 2, true); // version 0.2
  b.set([0x52, 0x49, 0x53, 0x43, 0x56, 0, 0, 0], 0x30);
  if (!o.oldMagicOnly) b.set([0x52, 0x53, 0x43, 0x05], 0x38);
  return b;
}

/** Hart state kept in plain arrays: enough Cpu for the SBI and the boot code. */
export class FakeCpu {
  readonly regs: bigint[][];
  readonly pcs: bigint[];
  readonly privs: number[];
  readonly csrs: Map<number, bigint>[];
  readonly mips: number[];
  readonly timecmps: bigint[];
  readonly runningHarts: boolean[];
  readonly tlbFlushes: number[];

  constructor(readonly harts: number) {
    const per = <T>(f: () => T): T[] => Array.from({ length: harts }, f);
    this.regs = per(() => new Array<bigint>(32).fill(0n));
    this.pcs = per(() => 0n);
    this.privs = per(() => 3);
    this.csrs = per(() => new Map());
    this.mips = per(() => 0);
    this.timecmps = per(() => (1n << 64n) - 1n);
    this.runningHarts = per(() => false);
    this.tlbFlushes = per(() => 0);
  }

  reg(h: number, r: number): bigint { return BigInt.asUintN(64, this.regs[h]![r]!); }
  setReg(h: number, r: number, v: bigint): void { if (r !== 0) this.regs[h]![r] = BigInt.asUintN(64, v); }
  pc(h: number): bigint { return this.pcs[h]!; }
  setPc(h: number, v: bigint): void { this.pcs[h] = v; }
  priv(h: number): number { return this.privs[h]!; }
  setPriv(h: number, p: number): void { this.privs[h] = p; }
  csr(h: number, c: number): bigint { return this.csrs[h]!.get(c) ?? 0n; }
  setCsr(h: number, c: number, v: bigint): void { this.csrs[h]!.set(c, BigInt.asUintN(64, v)); }
  setIrq(h: number, mask: number, on: boolean): void { this.mips[h] = on ? this.mips[h]! | mask : this.mips[h]! & ~mask; }
  setTimecmp(h: number, v: bigint): void { this.timecmps[h] = v; }
  setRunning(h: number, on: boolean): void { this.runningHarts[h] = on; }
  running(h: number): boolean { return this.runningHarts[h]!; }
  flushTlb(h: number): void { this.tlbFlushes[h]!++; }
  readonly codeInvalidations: Array<[bigint, number]> = [];
  invalidateCode(addr: bigint, len: number): void { this.codeInvalidations.push([addr, len]); }

  /** Set up an ECALL: a7 = eid, a6 = fid, a0.. = args. */
  ecall(h: number, eid: bigint, fid: bigint, ...args: bigint[]): void {
    this.setReg(h, 17, eid);
    this.setReg(h, 16, fid);
    args.forEach((a, i) => this.setReg(h, 10 + i, a));
  }
}
