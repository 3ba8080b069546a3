// The VM supervisor: the RootOS's one API for running the VMs of a SystemPlan. The
// shell, `bulkhead ctl` and the HTTP API all call these methods (commands.ts puts them
// in one table); nothing else starts, stops or inspects a VM.
//
// Each VM runs in its own worker thread (VmThread), with its own memory and machine.
// Before a thread starts, its boot images are read, verified and measured
// (boot-images.ts); a refused image leaves the VM stopped with an event saying why.
// The supervisor keeps each VM's lifecycle (lifecycle.ts), reads its console for a guest
// panic and watchdog kicks (console-watch.ts, watchdog.ts), applies its restart policy
// with back-off (restart.ts), and records every state change, check, fault and command
// in the event log (event-log.ts). A VM's fault — a guest panic, a failure exit, a lost
// hart, an exception in a device model, its thread dying — ends that VM only: it is
// logged, the VM is `crashed`, and its policy decides; the other VMs run on.
//
// Shutdown asks the guest to power off the way a serial console can on any stock Linux
// (CONFIG_MAGIC_SYSRQ_SERIAL, on in Debian's kernels; its default sysrq mask 0x1b6
// allows these keys): a break then 's' (emergency sync), a break then 'u' (remount
// read-only), a break then 'o' (power off), 250 ms apart, on the UART that is the
// kernel's console. The guest powers off through SBI or the test finisher; a guest
// that does not within the time-out (no SysRq, a bare-metal program, console on hvc0)
// is stopped hard, and the log says so.
import { readFile } from "node:fs/promises";
import { isDeepStrictEqual } from "node:util";
import { BundleError, parseBundle } from "../../images/bundle.js";
import { MessageChannel, type MessagePort } from "node:worker_threads";
import type { BootMode } from "../../boot/loader.js";
import type { PortBackend } from "../../chardev/index.js";
import { openPortHost } from "../../chardev/open.js";
import { openUdpLink } from "../../net/udp.js";
import { type SwitchPort, VirtualSwitch } from "../../net/switch.js";
import { PANIC_GRACE_MS, ConsoleWatch, type ConsoleSignal, Scrollback, WATCHDOG_KICK_TEXT } from "./console-watch.js";
import { type BootImages, type BootTrust, imageBuffers, readBootImages, type VerifiedBoot, workerMachineConfig } from "./boot-images.js";
import { errnoText, RootosError } from "./errors.js";
import { defaultEventLogPath, EventLog, formatLogEntry, type LogEntry, type LogQuery } from "./event-log.js";
import { Lifecycle, type VmCommand, type VmState } from "./lifecycle.js";
import { formatThrottle, throttleProblem } from "../../runner/pacer.js";
import {
  type Criticality, describeDevice, type PartitionRangePlan, type PortHost, type RestartCause, type SystemPlan, type Throttle, type Timing, type VmPlan, type WatchdogAction,
} from "../plan/index.js";
import type { MeasurementLog } from "../trust/index.js";
import type { WorkerInit, WorkerStats } from "./protocol.js";
import { RestartCounter, restartsOn } from "./restart.js";
import { TextLog } from "../persist/text-log.js";
import { otherSlot, type SlotName, SlotStore, type Trial, type VmSlots } from "../slots/store.js";
import { readPublicKey, TrustError, type VerifiedBundle, verifyBundle } from "../trust/index.js";
import { UpgradeReceiver } from "./upgrade-port.js";
import { emptyStats, type VmEnd, VmThread } from "./vm-thread.js";
import { Watchdog, type WatchdogState } from "./watchdog.js";

/** The SysRq keys of a shutdown: sync, remount read-only, power off. */
export const SHUTDOWN_SYSRQ = "suo";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

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
  /** Test hook (BULKHEAD_TEST_SLOW_SLOT_WRITE): ms to pause after each 64 KiB written to a slot. */
  readonly slotWriteDelayMs?: number;
  /** ms between an upgrade's reply and the restart of its target, so that a VM upgrading itself reads the reply (default 500). */
  readonly upgradeRestartDelayMs?: number;
  /** Quiet time that ends a bundle on an upgrade port (default 1 s). */
  readonly upgradePortGapMs?: number;
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

/** An upgrade in progress on one VM. */
interface Upgrade {
  phase: "writing" | "trial";
  readonly version: number;
  readonly slot: SlotName;
  readonly previous: SlotName;
  /** The new image's thread was started: kicks and ends from now on are its. */
  booted: boolean;
  timer: NodeJS.Timeout | undefined;
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

/** One console stream the RootOS keeps (the UART, or a virtio-console port): scroll-back and attached clients. */
class Channel {
  readonly scrollback: Scrollback;
  readonly sinks = new Set<ConsoleSink>();

  constructor(bytes: number, private readonly onSinkError: (e: Error) => void) {
    this.scrollback = new Scrollback(bytes);
  }

  write(bytes: Uint8Array): void {
    this.scrollback.push(bytes);
    for (const sink of this.sinks) {
      try {
        sink.write(bytes);
      } catch (e) {
        this.sinks.delete(sink);
        this.onSinkError(e as Error);
      }
    }
  }
}

interface RuntimeHooks {
  record: EventLog["record"];
  signal(r: VmRuntime, s: ConsoleSignal): void;
  watchdog(r: VmRuntime): void;
}

/** The supervisor's view of one VM. */
class VmRuntime {
  readonly life: Lifecycle;
  thread: VmThread | undefined;
  throttle: Throttle | undefined;
  starts = 0;
  boots = 0;
  restarts = 0;
  startedAt = 0;
  readonly counter: RestartCounter;
  restartTimer: NodeJS.Timeout | undefined;
  restartAt: number | undefined;
  readonly watchdog: Watchdog | undefined;
  /** The serial console (UART), and what reads it for panics and kicks. */
  readonly uart: Channel;
  readonly watch: ConsoleWatch;
  /** The virtio-console ports the RootOS keeps, by name; the first port (hvc0) is also read for panics. */
  readonly ports = new Map<string, Channel>();
  readonly hvcName: string | undefined;
  readonly hvcWatch: ConsoleWatch;
  /** A passthrough-serial device: the board serial port that is the UART's host end. */
  readonly serialHost: { readonly name: string; readonly host: PortHost } | undefined;
  serial: PortBackend | undefined;
  /** The current thread's NICs: switch port and the RootOS end of their channel. */
  nicLinks: { readonly port: MessagePort; readonly switchPort: SwitchPort }[] = [];
  /** Why the supervisor itself is stopping the current thread (panic, watchdog), and what that counts as. */
  ending: { readonly cause: RestartCause; readonly reason: string } | undefined;
  panicTimer: NodeJS.Timeout | undefined;
  shutdownTimer: NodeJS.Timeout | undefined;
  lastExit: string | undefined;
  lastStats: WorkerStats | undefined;
  /** What the current (or last) thread booted: verified, measured. */
  verified: VerifiedBoot | undefined;
  measurements: MeasurementLog | undefined;
  /** Anti-rollback: the highest bundle version it has booted (kept while the RootOS runs). */
  installedVersion: number | undefined;
  /** start() calls waiting for the thread to come up. */
  startWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  /** An upgrade being written to its inactive slot, or on trial. */
  upgrade: Upgrade | undefined;
  /** Its upgrade port's receiver (upgrade.port). */
  receiver: UpgradeReceiver | undefined;

  constructor(readonly plan: VmPlan, hooks: RuntimeHooks, scrollbackBytes: number, state?: VmState) {
    this.life = new Lifecycle(plan.name, (from, to, why) => hooks.record("state", plan.name, `${from} -> ${to} (${why})`, { from, to }), state);
    this.throttle = plan.throttle;
    this.counter = new RestartCounter(plan.restart);
    const sinkError = (e: Error) => hooks.record("info", plan.name, `a console client failed and was detached: ${e.message}`);
    this.uart = new Channel(scrollbackBytes, sinkError);
    // A watchdog on a named port is kicked there (any byte), not by console lines.
    this.watch = new ConsoleWatch((s) => hooks.signal(this, s), plan.watchdog?.port === undefined ? WATCHDOG_KICK_TEXT : undefined);
    this.hvcWatch = new ConsoleWatch((s) => hooks.signal(this, s), undefined);
    for (const d of plan.devices) {
      if (d.kind === "console") for (const p of d.ports) if (!p.host) this.ports.set(p.name, new Channel(scrollbackBytes, sinkError));
    }
    const firstConsole = plan.devices.find((d) => d.kind === "console");
    this.hvcName = firstConsole?.kind === "console" && !firstConsole.ports[0]?.host ? firstConsole.ports[0]?.name : undefined;
    const serial = plan.devices.find((d) => d.kind === "passthrough-serial");
    this.serialHost = serial?.kind === "passthrough-serial" ? { name: serial.name, host: serial.host } : undefined;
    this.watchdog = plan.watchdog ? new Watchdog(plan.watchdog.timeoutMs, () => hooks.watchdog(this)) : undefined;
  }
}

export class Supervisor {
  readonly events: EventLog;
  private readonly vms = new Map<string, VmRuntime>();
  private readonly opts: SupervisorOptions;
  private closed = false;
  /** The RootOS virtual switches, by network name. */
  private readonly switches = new Map<string, VirtualSwitch>();
  private uplinks: Promise<void> | undefined;
  private readonly uplinkPorts: SwitchPort[] = [];

  private current: SystemPlan;
  private readonly hooks: RuntimeHooks;
  /** The A/B slots (board.slots), open while the supervisor runs. */
  private readonly slotStore: SlotStore | undefined;
  /** The event log as text in the persistent partition (board.persist), open while the supervisor runs. */
  private readonly persistLog: TextLog | undefined;

  constructor(plan: SystemPlan, opts: SupervisorOptions = {}) {
    this.current = plan;
    this.opts = opts;
    this.events = new EventLog(opts.eventLog === undefined ? defaultEventLogPath() : opts.eventLog);
    if (plan.board.persist) this.persistLog = this.openPersistLog(plan.board.persist);
    if (plan.board.slots) {
      this.slotStore = new SlotStore(plan.board.slots, { ...(opts.slotWriteDelayMs ? { chunkDelayMs: opts.slotWriteDelayMs } : {}) });
      this.recoverSlots();
    }
    this.hooks = {
      record: (...a) => this.events.record(...a),
      signal: (r, s) => this.onSignal(r, s),
      watchdog: (r) => this.onWatchdog(r),
    };
    for (const vm of plan.vms) this.vms.set(vm.name, this.runtime(vm));
    this.events.record("info", undefined, `supervisor up: ${plan.vms.length} VM(s) from ${plan.source}`, { vms: plan.vms.map((v) => v.name) });
    for (const net of plan.networks) this.switches.set(net.name, new VirtualSwitch(`switch ${net.name}`));
    for (const r of this.vms.values()) {
      const wd = r.plan.watchdog;
      if (wd?.port !== undefined && !r.ports.has(wd.port)) {
        this.events.record("check", r.plan.name, `watchdog port '${wd.port}' is not a console port the RootOS keeps (it has a host end): the watchdog cannot be kicked`);
      }
    }
  }

  // ---- queries ---------------------------------------------------------------------

  /** The system as it is now (assign, unassign and create change it). */
  get plan(): SystemPlan { return this.current; }

  /** The VMs' names, in description order. */
  names(): string[] { return [...this.vms.keys()]; }

  list(): VmInfo[] { return [...this.vms.values()].map((r) => this.describe(r)); }

  info(vm: string): VmInfo { return this.describe(this.get(vm)); }

  /** Counters; from the running thread, or the last ones of a VM that is not running. */
  async stats(vm: string): Promise<VmStats> {
    const r = this.get(vm);
    let s: WorkerStats;
    try {
      s = r.thread?.alive ? await r.thread.stats() : r.lastStats ?? emptyStats();
    } catch {
      s = r.lastStats ?? emptyStats(); // it ended while we asked
    }
    return { ...s, vm, state: r.life.state, starts: r.starts, restarts: r.restarts, watchdogKicks: r.watchdog?.kicks ?? 0 };
  }

  /** Event log entries (newest last). */
  log(q: LogQuery = {}): LogEntry[] {
    if (q.vm !== undefined) this.get(q.vm);
    return this.events.query(q);
  }

  /** Every new event log entry; returns the unsubscribe function. */
  onEvent(listener: (e: LogEntry) => void): () => void { return this.events.subscribe(listener); }

  /** The console ports of `vm` the RootOS keeps (attachConsole's `port`); [] for a VM it does not have. */
  consolePorts(vm: string): string[] { return [...(this.vms.get(vm)?.ports.keys() ?? [])]; }

  /** A console's recent output (scroll-back), as text: the serial console, or a kept virtio-console port. */
  scrollback(vm: string, port?: string): string { return this.channel(this.get(vm), port, "scrollback").scrollback.text(); }

  // ---- commands ----------------------------------------------------------------------

  /** Start every autostart VM (safety first, then realtime, then general; description order within). */
  async up(): Promise<UpResult[]> {
    const rank: Record<Criticality, number> = { safety: 0, realtime: 1, general: 2 };
    const order = [...this.vms.values()].filter((r) => r.plan.autostart).sort((a, b) => rank[a.plan.criticality] - rank[b.plan.criticality]);
    const results = await Promise.allSettled(order.map((r) => this.start(r.plan.name)));
    return results.map((res, i) => ({ vm: order[i]!.plan.name, ok: res.status === "fulfilled", ...(res.status === "rejected" ? { error: (res.reason as Error).message } : {}) }));
  }

  /** Start a created, stopped or crashed VM; resolves when it runs (a pending restart happens now). */
  async start(vm: string): Promise<VmInfo> {
    return this.command(vm, "start", [], async (r) => {
      this.cancelRestart(r);
      r.life.command("start");
      r.counter.clear();
      await this.spawn(r);
      return this.describe(r);
    });
  }

  /** Hard stop: the machine stops after its current instruction. Also cancels a pending restart. */
  async stop(vm: string): Promise<VmInfo> {
    return this.command(vm, "stop", [], async (r) => {
      if (r.life.state === "stopped" && r.restartTimer) {
        this.cancelRestart(r);
        this.events.record("restart", vm, "pending restart cancelled");
        return this.describe(r);
      }
      const to = r.life.check("stop");
      this.cancelRestart(r);
      r.counter.clear();
      r.life.command("stop", to === "stopping" && r.life.state === "stopping" ? "command stop: shutdown escalated to a hard stop" : "command stop");
      if (to === "stopped") return this.describe(r); // crashed: nothing runs
      const t = r.thread;
      if (!t) { r.life.enter("stopped", "stopped before its thread started"); return this.describe(r); }
      await t.stop("stopped by the operator");
      return this.describe(r);
    });
  }

  /**
   * Ask the guest to power off (SysRq s, u, o over its serial console); stop it hard if it
   * has not within `timeoutMs`. Resolves when it has stopped either way.
   */
  async shutdown(vm: string, timeoutMs = this.opts.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS): Promise<VmInfo> {
    if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) {
      throw new RootosError({ kind: "BadArgument", command: "shutdown", argument: String(timeoutMs), why: "the time-out must be a number of ms, 0 or more" });
    }
    return this.command(vm, "shutdown", [String(timeoutMs)], async (r) => {
      r.life.command("shutdown");
      this.cancelRestart(r);
      r.counter.clear();
      const t = r.thread!;
      t.sysrq(SHUTDOWN_SYSRQ);
      r.shutdownTimer = setTimeout(() => {
        r.shutdownTimer = undefined;
        if (!t.alive) return;
        this.events.record("info", vm, `the guest did not power off within ${timeoutMs} ms: stopping it hard`);
        void t.stop(`shutdown: no power-off within ${timeoutMs} ms`);
      }, timeoutMs);
      await t.whenEnded();
      return this.describe(r);
    });
  }

  /** Freeze the VM: no instruction retires until resume; its watchdog is suspended. */
  async pause(vm: string): Promise<VmInfo> {
    return this.command(vm, "pause", [], async (r) => {
      r.life.command("pause");
      r.watchdog?.suspend();
      await r.thread!.pause();
      return this.describe(r);
    });
  }

  async resume(vm: string): Promise<VmInfo> {
    return this.command(vm, "resume", [], async (r) => {
      r.life.command("resume");
      r.watchdog?.resume();
      await r.thread!.resume();
      return this.describe(r);
    });
  }

  /** Cold reboot in the same thread: new RAM, devices and harts from the same plan. */
  async reset(vm: string): Promise<VmInfo> {
    return this.command(vm, "reset", [], async (r) => {
      r.life.command("reset");
      r.watchdog?.disarm();
      r.watch.reset();
      await r.thread!.reset();
      await this.whenRunning(r);
      return this.describe(r);
    });
  }

  /** Cap the VM's speed (undefined: no cap), now if it runs, and at its next starts. */
  async throttle(vm: string, t: Throttle | undefined): Promise<VmInfo> {
    return this.command(vm, "throttle", [formatThrottle(t)], async (r) => {
      const problem = t ? throttleProblem(t) : undefined;
      if (problem) throw new RootosError({ kind: "BadArgument", command: "throttle", argument: formatThrottle(t), why: problem });
      r.throttle = t;
      if (r.thread?.alive) await r.thread.throttle(t);
      return this.describe(r);
    });
  }

  /** Give a stopped VM one more device (as the description writes one); checked as `validate` checks. */
  async assign(vm: string, device: Readonly<Record<string, unknown>>): Promise<VmInfo> {
    return this.command(vm, "assign", [JSON.stringify(device)], async (r) => {
      r.life.check("reconfigure");
      const edit = await this.edit("assign", (e) => e.assign(vm, device));
      this.adopt(edit);
      return this.info(vm);
    });
  }

  /** Take a device from a stopped VM: its number in `info VM`, or fields that pick it. */
  async unassign(vm: string, which: number | Readonly<Record<string, unknown>>): Promise<VmInfo> {
    return this.command(vm, "unassign", [typeof which === "number" ? String(which) : JSON.stringify(which)], async (r) => {
      r.life.check("reconfigure");
      const edit = await this.edit("unassign", (e) => e.unassign(vm, which));
      this.adopt(edit);
      return this.info(vm);
    });
  }

  /** Add a VM from free cores and memory (written as the description writes one); it is created, not started. */
  async create(spec: Readonly<Record<string, unknown>>, cwd = process.cwd()): Promise<VmInfo> {
    const name = typeof spec.name === "string" ? spec.name : "";
    const what = `create ${JSON.stringify(spec)}`;
    try {
      if (this.closed) throw new RootosError({ kind: "Closed" });
      if (this.vms.has(name)) throw new RootosError({ kind: "BadArgument", command: "create", argument: name, why: "a VM of that name exists already" });
      const edit = await this.edit("create", (e) => e.create(spec, cwd));
      this.adopt(edit);
      this.events.record("command", name, `${what}: ok`, { command: "create", ok: true });
      return this.info(name);
    } catch (e) {
      this.events.record("command", undefined, `${what}: ${(e as Error).message}`, { command: "create", ok: false });
      throw e;
    }
  }

  /**
   * Install a signed bundle in a VM's inactive A/B slot and restart the VM from it on
   * trial (docs/upgrades.md). Checks signature, target, version (newer than the active
   * slot's) and size first; writes and syncs the slot, reads it back, then switches the
   * boot-control record. Resolves once the slot is switched; the restart follows after
   * upgradeRestartDelayMs, and the trial ends in a commit or a rollback (events).
   * `via` names the source for the log (a file, a VM's port). Refusals: UpgradeRefused.
   */
  async upgrade(vm: string, bundle: Uint8Array, via = "command"): Promise<UpgradeResult> {
    return this.command(vm, "upgrade", [via], async (r) => {
      const refuse = (why: string, reason: string): never => { throw new RootosError({ kind: "UpgradeRefused", vm, why, reason }); };
      const store = this.slotStore;
      if (!store || !r.plan.upgrade?.slots) return refuse(`it has no A/B slots (${!store ? "the board has none: add board.slots" : "it does not boot a signed bundle"})`, "NoSlots");
      if (r.upgrade) return refuse(`version ${r.upgrade.version} is ${r.upgrade.phase === "writing" ? "being written to" : "on trial in"} slot ${r.upgrade.slot}; wait until it is committed or rolled back`, "Busy");
      const slotSize = store.range.slotSize;
      if (bundle.length > slotSize) return refuse(`oversized bundle: ${bundle.length} bytes, more than a slot's ${slotSize}`, "Oversized");
      const v = this.verifySlotBundle(r, bundle);
      if ("why" in v) return refuse(v.why, v.reason);
      const want = [r.plan.boot.firmware, r.plan.boot.kernel, r.plan.boot.initrd].filter((f) => f !== undefined).map((f) => f.role!).sort();
      const have = v.files.map((f) => f.role).sort();
      if (want.join() !== have.join()) return refuse(`the bundle holds ${have.join(", ")}, but this VM boots ${want.join(", ")}`, "Roles");
      const s = store.control.vms[vm] ?? await this.provision(r);
      const installed = Math.max(s.versions[s.active] ?? 0, s.committed);
      if (v.manifest.version <= installed) return refuse(`version ${v.manifest.version} is not newer than version ${installed}, installed in slot ${s.active} (anti-rollback)`, "VersionTooOld");

      const slot = otherSlot(s.active);
      const u: Upgrade = { phase: "writing", version: v.manifest.version, slot, previous: s.active, booted: false, timer: undefined };
      r.upgrade = u;
      try {
        this.events.record("info", vm, `upgrade: writing version ${u.version} (${bundle.length} bytes, signed by '${v.signer.name}', from ${via}) to slot ${slot}`, { upgrade: "writing", version: u.version, slot });
        await store.writeSlot(s.pair, slot, bundle);
        const back = store.readSlot(s.pair, slot);
        if (back.kind !== "bundle" || !Buffer.from(back.bytes).equals(Buffer.from(bundle))) refuse(`slot ${slot} does not read back as written (${back.kind === "invalid" ? back.why : back.kind}): a disk error?`, "ReadBack");
      } catch (e) {
        r.upgrade = undefined;
        throw e;
      }
      const cur = store.control.vms[vm]!;
      store.writeControl({
        ...store.control.vms,
        [vm]: { ...cur, active: slot, versions: { ...cur.versions, [slot]: u.version }, trial: { slot, previous: s.active, version: u.version, since: new Date().toISOString() } },
      });
      u.phase = "trial";
      const deadlineMs = r.plan.upgrade.deadlineMs;
      const system = v.manifest.flags.restart === "system";
      this.events.record("info", vm, `upgrade: slot ${slot} holds version ${u.version}; switched to it; restarting ${system ? "the system" : "the VM"}; it has ${deadlineMs} ms to come up healthy`,
        { upgrade: "switched", version: u.version, slot });
      u.timer = setTimeout(() => void this.startTrial(r, u, system), this.opts.upgradeRestartDelayMs ?? 500);
      return { vm, version: u.version, slot, previous: s.active, restart: system ? "system" : "vm", deadlineMs };
    });
  }

  /** A VM's A/B slots: which is active, what each holds (verified), an upgrade on trial. */
  slots(vm: string): SlotsInfo {
    const r = this.get(vm);
    const store = this.slotStore;
    if (!store || !r.plan.upgrade?.slots) {
      throw new RootosError({ kind: "BadArgument", command: "slots", argument: vm, why: !store ? "the board has no A/B slots (board.slots)" : "it does not boot a signed bundle, so it has no slots" });
    }
    const s = store.control.vms[vm];
    const u = r.upgrade;
    const base = { vm, partition: this.plan.board.slots!.partition, upgrading: u ? { phase: u.phase, version: u.version, slot: u.slot } : null };
    if (!s) return { ...base, provisioned: false, active: null, committed: null, trial: null, slots: [] };
    const slot = (name: SlotName): SlotInfo => {
      const c = store.readSlot(s.pair, name);
      if (c.kind === "empty") return { slot: name, state: "empty", version: null, key: null, why: null };
      if (c.kind === "invalid") return { slot: name, state: "invalid", version: null, key: null, why: c.why };
      const v = this.verifySlotBundle(r, c.bytes);
      return "why" in v ? { slot: name, state: "invalid", version: null, key: null, why: v.why } : { slot: name, state: "valid", version: v.manifest.version, key: v.signer.name, why: null };
    };
    return { ...base, provisioned: true, active: s.active, committed: s.committed, trial: s.trial, slots: [slot("A"), slot("B")] };
  }

  /**
   * Attach to a VM's console: `sink` gets its output (first the scroll-back, unless
   * replay is false) until detach(). Any number may be attached; all may type.
   */
  attachConsole(vm: string, sink: ConsoleSink, opts: { readonly replay?: boolean; readonly port?: string } = {}): ConsoleAttachment {
    const r = this.get(vm);
    const port = opts.port;
    const ch = this.channel(r, port, "console");
    if (opts.replay !== false) {
      const back = ch.scrollback.bytes();
      if (back.length) sink.write(back);
    }
    ch.sinks.add(sink);
    const what = port === undefined ? "console" : `console port ${port}`;
    this.events.record("command", vm, `${what} attached`);
    let attached = true;
    return {
      vm,
      port,
      send: (bytes) => {
        if (!attached) return;
        if (port === undefined) r.thread?.input(bytes); else r.thread?.portInput(port, bytes);
      },
      sysrq: (keys) => { if (attached && port === undefined) r.thread?.sysrq(keys); },
      detach: () => {
        if (!attached) return;
        attached = false;
        ch.sinks.delete(sink);
        this.events.record("command", vm, `${what} detached`);
      },
    };
  }

  /** Stop every VM (hard), cancel pending restarts, close the event log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.events.record("info", undefined, "supervisor shutting down: stopping every VM");
    const ends: Promise<unknown>[] = [];
    for (const r of this.vms.values()) {
      this.cancelRestart(r);
      // A trial left open stays in the boot-control record: the next start rolls it back.
      if (r.upgrade?.timer) clearTimeout(r.upgrade.timer);
      r.receiver?.reset();
      if (r.panicTimer) clearTimeout(r.panicTimer);
      if (r.shutdownTimer) clearTimeout(r.shutdownTimer);
      r.watchdog?.disarm();
      const t = r.thread;
      if (t?.alive) {
        if (r.life.state !== "stopping") r.life.enter("stopping", "the RootOS is shutting down");
        ends.push(t.stop("the RootOS is shutting down"));
      }
    }
    await Promise.all(ends);
    for (const r of this.vms.values()) {
      await r.serial?.close();
      r.serial = undefined;
    }
    if (this.uplinks) await this.uplinks.catch(() => {});
    for (const p of this.uplinkPorts.splice(0)) p.close();
    this.slotStore?.close();
    this.events.record("info", undefined, "supervisor down");
    this.events.close();
    try {
      this.persistLog?.close();
    } catch (e) {
      process.emitWarning(`bulkhead: event log in the persistent partition: ${errnoText(e)}`);
    }
  }

  // ---- internals -----------------------------------------------------------------------

  /** A VM's runtime; `before`: the one it replaces (same state, counts and last exit). */
  private runtime(vm: VmPlan, before?: VmRuntime): VmRuntime {
    const r = new VmRuntime(vm, this.hooks, this.opts.scrollbackBytes ?? 64 * 1024, before?.life.state);
    const port = vm.upgrade?.port;
    const slots = this.current.board.slots;
    if (port !== undefined && slots) {
      r.receiver = new UpgradeReceiver({
        maxBytes: slots.slotSize,
        ...(this.opts.upgradePortGapMs !== undefined ? { gapMs: this.opts.upgradePortGapMs } : {}),
        reply: (line) => {
          this.events.record("command", vm.name, `upgrade port ${port}: ${line}`, { command: "upgrade", port, ok: line.startsWith("ok:") });
          r.thread?.portInput(port, new TextEncoder().encode(`${line}\n`));
        },
        deliver: (bundle) => this.upgradeFromPort(r, port, bundle),
      });
    }
    if (before) {
      r.starts = before.starts;
      r.restarts = before.restarts;
      r.lastExit = before.lastExit;
      r.lastStats = before.lastStats;
    }
    return r;
  }

  /** Ask the editor for a checked change; its refusal becomes a RootosError with every reason. */
  private async edit(command: string, make: (e: SystemEditor) => Promise<SystemEdit>): Promise<SystemEdit> {
    const editor = this.opts.editor;
    if (!editor) throw new RootosError({ kind: "NotEditable", command });
    try {
      return await make(editor);
    } catch (e) {
      if (e instanceof RootosError) throw e;
      const issues = (e as { issues?: readonly { path: string; message: string }[] }).issues;
      const reasons = issues ? issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)) : [(e as Error).message];
      throw new RootosError({ kind: "Refused", command, reasons });
    }
  }

  /**
   * Take the plan an edit leads to: new VMs join as created; a changed VM (it has no
   * thread: the commands check) gets a runtime from its new plan, keeping its counts. A
   * change that would touch a VM with a thread, or the networks, is refused whole.
   */
  private adopt(edit: SystemEdit): void {
    const next = edit.plan;
    const changed: VmPlan[] = [];
    for (const vm of next.vms) {
      const r = this.vms.get(vm.name);
      if (r && isDeepStrictEqual(r.plan, vm)) continue;
      if (r && r.thread?.alive) throw new RootosError({ kind: "Refused", command: "adopt", reasons: [`it would change VM '${vm.name}', which is ${r.life.state}`] });
      changed.push(vm);
    }
    const gone = [...this.vms.keys()].filter((n) => !next.vms.some((v) => v.name === n));
    if (gone.length > 0 || !isDeepStrictEqual(next.networks.map((n) => n.name), this.current.networks.map((n) => n.name))) {
      throw new RootosError({ kind: "Refused", command: "adopt", reasons: ["a change may not remove VMs or networks"] });
    }
    edit.commit();
    this.current = next;
    for (const vm of changed) {
      this.vms.set(vm.name, this.runtime(vm, this.vms.get(vm.name)));
      this.events.record("info", vm.name, edit.summary);
    }
  }

  private channel(r: VmRuntime, port: string | undefined, command: string): Channel {
    if (port === undefined) return r.uart;
    const ch = r.ports.get(port);
    if (!ch) {
      const kept = [...r.ports.keys()];
      throw new RootosError({ kind: "BadArgument", command, argument: port, why: `VM '${r.plan.name}' has no console port '${port}' that the RootOS keeps (${kept.length ? `it keeps: ${kept.join(", ")}` : "it keeps none"})` });
    }
    return ch;
  }

  /** Join each network's uplink (a board NIC) to its switch, once. A failure is logged; the VMs still start. */
  private openUplinks(): Promise<void> {
    this.uplinks ??= (async () => {
      for (const net of this.plan.networks) {
        const up = net.uplink;
        if (!up || up.host.kind !== "udp") continue;
        try {
          const link = await openUdpLink({ local: up.host.local, remote: up.host.remote });
          this.uplinkPorts.push(this.switches.get(net.name)!.uplink(link));
          this.events.record("check", undefined, `network ${net.name}: uplink ${up.nic} (${link.label})`);
        } catch (e) {
          this.events.record("fault", undefined, `network ${net.name}: uplink ${up.nic}: ${(e as Error).message}`);
        }
      }
    })();
    return this.uplinks;
  }

  /** The passthrough serial port's host end (opened at the VM's first start, kept until close). */
  private async openSerial(r: VmRuntime): Promise<void> {
    if (!r.serialHost || r.serial) return;
    const backend = await openPortHost(r.serialHost.host);
    r.serial = backend;
    backend.attach({
      data: (bytes) => r.thread?.input(bytes),
      connection: (open) => this.events.record("info", r.plan.name, `serial ${r.serialHost!.name} (${backend.label}): client ${open ? "connected" : "left"}`),
    });
    this.events.record("check", r.plan.name, `serial ${r.serialHost.name}: the UART's host end is ${backend.label}`);
  }

  /**
   * Open the event log's text copy in the persistent partition and feed it every entry
   * from now on; a failed write later is logged and ends the copy (the VMs matter more).
   */
  private openPersistLog(p: PartitionRangePlan): TextLog {
    const where = `partition ${p.partition} of ${p.disk}`;
    let log: TextLog;
    try {
      log = TextLog.open(p, { onError: (e) => this.events.record("fault", undefined, `event log in ${where}: ${errnoText(e)}; it is no longer written`) });
    } catch (e) {
      this.events.close();
      throw new RootosError({ kind: "EventLog", path: `${p.image} (${where})`, why: errnoText(e) });
    }
    this.events.subscribe((e) => log.append(formatLogEntry(e)));
    const start = { new: "a new log", continued: "continuing the log there", cleared: "it held no event log, so it was zeroed" }[log.start];
    this.events.record("info", undefined, `event log in ${where}: ${start}`, { partition: p.partition, start: log.start });
    return log;
  }

  // ---- A/B slots and upgrades (docs/upgrades.md) -----------------------------------

  /**
   * At start-up: a trial left in the record means the RootOS stopped during an upgrade
   * (killed, power lost) — roll it back, so the old image boots; and say which slots hold
   * something that is not a whole bundle (a write cut short).
   */
  private recoverSlots(): void {
    const store = this.slotStore!;
    const vms = { ...store.control.vms };
    let changed = false;
    for (const [vm, s] of Object.entries(store.control.vms)) {
      if (!s.trial) continue;
      vms[vm] = { ...s, active: s.trial.previous, trial: null };
      changed = true;
      this.events.record("fault", vm, `rollback: the RootOS stopped while version ${s.trial.version} was on trial in slot ${s.trial.slot}; slot ${s.trial.previous} (version ${s.versions[s.trial.previous]}) boots again`,
        { upgrade: "rollback", version: s.trial.version, slot: s.trial.slot });
    }
    if (changed) store.writeControl(vms);
    for (const [vm, s] of Object.entries(store.control.vms)) {
      for (const slot of ["A", "B"] as const) {
        const c = store.readSlot(s.pair, slot);
        if (c.kind === "invalid") this.events.record("check", vm, `slot ${slot} is invalid (${c.why}); it does not boot, and the next upgrade overwrites it`, { slot, invalid: c.why });
      }
    }
  }

  /** The bundle a slot VM boots: its active slot's (installing the description's bundle first, on its first start). */
  private async slotBoot(r: VmRuntime): Promise<{ bytes: Uint8Array; ref: string; committed: number }> {
    const store = this.slotStore!;
    const vm = r.plan.name;
    let s = store.control.vms[vm] ?? await this.provision(r);
    let c = store.readSlot(s.pair, s.active);
    if (c.kind === "empty" && store.readSlot(s.pair, otherSlot(s.active)).kind === "empty") {
      s = await this.provision(r); // both slots blank (a wiped partition): the factory install again
      c = store.readSlot(s.pair, s.active);
    }
    if (c.kind !== "bundle") {
      const other = otherSlot(s.active);
      const alt = store.readSlot(s.pair, other);
      const why = c.kind === "empty" ? "empty" : c.why;
      if (alt.kind !== "bundle") throw new RootosError({ kind: "Verification", vm, file: `slot ${s.active}`, why: `${why}, and slot ${other} holds no bundle either`, reason: "Slot" });
      this.events.record("fault", vm, `slot ${s.active} is invalid (${why}): booting slot ${other}`, { slot: s.active });
      s = { ...s, active: other };
      store.writeControl({ ...store.control.vms, [vm]: s });
      c = alt;
    }
    return { bytes: c.bytes, ref: `slot ${s.active} of ${this.plan.board.slots!.partition}`, committed: s.committed };
  }

  /** Factory provisioning: the description's bundle into slot A of its pair (or a free one). */
  private async provision(r: VmRuntime): Promise<VmSlots> {
    const store = this.slotStore!;
    const vm = r.plan.name;
    const file = r.plan.boot.bundle!;
    const pair = store.pairFor(vm);
    if (pair === undefined) throw new RootosError({ kind: "StartFailed", vm, why: `partition ${this.plan.board.slots!.partition} has no free pair of slots (it holds ${store.capacity})` });
    let bytes: Uint8Array;
    let version: number;
    try {
      bytes = new Uint8Array(await readFile(file.path));
      version = parseBundle(bytes, { exact: true }).manifest.version;
    } catch (e) {
      throw new RootosError({ kind: "Verification", vm, file: file.ref, why: e instanceof BundleError ? e.message : errnoText(e), reason: e instanceof BundleError ? e.info.kind : "BootImage" });
    }
    if (bytes.length > store.range.slotSize) throw new RootosError({ kind: "Verification", vm, file: file.ref, why: `${bytes.length} bytes, more than a slot's ${store.range.slotSize}`, reason: "Oversized" });
    await store.writeSlot(pair, "A", bytes);
    const s: VmSlots = { pair, active: "A", versions: { A: version, B: null }, committed: version, trial: null };
    store.writeControl({ ...store.control.vms, [vm]: s });
    this.events.record("info", vm, `slots: installed ${file.ref} (version ${version}) in slot A of ${this.plan.board.slots!.partition}, pair ${pair}`, { slot: "A", version });
    return s;
  }

  /** Verify a bundle for `r`'s slots (the board's keys, the VM's key, its name, min_version); or why not and the failed check. */
  private verifySlotBundle(r: VmRuntime, bytes: Uint8Array): VerifiedBundle | { readonly why: string; readonly reason: string } {
    try {
      const keys = this.plan.board.trustedKeys.map((k) => readPublicKey(k.path, k.name));
      const min = r.plan.boot.bundle?.minVersion;
      return verifyBundle(bytes, { keys, ...(r.plan.boot.key !== undefined ? { key: r.plan.boot.key } : {}), target: r.plan.name, ...(min ? { minVersion: { version: min, source: "min_version in the description" } } : {}) }, { exact: true });
    } catch (e) {
      if (!(e instanceof TrustError || e instanceof BundleError)) throw e;
      return { why: e.message, reason: e.info.kind };
    }
  }

  /** A bundle arrived on `port` of `r`: install it if `r` may upgrade its target; the reply line. */
  private async upgradeFromPort(r: VmRuntime, port: string, bundle: Uint8Array): Promise<string> {
    const from = r.plan.name;
    const target = parseBundle(bundle, { exact: true }).manifest.target; // structure only: upgrade() verifies
    const allowed = r.plan.upgrade?.targets ?? [];
    if (!allowed.includes(target)) {
      throw new RootosError({ kind: "UpgradeRefused", vm: target, why: `VM '${from}' may not upgrade it (its upgrade.targets: ${allowed.join(", ") || "none"})`, reason: "NotAllowed" });
    }
    const res = await this.upgrade(target, bundle, `port ${port} of ${from}`);
    return `ok: ${res.vm} version ${res.version} installed in slot ${res.slot}; restarting ${res.restart === "system" ? "the system" : res.vm}`;
  }

  /** Restart the target (or every running VM) into its new slot, and start the clock on its health. */
  private async startTrial(r: VmRuntime, u: Upgrade, system: boolean): Promise<void> {
    if (r.upgrade !== u || this.closed) return;
    u.timer = setTimeout(() => this.trialDeadline(r, u), r.plan.upgrade!.deadlineMs);
    const others = system ? [...this.vms.values()].filter((x) => x !== r && x.thread?.alive) : [];
    await Promise.allSettled(others.map((x) => this.restartVm(x, `the upgrade of ${r.plan.name} restarts the system`)));
    try {
      await this.restartVm(r, `upgrade: version ${u.version} in slot ${u.slot}`, () => { u.booted = true; });
    } catch (e) {
      if (r.upgrade === u && !this.closed) await this.rollback(r, `it did not start: ${(e as Error).message}`);
    }
  }

  /** A kick of the watchdog: on trial, the new image is healthy. */
  private noteKick(r: VmRuntime): void {
    const u = r.upgrade;
    if (u?.phase === "trial" && u.booted) this.commitUpgrade(r, u, "its watchdog was kicked");
  }

  private trialDeadline(r: VmRuntime, u: Upgrade): void {
    if (r.upgrade !== u || this.closed) return;
    const ms = r.plan.upgrade!.deadlineMs;
    if (r.plan.watchdog) void this.rollback(r, `no watchdog kick within ${ms} ms`);
    else if (r.life.state === "running") this.commitUpgrade(r, u, `still running after ${ms} ms`);
    else void this.rollback(r, `it is ${r.life.state} at the deadline (${ms} ms)`);
  }

  private commitUpgrade(r: VmRuntime, u: Upgrade, why: string): void {
    if (u.timer) clearTimeout(u.timer);
    r.upgrade = undefined;
    const store = this.slotStore!;
    const s = store.control.vms[r.plan.name]!;
    store.writeControl({ ...store.control.vms, [r.plan.name]: { ...s, trial: null, committed: Math.max(s.committed, u.version) } });
    this.events.record("info", r.plan.name, `upgrade: version ${u.version} in slot ${u.slot} is healthy (${why}): committed`, { upgrade: "committed", version: u.version, slot: u.slot });
  }

  /** The new image did not come up healthy: switch back, log it, boot the old image. */
  private async rollback(r: VmRuntime, why: string): Promise<void> {
    const u = r.upgrade!;
    if (u.timer) clearTimeout(u.timer);
    r.upgrade = undefined;
    const store = this.slotStore!;
    const vm = r.plan.name;
    const s = store.control.vms[vm]!;
    store.writeControl({ ...store.control.vms, [vm]: { ...s, active: u.previous, trial: null } });
    this.events.record("fault", vm, `rollback: version ${u.version} in slot ${u.slot} did not come up healthy (${why}); slot ${u.previous} (version ${s.versions[u.previous]}) boots again`,
      { upgrade: "rollback", version: u.version, slot: u.slot });
    if (this.closed) return;
    await this.restartVm(r, `rollback to slot ${u.previous}`).catch((e: Error) => this.events.record("fault", vm, `rollback: slot ${u.previous} did not start: ${e.message}`));
  }

  /** Stop the VM if it runs, then start it (from its active slot); `booting` runs once its old thread is gone. */
  private async restartVm(r: VmRuntime, why: string, booting?: () => void): Promise<void> {
    this.cancelRestart(r);
    const t = r.thread;
    if (t?.alive) {
      if (r.life.state !== "stopping") r.life.enter("stopping", why);
      await t.stop(why);
    }
    if (this.closed) return;
    r.counter.clear();
    r.life.enter("booting", why);
    booting?.();
    await this.spawn(r);
  }

  /** A channel per `nic` device to a new port of its network's switch; the worker gets the other ends. */
  private plugNics(r: VmRuntime): MessagePort[] {
    const theirs: MessagePort[] = [];
    for (const d of r.plan.devices) {
      if (d.kind !== "nic") continue;
      const { port1, port2 } = new MessageChannel();
      const sw = this.switches.get(d.network)!;
      const switchPort = sw.port();
      switchPort.receive((frame) => port1.postMessage(frame));
      port1.on("message", (frame: Uint8Array) => switchPort.send(frame));
      port1.unref();
      r.nicLinks.push({ port: port1, switchPort });
      theirs.push(port2);
    }
    return theirs;
  }

  private unplugNics(r: VmRuntime): void {
    for (const l of r.nicLinks.splice(0)) {
      l.switchPort.close();
      l.port.close();
    }
  }

  private get(vm: string): VmRuntime {
    if (this.closed) throw new RootosError({ kind: "Closed" });
    const r = this.vms.get(vm);
    if (!r) throw new RootosError({ kind: "NoSuchVm", vm, known: this.names() });
    return r;
  }

  /** Run an operator's command: logged with its outcome, errors included. */
  private async command<T>(vm: string, name: string, args: readonly string[], body: (r: VmRuntime) => Promise<T>): Promise<T> {
    const what = [name, ...args].join(" ");
    let r: VmRuntime;
    try {
      r = this.get(vm);
    } catch (e) {
      if (!this.closed) this.events.record("command", undefined, `${what} ${vm}: ${(e as Error).message}`, { command: name, args, ok: false });
      throw e;
    }
    try {
      const out = await body(r);
      this.events.record("command", vm, `${what}: ok`, { command: name, args, ok: true });
      return out;
    } catch (e) {
      this.events.record("command", vm, `${what}: ${(e as Error).message}`, { command: name, args, ok: false });
      throw e;
    }
  }

  /** Read the images and start the VM's thread; resolves when its machine runs. State: booting. */
  private async spawn(r: VmRuntime): Promise<void> {
    const vm = r.plan.name;
    let images: BootImages;
    try {
      if (r.plan.devices.some((d) => d.kind === "nic")) await this.openUplinks();
      await this.openSerial(r);
      const slot = r.plan.upgrade?.slots ? await this.slotBoot(r) : undefined;
      const installed = slot ? slot.committed : r.installedVersion;
      images = await (this.opts.loadImages ?? readBootImages)(r.plan, {
        trustedKeys: this.plan.board.trustedKeys, ...(installed !== undefined ? { installedVersion: installed } : {}), ...(slot ? { slot } : {}),
      });
      const v = images.verified;
      this.events.record("check", vm, v
        ? `verified boot: ${v.bundle} version ${v.version}, signed by '${v.key}'`
        : `boot images read (unsigned, allowed): ${[images.firmware, images.kernel, images.initrd].filter(Boolean).map((i) => i!.name).join(", ")}`);
      this.events.record("check", vm, `measured boot: ${images.measurements.entries.map((m) => `${m.stage} ${m.digest.slice(0, 16)}`).join(", ")}; value ${images.measurements.value}`,
        { measurement: images.measurements.value });
    } catch (e) {
      const info = e instanceof RootosError ? e.info : undefined;
      if (info?.kind === "Verification") {
        // A refusal, not a fault: the VM stays stopped until its images are fixed and it is started again.
        this.events.record("fault", vm, `verified boot refused ${info.file}: ${info.why}`, { fault: "verification", file: info.file, reason: info.reason });
        r.lastExit = `refused by verified boot: ${info.file}: ${info.why}`;
        if (r.life.state === "booting") r.life.enter("stopped", "verified boot refused its images");
        throw e;
      }
      const why = (e as Error).message;
      this.events.record("fault", vm, `cannot start: ${why}`);
      r.lastExit = `did not start: ${why}`;
      if (r.life.state === "booting") r.life.enter("crashed", "its boot images could not be read");
      throw e instanceof RootosError ? e : new RootosError({ kind: "StartFailed", vm, why });
    }
    r.verified = images.verified;
    r.measurements = images.measurements;
    if (images.verified) r.installedVersion = Math.max(r.installedVersion ?? 0, images.verified.version);
    if (this.closed) throw new RootosError({ kind: "Closed" });
    if (r.life.state !== "booting") {
      // Stopped while the images were read.
      if (r.life.state === "stopping") r.life.enter("stopped", "stopped before its thread started");
      throw new RootosError({ kind: "StartFailed", vm, why: "it was stopped while starting" });
    }
    this.unplugNics(r);
    const nicPorts = this.plugNics(r);
    const init: WorkerInit = {
      vm,
      machine: workerMachineConfig(r.plan, images),
      devices: r.plan.devices,
      nicPorts,
      ...(r.throttle ? { throttle: r.throttle } : {}),
      ...(this.opts.sysrqGapMs !== undefined ? { sysrqGapMs: this.opts.sysrqGapMs } : {}),
    };
    const transfer: (ArrayBuffer | MessagePort)[] = imageBuffers(images);
    transfer.push(...nicPorts);
    r.starts++;
    r.boots = 0;
    r.startedAt = Date.now();
    r.ending = undefined;
    r.watch.reset();
    r.hvcWatch.reset();
    r.watchdog?.disarm();
    const running = this.whenRunning(r);
    const thread: VmThread = new VmThread(vm, init, {
      started: (boot) => this.onStarted(r, thread, boot),
      console: (bytes) => this.onConsole(r, thread, bytes),
      portOutput: (port, bytes) => this.onPortOutput(r, thread, port, bytes),
      deviceLog: (line) => { if (r.thread === thread) this.events.record("fault", vm, `device: ${line}`, { fault: "device" }); },
      reset: (by) => this.onReset(r, thread, by),
      end: (end) => this.onEnd(r, thread, end),
    }, transfer, {
      ...(this.opts.workerUrl ? { workerUrl: this.opts.workerUrl } : {}),
      ...(this.opts.stopGraceMs !== undefined ? { stopGraceMs: this.opts.stopGraceMs } : {}),
    });
    r.thread = thread;
    this.events.record("info", vm, `thread started (start ${r.starts}): ${r.plan.harts} hart(s), ${r.plan.ramBytes >> 20} MiB, ${r.plan.boot.mode} boot, ${r.plan.timing} timing, throttle ${formatThrottle(r.throttle)}`);
    await running;
  }

  private whenRunning(r: VmRuntime): Promise<void> {
    if (r.life.state === "running") return Promise.resolve();
    return new Promise((resolve, reject) => r.startWaiters.push({ resolve, reject }));
  }

  private settleStart(r: VmRuntime, error?: Error): void {
    for (const w of r.startWaiters.splice(0)) error ? w.reject(error) : w.resolve();
  }

  private onStarted(r: VmRuntime, t: VmThread, boot: number): void {
    if (r.thread !== t) return;
    r.boots = boot;
    if (r.life.state === "booting") {
      r.life.enter("running", boot === 1 ? "its machine runs" : `rebooted (boot ${boot})`);
      this.settleStart(r);
    }
  }

  private onReset(r: VmRuntime, t: VmThread, by: "guest" | "host"): void {
    if (r.thread !== t) return;
    this.events.record("info", r.plan.name, by === "guest" ? "the guest rebooted" : "reset by the operator");
    r.watchdog?.disarm();
    r.watch.reset();
    r.hvcWatch.reset();
    const s = r.life.state;
    if (s === "running" || s === "paused") r.life.enter("booting", by === "guest" ? "guest reboot" : "reset");
  }

  private onConsole(r: VmRuntime, t: VmThread, bytes: Uint8Array): void {
    if (r.thread !== t) return;
    r.uart.write(bytes);
    r.watch.push(bytes);
    r.serial?.write(bytes);
  }

  private onPortOutput(r: VmRuntime, t: VmThread, port: string, bytes: Uint8Array): void {
    if (r.thread !== t) return;
    if (r.receiver && port === r.plan.upgrade?.port) {
      r.receiver.push(bytes); // a bundle: not for the scroll-back
      return;
    }
    r.ports.get(port)?.write(bytes);
    if (port === r.hvcName) r.hvcWatch.push(bytes);
    if (port === r.plan.watchdog?.port && bytes.length > 0 && (r.life.state === "running" || r.life.state === "booting")) {
      r.watchdog?.kick();
      this.noteKick(r);
    }
  }

  /** Console signals: a guest panic, a watchdog kick. */
  private onSignal(r: VmRuntime, s: ConsoleSignal): void {
    const live = r.life.state === "booting" || r.life.state === "running" || r.life.state === "paused";
    switch (s.kind) {
      case "kick":
        if (live && r.watchdog) {
          r.watchdog.kick();
          this.noteKick(r);
        }
        return;
      case "panic":
        if (!live || r.ending) return;
        r.ending = { cause: "crash", reason: `guest panic: ${s.line}` };
        this.events.record("fault", r.plan.name, `guest panic: ${s.line}`, { fault: "panic" });
        r.panicTimer = setTimeout(() => this.stopForPanic(r), PANIC_GRACE_MS);
        return;
      case "panic-end":
        if (r.panicTimer) this.stopForPanic(r);
        return;
    }
  }

  private stopForPanic(r: VmRuntime): void {
    if (r.panicTimer) clearTimeout(r.panicTimer);
    r.panicTimer = undefined;
    if (r.thread?.alive && r.life.state !== "stopping") void r.thread.stop(r.ending?.reason ?? "guest panic");
  }

  /** The watchdog expired: its action. */
  private onWatchdog(r: VmRuntime): void {
    const wd = r.plan.watchdog!;
    const vm = r.plan.name;
    if (!r.thread?.alive || r.life.state !== "running") return;
    this.events.record("fault", vm, `watchdog expired: no kick for ${wd.timeoutMs} ms (action ${wd.action})`, { fault: "watchdog", action: wd.action });
    switch (wd.action) {
      case "log":
        return;
      case "pause":
        r.life.enter("paused", "watchdog expired (action pause)");
        void r.thread.pause().catch(() => {});
        return;
      case "stop":
        r.life.enter("stopping", "watchdog expired (action stop)");
        void r.thread.stop("watchdog expired");
        return;
      case "restart":
        if (r.ending) return;
        r.ending = { cause: "watchdog", reason: `watchdog expired: no kick for ${wd.timeoutMs} ms` };
        void r.thread.stop(r.ending.reason);
        return;
    }
  }

  private onEnd(r: VmRuntime, t: VmThread, end: VmEnd): void {
    if (r.thread !== t) return;
    const vm = r.plan.name;
    r.thread = undefined;
    r.receiver?.reset();
    this.unplugNics(r);
    r.lastStats = ("stats" in end ? end.stats : undefined) ?? t.lastStats ?? r.lastStats;
    if (r.panicTimer) clearTimeout(r.panicTimer);
    if (r.shutdownTimer) clearTimeout(r.shutdownTimer);
    r.panicTimer = r.shutdownTimer = undefined;
    r.watchdog?.disarm();
    const text = describeEnd(end, r.ending);
    r.lastExit = text;
    if (end.kind === "fault" && end.stack) this.events.record("fault", vm, `device model or machine fault: ${end.message}`, { fault: "exception", stack: end.stack });

    if (r.life.state === "stopping") {
      r.life.enter("stopped", text);
      this.settleStart(r, new RootosError({ kind: "StartFailed", vm, why: `it was stopped while starting (${text})` }));
      return;
    }
    const cause = causeOf(end, r.ending);
    const beforeStart = (end.kind === "fault" || end.kind === "crash") && end.beforeStart;
    if (cause === "poweroff" || cause === undefined) {
      r.life.enter("stopped", text);
    } else {
      if (!r.ending) this.events.record("fault", vm, text, { fault: cause }); // a panic or an expiry was logged when seen
      r.life.enter("crashed", text);
    }
    if (r.upgrade?.phase === "trial" && r.upgrade.booted && cause !== undefined) {
      // The new image failed on trial: the old one boots again, not the restart policy.
      this.settleStart(r, new RootosError({ kind: "StartFailed", vm, why: text }));
      void this.rollback(r, text);
      return;
    }
    if (beforeStart) {
      this.settleStart(r, new RootosError({ kind: "StartFailed", vm, why: text }));
      this.events.record("restart", vm, "not restarted: it failed before its machine ran (the same start would fail again)");
      return;
    }
    this.settleStart(r, new RootosError({ kind: "StartFailed", vm, why: text }));
    if (cause !== undefined && restartsOn(r.plan.restart, cause)) this.scheduleRestart(r, cause);
    else if (cause !== undefined && cause !== "poweroff") this.events.record("restart", vm, `not restarted: its policy restarts on ${r.plan.restart.on.join(", ") || "nothing"}, not ${cause}`);
  }

  private scheduleRestart(r: VmRuntime, cause: RestartCause): void {
    if (this.closed) return;
    const vm = r.plan.name;
    const delay = r.counter.next(Date.now() - r.startedAt);
    r.restartAt = Date.now() + delay;
    this.events.record("restart", vm, `restarting in ${delay} ms (${cause}; restart ${r.counter.count} in a row)`, { cause, delayMs: delay, inARow: r.counter.count });
    r.restartTimer = setTimeout(() => {
      r.restartTimer = undefined;
      r.restartAt = undefined;
      if (this.closed || !(r.life.state === "crashed" || r.life.state === "stopped")) return;
      r.restarts++;
      r.life.enter("booting", `restart by policy (${cause})`);
      this.spawn(r).catch((e: Error) => this.events.record("restart", vm, `restart failed: ${e.message}`));
    }, delay);
  }

  private cancelRestart(r: VmRuntime): void {
    if (r.restartTimer) clearTimeout(r.restartTimer);
    r.restartTimer = undefined;
    r.restartAt = undefined;
  }

  private describe(r: VmRuntime): VmInfo {
    const p = r.plan;
    const wd = r.watchdog;
    return {
      name: p.name,
      os: p.os,
      criticality: p.criticality,
      state: r.life.state,
      since: new Date(r.life.since).toISOString(),
      cores: p.cores,
      harts: p.harts,
      ramBytes: p.ramBytes,
      timing: p.timing,
      bootMode: p.boot.mode,
      throttle: r.throttle ?? null,
      autostart: p.autostart,
      starts: r.starts,
      boots: r.boots,
      restart: { on: p.restart.on, inARow: r.counter.count, total: r.restarts, nextAt: r.restartAt !== undefined ? new Date(r.restartAt).toISOString() : null },
      watchdog: wd && p.watchdog ? { timeoutMs: wd.timeoutMs, action: p.watchdog.action, state: wd.state, kicks: wd.kicks, expiries: wd.expiries } : null,
      devices: p.devices.map(describeDevice),
      lastExit: r.lastExit ?? null,
      verifiedBoot: r.verified ?? null,
      measurements: r.measurements ?? null,
    };
  }
}

/** What a thread's end counts as for the restart policy; undefined: an operator's stop (never restarted). */
function causeOf(end: VmEnd, ending: VmRuntime["ending"]): RestartCause | undefined {
  if (ending) return ending.cause;
  switch (end.kind) {
    case "exit":
      switch (end.exit.kind) {
        case "poweroff": return "poweroff";
        case "fail": case "hang": return "crash";
        case "reset": case "stopped": return undefined;
      }
      return undefined;
    case "fault": case "crash": return "crash";
    case "killed": return undefined;
  }
}

/** A thread's end in words, for the log and `lastExit`. */
export function describeEnd(end: VmEnd, ending?: VmRuntime["ending"]): string {
  if (ending) return ending.reason;
  switch (end.kind) {
    case "exit": {
      const x = end.exit;
      switch (x.kind) {
        case "poweroff": return "the guest powered off";
        case "fail": return `the guest reported failure (code ${x.code})`;
        case "reset": return "the guest reset";
        case "stopped": return x.reason;
        case "hang": return `the guest hung: ${x.reason}`;
      }
      return "ended";
    }
    case "fault": return `fault in the VM: ${end.message}`;
    case "crash": return end.message;
    case "killed": return end.reason;
  }
}

export type { VmCommand, VmState };
