// Hart-wide state, CSRs, traps and interrupts (RISC-V privileged spec v1.12, chapters 3-4).
// The running hart's registers and CSRs live in the ACTIVE block; `H` is its own block,
// where its TLBs are.
import {
  ACTIVE, PC, PRIV, FFLAGS, FRM, MSTATUS, MEDELEG, MIDELEG, MIE, MIP, MTVEC, MSCRATCH, MEPC,
  MCAUSE, MTVAL, STVEC, SSCRATCH, SEPC, SCAUSE, STVAL, SATP, MCOUNTEREN, SCOUNTEREN, MENVCFG,
  SENVCFG, MTIMECMP, INSTRET, EXTIP, HARTID, MCOUNTINHIBIT, PMPCFG, PMPADDR, SBIMODE, RUNNING,
  TLB_R, TLB_BYTES, HARTS_BASE, HART_STRIDE, STATE_SIZE, RES_ADDR,
} from "./layout";

@external("env", "hostTicks") declare function hostTicks(): f64;

// ---- machine-wide globals ----
export let nHarts: i32 = 1;
export let ramSize: u64 = 0;
export let virtualTiming: bool = false;
export let instrPerTick: u64 = 10;
export let timeOffset: u64 = 0; // virtual: mtime = timeOffset + totalInstret / instrPerTick
export let totalInstret: u64 = 0;
export let curHart: i32 = -1; // the hart whose state is in ACTIVE, -1 outside a turn
export let H: u32 = HARTS_BASE; // its block (TLBs)
export let sliceExecuted: u64 = 0; // instructions the current hart ran in this slice so far
export let exitRequested: bool = false;
export let statTlbMiss: u64 = 0;
export let statMmio: u64 = 0;
export let statTrap: u64 = 0;
export let statIrq: u64 = 0;
export let statDecode: u64 = 0;
export let statCodePage: u64 = 0;
export function countDecode(): void { statDecode++; }
export function countCodePage(): void { statCodePage++; }
/** 1 + the hart whose trap handler itself faulted (a double fault: it would loop forever), else 0. */
export let lostHart: i32 = 0;
export function clearLostHart(): void { lostHart = 0; }

export function setGlobals(n: i32, ram: u64, virt: bool, ipt: u64): void {
  nHarts = n; ramSize = ram; virtualTiming = virt; instrPerTick = ipt > 0 ? ipt : 1;
}
export function setCurHart(h: i32): void { curHart = h; H = HARTS_BASE + <u32>h * HART_STRIDE; }
export function clearCurHart(): void { curHart = -1; }
export function setSliceExecuted(n: u64): void { sliceExecuted = n; }
export function addTotalInstret(n: u64): void { totalInstret += n; }
export function setExitRequested(v: bool): void { exitRequested = v; }
export function setTimeOffset(v: u64): void { timeOffset = v; }
export function countTlbMiss(): void { statTlbMiss++; }
export function countMmio(): void { statMmio++; }

/** The state block of hart h: ACTIVE while it runs, its own block otherwise. */
export function hartState(h: i32): u32 {
  return h == curHart ? ACTIVE : HARTS_BASE + <u32>h * HART_STRIDE;
}

@inline export function st(off: u32): u64 { return load<u64>(ACTIVE + off); }
@inline export function setSt(off: u32, v: u64): void { store<u64>(ACTIVE + off, v); }

// ---- constants ----
export const PRV_U: u64 = 0;
export const PRV_S: u64 = 1;
export const PRV_M: u64 = 3;

export const MSTATUS_SIE: u64 = 1 << 1;
export const MSTATUS_MIE: u64 = 1 << 3;
export const MSTATUS_SPIE: u64 = 1 << 5;
export const MSTATUS_MPIE: u64 = 1 << 7;
export const MSTATUS_SPP: u64 = 1 << 8;
export const MSTATUS_MPP: u64 = 3 << 11;
export const MSTATUS_FS: u64 = 3 << 13;
export const MSTATUS_MPRV: u64 = 1 << 17;
export const MSTATUS_SUM: u64 = 1 << 18;
export const MSTATUS_MXR: u64 = 1 << 19;
export const MSTATUS_TVM: u64 = 1 << 20;
export const MSTATUS_TW: u64 = 1 << 21;
export const MSTATUS_TSR: u64 = 1 << 22;
export const MSTATUS_UXL_SXL: u64 = (<u64>2 << 32) | (<u64>2 << 34);
export const MSTATUS_SD: u64 = <u64>1 << 63;
const MSTATUS_WMASK: u64 = MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP |
  MSTATUS_MPP | MSTATUS_FS | MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR;
const SSTATUS_MASK: u64 = MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_FS | MSTATUS_SUM |
  MSTATUS_MXR | (<u64>3 << 32) | MSTATUS_SD;
// Fields whose change alters address translation, so the TLBs must go.
const MSTATUS_XLATE: u64 = MSTATUS_MPRV | MSTATUS_MPP | MSTATUS_SUM | MSTATUS_MXR;

const MIP_SSIP: u64 = 1 << 1;
const MIP_STIP: u64 = 1 << 5;
const MIP_SEIP: u64 = 1 << 9;
const MIP_MTIP: u64 = 1 << 7;
const S_INTS: u64 = MIP_SSIP | MIP_STIP | MIP_SEIP;
const M_INTS_ALL: u64 = S_INTS | (1 << 3) | MIP_MTIP | (1 << 11);

// misa: RV64 + A C D F I M S U, exactly what this hart implements.
export const MISA: u64 = (<u64>2 << 62) | (1 << 0) | (1 << 2) | (1 << 3) | (1 << 5) | (1 << 8) | (1 << 12) | (1 << 18) | (1 << 20);

export const CAUSE_FETCH_ACCESS: u64 = 1;
export const CAUSE_ILLEGAL: u64 = 2;
export const CAUSE_BREAKPOINT: u64 = 3;
export const CAUSE_MISALIGNED_LOAD: u64 = 4;
export const CAUSE_LOAD_ACCESS: u64 = 5;
export const CAUSE_MISALIGNED_STORE: u64 = 6;
export const CAUSE_STORE_ACCESS: u64 = 7;
export const CAUSE_ECALL_U: u64 = 8;
export const CAUSE_FETCH_PAGE: u64 = 12;
export const CAUSE_LOAD_PAGE: u64 = 13;
export const CAUSE_STORE_PAGE: u64 = 15;
const INTERRUPT: u64 = <u64>1 << 63;

// ---- TLB ----
export function flushTlb(): void { memory.fill(H + TLB_R, 0xff, TLB_BYTES); }

// ---- time ----
export function mtime(): u64 {
  if (virtualTiming) return timeOffset + (totalInstret + sliceExecuted) / instrPerTick;
  return timeOffset + <u64>hostTicks();
}

/** Raise the timer bit of hart state `s` when its deadline passed (STIP in SBI mode). */
export function updateTimer(s: u32, now: u64): void {
  const due = now >= load<u64>(s + MTIMECMP);
  if (load<u32>(s + SBIMODE)) {
    if (due) store<u64>(s + MIP, load<u64>(s + MIP) | MIP_STIP);
  } else {
    const mip = load<u64>(s + MIP);
    store<u64>(s + MIP, due ? mip | MIP_MTIP : mip & ~MIP_MTIP);
  }
}

// ---- privilege ----
export function setPriv(p: u64): void {
  if (st(PRIV) != p) { setSt(PRIV, p); flushTlb(); }
}

function writeMstatus(v: u64): void {
  const old = st(MSTATUS);
  let n = (old & ~MSTATUS_WMASK) | (v & MSTATUS_WMASK);
  if (((n >> 11) & 3) == 2) n = (n & ~MSTATUS_MPP) | (old & MSTATUS_MPP); // MPP is WARL: 2 is reserved
  n = (n & ~MSTATUS_SD) | MSTATUS_UXL_SXL;
  if ((n & MSTATUS_FS) == MSTATUS_FS) n |= MSTATUS_SD;
  setSt(MSTATUS, n);
  if ((old ^ n) & MSTATUS_XLATE) flushTlb();
}

/** Mark the FPU state dirty (mstatus.FS = 3, SD = 1) after a write to f-registers or fcsr. */
@inline export function fpuDirty(): void {
  setSt(MSTATUS, st(MSTATUS) | MSTATUS_FS | MSTATUS_SD);
}

// ---- traps ----
/** Enter the trap handler for `cause` (bit 63 set for interrupts) at the pc saved in ACTIVE. */
export function takeTrap(cause: u64, tval: u64): void {
  const priv = st(PRIV);
  const isIrq = (cause & INTERRUPT) != 0;
  const code = cause & 63;
  const deleg = isIrq ? st(MIDELEG) : st(MEDELEG);
  const pc = st(PC);
  statTrap++;
  const toS = priv <= PRV_S && ((deleg >> code) & 1) != 0;
  // The S and M trap CSRs sit at the same distances from each other, and mstatus keeps
  // xIE, xPIE = xIE + 4 and xPP for both: S at bits 1, 5, 8; M at bits 3, 7, 11-12.
  const tvec = toS ? st(STVEC) : st(MTVEC);
  // An exception raised by the first instruction of the handler it enters would repeat
  // forever: stop the hart and tell the host, as hardware would lock up.
  if (!isIrq && pc == (tvec & ~<u64>3)) {
    lostHart = curHart + 1;
    store<u32>(ACTIVE + RUNNING, 0);
    exitRequested = true;
  }
  setSt(toS ? SCAUSE : MCAUSE, cause);
  setSt(toS ? SEPC : MEPC, pc);
  setSt(toS ? STVAL : MTVAL, tval);
  const ie: u64 = toS ? 1 : 3;
  const pp: u64 = toS ? MSTATUS_SPP : MSTATUS_MPP;
  let m = st(MSTATUS);
  m = (m & ~((<u64>1 << (ie + 4)) | (<u64>1 << ie))) | (((m >> ie) & 1) << (ie + 4));
  m = (m & ~pp) | (priv << (toS ? 8 : 11));
  setSt(MSTATUS, m);
  setSt(PC, (tvec & ~<u64>3) + ((tvec & 1) && isIrq ? code << 2 : 0));
  setPriv(toS ? PRV_S : PRV_M);
}

// Trap codes: what every slow path that may fault returns. OK when the access or the
// instruction completed; TRAPPED when it raised an exception, which has been taken (the
// handler's pc is in ACTIVE), so the caller only ends its work and reloads pc.
export const OK: u32 = 0;
export const TRAPPED: u32 = 1;

/** Take exception `cause` at the pc stored in ACTIVE; returns TRAPPED. */
export function raiseException(cause: u64, tval: u64): u32 {
  takeTrap(cause, tval);
  return TRAPPED;
}

@inline export function pendingMip(): u64 { return st(MIP) | st(EXTIP); }

/** Take the highest-priority enabled pending interrupt, if any. True when one was taken. */
export function checkInterrupts(): bool {
  const pending = pendingMip() & st(MIE);
  if (pending == 0) return false;
  const priv = st(PRIV);
  const mstatus = st(MSTATUS);
  const mideleg = st(MIDELEG);
  let enabled: u64 = 0;
  const mEnabled = priv < PRV_M || (mstatus & MSTATUS_MIE) != 0;
  if (mEnabled) enabled = pending & ~mideleg;
  const sEnabled = priv < PRV_S || (priv == PRV_S && (mstatus & MSTATUS_SIE) != 0);
  if (sEnabled) enabled |= pending & mideleg;
  if (enabled == 0) return false;
  // Priority: MEI, MSI, MTI, SEI, SSI, STI (privileged spec 3.1.9).
  let irq: u64;
  if (enabled & (1 << 11)) irq = 11;
  else if (enabled & (1 << 3)) irq = 3;
  else if (enabled & (1 << 7)) irq = 7;
  else if (enabled & (1 << 9)) irq = 9;
  else if (enabled & (1 << 1)) irq = 1;
  else irq = 5;
  statIrq++;
  takeTrap(INTERRUPT | irq, 0);
  return true;
}

/** mret/sret (privileged spec 3.3.2). Returns false when illegal here. */
export function xret(isM: bool): bool {
  const priv = st(PRIV);
  const old = st(MSTATUS);
  let s = old;
  if (isM) {
    if (priv != PRV_M) return false;
    const mpp = (s >> 11) & 3;
    s = (s & ~MSTATUS_MIE) | ((s & MSTATUS_MPIE) >> 4);
    s = (s | MSTATUS_MPIE) & ~MSTATUS_MPP;
    if (mpp != PRV_M) s &= ~MSTATUS_MPRV;
    setSt(MSTATUS, s);
    setSt(PC, st(MEPC));
    setPriv(mpp);
  } else {
    if (priv < PRV_S || (priv == PRV_S && (s & MSTATUS_TSR) != 0)) return false;
    const spp = (s >> 8) & 1;
    s = (s & ~MSTATUS_SIE) | ((s & MSTATUS_SPIE) >> 4);
    s = (s | MSTATUS_SPIE) & ~MSTATUS_SPP & ~MSTATUS_MPRV;
    setSt(MSTATUS, s);
    setSt(PC, st(SEPC));
    setPriv(spp);
  }
  // Loads and stores in M-mode translate per MPRV/MPP: their TLB entries go when those change.
  if (priv == PRV_M && ((old ^ st(MSTATUS)) & (MSTATUS_MPRV | MSTATUS_MPP)) != 0) flushTlb();
  return true;
}

// ---- CSRs ----

function counterAllowed(csr: u32): bool {
  const priv = st(PRIV);
  if (priv == PRV_M) return true;
  const bit: u64 = <u64>1 << (csr & 31);
  if ((st(MCOUNTEREN) & bit) == 0) return false;
  if (priv == PRV_U && (st(SCOUNTEREN) & bit) == 0) return false;
  return true;
}

@inline function put(dst: u32, v: u64): bool { store<u64>(dst, v); return true; }

/** Read a CSR into the u64 at `dst`; false (and `dst` untouched) when the access is illegal. */
export function csrRead(csr: u32, dst: u32): bool {
  const priv = st(PRIV);
  if (<u64>((csr >> 8) & 3) > priv) return false;
  switch (csr) {
    case 0x001: if ((st(MSTATUS) & MSTATUS_FS) == 0) break; return put(dst, st(FFLAGS));
    case 0x002: if ((st(MSTATUS) & MSTATUS_FS) == 0) break; return put(dst, st(FRM));
    case 0x003: if ((st(MSTATUS) & MSTATUS_FS) == 0) break; return put(dst, (st(FRM) << 5) | st(FFLAGS));
    case 0xc00: case 0xc02: if (!counterAllowed(csr)) break; return put(dst, st(INSTRET) + sliceExecuted);
    case 0xc01: if (!counterAllowed(csr)) break; return put(dst, mtime());
    case 0x100: return put(dst, st(MSTATUS) & SSTATUS_MASK);
    case 0x104: return put(dst, st(MIE) & st(MIDELEG));
    case 0x105: return put(dst, st(STVEC));
    case 0x106: return put(dst, st(SCOUNTEREN));
    case 0x10a: return put(dst, st(SENVCFG));
    case 0x140: return put(dst, st(SSCRATCH));
    case 0x141: return put(dst, st(SEPC));
    case 0x142: return put(dst, st(SCAUSE));
    case 0x143: return put(dst, st(STVAL));
    case 0x144: return put(dst, pendingMip() & st(MIDELEG));
    case 0x180:
      if (priv == PRV_S && (st(MSTATUS) & MSTATUS_TVM) != 0) break;
      return put(dst, st(SATP));
    case 0xf11: case 0xf12: case 0xf13: case 0xf15: return put(dst, 0);
    case 0xf14: return put(dst, <u64>load<u32>(ACTIVE + HARTID));
    case 0x300: return put(dst, st(MSTATUS));
    case 0x301: return put(dst, MISA);
    case 0x302: return put(dst, st(MEDELEG));
    case 0x303: return put(dst, st(MIDELEG));
    case 0x304: return put(dst, st(MIE));
    case 0x305: return put(dst, st(MTVEC));
    case 0x306: return put(dst, st(MCOUNTEREN));
    case 0x30a: return put(dst, st(MENVCFG));
    case 0x320: return put(dst, st(MCOUNTINHIBIT));
    case 0x340: return put(dst, st(MSCRATCH));
    case 0x341: return put(dst, st(MEPC));
    case 0x342: return put(dst, st(MCAUSE));
    case 0x343: return put(dst, st(MTVAL));
    case 0x344: return put(dst, pendingMip());
    case 0x3a0: return put(dst, st(PMPCFG));
    case 0x3a2: return put(dst, st(PMPCFG + 8));
    case 0xb00: case 0xb02: return put(dst, st(INSTRET) + sliceExecuted);
    default:
      if (csr >= 0x3b0 && csr < 0x3c0) return put(dst, st(PMPADDR + ((csr - 0x3b0) << 3)));
      if (csr >= 0x3c0 && csr < 0x3f0) return put(dst, 0); // pmpaddr16..63: not implemented, read as zero
      if ((csr >= 0xc03 && csr <= 0xc1f)) { if (!counterAllowed(csr)) break; return put(dst, 0); }
      if ((csr >= 0xb03 && csr <= 0xb1f) || (csr >= 0x323 && csr <= 0x33f)) return put(dst, 0);
      if (csr == 0x3a1 || csr == 0x3a3 || (csr >= 0x3a4 && csr <= 0x3af)) { if (csr & 1) break; return put(dst, 0); }
  }
  return false;
}

/**
 * The value a CSRRS/CSRRC starts from: for mip and sip the software-writable SEIP alone,
 * not ORed with the PLIC's line (privileged spec 3.1.9), so the line is never latched.
 */
export function csrRmwBase(csr: u32, old: u64): u64 {
  if (csr != 0x344 && csr != 0x144) return old;
  return (old & ~MIP_SEIP) | (st(MIP) & MIP_SEIP);
}

/** Write a CSR (after a successful read of the same CSR); false for a read-only CSR. */
export function csrWrite(csr: u32, v: u64): bool {
  if ((csr >> 10) == 3) return false;
  switch (csr) {
    case 0x001: setSt(FFLAGS, v & 31); fpuDirty(); return true;
    case 0x002: setSt(FRM, v & 7); fpuDirty(); return true;
    case 0x003: setSt(FFLAGS, v & 31); setSt(FRM, (v >> 5) & 7); fpuDirty(); return true;
    case 0x100: writeMstatus((st(MSTATUS) & ~SSTATUS_MASK) | (v & SSTATUS_MASK)); return true;
    case 0x104: { const m = st(MIDELEG); setSt(MIE, (st(MIE) & ~m) | (v & m)); return true; }
    // MODE 2 and 3 are reserved: the write is ignored (WARL), as QEMU does, rather than
    // turned into a base that lands mid-instruction.
    case 0x105: if ((v & 3) < 2) setSt(STVEC, v); return true;
    case 0x106: setSt(SCOUNTEREN, v & 0xffff_ffff); return true;
    case 0x10a: setSt(SENVCFG, 0); return true;
    case 0x140: setSt(SSCRATCH, v); return true;
    case 0x141: setSt(SEPC, v & ~<u64>1); return true;
    case 0x142: setSt(SCAUSE, v); return true;
    case 0x143: setSt(STVAL, v); return true;
    case 0x144: { const m = st(MIDELEG) & MIP_SSIP; setSt(MIP, (st(MIP) & ~m) | (v & m)); return true; }
    case 0x180: {
      const mode = v >> 60;
      if (mode != 0 && mode != 8 && mode != 9) return true; // WARL: unsupported modes leave satp as it was
      setSt(SATP, v & ((<u64>0xf << 60) | ((<u64>1 << 44) - 1))); // ASID not implemented: reads as 0
      flushTlb();
      return true;
    }
    case 0x300: writeMstatus(v); return true;
    case 0x301: return true; // misa is read-only here (WARL)
    case 0x302: setSt(MEDELEG, v & 0xb3ff); return true; // no delegation of ecall-from-M
    case 0x303: setSt(MIDELEG, v & S_INTS); return true;
    case 0x304: setSt(MIE, v & M_INTS_ALL); return true;
    case 0x305: if ((v & 3) < 2) setSt(MTVEC, v); return true;
    case 0x306: setSt(MCOUNTEREN, v & 0xffff_ffff); return true;
    case 0x30a: setSt(MENVCFG, 0); return true;
    case 0x320: setSt(MCOUNTINHIBIT, v & 0xffff_fffd); return true;
    case 0x340: setSt(MSCRATCH, v); return true;
    case 0x341: setSt(MEPC, v & ~<u64>1); return true;
    case 0x342: setSt(MCAUSE, v); return true;
    case 0x343: setSt(MTVAL, v); return true;
    case 0x344: setSt(MIP, (st(MIP) & ~S_INTS) | (v & S_INTS)); return true;
    case 0x3a0: setSt(PMPCFG, v & 0x9f9f_9f9f_9f9f_9f9f); return true;
    case 0x3a2: setSt(PMPCFG + 8, v & 0x9f9f_9f9f_9f9f_9f9f); return true;
    case 0xb00: case 0xb02: setSt(INSTRET, v - sliceExecuted); return true;
    default:
      if (csr >= 0x3b0 && csr < 0x3c0) { setSt(PMPADDR + ((csr - 0x3b0) << 3), v & ((<u64>1 << 54) - 1)); return true; }
      return true; // the rest that read successfully are read-as-zero, writes ignored
  }
}

// ---- state blocks ----
export function resetHart(h: i32): void {
  const s = HARTS_BASE + <u32>h * HART_STRIDE;
  memory.fill(s, 0, STATE_SIZE);
  store<u64>(s + PRIV, PRV_M);
  store<u64>(s + MSTATUS, MSTATUS_UXL_SXL);
  store<u64>(s + MTIMECMP, 0xffff_ffff_ffff_ffff);
  store<u64>(s + RES_ADDR, 0xffff_ffff_ffff_ffff);
  store<u32>(s + HARTID, <u32>h);
  memory.fill(s + TLB_R, 0xff, TLB_BYTES);
}

export function swapIn(h: i32): void {
  setCurHart(h);
  memory.copy(ACTIVE, H, STATE_SIZE);
}
export function swapOut(): void {
  memory.copy(H, ACTIVE, STATE_SIZE);
  curHart = -1;
}

