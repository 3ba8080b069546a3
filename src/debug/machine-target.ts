// A Machine as a DebugTarget: gdb's view of one VM. It gates the machine's run loop
// (MachineDebugger), so a stopped VM runs no instruction and its clock stands still: in
// virtual timing nothing advances anyway; in realtime timing mtime is set back, on every
// resume, to what it read when the VM stopped, so the guest never sees the stopped
// interval (no RCU stall, no missed deadline), as under QEMU's gdbstub.
//
// Two things can hold a VM, each on its own: gdb (all-stop: a breakpoint, a step, Ctrl-C)
// and the system's halt (hold(), the RootOS's `halt`), which gdb does not see: a VM gdb
// let run stays still while the system is halted, and runs on at `continue`. The clock
// stops when the first hold begins and goes on when the last one ends.
import { Cpu, DebugStop, Priv, RAM_BASE } from "../machine/cpu.js";
import type { Machine, MachineDebugger, MachineExit } from "../machine/machine.js";
import { walk } from "./walk.js";
import { REG_CSR0, REG_F0, REG_PC, REG_PRIV, type DebugTarget, type StopEvent, type WatchKind } from "./target.js";

const ROM_BASE = 0x1000n, ROM_SIZE = 0x1000n;
const CSR_SATP = 0x180, CSR_MSTATUS = 0x300;
const WATCH_BITS: Record<WatchKind, 1 | 2 | 3> = { write: 1, read: 2, access: 3 };

type State = "running" | "stopped" | "ended";

export class MachineTarget implements DebugTarget, MachineDebugger {
  readonly harts: number;
  onStop: ((e: StopEvent) => void) | undefined;
  /** Told when the VM becomes still (held by either) or runs again. */
  onStill: ((still: boolean) => void) | undefined;
  private state: State;
  /** The system's halt holds it (hold()). */
  private held = false;
  /** A step gdb asked for while the system was halted: it runs at release. */
  private pendingStep: number | undefined;
  private release: (() => void) | undefined;
  /** The clock is stopped; mtime when it stopped (realtime timing: restored when it runs again). */
  private frozen = false;
  private frozenAt = 0n;
  private readonly cpu: Cpu;
  private readonly breaks = new Set<bigint>();
  private readonly watches = new Map<string, { addr: bigint; len: number; kind: WatchKind }>();

  /**
   * Attach to `machine`, holding it before its next instruction when `hold` (`-S`), else
   * letting it run until the debugger stops it.
   */
  constructor(private readonly machine: Machine, hold: boolean, private readonly runCommand?: (cmd: string) => Promise<string> | string) {
    if (!(machine.cpu instanceof Cpu)) throw new TypeError("a debugger needs the wasm harts");
    this.cpu = machine.cpu;
    this.harts = this.cpu.harts;
    this.state = "running";
    if (hold) { this.freeze(); this.state = "stopped"; }
    machine.attachDebugger(this);
  }

  get stopped(): boolean { return this.state === "stopped"; }
  /** Held by gdb or by the system's halt: no instruction runs. */
  get still(): boolean { return this.state === "stopped" || this.held; }
  get systemHeld(): boolean { return this.held; }
  get machineOf(): Machine { return this.machine; }

  /** The system's halt (true) or continue (false): the VM stops at its next instruction boundary, unseen by gdb. */
  hold(on: boolean): void {
    if (this.state === "ended" || this.held === on) return;
    if (on) {
      this.freeze();
      this.held = true;
      this.machine.kick();
      return;
    }
    this.held = false;
    const h = this.pendingStep;
    this.pendingStep = undefined;
    if (h !== undefined) this.step(h);
    else this.letRun();
  }

  // ---- MachineDebugger ----
  gate(): void | Promise<void> {
    if (!this.still) return;
    return new Promise<void>((res) => { this.release = res; });
  }
  holds(): boolean { return this.still; }
  debugStop(): void {
    const s = this.cpu.debugStop();
    this.freeze();
    this.state = "stopped";
    if (s.kind === DebugStop.Break) this.report({ kind: "break", hart: s.hart });
    else this.report(this.watchEvent(s.hart, s.kind, s.addr));
  }
  ended(exit: MachineExit): void {
    this.state = "ended";
    this.held = false;
    this.release?.();
    this.release = undefined;
    const code = exit.kind === "poweroff" ? 0 : exit.kind === "fail" ? exit.code : exit.kind === "reset" ? 0 : 1;
    this.report({ kind: "exited", code });
  }

  // ---- DebugTarget ----
  readRegister(hart: number, reg: number): bigint | undefined {
    const cpu = this.cpu;
    if (!this.validHart(hart)) return undefined;
    if (reg >= 0 && reg < 32) return cpu.reg(hart, reg);
    if (reg === REG_PC) return cpu.pc(hart);
    if (reg >= REG_F0 && reg < REG_F0 + 32) return cpu.freg(hart, reg - REG_F0);
    if (reg === REG_PRIV) return BigInt(cpu.priv(hart));
    if (reg >= REG_CSR0 && reg < REG_CSR0 + 4096) {
      const v = cpu.csr(hart, reg - REG_CSR0);
      return cpu.csrOk() ? v : undefined;
    }
    return undefined;
  }

  writeRegister(hart: number, reg: number, value: bigint): boolean {
    const cpu = this.cpu;
    if (!this.validHart(hart)) return false;
    if (reg >= 0 && reg < 32) { cpu.setReg(hart, reg, value); return true; }
    if (reg === REG_PC) { cpu.setPc(hart, value & ~1n); return true; }
    if (reg === REG_PRIV) {
      if (value !== 0n && value !== 1n && value !== 3n) return false;
      cpu.setPriv(hart, Number(value) as Priv);
      return true;
    }
    if (reg >= REG_CSR0 && reg < REG_CSR0 + 4096) {
      cpu.setCsr(hart, reg - REG_CSR0, value);
      return cpu.csrOk();
    }
    return false; // f-registers: not writable from the host yet
  }

  readMemory(hart: number, addr: bigint, len: number, physical: boolean): Uint8Array {
    const out: number[] = [];
    for (let i = 0; i < len; ) {
      const va = BigInt.asUintN(64, addr + BigInt(i));
      const pa = physical ? va : this.toPhysical(hart, va);
      const span = Math.min(len - i, 0x1000 - Number(va & 0xfffn));
      const bytes = pa === undefined ? undefined : this.physBytes(pa, span);
      if (!bytes) break;
      out.push(...bytes);
      i += span;
    }
    return Uint8Array.from(out);
  }

  writeMemory(hart: number, addr: bigint, bytes: Uint8Array, physical: boolean): number {
    const ram = this.cpu.ram;
    let done = 0;
    while (done < bytes.length) {
      const va = BigInt.asUintN(64, addr + BigInt(done));
      const pa = physical ? va : this.toPhysical(hart, va);
      const span = Math.min(bytes.length - done, 0x1000 - Number(va & 0xfffn));
      if (pa === undefined || pa < RAM_BASE || pa + BigInt(span) > RAM_BASE + BigInt(ram.length)) break;
      ram.set(bytes.subarray(done, done + span), Number(pa - RAM_BASE));
      this.cpu.invalidateCode(pa, span);
      done += span;
    }
    return done;
  }

  insertBreakpoint(addr: bigint): boolean {
    if (!this.cpu.addBreak(addr)) return false;
    this.breaks.add(addr);
    return true;
  }
  removeBreakpoint(addr: bigint): boolean {
    this.breaks.delete(addr);
    return this.cpu.removeBreak(addr);
  }
  insertWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean {
    if (!this.cpu.addWatch(addr, len, WATCH_BITS[kind])) return false;
    this.watches.set(`${addr}/${len}/${kind}`, { addr, len, kind });
    return true;
  }
  removeWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean {
    this.watches.delete(`${addr}/${len}/${kind}`);
    return this.cpu.removeWatch(addr, len, WATCH_BITS[kind]);
  }

  resume(): void {
    if (this.state !== "stopped") return;
    this.state = "running";
    this.letRun();
  }

  step(hart: number): void {
    if (this.state !== "stopped") return;
    if (this.held) { this.pendingStep = hart; return; }
    if (this.machine.config.timing === "realtime") this.cpu.setMtime(this.frozenAt);
    const r = this.cpu.step(hart);
    this.frozenAt = this.cpu.mtime();
    if (r === DebugStop.WatchWrite || r === DebugStop.WatchRead) {
      const s = this.cpu.debugStop();
      this.report(this.watchEvent(s.hart, s.kind, s.addr));
    } else this.report({ kind: "step", hart });
  }

  interrupt(): void {
    if (this.state !== "running") return;
    this.pendingStep = undefined;
    this.freeze();
    this.state = "stopped";
    this.machine.kick();
    this.report({ kind: "interrupt", hart: 0 });
  }

  describeHart(hart: number): string {
    const cpu = this.cpu;
    if (!cpu.running(hart)) return "stopped (HSM)";
    return `${["U", "S", "?", "M"][cpu.priv(hart)]}-mode, pc 0x${cpu.pc(hart).toString(16)}`;
  }

  detach(): void {
    for (const a of this.breaks) this.cpu.removeBreak(a);
    for (const w of this.watches.values()) this.cpu.removeWatch(w.addr, w.len, WATCH_BITS[w.kind]);
    this.breaks.clear();
    this.watches.clear();
    this.onStop = undefined;
    this.pendingStep = undefined;
    this.resume(); // stays attached: a system halt still holds it
  }

  kill(): void {
    this.onStop = undefined;
    this.machine.stop("killed by the debugger");
    this.resume();
  }

  monitor(command: string): Promise<string> | string {
    return this.runCommand ? this.runCommand(command) : `no command line here: "${command}" is not a stub command (try monitor help)`;
  }

  // ---- helpers ----
  private validHart(h: number): boolean { return Number.isInteger(h) && h >= 0 && h < this.harts; }

  /** The VM is about to be still: stop its clock (once, whoever holds it first). */
  private freeze(): void {
    if (this.frozen) return;
    this.frozen = true;
    this.frozenAt = this.cpu.mtime();
    this.onStill?.(true);
  }

  /** Run again unless something still holds it; realtime: the guest's clock goes on from where it stopped. */
  private letRun(): void {
    if (this.still || this.state === "ended" || !this.frozen) return;
    this.frozen = false;
    if (this.machine.config.timing === "realtime") this.cpu.setMtime(this.frozenAt);
    const r = this.release;
    this.release = undefined;
    r?.();
    this.machine.kick();
    this.onStill?.(false);
  }

  private report(e: StopEvent): void { this.onStop?.(e); }

  private watchEvent(hart: number, kind: DebugStop, addr: bigint): StopEvent {
    return { kind: "watch", hart, watch: kind === DebugStop.WatchWrite ? "write" : "read", addr };
  }

  /** The hart's view of `va`: its satp and privilege (M-mode is physical, as for its fetches). */
  private toPhysical(hart: number, va: bigint): bigint | undefined {
    const cpu = this.cpu;
    if (!this.validHart(hart)) return undefined;
    let priv = cpu.priv(hart);
    const mstatus = cpu.csr(hart, CSR_MSTATUS);
    if (priv === Priv.M && (mstatus >> 17n) & 1n) priv = Number((mstatus >> 11n) & 3n) as Priv; // MPRV
    if (priv === Priv.M) return va;
    const r = walk(cpu.csr(hart, CSR_SATP), va, (pa) => {
      const b = this.physBytes(pa, 8);
      return b ? Buffer.from(b).readBigUInt64LE() : undefined;
    });
    return r.kind === "fault" ? undefined : r.pa;
  }

  /** `len` bytes of RAM or the boot ROM at physical `pa` (never MMIO: reads there have effects). */
  private physBytes(pa: bigint, len: number): Uint8Array | undefined {
    const ram = this.cpu.ram;
    const end = pa + BigInt(len);
    if (pa >= RAM_BASE && end <= RAM_BASE + BigInt(ram.length)) return ram.slice(Number(pa - RAM_BASE), Number(end - RAM_BASE));
    if (pa >= ROM_BASE && end <= ROM_BASE + ROM_SIZE) return this.cpu.rom().slice(Number(pa - ROM_BASE), Number(end - ROM_BASE));
    return undefined;
  }
}
