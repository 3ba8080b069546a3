// What the GDB stub needs from a VM: the narrow interface between the protocol (stub.ts)
// and a machine (machine-target.ts), so the stub is tested against a fake (testing.ts).
//
//   stopped ──resume(all) / step(hart)──▶ running ──breakpoint, watchpoint, step done,
//      ▲                                               interrupt()──▶ onStop(event) ──┐
//      └──────────────────────────────────────────────────────────────────────────────┘
//   A target stops as a whole (all-stop): when one hart stops, every hart stops.

export type WatchKind = "write" | "read" | "access";

/** Why the target stopped. */
export type StopEvent =
  | { readonly kind: "break"; readonly hart: number }
  | { readonly kind: "watch"; readonly hart: number; readonly watch: WatchKind; readonly addr: bigint }
  | { readonly kind: "step"; readonly hart: number }
  /** interrupt() took effect, or the target was held before its first instruction. */
  | { readonly kind: "interrupt"; readonly hart: number }
  /** The guest ended (power-off, failure, reset): the exit code gdb shows. */
  | { readonly kind: "exited"; readonly code: number };

/** Registers by gdb's number for RISC-V (target.xml): 0-31 x, 32 pc, 33-64 f, 65 priv, 66+csr. */
export const REG_PC = 32;
export const REG_F0 = 33;
export const REG_PRIV = 65;
export const REG_CSR0 = 66;

export interface DebugTarget {
  readonly harts: number;
  /** A register of gdb's numbering, or undefined when the hart has no such register. */
  readRegister(hart: number, reg: number): bigint | undefined;
  /** false when the register does not exist or cannot be written. */
  writeRegister(hart: number, reg: number, value: bigint): boolean;
  /**
   * Read `len` bytes at `addr`: virtual through the hart's MMU (its satp, privilege and
   * mstatus), or physical. Returns the bytes up to the first that cannot be read.
   */
  readMemory(hart: number, addr: bigint, len: number, physical: boolean): Uint8Array;
  /** Write bytes; returns how many were written before the first that could not be. */
  writeMemory(hart: number, addr: bigint, bytes: Uint8Array, physical: boolean): number;
  /** Stop before the instruction at virtual address `addr` executes, on any hart. false: table full. */
  insertBreakpoint(addr: bigint): boolean;
  removeBreakpoint(addr: bigint): boolean;
  /** Stop after an access of `kind` that overlaps [addr, addr+len). false: table full. */
  insertWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean;
  removeWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean;
  /** Run every hart until a stop (reported through onStop). */
  resume(): void;
  /** Run one instruction on `hart`, the others held; reports { kind: "step" } (or a watch, or exited). */
  step(hart: number): void;
  /** Stop a running target as soon as possible; reports { kind: "interrupt" }. */
  interrupt(): void;
  /** The hart states for thread info: "running", "stopped by the guest (HSM)", "waiting (WFI)"... */
  describeHart(hart: number): string;
  /** The stub's stop listener; the target calls it once per stop. */
  onStop: ((e: StopEvent) => void) | undefined;
  /** The debugger detached: remove every breakpoint and watchpoint and run on. */
  detach(): void;
  /** gdb's `kill`: end the VM. */
  kill(): void;
  /** `monitor CMD`: run a command, return its output text; undefined when there is no command line. */
  monitor?(command: string): Promise<string> | string;
}
