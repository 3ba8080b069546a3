// The hart module's exports: its contract with the TypeScript host (src/machine/cpu.ts).
// The host reads from here where guest RAM and the boot ROM sit in linear memory and how
// many harts a machine may have, the run loop that interleaves a machine's harts, the
// accessors, and the hot loop's counters; nothing else of the layout is the host's.
import {
  HARTS_BASE, HART_STRIDE, ACTIVE, X, F, PC, PRIV, MIP, EXTIP, MIE, MTIMECMP, INSTRET, RUNNING,
  WAITING, SBIMODE, MAX_HARTS,
} from "./layout";
import {
  nHarts, setGlobals, resetHart, swapIn, swapOut, hartState, updateTimer, checkInterrupts, mtime,
  addTotalInstret, setSliceExecuted, exitRequested, setExitRequested, setTimeOffset,
  virtualTiming, totalInstret, instrPerTick, timeOffset, csrRead, csrWrite, setCurHart, clearCurHart,
  flushTlb as flushCurrentTlb, curHart, lostHart, clearLostHart,
} from "./state";
import { exec } from "./interp";
import { dropCode } from "./decode";
import { ramHost } from "./mmu";
import {
  addBreak, removeBreak, addWatch, removeWatch, debugStop, debugHart, debugAddr, clearDebugStop, setSteppingFrom,
} from "./debug";

// Layout: guest RAM (physical RAM_BASE) from linear-memory offset RAM_OFFSET up, the boot
// ROM (physical ROM_BASE, ROM_SIZE bytes) at ROM_OFFSET, at most MAX_HARTS harts.
export { RAM_OFFSET, RAM_BASE, ROM_OFFSET, ROM_BASE, ROM_SIZE, MAX_HARTS } from "./layout";
// Counters of the hot loop (instructions executed, whatever the guest wrote to minstret,
// TLB misses, MMIO exits, traps, interrupts, decoded instructions, claimed code pages).
export { totalInstret, statTlbMiss, statMmio, statTrap, statIrq, statDecode, statCodePage } from "./state";
// Why run() returned.
export const RUN_BUDGET: i32 = 0;
export const RUN_IDLE: i32 = 1;
export const RUN_EXIT: i32 = 2;
export const RUN_DEBUG: i32 = 3;

// The host's other threads reach this loop only through memory they share with it: a
// poke (a pause, a halt, a debugger's Ctrl-C waiting in the VM's mailbox) is read once per
// turn and ends the slice there, at an instruction boundary, instead of a slice later.
@external("env", "hostPoked") declare function hostPoked(): i32;

/** Instructions a hart runs before the next one gets its turn. */
const TURN: i64 = 20000;
/**
 * The hart whose turn comes next. run() goes on from it rather than from hart 0: a budget
 * smaller than TURN (a throttled VM's slice) would otherwise go to hart 0 alone, and a
 * hart 0 spinning until hart 1 answers (stop_machine, an IPI, a lock) would wait forever.
 */
let nextHart: i32 = 0;

export function init(harts: i32, ramBytes: u64, virt: i32, ipt: i32): void {
  setGlobals(harts < 1 ? 1 : harts > MAX_HARTS ? MAX_HARTS : harts, ramBytes, virt != 0, <u64>ipt);
  for (let h = 0; h < nHarts; h++) resetHart(h);
  nextHart = 0;
}

/**
 * Run the harts round-robin for at most `budget` instructions in total, from the hart
 * whose turn is next. Returns RUN_BUDGET when the budget is spent, RUN_IDLE when every
 * hart is stopped or waiting, RUN_EXIT when the host asked to stop, RUN_DEBUG when a hart
 * stopped for the debugger (debugStopKind and friends say which and why).
 */
export function run(budget: i64): i32 {
  setExitRequested(false);
  clearDebugStop();
  let left = budget;
  while (left > 0) {
    let ran = false;
    const now = mtime();
    const first = nextHart;
    for (let k = 0; k < nHarts && left > 0; k++) {
      const h = (first + k) % nHarts;
      const s = hartState(h);
      if (load<u32>(s + RUNNING) == 0) continue;
      updateTimer(s, now);
      if (load<u32>(s + WAITING) != 0) {
        if (((load<u64>(s + MIP) | load<u64>(s + EXTIP)) & load<u64>(s + MIE)) == 0) continue;
        store<u32>(s + WAITING, 0);
      }
      swapIn(h);
      let turn: i64 = left < TURN ? left : TURN;
      while (turn > 0) {
        checkInterrupts();
        const done = exec(<i32>turn);
        turn -= done;
        left -= done;
        store<u64>(ACTIVE + INSTRET, load<u64>(ACTIVE + INSTRET) + <u64>done);
        addTotalInstret(<u64>done);
        setSliceExecuted(0);
        if (exitRequested || debugStop != 0 || load<u32>(ACTIVE + RUNNING) == 0 || load<u32>(ACTIVE + WAITING) != 0) break;
        updateTimer(ACTIVE, mtime());
      }
      swapOut();
      ran = true;
      nextHart = (h + 1) % nHarts;
      if (debugStop != 0) return RUN_DEBUG;
      if (exitRequested || hostPoked() != 0) return RUN_EXIT;
    }
    if (!ran) return RUN_IDLE;
  }
  return RUN_BUDGET;
}

/**
 * Run exactly one instruction on hart `h` (a debugger's single step), interrupts held off
 * as QEMU's gdbstub does; a breakpoint at the pc it starts from does not stop it. Returns
 * the debug stop it caused (a watchpoint) or 0; -1 when the hart is not running (HSM).
 */
export function step(h: i32): i32 {
  clearDebugStop();
  setExitRequested(false);
  const s = hartState(h);
  if (load<u32>(s + RUNNING) == 0) return -1;
  if (load<u32>(s + WAITING) != 0) return 0; // in WFI: nothing to execute until an interrupt
  swapIn(h);
  setSteppingFrom(load<u64>(ACTIVE + PC));
  const done = exec(1);
  setSteppingFrom(0xffff_ffff_ffff_ffff);
  store<u64>(ACTIVE + INSTRET, load<u64>(ACTIVE + INSTRET) + <u64>done);
  addTotalInstret(<u64>done);
  setSliceExecuted(0);
  swapOut();
  return debugStop;
}

export { addBreak, removeBreak, addWatch, removeWatch };
export function debugStopKind(): i32 { return debugStop; }
export function debugStopHart(): i32 { return debugHart; }
export function debugStopAddr(): u64 { return debugAddr; }
/** Whether the last getCsr/setCsr named a CSR this hart has (and could access at M). */
export function csrOk(): i32 { return csrFound ? 1 : 0; }

export function requestExit(): void { setExitRequested(true); }

function ptr(h: i32): u32 { return hartState(h); }

export function getReg(h: i32, r: i32): u64 { return load<u64>(ptr(h) + X + (<u32>r << 3)); }
export function setReg(h: i32, r: i32, v: u64): void { if (r != 0) store<u64>(ptr(h) + X + (<u32>r << 3), v); }
export function setPc(h: i32, v: u64): void { store<u64>(ptr(h) + PC, v); }
// pc and the f-registers, for the debugger (src/debug).
export function getPc(h: i32): u64 { return load<u64>(ptr(h) + PC); }
export function getFreg(h: i32, r: i32): u64 { return load<u64>(ptr(h) + F + (<u32>r << 3)); }
export function getPriv(h: i32): i32 { return <i32>load<u64>(ptr(h) + PRIV); }
export function setPriv(h: i32, p: i32): void { store<u64>(ptr(h) + PRIV, <u64>p); flushTlb(h); }

/** CSR access from the host runs with the hart's state swapped in, at M privilege. */
function withHart<T>(h: i32, f: (csr: u32, v: u64) => T, csr: u32, v: u64): T {
  const prev = curHart;
  if (prev != h) { if (prev >= 0) swapOut(); swapIn(h); }
  const saved = load<u64>(ACTIVE + PRIV);
  store<u64>(ACTIVE + PRIV, 3);
  const r = f(csr, v);
  store<u64>(ACTIVE + PRIV, saved);
  if (prev != h) { swapOut(); if (prev >= 0) swapIn(prev); }
  return r;
}
const csrCell: u32 = <u32>memory.data(8);
let csrFound: bool = true;
/** A CSR of hart h, read at M privilege; one that does not exist reads as 0 (csrOk says which). */
export function getCsr(h: i32, csr: i32): u64 {
  return withHart<u64>(h, (c: u32, v: u64): u64 => { csrFound = csrRead(c, csrCell); return csrFound ? load<u64>(csrCell) : 0; }, <u32>csr, 0);
}
export function setCsr(h: i32, csr: i32, v: u64): void {
  withHart<u64>(h, (c: u32, x: u64): u64 => { csrFound = csrWrite(c, x); return 0; }, <u32>csr, v);
}

export function setMipBits(h: i32, mask: i32, on: i32): void {
  const s = ptr(h);
  const ext: u64 = <u64>mask & ((1 << 9) | (1 << 11));
  const soft: u64 = <u64>mask & ~ext;
  if (ext) store<u64>(s + EXTIP, on ? load<u64>(s + EXTIP) | ext : load<u64>(s + EXTIP) & ~ext);
  if (soft) store<u64>(s + MIP, on ? load<u64>(s + MIP) | soft : load<u64>(s + MIP) & ~soft);
}
export function getMip(h: i32): u64 { const s = ptr(h); return load<u64>(s + MIP) | load<u64>(s + EXTIP); }

export function setTimecmp(h: i32, v: u64): void {
  const s = ptr(h);
  store<u64>(s + MTIMECMP, v);
  if (load<u32>(s + SBIMODE) == 0) updateTimer(s, mtime()); // MTIP follows mtimecmp at once
}
export function getTimecmp(h: i32): u64 { return load<u64>(ptr(h) + MTIMECMP); }
export function getMtime(): u64 { return mtime(); }
/** Virtual timing: make mtime read `v` from now on. */
export function setMtime(v: u64): void {
  if (virtualTiming) setTimeOffset(v - totalInstret / instrPerTick);
  else setTimeOffset(timeOffset + v - mtime());
}
export function setRunning(h: i32, on: i32): void {
  const s = ptr(h);
  store<u32>(s + RUNNING, on ? 1 : 0);
  store<u32>(s + WAITING, 0);
}
export function isRunning(h: i32): i32 { return <i32>load<u32>(ptr(h) + RUNNING); }
export function setSbiMode(h: i32, on: i32): void { store<u32>(ptr(h) + SBIMODE, on ? 1 : 0); }
export function flushTlb(h: i32): void {
  const saved = curHart;
  setCurHart(h);
  flushCurrentTlb();
  if (saved >= 0) setCurHart(saved); else clearCurHart();
}
export function getInstret(h: i32): u64 { return load<u64>(ptr(h) + INSTRET); }
/** The host wrote guest RAM [pa, pa+len) behind the harts' backs (DMA): forget decoded code there. */
export function invalidateCode(pa: u64, len: u64): void {
  if (len == 0) return;
  for (let p = pa & ~<u64>0xfff; p < pa + len; p += 0x1000) {
    const host = ramHost(p);
    if (host) dropCode(host);
  }
}

/** The hart (0-based) whose trap handler faulted on its first instruction, or -1; clears it. */
export function takeLostHart(): i32 { const h = lostHart - 1; clearLostHart(); return h; }
