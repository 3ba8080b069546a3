// Address translation (privileged spec v1.12, 4.3-4.5: Sv39, Sv48) with hardware A/D
// updates, the software TLBs, and the slow paths of loads, stores and fetches.
// A TLB entry maps one 4 KiB virtual page to host linear memory: host = va + addend.
// Only RAM and the boot ROM are ever entered; MMIO always takes the slow path.
import {
  RAM_OFFSET, RAM_BASE, ROM_OFFSET, ROM_BASE, ROM_SIZE, PRIV, MSTATUS, SATP,
  TLB_R, TLB_W, TLB_X,
} from "./layout";
import { dropCode } from "./decode";
import { watchCount, pageWatched, checkWatch, triggersArmed, triggerFires, MC_LOAD, MC_STORE } from "./debug";
import {
  H, ramSize, st, setSt, raiseException, mmioFaulted, setMmioFaulted, countTlbMiss, countMmio,
  PRV_M, PRV_S, PRV_U, MSTATUS_MPRV, MSTATUS_SUM, MSTATUS_MXR,
  CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE,
  CAUSE_STORE_PAGE, CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_BREAKPOINT, trapped,
} from "./state";

@external("env", "mmioRead") declare function mmioRead(addr: u64, size: i32): u64;
@external("env", "mmioWrite") declare function mmioWrite(addr: u64, size: i32, val: u64): void;

export const ACC_FETCH: u32 = 0;
export const ACC_READ: u32 = 1;
export const ACC_WRITE: u32 = 2;

const PTE_V: u64 = 1;
const PTE_R: u64 = 2;
const PTE_W: u64 = 4;
const PTE_X: u64 = 8;
const PTE_U: u64 = 16;
const PTE_A: u64 = 64;
const PTE_D: u64 = 128;
const PPN_MASK: u64 = (<u64>1 << 44) - 1;

/** Value of the last slow-path load (when it returned 0). */
export let slowValue: u64 = 0;

function pageFault(acc: u32, va: u64): void {
  raiseException(acc == ACC_FETCH ? CAUSE_FETCH_PAGE : acc == ACC_READ ? CAUSE_LOAD_PAGE : CAUSE_STORE_PAGE, va);
}
function accessFault(acc: u32, va: u64): void {
  raiseException(acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_READ ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS, va);
}

/** Host address of physical RAM byte `pa`, or 0 when `pa` is not RAM. */
@inline export function ramHost(pa: u64): u32 {
  const off = pa - RAM_BASE;
  return off < ramSize ? RAM_OFFSET + <u32>off : 0;
}

/**
 * Translate `va` for an access of kind `acc` at the current privilege.
 * Returns the physical address; on a fault raises the exception (and `trapped` is set).
 */
export function translate(va: u64, acc: u32): u64 {
  let priv = st(PRIV);
  const mstatus = st(MSTATUS);
  if (acc != ACC_FETCH && (mstatus & MSTATUS_MPRV) != 0 && priv == PRV_M) priv = (mstatus >> 11) & 3;
  const satp = st(SATP);
  const mode = satp >> 60;
  if (priv == PRV_M || mode == 0) return va;
  const levels: i32 = mode == 8 ? 3 : 4;
  const vaBits: u64 = 12 + 9 * <u64>levels;
  if (<u64>((<i64>(va << (64 - vaBits))) >> (64 - vaBits)) != va) { pageFault(acc, va); return 0; }
  let table = (satp & PPN_MASK) << 12;
  let pte: u64 = 0;
  let pteHost: u32 = 0;
  let level = levels - 1;
  for (; ; level--) {
    const idx = (va >> (12 + 9 * <u64>level)) & 511;
    pteHost = ramHost(table + (idx << 3));
    if (pteHost == 0) { accessFault(acc, va); return 0; }
    pte = load<u64>(pteHost);
    if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) || (pte >> 54) != 0) { pageFault(acc, va); return 0; }
    if (pte & (PTE_R | PTE_X)) break;
    if ((pte & (PTE_A | PTE_D | PTE_U)) != 0 || level == 0) { pageFault(acc, va); return 0; }
    table = ((pte >> 10) & PPN_MASK) << 12;
  }
  // Leaf: permissions (4.3.2 step 5), then superpage alignment and A/D.
  if (pte & PTE_U) {
    if (priv == PRV_S && (acc == ACC_FETCH || (mstatus & MSTATUS_SUM) == 0)) { pageFault(acc, va); return 0; }
  } else if (priv == PRV_U) { pageFault(acc, va); return 0; }
  let ok: bool;
  if (acc == ACC_FETCH) ok = (pte & PTE_X) != 0;
  else if (acc == ACC_READ) ok = (pte & PTE_R) != 0 || ((mstatus & MSTATUS_MXR) != 0 && (pte & PTE_X) != 0);
  else ok = (pte & PTE_W) != 0;
  if (!ok) { pageFault(acc, va); return 0; }
  const ppn = (pte >> 10) & PPN_MASK;
  const lowBits: u64 = 9 * <u64>level;
  if (level > 0 && (ppn & ((<u64>1 << lowBits) - 1)) != 0) { pageFault(acc, va); return 0; }
  const need = acc == ACC_WRITE ? PTE_A | PTE_D : PTE_A;
  if ((pte & need) != need) { dropCode(pteHost & ~0xfff); store<u64>(pteHost, pte | need); }
  const pageMask: u64 = (<u64>1 << (12 + lowBits)) - 1;
  return ((ppn << 12) & ~pageMask) | (va & pageMask);
}

/** Host page address for a physical page that may enter a TLB of kind acc, or 0. */
function hostPage(pa: u64, acc: u32): u32 {
  const h = ramHost(pa);
  if (h) return h;
  if (acc != ACC_WRITE && pa - ROM_BASE < <u64>ROM_SIZE) return ROM_OFFSET + <u32>(pa - ROM_BASE);
  return 0;
}

@inline function tlbFill(tlb: u32, va: u64, host: u32): void {
  const vpn = va >> 12;
  const e = H + tlb + ((<u32>vpn & 255) << 4);
  store<u64>(e, vpn);
  store<u64>(e, <u64>(host & ~0xfff) - (va & ~<u64>0xfff), 8);
}

/** Fetch slow path: host address of the instruction bytes at `va`, or 0 on a fault (trap raised). */
export function fetchHost(va: u64): u32 {
  countTlbMiss();
  const pa = translate(va, ACC_FETCH);
  if (trapped) return 0;
  const host = hostPage(pa, ACC_FETCH);
  if (host == 0) { accessFault(ACC_FETCH, va); return 0; }
  tlbFill(TLB_X, va, host);
  return host;
}

function loadOne(va: u64, size: i32): u64 {
  const pa = translate(va, ACC_READ);
  if (trapped) return 0;
  const host = hostPage(pa, ACC_READ);
  let v: u64;
  if (host) {
    if ((watchCount | triggersArmed) == 0 || !pageWatched(va)) tlbFill(TLB_R, va, host);
    switch (size) {
      case 1: v = <u64>load<u8>(host); break;
      case 2: v = <u64>load<u16>(host); break;
      case 4: v = <u64>load<u32>(host); break;
      default: v = load<u64>(host);
    }
  } else {
    if ((va & <u64>(size - 1)) != 0) { raiseException(CAUSE_MISALIGNED_LOAD, va); return 0; }
    countMmio();
    setMmioFaulted(false);
    v = mmioRead(pa, size);
    if (mmioFaulted) { accessFault(ACC_READ, va); return 0; }
  }
  if (watchCount != 0) checkWatch(va, size, false);
  return v;
}

/**
 * Load slow path (TLB miss, page crossing or MMIO). Returns the zero-extended value;
 * on a fault the exception is raised and `trapped` is set. The caller stored pc first.
 */
export function loadSlow(va: u64, size: i32): u64 {
  countTlbMiss();
  if (triggersArmed != 0 && triggerFires(va, size, MC_LOAD)) { raiseException(CAUSE_BREAKPOINT, va); return 0; }
  if ((<i32>va & 0xfff) + size <= 0x1000) return loadOne(va, size);
  // Misaligned across a page: byte by byte, as the privileged spec allows.
  let v: u64 = 0;
  for (let i = 0; i < size; i++) {
    const b = loadOne(va + <u64>i, 1);
    if (trapped) return 0;
    v |= b << (<u64>i << 3);
  }
  return v;
}

function storeOne(va: u64, size: i32, v: u64): void {
  const pa = translate(va, ACC_WRITE);
  if (trapped) return;
  const host = hostPage(pa, ACC_WRITE);
  if (host) {
    dropCode(host & ~0xfff);
    if ((watchCount | triggersArmed) == 0 || !pageWatched(va)) tlbFill(TLB_W, va, host);
    switch (size) {
      case 1: store<u8>(host, <u8>v); break;
      case 2: store<u16>(host, <u16>v); break;
      case 4: store<u32>(host, <u32>v); break;
      default: store<u64>(host, v);
    }
  } else {
    if ((va & <u64>(size - 1)) != 0) { raiseException(CAUSE_MISALIGNED_STORE, va); return; }
    countMmio();
    setMmioFaulted(false);
    mmioWrite(pa, size, v);
    if (mmioFaulted) { accessFault(ACC_WRITE, va); return; }
  }
  if (watchCount != 0) checkWatch(va, size, true);
}

/** Store slow path; see loadSlow. */
export function storeSlow(va: u64, size: i32, v: u64): void {
  countTlbMiss();
  if (triggersArmed != 0 && triggerFires(va, size, MC_STORE)) { raiseException(CAUSE_BREAKPOINT, va); return; }
  if ((<i32>va & 0xfff) + size <= 0x1000) { storeOne(va, size, v); return; }
  // Check both pages first so that a fault on the second leaves memory unchanged.
  translate(va + <u64>(size - 1), ACC_WRITE);
  if (trapped) return;
  for (let i = 0; i < size; i++) {
    storeOne(va + <u64>i, 1, v >> (<u64>i << 3));
    if (trapped) return;
  }
}

/**
 * Host address for an atomic (LR/SC/AMO) on `va`: must be naturally aligned RAM.
 * Returns 0 with the exception raised otherwise.
 */
export function atomicHost(va: u64, size: i32, acc: u32): u32 {
  if ((va & <u64>(size - 1)) != 0) {
    raiseException(acc == ACC_READ ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va);
    return 0;
  }
  if (triggersArmed != 0 && triggerFires(va, size, acc == ACC_WRITE ? MC_LOAD | MC_STORE : MC_LOAD)) { raiseException(CAUSE_BREAKPOINT, va); return 0; }
  const pa = translate(va, acc);
  if (trapped) return 0;
  const host = ramHost(pa);
  if (host == 0) { accessFault(acc, va); return 0; }
  if (acc == ACC_WRITE) dropCode(host & ~0xfff);
  if (watchCount != 0) checkWatch(va, size, acc == ACC_WRITE);
  return host;
}

