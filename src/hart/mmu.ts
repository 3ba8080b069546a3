// Address translation (privileged spec v1.12, 4.3-4.5: Sv39, Sv48) with hardware A/D
// updates, the software TLBs, and the slow paths of loads, stores and fetches.
// A TLB entry maps one 4 KiB virtual page to host linear memory: host = va + addend.
// Only RAM and the boot ROM are ever entered; MMIO always takes the slow path.
import {
  RAM_OFFSET, RAM_BASE, ROM_OFFSET, ROM_BASE, ROM_SIZE, PRIV, MSTATUS, SATP,
  TLB_R, TLB_W, TLB_X, TLB_LEVEL, TLB_INVALID, TLB_VPN, TLB_ENTRIES, TLB_MASK, TLB_TABLE,
} from "./layout";
import { dropCode } from "./decode";
import { watchCount, pageWatched, checkWatch, triggersArmed, triggerFires, MC_LOAD, MC_STORE } from "./debug";
import {
  H, ramSize, st, raiseException, countTlbMiss, countMmio, OK,
  PRV_M, PRV_S, PRV_U, MSTATUS_MPRV, MSTATUS_SUM, MSTATUS_MXR,
  CAUSE_FETCH_ACCESS, CAUSE_LOAD_ACCESS, CAUSE_STORE_ACCESS, CAUSE_FETCH_PAGE, CAUSE_LOAD_PAGE,
  CAUSE_STORE_PAGE, CAUSE_MISALIGNED_LOAD, CAUSE_MISALIGNED_STORE, CAUSE_BREAKPOINT,
} from "./state";

// The host answers an access outside RAM: a load writes the zero-extended value to the
// u64 at `dst`; both return 0 for an access fault (no device there, or it refused).
@external("env", "mmioRead") declare function mmioRead(addr: u64, size: i32, dst: u32): i32;
@external("env", "mmioWrite") declare function mmioWrite(addr: u64, size: i32, val: u64): i32;

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

function pageFault(acc: u32, va: u64): u32 {
  return raiseException(acc == ACC_FETCH ? CAUSE_FETCH_PAGE : acc == ACC_READ ? CAUSE_LOAD_PAGE : CAUSE_STORE_PAGE, va);
}
function accessFault(acc: u32, va: u64): u32 {
  return raiseException(acc == ACC_FETCH ? CAUSE_FETCH_ACCESS : acc == ACC_READ ? CAUSE_LOAD_ACCESS : CAUSE_STORE_ACCESS, va);
}

/** Host address of physical RAM byte `pa`, or 0 when `pa` is not RAM. */
@inline export function ramHost(pa: u64): u32 {
  const off = pa - RAM_BASE;
  return off < ramSize ? RAM_OFFSET + <u32>off : 0;
}

/** The physical address found by the last translate() that returned OK, and its leaf's level. */
let paddr: u64 = 0;
let plevel: u32 = 0;

/**
 * Translate `va` for an access of kind `acc` at the current privilege into `paddr`.
 * Returns OK, or the trap code of the fault it raised.
 */
function translate(va: u64, acc: u32): u32 {
  let priv = st(PRIV);
  const mstatus = st(MSTATUS);
  if (acc != ACC_FETCH && (mstatus & MSTATUS_MPRV) != 0 && priv == PRV_M) priv = (mstatus >> 11) & 3;
  const satp = st(SATP);
  const mode = satp >> 60;
  if (priv == PRV_M || mode == 0) { paddr = va; plevel = 0; return OK; }
  const levels: i32 = mode == 8 ? 3 : 4;
  const vaBits: u64 = 12 + 9 * <u64>levels;
  if (<u64>((<i64>(va << (64 - vaBits))) >> (64 - vaBits)) != va) return pageFault(acc, va);
  let table = (satp & PPN_MASK) << 12;
  let pte: u64 = 0;
  let pteHost: u32 = 0;
  let level = levels - 1;
  for (; ; level--) {
    const idx = (va >> (12 + 9 * <u64>level)) & 511;
    pteHost = ramHost(table + (idx << 3));
    if (pteHost == 0) return accessFault(acc, va);
    pte = load<u64>(pteHost);
    if ((pte & PTE_V) == 0 || ((pte & PTE_R) == 0 && (pte & PTE_W) != 0) || (pte >> 54) != 0) return pageFault(acc, va);
    if (pte & (PTE_R | PTE_X)) break;
    if ((pte & (PTE_A | PTE_D | PTE_U)) != 0 || level == 0) return pageFault(acc, va);
    table = ((pte >> 10) & PPN_MASK) << 12;
  }
  // Leaf: permissions (4.3.2 step 5), then superpage alignment and A/D.
  if (pte & PTE_U) {
    if (priv == PRV_S && (acc == ACC_FETCH || (mstatus & MSTATUS_SUM) == 0)) return pageFault(acc, va);
  } else if (priv == PRV_U) return pageFault(acc, va);
  let ok: bool;
  if (acc == ACC_FETCH) ok = (pte & PTE_X) != 0;
  else if (acc == ACC_READ) ok = (pte & PTE_R) != 0 || ((mstatus & MSTATUS_MXR) != 0 && (pte & PTE_X) != 0);
  else ok = (pte & PTE_W) != 0;
  if (!ok) return pageFault(acc, va);
  const ppn = (pte >> 10) & PPN_MASK;
  const lowBits: u64 = 9 * <u64>level;
  if (level > 0 && (ppn & ((<u64>1 << lowBits) - 1)) != 0) return pageFault(acc, va);
  const need = acc == ACC_WRITE ? PTE_A | PTE_D : PTE_A;
  if ((pte & need) != need) { dropCode(pteHost & ~0xfff); store<u64>(pteHost, pte | need); }
  const pageMask: u64 = (<u64>1 << (12 + lowBits)) - 1;
  paddr = ((ppn << 12) & ~pageMask) | (va & pageMask);
  plevel = <u32>level;
  return OK;
}

/** Host page address for a physical page that may enter a TLB of kind acc, or 0. */
function hostPage(pa: u64, acc: u32): u32 {
  const h = ramHost(pa);
  if (h) return h;
  if (acc != ACC_WRITE && pa - ROM_BASE < <u64>ROM_SIZE) return ROM_OFFSET + <u32>(pa - ROM_BASE);
  return 0;
}

/**
 * The context bits of a TLB tag for an access of kind `acc` now: everything besides satp
 * that decides a translation's permissions. Fetches: the privilege. Loads and stores: the
 * effective privilege (MPRV/MPP in M), SUM for S, MXR for loads below M. Below bit 63, so
 * that no tag is TLB_INVALID.
 */
@inline export function tlbTag(acc: u32): u64 {
  let p = st(PRIV);
  if (acc == ACC_FETCH) return p << 56;
  const ms = st(MSTATUS);
  if (p == PRV_M && (ms & MSTATUS_MPRV) != 0) p = (ms >> 11) & 3;
  if (p == PRV_M) return p << 56;
  if (p == PRV_S && (ms & MSTATUS_SUM) != 0) p |= 4;
  if (acc == ACC_READ && (ms & MSTATUS_MXR) != 0) p |= 8;
  return p << 56;
}

@inline function tlbFill(tlb: u32, acc: u32, va: u64, host: u32): void {
  const vpn = va >> 12;
  const i = <u32>vpn & TLB_MASK;
  const e = H + tlb + (i << 4);
  store<u64>(e, vpn | tlbTag(acc));
  store<u64>(e, <u64>(host & ~0xfff) - (va & ~<u64>0xfff), 8);
  store<u8>(H + TLB_LEVEL + (tlb - TLB_R) / TLB_TABLE * TLB_ENTRIES + i, <u8>plevel);
}

/**
 * SFENCE.VMA of one address: drop every entry, in any context, that translates `va`:
 * the 4 KiB page's, and those of other pages of the same superpage.
 */
export function flushTlbPage(va: u64): void {
  const vpn = (va >> 12) & TLB_VPN;
  for (let k: u32 = 0; k < 3; k++) {
    const tlb = H + TLB_R + k * TLB_TABLE;
    const levels = H + TLB_LEVEL + k * TLB_ENTRIES;
    for (let i: u32 = 0; i < TLB_ENTRIES; i++) {
      const e = tlb + (i << 4);
      const tag = load<u64>(e);
      if (tag == TLB_INVALID) continue;
      if ((((tag & TLB_VPN) ^ vpn) >> (9 * <u64>load<u8>(levels + i))) == 0) store<u64>(e, TLB_INVALID);
    }
  }
}

/** Fetch slow path: host address of the instruction bytes at `va`, or 0 when it faulted (the trap is taken). */
export function fetchHost(va: u64): u32 {
  countTlbMiss();
  if (translate(va, ACC_FETCH) != OK) return 0;
  const host = hostPage(paddr, ACC_FETCH);
  if (host == 0) { accessFault(ACC_FETCH, va); return 0; }
  tlbFill(TLB_X, ACC_FETCH, va, host);
  return host;
}

function loadOne(va: u64, size: i32, dst: u32): u32 {
  const t = translate(va, ACC_READ);
  if (t != OK) return t;
  const pa = paddr;
  const host = hostPage(pa, ACC_READ);
  if (host) {
    if ((watchCount | triggersArmed) == 0 || !pageWatched(va)) tlbFill(TLB_R, ACC_READ, va, host);
    let v: u64;
    switch (size) {
      case 1: v = <u64>load<u8>(host); break;
      case 2: v = <u64>load<u16>(host); break;
      case 4: v = <u64>load<u32>(host); break;
      default: v = load<u64>(host);
    }
    store<u64>(dst, v);
  } else {
    if ((va & <u64>(size - 1)) != 0) return raiseException(CAUSE_MISALIGNED_LOAD, va);
    countMmio();
    if (!mmioRead(pa, size, dst)) return accessFault(ACC_READ, va);
  }
  if (watchCount != 0) checkWatch(va, size, false);
  return OK;
}

/** The bytes of a load that crosses a page, gathered before any reaches the destination. */
const gathered: u32 = <u32>memory.data(8);

/**
 * Load slow path (TLB miss, page crossing or MMIO): the zero-extended value goes to the
 * u64 at `dst`, which a fault leaves untouched. Returns a trap code; the caller stored pc first.
 */
export function loadSlow(va: u64, size: i32, dst: u32): u32 {
  countTlbMiss();
  if (triggersArmed != 0 && triggerFires(va, size, MC_LOAD)) return raiseException(CAUSE_BREAKPOINT, va);
  if ((<i32>va & 0xfff) + size <= 0x1000) return loadOne(va, size, dst);
  // Misaligned across a page: byte by byte, as the privileged spec allows.
  let v: u64 = 0;
  for (let i = 0; i < size; i++) {
    const t = loadOne(va + <u64>i, 1, gathered);
    if (t != OK) return t;
    v |= load<u64>(gathered) << (<u64>i << 3);
  }
  store<u64>(dst, v);
  return OK;
}

function storeOne(va: u64, size: i32, v: u64): u32 {
  const t = translate(va, ACC_WRITE);
  if (t != OK) return t;
  const pa = paddr;
  const host = hostPage(pa, ACC_WRITE);
  if (host) {
    dropCode(host & ~0xfff);
    if ((watchCount | triggersArmed) == 0 || !pageWatched(va)) tlbFill(TLB_W, ACC_WRITE, va, host);
    switch (size) {
      case 1: store<u8>(host, <u8>v); break;
      case 2: store<u16>(host, <u16>v); break;
      case 4: store<u32>(host, <u32>v); break;
      default: store<u64>(host, v);
    }
  } else {
    if ((va & <u64>(size - 1)) != 0) return raiseException(CAUSE_MISALIGNED_STORE, va);
    countMmio();
    if (!mmioWrite(pa, size, v)) return accessFault(ACC_WRITE, va);
  }
  if (watchCount != 0) checkWatch(va, size, true);
  return OK;
}

/** Store slow path; see loadSlow. */
export function storeSlow(va: u64, size: i32, v: u64): u32 {
  countTlbMiss();
  if (triggersArmed != 0 && triggerFires(va, size, MC_STORE)) return raiseException(CAUSE_BREAKPOINT, va);
  if ((<i32>va & 0xfff) + size <= 0x1000) return storeOne(va, size, v);
  // Check both pages first so that a fault on the second leaves memory unchanged.
  const t = translate(va + <u64>(size - 1), ACC_WRITE);
  if (t != OK) return t;
  for (let i = 0; i < size; i++) {
    const b = storeOne(va + <u64>i, 1, v >> (<u64>i << 3));
    if (b != OK) return b;
  }
  return OK;
}

/**
 * Host address for an atomic (LR/SC/AMO) on `va`: must be naturally aligned RAM.
 * Returns 0 when it faulted (the trap is taken).
 */
export function atomicHost(va: u64, size: i32, acc: u32): u32 {
  if ((va & <u64>(size - 1)) != 0) {
    raiseException(acc == ACC_READ ? CAUSE_MISALIGNED_LOAD : CAUSE_MISALIGNED_STORE, va);
    return 0;
  }
  if (triggersArmed != 0 && triggerFires(va, size, acc == ACC_WRITE ? MC_LOAD | MC_STORE : MC_LOAD)) { raiseException(CAUSE_BREAKPOINT, va); return 0; }
  if (translate(va, acc) != OK) return 0;
  const host = ramHost(paddr);
  if (host == 0) { accessFault(acc, va); return 0; }
  if (acc == ACC_WRITE) dropCode(host & ~0xfff);
  if (watchCount != 0) checkWatch(va, size, acc == ACC_WRITE);
  return host;
}
