// The messages between the RootOS (vm-thread.ts) and one VM's worker thread
// (vm-worker.ts). Everything here is structured-clonable: plain objects, Uint8Arrays.
//
//   RootOS ──WorkerInit (workerData)──▶ worker: builds the Machine, runs it
//   RootOS ──ToWorker──▶ worker        console input, SysRq, pause/resume/throttle/stats/reset, stop
//   RootOS ◀──FromWorker── worker      started, console output, replies, reset, exit, fault
//
// A request that expects an answer carries an `id`; the worker answers with a `reply`
// of the same id. The worker's last word is `exit` (the machine ended) or `fault` (an
// exception escaped the machine: a device model, the loader, the hart); after it the
// RootOS terminates the thread.
import type { DeviceStats } from "../../machine/machine.js";
import type { MessagePort } from "node:worker_threads";
import type { ChosenMeasurements } from "../../boot/fdt.js";
import type { BootMode } from "../../boot/loader.js";
import type { MachineExit } from "../../machine/machine.js";
import type { Throttle, Timing, VmDevice } from "../plan/index.js";

/** A boot image's bytes, moved (not copied) into the worker. */
export interface WorkerImage {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** MachineConfig without the console (the worker makes that): what a VM's worker builds its machine from. */
export interface WorkerMachineConfig {
  readonly harts: number;
  readonly ramBytes: number;
  readonly timing: Timing;
  readonly instructionsPerTick?: number;
  readonly boot: {
    readonly mode: BootMode;
    readonly kernel?: WorkerImage;
    readonly rawKernel?: boolean;
    readonly initrd?: WorkerImage;
    readonly append?: string;
    readonly bios?: WorkerImage;
    readonly measurements?: ChosenMeasurements;
  };
}

/** workerData. */
export interface WorkerInit {
  readonly vm: string;
  readonly machine: WorkerMachineConfig;
  readonly throttle?: Throttle;
  /** The VM's devices, as planned; the worker opens their host ends (vm-devices.ts). */
  readonly devices: readonly VmDevice[];
  /** One per `nic` device, in order: the other end is a port of the network's switch in the RootOS. */
  readonly nicPorts: readonly MessagePort[];
  /** ms between the keys of a SysRq sequence (each is a break then the key). */
  readonly sysrqGapMs?: number;
}

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
  /** Cold reboot: a fresh machine from the same configuration (resumes a paused VM). */
  | { readonly type: "reset"; readonly id: number }
  /** Hard stop: the machine stops after the current instruction; the worker sends `exit`. */
  | { readonly type: "stop"; readonly reason: string };

/** A VM's counters, as its worker sees them. Numbers: exact up to 2^53 instructions (months at 500 MIPS). */
export interface WorkerStats {
  /** Machines built in this thread: 1, then one more per guest or host reset. */
  readonly boots: number;
  /** Instructions retired in this thread, across reboots. */
  readonly instructions: number;
  /** Instructions per µs over the last second or so of wall time (0 while paused). */
  readonly mips: number;
  /** Instructions per µs of running (not paused) time since the thread started. */
  readonly averageMips: number;
  /** ms the VM has run, not counting pauses. */
  readonly runningMs: number;
  readonly paused: boolean;
  readonly throttle: Throttle | null;
  /** Hot-loop counters of the current machine (MachineStats). */
  readonly interrupts: number;
  readonly traps: number;
  /** MMIO accesses: the VM exits of this emulator. */
  readonly mmioExits: number;
  readonly tlbMisses: number;
  readonly sbiCalls: number;
  /** Console bytes from the guest and to it, in this thread. */
  readonly consoleOut: number;
  readonly consoleIn: number;
  /** Each virtio device's counters (requests, bytes, notifications, interrupts, errors). */
  readonly devices: readonly DeviceStats[];
}

export type FromWorker =
  /** A machine was built and runs (boot 1; then again after each reset). */
  | { readonly type: "started"; readonly boot: number }
  | { readonly type: "console"; readonly bytes: Uint8Array }
  /** Output of a virtio-console port the RootOS keeps. */
  | { readonly type: "port-output"; readonly port: string; readonly bytes: Uint8Array }
  /** A device model's message about the guest's use of it (a bad request; rate-limited by the device). */
  | { readonly type: "device-log"; readonly line: string }
  | { readonly type: "reply"; readonly id: number; readonly stats: WorkerStats }
  /** The machine reset (a guest reboot, or the host's reset command); a new one follows. */
  | { readonly type: "reset"; readonly by: "guest" | "host" }
  /** The machine ended; the worker is done. */
  | { readonly type: "exit"; readonly exit: MachineExit; readonly stats: WorkerStats }
  /** An exception escaped the machine (a device model, the loader, the hart); the worker is done. */
  | { readonly type: "fault"; readonly message: string; readonly stack?: string; readonly stats?: WorkerStats };
