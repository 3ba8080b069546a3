// The messages between the RootOS (vm-thread.ts) and one VM's worker thread
// (vm-worker.ts). Everything here is structured-clonable: plain objects, Uint8Arrays.
//
//   RootOS ──WorkerInit (workerData)──▶ worker: runs the VM's plan with the runner (src/runner)
//   RootOS ──ToWorker──▶ worker        console input, SysRq, pause/resume/throttle/stats/reset, stop
//   RootOS ◀──FromWorker── worker      started, console output, replies, reset, exit, fault
//
// A request that expects an answer carries an `id`; the worker answers with a `reply`
// of the same id. The worker's last word is `exit` (the machine ended) or `fault` (an
// exception escaped the machine: a device model, the loader, the hart); after it the
// RootOS terminates the thread.
import type { NicRings } from "../../net/ring-link.js";
import type { ImageFile } from "../../boot/loader.js";
import type { MachineConfig, MachineExit } from "../../machine/machine.js";
import type { RunnerStats, RunPlan } from "../../runner/runner.js";
import type { HostPlacement, Throttle } from "../plan/index.js";
import type { HostApplied } from "./host-sched.js";
import type { MemView, RegsView, TranslateView, VmDebugView } from "../../debug/vm-debug.js";

/** A boot image's bytes, moved (not copied) into the worker. */
export type WorkerImage = ImageFile;

/** workerData: the VM's one-VM plan (its machine, its planned devices, its throttle), and its switch ports. */
export interface WorkerInit extends RunPlan {
  readonly vm: string;
  /** One pair of rings per `nic` device, in order: the other end is a port of the network's switch in the RootOS. */
  readonly nicRings: readonly NicRings[];
  /**
   * The RootOS sets it (Atomics.store 1) after posting a command that should not wait for
   * the slice under way (RunPlan.poke); made by VmThread.
   */
  readonly poke?: Int32Array;
  /** The description's debug.hold (the first machine waits for gdb), and whether the system is halted now. */
  readonly debug: { readonly holdFirst: boolean; readonly halted: boolean };
  /** Where its thread runs on the host (plan/host.ts); undefined: where the RootOS does. */
  readonly host?: HostPlacement;
}

/** A look at a VM for the debugger commands (regs, mem, translate, where), answered by `answer`. */
export type DebugQuery =
  | { readonly what: "view" }
  | { readonly what: "regs"; readonly hart: number }
  | { readonly what: "mem"; readonly addr: bigint; readonly len: number; readonly physical: boolean; readonly hart: number }
  | { readonly what: "translate"; readonly va: bigint; readonly hart: number };

/** What each DebugQuery answers. */
export interface DebugAnswers { view: VmDebugView; regs: RegsView; mem: MemView; translate: TranslateView }

export type ToWorker =
  /** Console input, for the guest's UART (or SBI console before the guest uses the UART). */
  | { readonly type: "input"; readonly bytes: Uint8Array }
  /** Input for a virtio-console port the RootOS keeps. */
  | { readonly type: "port-input"; readonly port: string; readonly bytes: Uint8Array }
  /** Magic SysRq over the serial line: for each key, a break then the key, sysrqGapMs apart. */
  | { readonly type: "sysrq"; readonly keys: string }
  | { readonly type: "pause"; readonly id: number }
  | { readonly type: "resume"; readonly id: number }
  | { readonly type: "throttle"; readonly id: number; readonly throttle: Throttle | null }
  | { readonly type: "stats"; readonly id: number }
  /**
   * Cold reboot: a fresh machine (resumes a paused VM), from `machine` when given (its boot
   * images read and verified again by the RootOS, moved with the message), else from the last one.
   */
  | { readonly type: "reset"; readonly id: number; readonly machine?: MachineConfig }
  /** Hard stop: the machine stops after the current instruction; the worker sends `exit`. */
  | { readonly type: "stop"; readonly reason: string }
  /** gdb connected to the VM's port (the RootOS keeps the socket): the worker answers with `answer` (an error when refused). */
  | { readonly type: "gdb-open"; readonly id: number }
  /** Bytes from gdb, relayed as they came. */
  | { readonly type: "gdb-input"; readonly bytes: Uint8Array }
  /** gdb's connection is gone. */
  | { readonly type: "gdb-close" }
  /** The system's halt and continue: every hart stops at an instruction boundary, or runs on. */
  | { readonly type: "halt"; readonly id: number }
  | { readonly type: "continue"; readonly id: number }
  | { readonly type: "debug-query"; readonly id: number; readonly query: DebugQuery }
  /** The RootOS's answer to a `monitor` request. */
  | { readonly type: "monitor-reply"; readonly id: number; readonly text: string; readonly ok: boolean };

/** A VM's counters, as its runner counts them. */
export type WorkerStats = RunnerStats;

export type FromWorker =
  /** A machine was built and runs (boot 1; then again after each reset). */
  | { readonly type: "started"; readonly boot: number }
  /** The worker placed its thread on the host (before its machine's first instruction): what the kernel gave it. */
  | { readonly type: "placed"; readonly host: HostApplied }
  | { readonly type: "console"; readonly bytes: Uint8Array }
  /** Output of a virtio-console port the RootOS keeps. */
  | { readonly type: "port-output"; readonly port: string; readonly bytes: Uint8Array }
  /** A device model's message about the guest's use of it (a bad request; rate-limited by the device). */
  | { readonly type: "device-log"; readonly line: string }
  | { readonly type: "reply"; readonly id: number; readonly stats: WorkerStats }
  /** The answer to gdb-open, halt, continue or a debug-query: a value, or why it was refused. */
  | { readonly type: "answer"; readonly id: number; readonly value?: unknown; readonly error?: string }
  /** Bytes for gdb. */
  | { readonly type: "gdb-output"; readonly bytes: Uint8Array }
  /** The stub ended gdb's session (detach, kill, the machine ended): close the connection. */
  | { readonly type: "gdb-end" }
  /** The VM became still (held by gdb or the halt) or runs again: its watchdog waits meanwhile. */
  | { readonly type: "still"; readonly on: boolean }
  /** gdb's `monitor CMD`: run a RootOS command; the RootOS answers with monitor-reply. */
  | { readonly type: "monitor"; readonly id: number; readonly command: string }
  /** The machine reset (a guest reboot, or the host's reset command); a new one follows. */
  | { readonly type: "reset"; readonly by: "guest" | "host" }
  /** The machine ended; the worker is done. */
  | { readonly type: "exit"; readonly exit: MachineExit; readonly stats: WorkerStats }
  /** An exception escaped the machine (a device model, the loader, the hart); the worker is done. */
  | { readonly type: "fault"; readonly message: string; readonly stack?: string; readonly stats?: WorkerStats };
