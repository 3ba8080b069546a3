// Direct-mode SBI: the host answers the supervisor's ECALLs, so a kernel boots with no
// M-mode firmware. Spec: RISC-V Supervisor Binary Interface v2.0 (riscv-sbi-doc):
// ch. 3 binary encoding, 4 BASE, 5 legacy, 6 TIME, 7 IPI, 8 RFENCE, 9 HSM, 10 SRST,
// 12 DBCN. Reached through CpuHost.sbiCall(hart) on an S-mode ECALL of a hart in SBI
// mode; the wasm advances the pc past the ECALL when handle() returns true.
//
// Calling convention: a7 = extension id (EID), a6 = function id (FID), a0..a5 = args;
// returns a0 = error, a1 = value. Legacy extensions (EID 0x00-0x0F) return in a0 only.
//
// HSM states of each hart, as this module tracks them (all transitions are immediate,
// because every hart of a VM runs interleaved on one thread):
//
//   STOPPED ──hart_start──▶ STARTED ──hart_stop──▶ STOPPED
//                            │  ▲
//                 hart_suspend  └─ returns at once (retentive: WFI-like)
import { Irq, Priv } from "./cpu.js";
import { type GuestRam, inRam } from "../boot/ram.js";

export const SBI_SUCCESS = 0n;
export const SBI_ERR_FAILED = -1n;
export const SBI_ERR_NOT_SUPPORTED = -2n;
export const SBI_ERR_INVALID_PARAM = -3n;
export const SBI_ERR_DENIED = -4n;
export const SBI_ERR_INVALID_ADDRESS = -5n;
export const SBI_ERR_ALREADY_AVAILABLE = -6n;
export const SBI_ERR_ALREADY_STARTED = -7n;
export const SBI_ERR_ALREADY_STOPPED = -8n;

export const SBI_EXT_0_1_SET_TIMER = 0x00n;
export const SBI_EXT_0_1_CONSOLE_PUTCHAR = 0x01n;
export const SBI_EXT_0_1_CONSOLE_GETCHAR = 0x02n;
export const SBI_EXT_0_1_CLEAR_IPI = 0x03n;
export const SBI_EXT_0_1_SHUTDOWN = 0x08n;
export const SBI_EXT_BASE = 0x10n;
export const SBI_EXT_TIME = 0x5449_4d45n; // "TIME"
export const SBI_EXT_IPI = 0x73_5049n; // "sPI"
export const SBI_EXT_RFENCE = 0x5246_4e43n; // "RFNC"
export const SBI_EXT_HSM = 0x48_534dn; // "HSM"
export const SBI_EXT_SRST = 0x5352_5354n; // "SRST"
export const SBI_EXT_DBCN = 0x4442_434en; // "DBCN"

/** SBI spec version 2.0: major in bits 30:24, minor in 23:0. */
export const SBI_SPEC_VERSION = (2n << 24n) | 0n;
/**
 * Our implementation id. The spec assigns 0..11 (BBL, OpenSBI, Xvisor, KVM, RustSBI,
 * Diosix, Coffer, Xen, PolarFire HSS, coreboot, oreboot, bhyve); "BULK" in ASCII is
 * far from that list and reads back in a kernel log.
 */
export const SBI_IMPL_ID_BULKHEAD = 0x4255_4c4bn;
export const SBI_IMPL_VERSION = 0x1n;

export const enum HsmState { Started = 0, Stopped = 1, StartPending = 2, StopPending = 3, Suspended = 4 }

export const SRST_TYPE_SHUTDOWN = 0;
export const SRST_TYPE_COLD_REBOOT = 1;
export const SRST_TYPE_WARM_REBOOT = 2;
export const SRST_REASON_NONE = 0;
export const SRST_REASON_SYSFAIL = 1;

const CSR_SSTATUS = 0x100;
const CSR_SATP = 0x180;
const SSTATUS_SIE = 1n << 1n;
const A0 = 10, A1 = 11, A6 = 16, A7 = 17;
const ALL_ONES = (1n << 64n) - 1n;

/** What the SBI needs of the harts: a subset of Cpu, so tests can fake it. */
export interface SbiCpu {
  readonly harts: number;
  reg(h: number, r: number): bigint;
  setReg(h: number, r: number, v: bigint): void;
  setPc(h: number, v: bigint): void;
  setPriv(h: number, p: Priv): void;
  csr(h: number, csr: number): bigint;
  setCsr(h: number, csr: number, v: bigint): void;
  setIrq(h: number, mask: number, on: boolean): void;
  setTimecmp(h: number, v: bigint): void;
  setRunning(h: number, on: boolean): void;
  flushTlb(h: number): void;
  /** The host wrote guest RAM: drop decoded code cached for it. */
  invalidateCode(addr: bigint, len: number): void;
}

/** The debug console behind putchar/getchar and DBCN. */
export interface SbiConsole {
  write(bytes: Uint8Array): void;
  /** Up to `max` bytes of pending input, never blocking (an empty array when none). */
  read(max: number): Uint8Array;
}

/** A system reset request (SRST, or the legacy shutdown). */
export interface SbiReset {
  readonly type: "shutdown" | "cold-reboot" | "warm-reboot";
  /** 0 none, 1 system failure, or an implementation/vendor-specific reason. */
  readonly reason: number;
}

export interface SbiOptions {
  readonly cpu: SbiCpu;
  readonly ram: GuestRam;
  readonly console: SbiConsole;
  /** Called from inside the ECALL: stop the harts (Cpu.requestExit) and act after run() returns. */
  readonly onReset: (r: SbiReset) => void;
  /** Harts that start in STARTED (the boot hart); the others are STOPPED until hart_start. */
  readonly startedHarts?: readonly number[];
}

/** Result of one call: [error, value]. */
type Ret = readonly [bigint, bigint];
const ok = (value = 0n): Ret => [SBI_SUCCESS, value];
const err = (e: bigint): Ret => [e, 0n];

/** The SBI implementation of one VM. */
export class Sbi {
  private readonly cpu: SbiCpu;
  private readonly ram: GuestRam;
  private readonly console: SbiConsole;
  private readonly onReset: (r: SbiReset) => void;
  private readonly state: HsmState[];
  /** Calls per EID (hex string), for --dump-stats and tests. */
  readonly calls = new Map<string, number>();

  constructor(o: SbiOptions) {
    this.cpu = o.cpu;
    this.ram = o.ram;
    this.console = o.console;
    this.onReset = o.onReset;
    const started = new Set(o.startedHarts ?? [0]);
    this.state = Array.from({ length: o.cpu.harts }, (_, h) => (started.has(h) ? HsmState.Started : HsmState.Stopped));
  }

  /** The HSM state of a hart. */
  hartState(h: number): HsmState { return this.state[h]!; }

  /** Answer the ECALL of hart `h`. Always handled: unknown calls get SBI_ERR_NOT_SUPPORTED. */
  handle(h: number): boolean {
    const c = this.cpu;
    const eid = c.reg(h, A7);
    const fid = c.reg(h, A6);
    const key = eid.toString(16);
    this.calls.set(key, (this.calls.get(key) ?? 0) + 1);
    if (eid < 0x10n) {
      c.setReg(h, A0, this.legacy(h, eid));
      return true;
    }
    const [e, v] = this.call(h, eid, fid);
    c.setReg(h, A0, e);
    c.setReg(h, A1, v);
    return true;
  }

  private arg(h: number, i: number): bigint { return this.cpu.reg(h, A0 + i); }

  private call(h: number, eid: bigint, fid: bigint): Ret {
    switch (eid) {
      case SBI_EXT_BASE: return this.base(fid, this.arg(h, 0));
      case SBI_EXT_TIME:
        if (fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
        this.setTimer(h, this.arg(h, 0));
        return ok();
      case SBI_EXT_IPI:
        if (fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
        return this.forHarts(this.arg(h, 0), this.arg(h, 1), (t) => this.cpu.setIrq(t, Irq.SSIP, true));
      case SBI_EXT_RFENCE:
        // 0 fence.i, 1 sfence.vma, 2 sfence.vma.asid: flushing the target's TLBs covers all
        // three (the decode cache follows code writes). 3..6 are hypervisor fences: no H.
        if (fid > 2n) return err(SBI_ERR_NOT_SUPPORTED);
        return this.forHarts(this.arg(h, 0), this.arg(h, 1), (t) => this.cpu.flushTlb(t));
      case SBI_EXT_HSM: return this.hsm(h, fid);
      case SBI_EXT_SRST: return this.srst(fid, this.arg(h, 0), this.arg(h, 1));
      case SBI_EXT_DBCN: return this.dbcn(h, fid);
      default: return err(SBI_ERR_NOT_SUPPORTED);
    }
  }

  private base(fid: bigint, a0: bigint): Ret {
    switch (fid) {
      case 0n: return ok(SBI_SPEC_VERSION);
      case 1n: return ok(SBI_IMPL_ID_BULKHEAD);
      case 2n: return ok(SBI_IMPL_VERSION);
      case 3n: return ok(this.probe(a0) ? 1n : 0n);
      case 4n: case 5n: case 6n: return ok(0n); // mvendorid, marchid, mimpid
      default: return err(SBI_ERR_NOT_SUPPORTED);
    }
  }

  /** probe_extension: the extensions this module implements. */
  probe(eid: bigint): boolean {
    switch (eid) {
      case SBI_EXT_0_1_SET_TIMER: case SBI_EXT_0_1_CONSOLE_PUTCHAR: case SBI_EXT_0_1_CONSOLE_GETCHAR:
      case SBI_EXT_0_1_CLEAR_IPI: case SBI_EXT_0_1_SHUTDOWN:
      case SBI_EXT_BASE: case SBI_EXT_TIME: case SBI_EXT_IPI: case SBI_EXT_RFENCE:
      case SBI_EXT_HSM: case SBI_EXT_SRST: case SBI_EXT_DBCN:
        return true;
      default: return false;
    }
  }

  /** TIME set_timer: program the hart's timer and clear its pending timer interrupt. */
  private setTimer(h: number, when: bigint): void {
    this.cpu.setTimecmp(h, when);
    this.cpu.setIrq(h, Irq.STIP, false);
  }

  /**
   * Apply `fn` to every hart named by (hart_mask, hart_mask_base): bit i of the mask is
   * hart base + i; base = -1 means all harts (spec §3.1 "hart list parameter").
   */
  private forHarts(mask: bigint, base: bigint, fn: (h: number) => void): Ret {
    const n = BigInt(this.cpu.harts);
    const targets: number[] = [];
    if (base === ALL_ONES) {
      for (let t = 0; t < this.cpu.harts; t++) targets.push(t);
    } else {
      for (let i = 0n; mask >> i !== 0n; i++) {
        if (((mask >> i) & 1n) === 0n) continue;
        const t = base + i;
        if (t >= n) return err(SBI_ERR_INVALID_PARAM);
        targets.push(Number(t));
      }
    }
    targets.forEach(fn);
    return ok();
  }

  private hsm(h: number, fid: bigint): Ret {
    switch (fid) {
      case 0n: return this.hartStart(this.arg(h, 0), this.arg(h, 1), this.arg(h, 2));
      case 1n:
        // Does not return: the hart stops before the ECALL's pc advance would matter.
        this.state[h] = HsmState.Stopped;
        this.cpu.setRunning(h, false);
        return ok();
      case 2n: {
        const t = this.arg(h, 0);
        return t < BigInt(this.cpu.harts) ? ok(BigInt(this.state[Number(t)]!)) : err(SBI_ERR_INVALID_PARAM);
      }
      case 3n: {
        const type = this.arg(h, 0) & 0xffff_ffffn;
        // Default retentive suspend returns at once: a valid WFI-like wakeup, since the
        // hart resumes on any interrupt and may resume early. Non-retentive suspend would
        // need the resume jump to bypass the ECALL's pc advance: not offered.
        if (type === 0n) return ok();
        if (type === 0x8000_0000n) return err(SBI_ERR_NOT_SUPPORTED);
        return err(SBI_ERR_INVALID_PARAM); // reserved, or platform-specific and not implemented
      }
      default: return err(SBI_ERR_NOT_SUPPORTED);
    }
  }

  /** HSM hart_start: S-mode at start_addr, a0 = hartid, a1 = opaque, satp = 0, sstatus.SIE = 0. */
  private hartStart(hartid: bigint, start: bigint, opaque: bigint): Ret {
    if (hartid >= BigInt(this.cpu.harts)) return err(SBI_ERR_INVALID_PARAM);
    const t = Number(hartid);
    if (this.state[t] !== HsmState.Stopped) return err(SBI_ERR_ALREADY_AVAILABLE);
    if (!inRam(this.ram, start, 2n)) return err(SBI_ERR_INVALID_ADDRESS);
    const c = this.cpu;
    c.setPc(t, start);
    c.setReg(t, A0, hartid);
    c.setReg(t, A1, opaque);
    c.setPriv(t, Priv.S);
    c.setCsr(t, CSR_SATP, 0n);
    c.setCsr(t, CSR_SSTATUS, c.csr(t, CSR_SSTATUS) & ~SSTATUS_SIE);
    c.flushTlb(t);
    this.state[t] = HsmState.Started;
    c.setRunning(t, true);
    return ok();
  }

  private srst(fid: bigint, type: bigint, reason: bigint): Ret {
    if (fid !== 0n) return err(SBI_ERR_NOT_SUPPORTED);
    type &= 0xffff_ffffn;
    reason &= 0xffff_ffffn;
    if (type > 2n) return err(SBI_ERR_INVALID_PARAM); // reserved, or vendor-specific and not implemented
    if (reason > 1n && reason < 0xe000_0000n) return err(SBI_ERR_INVALID_PARAM); // reserved reasons
    const kinds = ["shutdown", "cold-reboot", "warm-reboot"] as const;
    this.onReset({ type: kinds[Number(type)]!, reason: Number(reason) });
    return ok();
  }

  private dbcn(h: number, fid: bigint): Ret {
    if (fid === 2n) {
      this.console.write(Uint8Array.of(Number(this.arg(h, 0) & 0xffn)));
      return ok();
    }
    if (fid !== 0n && fid !== 1n) return err(SBI_ERR_NOT_SUPPORTED);
    const n = this.arg(h, 0), lo = this.arg(h, 1), hi = this.arg(h, 2);
    // The buffer is physical memory; on RV64 the high half of its address must be 0.
    if (hi !== 0n || !inRam(this.ram, lo, n)) return err(SBI_ERR_INVALID_PARAM);
    const off = Number(lo - this.ram.base);
    if (fid === 0n) {
      this.console.write(this.ram.bytes.slice(off, off + Number(n)));
      return ok(n);
    }
    const got = this.console.read(Number(n)).subarray(0, Number(n));
    this.ram.bytes.set(got, off);
    if (got.length) this.cpu.invalidateCode(lo, got.length);
    return ok(BigInt(got.length));
  }

  /** Legacy extensions (SBI v0.1): the result goes to a0. */
  private legacy(h: number, eid: bigint): bigint {
    switch (eid) {
      case SBI_EXT_0_1_SET_TIMER: this.setTimer(h, this.arg(h, 0)); return 0n;
      case SBI_EXT_0_1_CONSOLE_PUTCHAR: this.console.write(Uint8Array.of(Number(this.arg(h, 0) & 0xffn))); return 0n;
      case SBI_EXT_0_1_CONSOLE_GETCHAR: {
        const b = this.console.read(1);
        return b.length ? BigInt(b[0]!) : -1n;
      }
      case SBI_EXT_0_1_CLEAR_IPI: this.cpu.setIrq(h, Irq.SSIP, false); return 0n;
      case SBI_EXT_0_1_SHUTDOWN: this.onReset({ type: "shutdown", reason: SRST_REASON_NONE }); return 0n;
      // 0x04-0x07 (send_ipi, remote fences) take a pointer to a hart mask in S-mode
      // virtual memory, which the host cannot translate: v0.2+ kernels use IPI/RFENCE.
      default: return SBI_ERR_NOT_SUPPORTED;
    }
  }
}
