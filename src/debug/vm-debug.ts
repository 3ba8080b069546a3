// The debugger's side of one VM's worker thread (src/rootos/supervisor/vm-worker.ts): the
// VM's GDB stub, fed the bytes the RootOS relays from its TCP socket (relay.ts), the
// system's halt and continue, and the looks a halted system allows (regs, mem,
// translate, where). It lives beside the machine so that every read is of the machine
// itself, synchronously, at an instruction boundary: the worker runs this code only
// between slices, never while a hart executes.
//
//   machine started ──▶ a MachineTarget for it (held before its first instruction when
//   the description says hold, or while the system is halted) ──▶ gdb attaches (a stub),
//   detaches; halt/continue hold it unseen by gdb ──▶ the machine ends: gdb is told
//   (W), its session ends; the next boot gets a fresh target.
import type { Machine } from "../machine/machine.js";
import { MachineTarget } from "./machine-target.js";
import { GdbStub } from "./stub.js";
import { CSRS } from "./target-xml.js";
import { REG_CSR0, REG_PC, REG_PRIV } from "./target.js";
import { pteFlags, walk } from "./walk.js";

/** Where the debugger side's output goes (the worker posts it to the RootOS). */
export interface VmDebugHost {
  /** Bytes for the attached debugger. */
  gdbOutput(bytes: Uint8Array): void;
  /** The stub ended the session (detach, kill, the machine ended): close the connection. */
  gdbEnded(): void;
  /** The VM became still (held by gdb or the system's halt) or runs again. */
  still(on: boolean): void;
  /** `monitor CMD`: a RootOS shell command's output. */
  monitor?(command: string): Promise<string>;
}

export interface VmDebugOptions {
  /** Hold the first machine before its first instruction (the description's debug.hold). */
  readonly holdFirst: boolean;
  /** The system is halted: every machine starts held. */
  readonly halted: boolean;
}

/** One hart as `where` and `regs` show it. */
export interface HartView {
  readonly hart: number;
  readonly pc: string;
  /** U, S or M. */
  readonly priv: string;
  /** running, stopped (HSM). */
  readonly state: string;
  readonly satp: string;
}

export interface RegsView extends HartView {
  /** x0..x31 as 0x-hex. */
  readonly x: readonly string[];
  /** The key CSRs by name, 0x-hex. */
  readonly csrs: Readonly<Record<string, string>>;
}

export interface MemView {
  readonly addr: string;
  readonly physical: boolean;
  readonly hart: number;
  /** The bytes read, as hex; fewer than asked when the range runs out of RAM or mapped pages. */
  readonly hex: string;
}

export interface TranslateView {
  readonly va: string;
  readonly hart: number;
  readonly satp: string;
  /** bare (no paging: va = pa), mapped, or fault. */
  readonly kind: "bare" | "mapped" | "fault";
  readonly pa?: string;
  readonly pageSize?: string;
  readonly reason?: string;
  readonly steps: readonly { readonly level: number; readonly pteAddr: string; readonly pte: string; readonly flags: string; readonly ppn: string }[];
}

/** The VM's debug state, for `where`. */
export interface VmDebugView {
  /** halted (the system's halt), stopped (by gdb), running. */
  readonly state: "halted" | "stopped" | "running";
  readonly gdbAttached: boolean;
  readonly harts: readonly HartView[];
}

const KEY_CSRS = ["mstatus", "mepc", "mcause", "mtval", "mtvec", "mie", "mip", "medeleg", "mideleg",
  "sstatus", "sepc", "scause", "stval", "stvec", "satp", "sscratch"] as const;
const CSR_NUM = new Map(CSRS);
const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** A debugger's answer that is a refusal (a bad hart, no machine): the RootOS turns it into a BadArgument. */
export class DebugRefusal extends Error {}

export class VmDebug {
  private target: MachineTarget | undefined;
  private stub: GdbStub | undefined;
  private halted: boolean;
  private first = true;

  constructor(private readonly host: VmDebugHost, private readonly opts: VmDebugOptions) {
    this.halted = opts.halted;
  }

  /** A machine is about to run (boot 1, then one per reboot): the debugger attaches to it. */
  started(machine: Machine): void {
    const hold = this.first && this.opts.holdFirst;
    this.first = false;
    this.attach(machine, hold);
  }

  /** gdb connected (through the RootOS): a stub for it, which stops the VM. Undefined, or why it is refused. */
  gdbOpen(): string | undefined {
    if (this.stub) return "a debugger is already attached to this VM";
    const t = this.target;
    if (!t) return "the VM has no machine running";
    t.interrupt(); // before the stub listens: gdb asks why it stopped (`?`), it is not told unasked
    const stub = new GdbStub(t, {
      send: (b) => this.host.gdbOutput(Uint8Array.from(b)),
      close: () => { if (this.stub === stub) { this.stub = undefined; this.host.gdbEnded(); } },
    });
    this.stub = stub;
    return undefined;
  }

  gdbInput(bytes: Uint8Array): void { this.stub?.receive(bytes); }

  /** The debugger went away: the VM runs on with no breakpoint left behind (a system halt still holds it). */
  gdbClose(): void {
    const s = this.stub;
    this.stub = undefined;
    s?.disconnected();
  }

  /** The system's halt: this VM stops at its next instruction boundary (within a turn: the RootOS poked it). */
  halt(): void {
    this.halted = true;
    this.target?.hold(true);
  }

  continue(): void {
    this.halted = false;
    this.target?.hold(false);
  }

  view(): VmDebugView {
    const t = this.need();
    return {
      state: t.systemHeld ? "halted" : t.stopped ? "stopped" : "running",
      gdbAttached: this.stub !== undefined,
      harts: Array.from({ length: t.harts }, (_, h) => this.hartView(t, h)),
    };
  }

  regs(hart: number): RegsView {
    const t = this.need(hart);
    const csrs: Record<string, string> = {};
    for (const name of KEY_CSRS) {
      const v = t.readRegister(hart, REG_CSR0 + CSR_NUM.get(name)!);
      if (v !== undefined) csrs[name] = hex(v);
    }
    return { ...this.hartView(t, hart), x: Array.from({ length: 32 }, (_, r) => hex(t.readRegister(hart, r)!)), csrs };
  }

  mem(addr: bigint, len: number, physical: boolean, hart: number): MemView {
    const t = this.need(hart);
    const bytes = t.readMemory(hart, addr, len, physical);
    return { addr: hex(addr), physical, hart, hex: Buffer.from(bytes).toString("hex") };
  }

  translate(va: bigint, hart: number): TranslateView {
    const t = this.need(hart);
    const satp = t.readRegister(hart, REG_CSR0 + 0x180)!;
    const r = walk(satp, va, (pa) => {
      const b = t.readMemory(hart, pa, 8, true);
      return b.length === 8 ? Buffer.from(b).readBigUInt64LE() : undefined;
    });
    const steps = r.kind === "bare" ? [] : r.steps.map((s) => ({
      level: s.level, pteAddr: hex(s.pteAddr), pte: hex(s.pte), flags: pteFlags(s.pte), ppn: hex((s.pte >> 10n) & ((1n << 44n) - 1n)),
    }));
    return {
      va: hex(va), hart, satp: hex(satp), kind: r.kind, steps,
      ...(r.kind !== "fault" ? { pa: hex(r.pa) } : { reason: r.reason }),
      ...(r.kind === "mapped" ? { pageSize: hex(r.pageSize) } : {}),
    };
  }

  private attach(machine: Machine, hold: boolean): void {
    const t = new MachineTarget(machine, hold, this.host.monitor ? (cmd) => this.host.monitor!(cmd) : undefined);
    t.onStill = (on) => this.host.still(on);
    this.target = t;
    this.stub = undefined; // a stub of the last machine ended with it (it was told the exit)
    if (hold) this.host.still(true);
    if (this.halted) t.hold(true);
  }

  private need(hart?: number): MachineTarget {
    const t = this.target;
    if (!t) throw new DebugRefusal("the VM has no machine running");
    if (hart !== undefined && !(Number.isInteger(hart) && hart >= 0 && hart < t.harts)) {
      throw new DebugRefusal(`hart ${hart} does not exist: the VM has ${t.harts} (0..${t.harts - 1})`);
    }
    return t;
  }

  private hartView(t: MachineTarget, h: number): HartView {
    const priv = Number(t.readRegister(h, REG_PRIV));
    return {
      hart: h, pc: hex(t.readRegister(h, REG_PC)!), priv: ["U", "S", "?", "M"][priv] ?? "?",
      state: t.describeHart(h).startsWith("stopped") ? "stopped (HSM)" : "running",
      satp: hex(t.readRegister(h, REG_CSR0 + 0x180)!),
    };
  }
}
