// The debugger's hooks in the hart (GDB stub, src/debug): breakpoints that stop before an
// instruction executes and watchpoints that stop after an access, at no cost to the fast
// loop while none is set.
// - A breakpoint is a virtual address. When a slot of the decoded-instruction cache is
//   decoded at a pc that is a breakpoint, the slot gets the record OP_DEBUG instead of the
//   instruction, so the fast loop leaves at it with nothing checked per instruction;
//   adding or removing one drops every decoded page, so the records follow the table.
//   The record caches a physical slot: another virtual alias of it, or the hart being
//   stepped off it, runs the real instruction instead (interp.ts).
// - A page holding a watched range gets no TLB entry, so its accesses take the slow path
//   (mmu.ts), which checks the range after the access.
import {
  BREAKS, MAX_BREAKS, WATCHES, MAX_WATCHES, DTAGS, DCACHE_SLOTS, HARTS_BASE, HART_STRIDE, TLB_R, TLB_BYTES,
  ACTIVE, PRIV, TSELECT, TDATA, TRIGGERS,
} from "./layout";
import { nHarts, curHart, hartState } from "./state";

export let breakCount: i32 = 0;
export let watchCount: i32 = 0;
/** The hart being single-stepped ignores a breakpoint at the pc it starts from. */
export let steppingFrom: u64 = 0xffff_ffff_ffff_ffff;
export function setSteppingFrom(pc: u64): void { steppingFrom = pc; }

// Why the harts stopped for the debugger: 0 none, 1 breakpoint, 2 watched write,
// 3 watched read; the hart and the address concerned.
export let debugStop: i32 = 0;
export let debugHart: i32 = -1;
export let debugAddr: u64 = 0;
export function clearDebugStop(): void { debugStop = 0; debugHart = -1; debugAddr = 0; }

export const STOP_BREAK: i32 = 1;
export const STOP_WRITE: i32 = 2;
export const STOP_READ: i32 = 3;
// Watch kinds as the host passes them: bit 0 stops on writes, bit 1 on reads.
const WATCH_WRITE: u64 = 1;
const WATCH_READ: u64 = 2;

/** The decoded records and TLBs no longer match the tables: drop them all. */
function forgetDecoded(): void {
  memory.fill(DTAGS, 0, DCACHE_SLOTS << 2);
  for (let h = 0; h < nHarts; h++) memory.fill(HARTS_BASE + <u32>h * HART_STRIDE + TLB_R, 0xff, TLB_BYTES);
}

export function addBreak(va: u64): i32 {
  for (let i = 0; i < breakCount; i++) if (load<u64>(BREAKS + (<u32>i << 3)) == va) return 1;
  if (breakCount == MAX_BREAKS) return 0;
  store<u64>(BREAKS + (<u32>breakCount << 3), va);
  breakCount++;
  forgetDecoded();
  return 1;
}

export function removeBreak(va: u64): i32 {
  for (let i = 0; i < breakCount; i++) {
    if (load<u64>(BREAKS + (<u32>i << 3)) != va) continue;
    breakCount--;
    store<u64>(BREAKS + (<u32>i << 3), load<u64>(BREAKS + (<u32>breakCount << 3)));
    forgetDecoded();
    return 1;
  }
  return 0;
}

/** Is there a breakpoint at `pc`? */
export function isBreak(pc: u64): bool {
  for (let i = 0; i < breakCount; i++) if (load<u64>(BREAKS + (<u32>i << 3)) == pc) return true;
  return false;
}

/** At a breakpoint record: stop the current hart unless it is being stepped off `pc`. */
export function stopAtBreak(pc: u64): bool {
  if (pc == steppingFrom || !isBreak(pc)) return false;
  debugStop = STOP_BREAK; debugHart = curHart; debugAddr = pc;
  return true;
}

export function addWatch(va: u64, len: u64, kind: u64): i32 {
  if (watchCount == MAX_WATCHES || len == 0) return 0;
  const e = WATCHES + <u32>watchCount * 24;
  store<u64>(e, va); store<u64>(e, va + len, 8); store<u64>(e, kind, 16);
  watchCount++;
  forgetDecoded();
  return 1;
}

export function removeWatch(va: u64, len: u64, kind: u64): i32 {
  for (let i = 0; i < watchCount; i++) {
    const e = WATCHES + <u32>i * 24;
    if (load<u64>(e) != va || load<u64>(e, 8) != va + len || load<u64>(e, 16) != kind) continue;
    watchCount--;
    memory.copy(e, WATCHES + <u32>watchCount * 24, 24);
    forgetDecoded();
    return 1;
  }
  return 0;
}

/** May the page of `va` enter a TLB? Not while a watched range or a load/store trigger touches it. */
export function pageWatched(va: u64): bool {
  const page = va & ~<u64>0xfff;
  if (triggersArmed != 0) {
    for (let t = 0; t < TRIGGERS; t++) {
      const e = ACTIVE + TDATA + (<u32>t << 4);
      if ((load<u64>(e) & (MC_LOAD | MC_STORE)) != 0 && (load<u64>(e, 8) & ~<u64>0xfff) == page) return true;
    }
  }
  for (let i = 0; i < watchCount; i++) {
    const e = WATCHES + <u32>i * 24;
    if (load<u64>(e) < page + 0x1000 && load<u64>(e, 8) > page) return true;
  }
  return false;
}

/** After an access of [va, va+size): stop when it hits a watched range of its kind. */
export function checkWatch(va: u64, size: i32, write: bool): void {
  const want = write ? WATCH_WRITE : WATCH_READ;
  for (let i = 0; i < watchCount; i++) {
    const e = WATCHES + <u32>i * 24;
    if ((load<u64>(e, 16) & want) == 0) continue;
    const start = load<u64>(e), end = load<u64>(e, 8);
    if (va < end && va + <u64>size > start) {
      if (debugStop == 0) { debugStop = write ? STOP_WRITE : STOP_READ; debugHart = curHart; debugAddr = start; }
      return;
    }
  }
}

// ---- Sdtrig (RISC-V debug spec 1.0, chapter 5): the guest's own triggers ----
// Each hart has TRIGGERS mcontrol (type 2) triggers that match an address exactly
// (match 0, timing before, action 0: a breakpoint exception). An execute trigger uses the
// debugger's breakpoint record; load and store triggers keep their page out of the TLB.
const MC_TYPE: u64 = <u64>2 << 60;
const MC_M: u64 = 1 << 6;
const MC_S: u64 = 1 << 4;
const MC_U: u64 = 1 << 3;
export const MC_EXECUTE: u64 = 1 << 2;
export const MC_STORE: u64 = 1 << 1;
export const MC_LOAD: u64 = 1;
const MC_WRITABLE: u64 = MC_M | MC_S | MC_U | MC_EXECUTE | MC_STORE | MC_LOAD;
/** Some hart has a trigger armed (an access kind and a privilege selected). */
export let triggersArmed: i32 = 0;

function trigger(t: u64): u32 { return ACTIVE + TDATA + (<u32>t << 4); }

/** tselect, tdata1-3, tinfo (0x7a0-0x7a4) of the hart in ACTIVE. */
export function triggerCsrRead(csr: u32): u64 {
  const t = load<u64>(ACTIVE + TSELECT);
  switch (csr) {
    case 0x7a0: return t;
    case 0x7a1: return MC_TYPE | load<u64>(trigger(t));
    case 0x7a2: return load<u64>(trigger(t), 8);
    case 0x7a4: return 1 << 2; // tinfo: mcontrol only
    default: return 0; // tdata3: no textra fields
  }
}

export function triggerCsrWrite(csr: u32, v: u64): void {
  const t = load<u64>(ACTIVE + TSELECT);
  if (csr == 0x7a0) { if (v < <u64>TRIGGERS) store<u64>(ACTIVE + TSELECT, v); return; } // WARL
  if (csr == 0x7a1) store<u64>(trigger(t), (v >> 60) == 2 ? v & MC_WRITABLE : 0);
  else if (csr == 0x7a2) store<u64>(trigger(t), v, 8);
  else return;
  let armed = 0;
  for (let h = 0; h < nHarts; h++) {
    for (let k = 0; k < TRIGGERS; k++) {
      const bits = load<u64>(hartState(h) + TDATA + (<u32>k << 4));
      if ((bits & (MC_EXECUTE | MC_STORE | MC_LOAD)) != 0 && (bits & (MC_M | MC_S | MC_U)) != 0) armed = 1;
    }
  }
  triggersArmed = armed;
  forgetDecoded();
}

/** Does any hart have an execute trigger at `pc` (its decoded slot must hold a debug record)? */
export function execTriggerAt(pc: u64): bool {
  if (triggersArmed == 0) return false;
  for (let h = 0; h < nHarts; h++) {
    for (let k = 0; k < TRIGGERS; k++) {
      const e = hartState(h) + TDATA + (<u32>k << 4);
      if ((load<u64>(e) & MC_EXECUTE) != 0 && load<u64>(e, 8) == pc) return true;
    }
  }
  return false;
}

/** Does a trigger of the running hart, for `kind` at its privilege, match [addr, addr+size)? */
export function triggerFires(addr: u64, size: i32, kind: u64): bool {
  const priv = load<u64>(ACTIVE + PRIV);
  const mode: u64 = priv == 3 ? MC_M : priv == 1 ? MC_S : MC_U;
  for (let k = 0; k < TRIGGERS; k++) {
    const e = ACTIVE + TDATA + (<u32>k << 4);
    const bits = load<u64>(e);
    if ((bits & kind) == 0 || (bits & mode) == 0) continue;
    const a = load<u64>(e, 8);
    if (a >= addr && a - addr < <u64>size) return true;
  }
  return false;
}
