// The supervisor's public types: its options, and the plain data its methods return
// (VmInfo, VmStats, SlotsInfo, UpgradeResult, ...), which the command table, the shell and
// the HTTP API show. supervisor.ts re-exports every one of them.
import type { BootMode } from "../../boot/loader.js";
import type { Criticality, RestartCause, SystemPlan, Throttle, Timing, VmPlan, WatchdogAction } from "../plan/index.js";
import type { SlotName, Trial } from "../slots/store.js";
import type { MeasurementLog } from "../trust/index.js";
import type { BootImages, BootTrust, VerifiedBoot } from "./boot-images.js";
import type { VmState } from "./lifecycle.js";
import type { WorkerStats } from "./protocol.js";
import type { HostApplied } from "./host-sched.js";
import type { WatchdogState } from "./watchdog.js";
import type { VmDebugView } from "../../debug/vm-debug.js";

export interface SupervisorOptions {
  /** The event log file; null keeps it in memory only; default defaultEventLogPath(). */
  readonly eventLog?: string | null;
  /** Read, verify and measure a VM's boot images; default readBootImages (boot-images.ts). */
  readonly loadImages?: (plan: VmPlan, trust: BootTrust) => Promise<BootImages>;
  /** How long shutdown waits for the guest to power off before stopping it hard (default 10 s). */
  readonly shutdownTimeoutMs?: number;
  /** Console bytes kept per VM for a client that attaches later (default 64 KiB). */
  readonly scrollbackBytes?: number;
  /** Worker script and stop grace (tests). */
  readonly workerUrl?: URL;
  readonly stopGraceMs?: number;
  /** ms between SysRq keys (default 250). */
  readonly sysrqGapMs?: number;
  /** What changes the system's description for assign, unassign and create; without it they are refused. */
  readonly editor?: SystemEditor;
  /** Where `create` keeps the boot images uploaded with it (uploads.ts); without it uploads are refused. */
  readonly uploadDir?: string;
  /** Test hook (BULKHEAD_TEST_SLOW_SLOT_WRITE): ms to pause after each 64 KiB written to a slot. */
  readonly slotWriteDelayMs?: number;
  /** ms between an upgrade's reply and the restart of its target, so that a VM upgrading itself reads the reply (default 500). */
  readonly upgradeRestartDelayMs?: number;
  /** Quiet time that ends a bundle on an upgrade port (default 1 s). */
  readonly upgradePortGapMs?: number;
  /** gdb's `monitor CMD` on a VM's port: run a RootOS shell command line, its output as text. */
  readonly monitor?: (line: string) => Promise<string>;
}

/** `where`, `halt`, `continue`: the system's debug state, every VM's harts. */
export interface SystemDebugView {
  readonly halted: boolean;
  readonly vms: readonly { readonly vm: string; readonly state: VmState; readonly debug: VmDebugView | null }[];
}

/** An upgrade that was installed: the target restarts from `slot` on trial. */
export interface UpgradeResult {
  readonly vm: string;
  readonly version: number;
  readonly slot: SlotName;
  readonly previous: SlotName;
  /** What restarts: the target, or every running VM (the bundle's flag restart: system). */
  readonly restart: "vm" | "system";
  readonly deadlineMs: number;
}

/** One slot as `slots VM` shows it. */
export interface SlotInfo {
  readonly slot: SlotName;
  /** valid: a bundle for this VM that verifies; invalid: anything else written there (why says what). */
  readonly state: "empty" | "valid" | "invalid";
  readonly version: number | null;
  readonly key: string | null;
  readonly why: string | null;
}

/** A VM's A/B slots (`slots VM`). Plain data. */
export interface SlotsInfo {
  readonly vm: string;
  readonly partition: string;
  /** False before its first start installs the description's bundle in slot A. */
  readonly provisioned: boolean;
  readonly active: SlotName | null;
  /** Anti-rollback: the highest version that came up healthy. */
  readonly committed: number | null;
  readonly trial: Trial | null;
  /** An upgrade in progress now: being written, or on trial. */
  readonly upgrading: { readonly phase: "writing" | "trial"; readonly version: number; readonly slot: SlotName } | null;
  readonly slots: readonly SlotInfo[];
}

/** A change to the system, checked, not yet made: the plan it leads to. */
export interface SystemEdit {
  readonly plan: SystemPlan;
  /** In words, for the event log. */
  readonly summary: string;
  /** Keep the change (the supervisor calls it once it has taken the plan). */
  commit(): void;
}

/**
 * Makes changes to the description the system came from and checks them whole, as
 * `bulkhead validate` does (description/edit.ts). Throws with the reasons it refuses one.
 */
export interface SystemEditor {
  /** Give `vm` one more device, written as in the description (`{ virtio: block, partition: data }`). */
  assign(vm: string, device: Readonly<Record<string, unknown>>): Promise<SystemEdit>;
  /** Take a device from `vm`: its index in the VM's list, or fields that pick one. */
  unassign(vm: string, which: number | Readonly<Record<string, unknown>>): Promise<SystemEdit>;
  /** A new VM, written as in the description; `cores` may be a count of free cores. Paths relative to `cwd`. */
  create(vm: Readonly<Record<string, unknown>>, cwd: string): Promise<SystemEdit>;
}

/** A VM as `list` shows it. Plain data (JSON as is). */
export interface VmInfo {
  /** Its thread on the host: the plan in words, and what the kernel gave it once the thread placed itself; null: not placed. */
  readonly host: { readonly planned: string; readonly placed?: HostApplied } | null;
  readonly name: string;
  readonly os: string;
  readonly criticality: Criticality;
  readonly state: VmState;
  /** When it entered that state. */
  readonly since: string;
  readonly cores: readonly number[];
  readonly harts: number;
  readonly ramBytes: number;
  readonly timing: Timing;
  readonly bootMode: BootMode;
  readonly throttle: Throttle | null;
  readonly autostart: boolean;
  /** Its thread was started this many times (operator starts and policy restarts). */
  readonly starts: number;
  /** Guest boots in its current (or last) thread: 1, plus one per reboot. */
  readonly boots: number;
  readonly restart: {
    readonly on: readonly RestartCause[];
    /** Restarts in a row so far (the back-off's n). */
    readonly inARow: number;
    /** Policy restarts since the supervisor started. */
    readonly total: number;
    /** When a pending restart is due. */
    readonly nextAt: string | null;
  };
  readonly watchdog: {
    readonly timeoutMs: number;
    readonly action: WatchdogAction;
    readonly state: WatchdogState;
    readonly kicks: number;
    readonly expiries: number;
  } | null;
  /** Its devices in words, in plan order (`unassign VM N` counts from 0). */
  readonly devices: readonly string[];
  /** How its last run ended, in words. */
  readonly lastExit: string | null;
  /** Verified boot: the bundle its current (or last) run booted, its version and signer; null for loose files or before a start. */
  readonly verifiedBoot: VerifiedBoot | null;
  /** Measured boot: each stage's digest in load order, chained; null before its first start. */
  readonly measurements: MeasurementLog | null;
}

/** A VM's counters (`stats`): its thread's (WorkerStats) and the supervisor's. */
export interface VmStats extends WorkerStats {
  readonly vm: string;
  readonly state: VmState;
  readonly starts: number;
  readonly restarts: number;
  readonly watchdogKicks: number;
  /** Its NICs' ports on the RootOS switches: frames and bytes each way, drops, ring-full events. */
  readonly switchPorts: readonly SwitchPortStats[];
}

/** One NIC's port on a RootOS network (tx: from the VM into the switch; rx: to the VM). */
export interface SwitchPortStats {
  readonly network: string;
  readonly txFrames: number;
  readonly txBytes: number;
  readonly rxFrames: number;
  readonly rxBytes: number;
  readonly drops: number;
  readonly ringFull: number;
}

/** Where an attached console's output goes. */
export interface ConsoleSink {
  write(bytes: Uint8Array): void;
}

/** An attached console: type into it, send SysRq, detach. Survives restarts of the VM. */
export interface ConsoleAttachment {
  readonly vm: string;
  /** The virtio-console port, or undefined for the serial console (the UART). */
  readonly port: string | undefined;
  /** Input for the guest; dropped while the VM is not running. */
  send(bytes: Uint8Array): void;
  /** Magic SysRq keys (a break then each key), e.g. "h" for help, "t" for tasks. */
  sysrq(keys: string): void;
  detach(): void;
}

export interface UpResult {
  readonly vm: string;
  readonly ok: boolean;
  readonly error?: string;
}

