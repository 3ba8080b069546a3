// The VM supervisor: the RootOS's one API for running the VMs of a SystemPlan. The
// shell, `bulkhead ctl` and the HTTP API all call these methods (commands.ts puts them
// in one table); nothing else starts, stops or inspects a VM.
//
// Each VM runs in its own worker thread (VmThread), with its own memory and machine.
// What happens to a VM — its lifecycle, restart policy with back-off, watchdog, a guest
// panic, an upgrade's trial — is decided by its controller (controller.ts), a pure state
// machine; this file performs what it decides (reads and verifies the boot images with
// boot-images.ts, starts and stops threads, arms timers, logs) and feeds back what comes
// of it. Around it, services with one job each: consoles.ts (console streams, the console
// watch, the persistent log), networks.ts (the virtual switches, NIC links), upgrades.ts
// (A/B slots, the trial's record, rollback). A VM's fault — a guest panic, a failure exit,
// a lost hart, an exception in a device model, its thread dying — ends that VM only: it
// is logged, the VM is `crashed`, and its policy decides; the other VMs run on.
//
// Shutdown asks the guest to power off the way a serial console can on any stock Linux
// (CONFIG_MAGIC_SYSRQ_SERIAL, on in Debian's kernels; its default sysrq mask 0x1b6
// allows these keys): a break then 's' (emergency sync), a break then 'u' (remount
// read-only), a break then 'o' (power off), 250 ms apart, on the UART that is the
// kernel's console. The guest powers off through SBI or the test finisher; a guest
// that does not within the time-out (no SysRq, a bare-metal program, console on hvc0)
// is stopped hard, and the log says so.
import { isDeepStrictEqual } from "node:util";
import type { MessagePort } from "node:worker_threads";
import type { InputPacket } from "../../display/input.js";
import { applyUpdate, Screen } from "../../display/screen.js";
import { parseBundle } from "../../images/bundle.js";
import { applyPlacement } from "./host-sched.js";
import { ROOTOS_NICE } from "../plan/host.js";
import { type BootImages, imageBuffers, readBootImages, type VerifiedBoot, workerMachineConfig } from "./boot-images.js";
import { UploadStore } from "./uploads.js";
import { VmConsoles, openPersistLog } from "./consoles.js";
import { type Control, type ControlAction, type ControlEvent, type LoadFor, newControl, step, type TimerName } from "./controller.js";
import { errnoText, RootosError } from "./errors.js";
import { defaultEventLogPath, EventLog, type LogEntry, type LogQuery } from "./event-log.js";
import type { VmCommand, VmState } from "./lifecycle.js";
import { Networks, type NicLinks } from "./networks.js";
import { formatThrottle, throttleProblem } from "../../runner/pacer.js";
import { type Criticality, describeDevice, describePlacement, type SystemPlan, type Throttle, type VmPlan } from "../plan/index.js";
import type { MeasurementLog } from "../trust/index.js";
import type { WorkerInit, WorkerStats } from "./protocol.js";
import type { TextLog } from "../persist/text-log.js";
import type {
  ConsoleAttachment, ConsoleSink, SlotsInfo, SupervisorOptions, SystemDebugView, SystemEdit, SystemEditor, UpgradeResult, SwitchPortStats, UpResult, VmInfo, VmStats,
} from "./types.js";
import type { UpgradeReceiver } from "./upgrade-port.js";
import { Upgrades } from "./upgrades.js";
import { emptyStats, VmThread } from "./vm-thread.js";
import { GdbRelay, type RelayLink } from "../../debug/relay.js";
import { SystemGdbPort, type SystemVm } from "../../debug/system-port.js";
import type { MemView, RegsView, TranslateView, VmDebugView } from "../../debug/vm-debug.js";

export { SHUTDOWN_SYSRQ, describeEnd } from "./controller.js";
export type {
  ConsoleAttachment, ConsoleSink, SlotInfo, SlotsInfo, SupervisorOptions, SystemDebugView, SystemEdit, SystemEditor, UpgradeResult, SwitchPortStats, UpResult, VmInfo, VmStats,
} from "./types.js";
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/** A debugger's end of a VM's stub session. */
interface DebugSink {
  output(bytes: Uint8Array): void;
  ended(): void;
}

/** The supervisor's view of one VM: its controller's state, and the things the controller's actions act on. */
class VmRuntime {
  ctl: Control;
  thread: VmThread | undefined;
  throttle: Throttle | undefined;
  readonly consoles: VmConsoles;
  /** The current thread's NIC links. */
  nics: NicLinks | undefined;
  readonly timers = new Map<TimerName, NodeJS.Timeout>();
  /** Images read and verified, until the thread they are for starts. */
  images: BootImages | undefined;
  lastStats: WorkerStats | undefined;
  /** What the current (or last) thread booted: verified, measured. */
  verified: VerifiedBoot | undefined;
  measurements: MeasurementLog | undefined;
  /** Anti-rollback without A/B slots: the highest bundle version it has booted (kept while the RootOS runs). */
  bootedVersion: number | undefined;
  /** start() calls waiting for the thread to come up. */
  readonly startWaiters: { resolve(): void; reject(e: Error): void }[] = [];
  /** Its upgrade port's receiver (upgrade.port). */
  receiver: UpgradeReceiver | undefined;
  /** Its GDB port (debug.gdb, `gdb VM PORT`): the listener outlives its threads. */
  gdb: GdbRelay | undefined;
  /** Its display's screen (a `display` device), kept from its threads' damage: it outlives resets, so viewers stay. */
  readonly screen: Screen | undefined;
  /** Where its stub's output goes while a debugger is attached (its port, or the system port). */
  session: DebugSink | undefined;

  constructor(readonly plan: VmPlan, consoles: (r: VmRuntime) => VmConsoles, before?: VmRuntime) {
    this.ctl = newControl(plan, Date.now(), before?.ctl);
    this.throttle = plan.throttle;
    this.consoles = consoles(this);
    this.lastStats = before?.lastStats;
    this.bootedVersion = before?.bootedVersion;
    this.screen = plan.devices.some((d) => d.kind === "display") ? (before?.screen ?? new Screen()) : undefined;
  }
}

export class Supervisor {
  readonly events: EventLog;
  private readonly vms = new Map<string, VmRuntime>();
  private readonly opts: SupervisorOptions;
  private closed = false;
  private current: SystemPlan;
  private readonly networks: Networks;
  /** The A/B slots (board.slots), open while the supervisor runs. */
  private readonly upgrades: Upgrades | undefined;
  /** The event log as text in the persistent partition (board.persist), open while the supervisor runs. */
  private readonly persistLog: TextLog | undefined;
  /** The boot images `create` was given (kernel=@FILE), kept while the supervisor runs. */
  private readonly uploads: UploadStore;
  /** The system is halted (`halt`): every VM's harts hold, and a VM that starts meanwhile starts held. */
  private halted = false;
  private systemPort: SystemGdbPort | undefined;

  constructor(plan: SystemPlan, opts: SupervisorOptions = {}) {
    this.current = plan;
    this.opts = opts;
    this.uploads = new UploadStore(opts.uploadDir);
    this.events = new EventLog(opts.eventLog === undefined ? defaultEventLogPath() : opts.eventLog);
    const record: EventLog["record"] = (...a) => this.events.record(...a);
    if (plan.board.persist) this.persistLog = openPersistLog(this.events, plan.board.persist);
    if (plan.board.slots) {
      this.upgrades = new Upgrades(() => this.current, record, {
        ...(opts.slotWriteDelayMs ? { slotWriteDelayMs: opts.slotWriteDelayMs } : {}),
        ...(opts.upgradePortGapMs !== undefined ? { upgradePortGapMs: opts.upgradePortGapMs } : {}),
      });
    }
    for (const vm of plan.vms) this.vms.set(vm.name, this.runtime(vm));
    this.events.record("info", undefined, `supervisor up: ${plan.vms.length} VM(s) from ${plan.source}`, { vms: plan.vms.map((v) => v.name) });
    this.networks = new Networks(() => this.current, record);
    for (const r of this.vms.values()) {
      if (!r.consoles.watchdogReachable()) {
        this.events.record("check", r.plan.name, `watchdog port '${r.plan.watchdog!.port}' is not a console port the RootOS keeps (it has a host end): the watchdog cannot be kicked`);
      }
    }
  }

  // ---- queries ---------------------------------------------------------------------

  /** The system as it is now (assign, unassign and create change it). */
  get plan(): SystemPlan { return this.current; }

  /** The VMs' names, in description order. */
  names(): string[] { return [...this.vms.keys()]; }

  list(): VmInfo[] { return [...this.vms.values()].map((r) => this.describe(r)); }

  private portStats(r: VmRuntime): SwitchPortStats[] {
    return (r.nics?.counters ?? []).map((c) => ({ network: c.network, ...c.counters }));
  }

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
    return { ...s, vm, state: r.ctl.life, starts: r.ctl.starts, restarts: r.ctl.restarts, watchdogKicks: r.ctl.watchdog?.kicks ?? 0, switchPorts: this.portStats(r) };
  }

  /** Event log entries (newest last). */
  log(q: LogQuery = {}): LogEntry[] {
    if (q.vm !== undefined) this.get(q.vm);
    return this.events.query(q);
  }

  /** Every new event log entry; returns the unsubscribe function. */
  onEvent(listener: (e: LogEntry) => void): () => void { return this.events.subscribe(listener); }

  /** The console ports of `vm` the RootOS keeps (attachConsole's `port`); [] for a VM it does not have. */
  consolePorts(vm: string): string[] { return this.vms.get(vm)?.consoles.portNames() ?? []; }

  /** The screen of `vm`'s display; BadArgument (for `command`) when it has none. */
  screen(vm: string, command = "screenshot"): Screen {
    const r = this.get(vm);
    if (!r.screen) throw new RootosError({ kind: "BadArgument", command, argument: vm, why: "it has no display (give it one: a board displays: entry)" });
    return r.screen;
  }

  /** A key or pointer packet for `vm`'s display; false when it is not running to take it. */
  displayInput(vm: string, packet: InputPacket): boolean {
    const t = this.get(vm).thread;
    if (!t?.alive) return false;
    t.displayInput(packet);
    return true;
  }

  /** A console's recent output (scroll-back), as text: the serial console, or a kept virtio-console port. */
  scrollback(vm: string, port?: string): string { return this.get(vm).consoles.scrollback(port, "scrollback"); }

  // ---- commands ----------------------------------------------------------------------

  /** Start every autostart VM (safety first, then realtime, then general; description order within). */
  async up(): Promise<UpResult[]> {
    for (const r of this.vms.values()) {
      const port = r.plan.debug?.gdb;
      if (port !== undefined) await this.gdb(r.plan.name, port).catch((e: Error) => this.events.record("fault", r.plan.name, e.message));
    }
    const host = this.current.board.host;
    if (host) {
      // The RootOS's own event loop onto the CPUs no real-time VM has, ahead of the VMs that share them;
      // VM threads start from here and then place themselves.
      const me = applyPlacement({ cpus: host.rootos, exclusive: false, sched: { policy: "other", nice: ROOTOS_NICE } });
      for (const note of [...host.notes, ...me.notes]) this.events.record("check", undefined, `host CPUs: ${note}`);
    }
    const rank: Record<Criticality, number> = { safety: 0, realtime: 1, general: 2 };
    const order = [...this.vms.values()].filter((r) => r.plan.autostart).sort((a, b) => rank[a.plan.criticality] - rank[b.plan.criticality]);
    const results = await Promise.allSettled(order.map((r) => this.start(r.plan.name)));
    return results.map((res, i) => ({ vm: order[i]!.plan.name, ok: res.status === "fulfilled", ...(res.status === "rejected" ? { error: (res.reason as Error).message } : {}) }));
  }

  /** Start a created, stopped or crashed VM; resolves when it runs (a pending restart happens now). */
  async start(vm: string): Promise<VmInfo> {
    return this.command(vm, "start", [], async (r) => {
      await this.run(r, { kind: "command", command: "start" });
      return this.describe(r);
    });
  }

  /** Hard stop: the machine stops after its current instruction. Also cancels a pending restart. */
  async stop(vm: string): Promise<VmInfo> {
    return this.command(vm, "stop", [], async (r) => {
      await this.run(r, { kind: "command", command: "stop" });
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
      const t = r.thread;
      await this.run(r, { kind: "command", command: "shutdown", timeoutMs });
      await t?.whenEnded();
      return this.describe(r);
    });
  }

  /** Freeze the VM: no instruction retires until resume; its watchdog is suspended. */
  async pause(vm: string): Promise<VmInfo> {
    return this.command(vm, "pause", [], async (r) => {
      await this.run(r, { kind: "command", command: "pause" });
      return this.describe(r);
    });
  }

  async resume(vm: string): Promise<VmInfo> {
    return this.command(vm, "resume", [], async (r) => {
      await this.run(r, { kind: "command", command: "resume" });
      return this.describe(r);
    });
  }

  /** Cold reboot in the same thread: new RAM, devices and harts from the same plan. */
  async reset(vm: string): Promise<VmInfo> {
    return this.command(vm, "reset", [], async (r) => {
      await this.run(r, { kind: "command", command: "reset" });
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
      await this.run(r, { kind: "command", command: "reconfigure" });
      const edit = await this.edit("assign", (e) => e.assign(vm, device));
      this.adopt(edit);
      return this.info(vm);
    });
  }

  /** Take a device from a stopped VM: its number in `info VM`, or fields that pick it. */
  async unassign(vm: string, which: number | Readonly<Record<string, unknown>>): Promise<VmInfo> {
    return this.command(vm, "unassign", [typeof which === "number" ? String(which) : JSON.stringify(which)], async (r) => {
      await this.run(r, { kind: "command", command: "reconfigure" });
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
      // Uploaded images are written first, so that the checks read them as any file; a refusal removes them.
      const staged = await this.uploads.stage(name, spec);
      try {
        const edit = await this.edit("create", (e) => e.create(staged.spec, cwd));
        this.adopt(edit);
      } catch (e) {
        await staged.discard();
        throw e;
      }
      staged.keep();
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
      const upgrades = this.upgrades;
      if (!upgrades || !r.plan.upgrade?.slots) return refuse(`it has no A/B slots (${!upgrades ? "the board has none: add board.slots" : "it does not boot a signed bundle"})`, "NoSlots");
      const busy = r.ctl.trial;
      if (busy) return refuse(`version ${busy.version} is ${busy.phase === "writing" ? "being written to" : "on trial in"} slot ${busy.slot}; wait until it is committed or rolled back`, "Busy");
      const u = await upgrades.check(r.plan, bundle);
      const version = u.verified.manifest.version;
      const system = u.verified.manifest.flags.restart === "system";
      this.fire(r, { kind: "upgrade-writing", version, slot: u.slot, previous: u.slots.active, system });
      try {
        this.events.record("info", vm, `upgrade: writing version ${version} (${bundle.length} bytes, signed by '${u.verified.signer.name}', from ${via}) to slot ${u.slot}`, { upgrade: "writing", version, slot: u.slot });
        await upgrades.write(vm, u);
      } catch (e) {
        this.fire(r, { kind: "upgrade-aborted" });
        throw e;
      }
      upgrades.switchTo(vm, u);
      const deadlineMs = r.plan.upgrade.deadlineMs;
      this.events.record("info", vm, `upgrade: slot ${u.slot} holds version ${version}; switched to it; restarting ${system ? "the system" : "the VM"}; it has ${deadlineMs} ms to come up healthy`,
        { upgrade: "switched", version, slot: u.slot });
      this.fire(r, { kind: "upgrade-switched", delayMs: this.opts.upgradeRestartDelayMs ?? 500 });
      return { vm, version, slot: u.slot, previous: u.slots.active, restart: system ? "system" : "vm", deadlineMs };
    });
  }

  /** A VM's A/B slots: which is active, what each holds (verified), an upgrade on trial. */
  slots(vm: string): SlotsInfo {
    const r = this.get(vm);
    if (!this.upgrades || !r.plan.upgrade?.slots) {
      throw new RootosError({ kind: "BadArgument", command: "slots", argument: vm, why: !this.upgrades ? "the board has no A/B slots (board.slots)" : "it does not boot a signed bundle, so it has no slots" });
    }
    const t = r.ctl.trial;
    return this.upgrades.slots(r.plan, t ? { phase: t.phase === "writing" ? "writing" : "trial", version: t.version, slot: t.slot } : null);
  }

  /**
   * Attach to a VM's console: `sink` gets its output (first the scroll-back, unless
   * replay is false) until detach(). Any number may be attached; all may type.
   */
  attachConsole(vm: string, sink: ConsoleSink, opts: { readonly replay?: boolean; readonly port?: string } = {}): ConsoleAttachment {
    return this.get(vm).consoles.attach(sink, opts);
  }

  // ---- the debugger (docs/debugging.md) -------------------------------------------------

  /**
   * Open a GDB port on the VM (127.0.0.1:`port`, 0: a free one), or with undefined close
   * it. The port stays while the VM restarts; gdb attaches to whichever thread runs it.
   */
  async gdb(vm: string, port: number | undefined): Promise<{ readonly vm: string; readonly port: number | null }> {
    return this.command(vm, "gdb", [port === undefined ? "off" : String(port)], async (r) => {
      r.gdb?.close();
      r.gdb = undefined;
      if (port === undefined) return { vm, port: null };
      try {
        r.gdb = await GdbRelay.open(port, () => { const g = r.gdb; return g ? this.sessionLink(r, { output: (b) => g.output(b), ended: () => g.endSession() }) : undefined; },
          (line) => this.events.record("info", vm, line));
      } catch (e) {
        throw new RootosError({ kind: "DebugPort", vm, listen: `127.0.0.1:${port}`, why: errnoText(e) });
      }
      this.events.record("info", vm, `gdb port open on 127.0.0.1:${r.gdb.port} (gdb-multiarch -ex 'target remote :${r.gdb.port}')`, { gdbPort: r.gdb.port });
      return { vm, port: r.gdb.port };
    });
  }

  /** Halt the whole system: every hart of every running VM stops at an instruction boundary, its clock frozen. */
  async halt(): Promise<SystemDebugView> {
    this.halted = true;
    await Promise.allSettled(this.liveThreads().map((t) => t.halt()));
    this.events.record("command", undefined, "halt: ok", { command: "halt", args: [], ok: true });
    return this.where();
  }

  /** Let every VM run again, together, from where the halt stopped it. */
  async continue(): Promise<SystemDebugView> {
    this.halted = false;
    await Promise.allSettled(this.liveThreads().map((t) => t.continue()));
    this.events.record("command", undefined, "continue: ok", { command: "continue", args: [], ok: true });
    return this.where();
  }

  /** Every VM: its state and, when it runs, each hart's pc, privilege, state and satp. */
  async where(): Promise<SystemDebugView> {
    const vms = await Promise.all([...this.vms.values()].map(async (r) => {
      let debug: VmDebugView | null = null;
      try {
        if (r.thread?.alive) debug = await r.thread.debugQuery({ what: "view" });
      } catch { /* it ended, or has no machine yet: its state says so */ }
      return { vm: r.plan.name, state: r.ctl.life, debug };
    }));
    return { halted: this.halted, vms };
  }

  async regs(vm: string, hart = 0): Promise<RegsView> {
    return this.thread(vm).debugQuery({ what: "regs", hart });
  }

  /** `len` bytes (at most 64 KiB) at `addr`: virtual through `hart`'s MMU, or physical. */
  async mem(vm: string, addr: bigint, len: number, physical: boolean, hart = 0): Promise<MemView> {
    if (!(len >= 1 && len <= 65536)) throw new RootosError({ kind: "BadArgument", command: "mem", argument: String(len), why: "a length is 1 to 65536 bytes" });
    return this.thread(vm).debugQuery({ what: "mem", addr, len, physical, hart });
  }

  async translate(vm: string, va: bigint, hart = 0): Promise<TranslateView> {
    return this.thread(vm).debugQuery({ what: "translate", va, hart });
  }

  /** Stop every VM (hard), cancel pending restarts, close the event log. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.systemPort?.close();
    for (const r of this.vms.values()) { r.gdb?.close(); r.gdb = undefined; }
    this.events.record("info", undefined, "supervisor shutting down: stopping every VM");
    const ends: Promise<unknown>[] = [];
    for (const r of this.vms.values()) {
      r.receiver?.reset();
      const t = r.thread;
      this.fire(r, { kind: "close" });
      if (t?.alive) ends.push(t.whenEnded());
    }
    await Promise.all(ends);
    for (const r of this.vms.values()) await r.consoles.close();
    await this.networks.close();
    this.upgrades?.close();
    await this.uploads.close();
    this.events.record("info", undefined, "supervisor down");
    this.events.close();
    try {
      this.persistLog?.close();
    } catch (e) {
      process.emitWarning(`bulkhead: event log in the persistent partition: ${errnoText(e)}`);
    }
  }

  // ---- the controller: events in, actions performed --------------------------------------

  /** Feed `e` to `r`'s controller and perform the actions; what they started, to await, and a refusal. */
  private feed(r: VmRuntime, e: ControlEvent): { readonly refused: RootosError | undefined; readonly waits: Promise<unknown>[] } {
    const s = step(r.ctl, e, Date.now());
    r.ctl = s.state;
    const waits: Promise<unknown>[] = [];
    for (const a of s.actions) {
      const w = this.perform(r, a);
      if (w) waits.push(w);
    }
    return { refused: s.refused ? new RootosError(s.refused) : undefined, waits };
  }

  /** An operator's command: refused is thrown; its thread requests are awaited. */
  private async run(r: VmRuntime, e: ControlEvent): Promise<void> {
    const { refused, waits } = this.feed(r, e);
    if (refused) throw refused;
    await Promise.all(waits);
  }

  /** An event from a thread, a console or a timer: nobody waits for what it starts. */
  private fire(r: VmRuntime, e: ControlEvent): void {
    for (const w of this.feed(r, e).waits) w.catch(() => {});
  }

  private perform(r: VmRuntime, a: ControlAction): Promise<unknown> | undefined {
    const vm = r.plan.name;
    switch (a.kind) {
      case "log": this.events.record(a.log, vm, a.message, a.fields); return;
      case "settle": for (const w of r.startWaiters.splice(0)) a.failed === undefined ? w.resolve() : w.reject(new RootosError({ kind: "StartFailed", vm, why: a.failed })); return;
      case "load": return this.load(r, a.for);
      case "spawn": this.startThread(r); return;
      case "stop": return r.thread?.stop(a.reason);
      case "pause": return r.thread?.pause();
      case "resume": return r.thread?.resume();
      case "reset": return this.resetThread(r);
      case "sysrq": r.thread?.sysrq(a.keys); return;
      case "arm": {
        clearTimeout(r.timers.get(a.timer));
        // The watchdog's verdict waits for the messages already queued (a kick among them makes it stale: watchdog.ts).
        const fire = () => this.fire(r, { kind: "timer", timer: a.timer, token: a.token });
        const t = setTimeout(() => { r.timers.delete(a.timer); if (a.timer === "watchdog") setImmediate(fire); else fire(); }, a.ms);
        if (a.timer === "watchdog") t.unref();
        r.timers.set(a.timer, t);
        return;
      }
      case "cancel": clearTimeout(r.timers.get(a.timer)); r.timers.delete(a.timer); return;
      case "console-reset": r.consoles.resetWatch(); return;
      case "gone":
        r.receiver?.reset();
        r.nics?.unplug();
        r.nics = undefined;
        return;
      case "commit": this.upgrades!.commit(vm, a.trial, a.why); return;
      case "rollback":
        this.upgrades!.rollback(vm, a.trial, a.why);
        if (this.closed) return;
        return this.restartVm(r, `rollback to slot ${a.trial.previous}`, "rollback")
          .catch((e: Error) => { this.events.record("fault", vm, `rollback: slot ${a.trial.previous} did not start: ${e.message}`); });
      case "start-trial": return this.startTrial(r, a.trial.system, a.why);
    }
  }

  /** Read the images and start the thread (a load action). A policy restart's failure is logged; the others' go to who restarts. */
  private load(r: VmRuntime, why: LoadFor): Promise<void> {
    const p = this.spawn(r);
    if (why !== "restart") return p;
    return p.catch((e: Error) => { this.events.record("restart", r.plan.name, `restart failed: ${e.message}`); });
  }

  /** Stop the VM if it runs, then boot it again (from its active slot). */
  private async restartVm(r: VmRuntime, why: string, forWhat: LoadFor): Promise<void> {
    const t = r.thread;
    this.fire(r, { kind: "restart", why });
    if (t?.alive) await t.whenEnded();
    if (this.closed) return;
    const { refused, waits } = this.feed(r, { kind: "reboot", why, for: forWhat });
    if (refused) return;
    await Promise.all(waits);
  }

  /** Restart into the new slot on trial: with restart: system, every other running VM first. */
  private async startTrial(r: VmRuntime, system: boolean, why: string): Promise<void> {
    const others = system ? [...this.vms.values()].filter((x) => x !== r && x.thread?.alive) : [];
    await Promise.allSettled(others.map((x) => this.restartVm(x, `the upgrade of ${r.plan.name} restarts the system`, "system")));
    try {
      await this.restartVm(r, why, "trial");
    } catch (e) {
      this.fire(r, { kind: "trial-failed", why: (e as Error).message });
    }
  }

  // ---- internals -----------------------------------------------------------------------

  /** A VM's runtime; `before`: the one it replaces (same state, counts, last exit and anti-rollback version). */
  private runtime(vm: VmPlan, before?: VmRuntime): VmRuntime {
    const r = new VmRuntime(vm, (r) => new VmConsoles(vm, this.opts.scrollbackBytes ?? 64 * 1024, {
      record: (...a) => this.events.record(...a),
      signal: (s) => this.fire(r, s.kind === "kick" ? { kind: "kick", via: "console" } : s.kind === "panic" ? { kind: "panic", line: s.line } : { kind: "panic-end" }),
      portKick: () => this.fire(r, { kind: "kick", via: "port" }),
      input: (bytes) => r.thread?.input(bytes),
      portInput: (port, bytes) => r.thread?.portInput(port, bytes),
      sysrq: (keys) => r.thread?.sysrq(keys),
    }), before);
    const port = vm.upgrade?.port;
    r.receiver = this.upgrades?.receiver(vm, (line) => {
      this.events.record("command", vm.name, `upgrade port ${port}: ${line}`, { command: "upgrade", port, ok: line.startsWith("ok:") });
      r.thread?.portInput(port!, new TextEncoder().encode(`${line}\n`));
    }, (bundle) => this.upgradeFromPort(r, port!, bundle));
    return r;
  }

  private liveThreads(): VmThread[] {
    return [...this.vms.values()].flatMap((r) => (r.thread?.alive ? [r.thread] : []));
  }

  /** The VM's running thread, for a debugger's look; DebugRefused when it has none. */
  private thread(vm: string): VmThread {
    const r = this.get(vm);
    if (!r.thread?.alive) throw new RootosError({ kind: "DebugRefused", vm, why: `it is ${r.ctl.life}: there is nothing to look at (start it)` });
    return r.thread;
  }

  /** A debugger's way into the VM's stub, in its thread of the moment (undefined: it has none); `sink` gets the stub's output. */
  private sessionLink(r: VmRuntime, sink: DebugSink): RelayLink | undefined {
    const t = r.thread;
    if (!t?.alive) return undefined;
    return {
      open: async () => { await t.gdbOpen(); r.session = sink; },
      input: (b) => t.gdbInput(b),
      close: () => { if (r.session === sink) r.session = undefined; t.gdbClose(); },
    };
  }

  private endSession(r: VmRuntime): void {
    const s = r.session;
    r.session = undefined;
    s?.ended();
  }

  /**
   * Open the system debug port (`up --gdb-system PORT`, 127.0.0.1): every running VM a gdb
   * process, pid = its place in the description + 1 (src/debug/system-port.ts).
   */
  async openSystemPort(port: number): Promise<number> {
    this.systemPort?.close();
    try {
      this.systemPort = await SystemGdbPort.open(port, () => [...this.vms.values()].flatMap((r, i): SystemVm[] => (r.thread?.alive ? [{
        vm: r.plan.name, pid0: i, harts: r.plan.harts,
        open: async (output, ended) => {
          const link = this.sessionLink(r, { output, ended });
          if (!link) throw new Error("it is not running");
          await link.open();
          return link;
        },
      }] : [])), (line) => this.events.record("info", undefined, line));
    } catch (e) {
      throw new RootosError({ kind: "DebugPort", listen: `127.0.0.1:${port}`, why: errnoText(e) });
    }
    this.events.record("info", undefined, `gdb system port open on 127.0.0.1:${this.systemPort.port}: every VM a process (gdb-multiarch -ex 'target remote :${this.systemPort.port}')`, { gdbSystemPort: this.systemPort.port });
    return this.systemPort.port;
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
      if (r && r.thread?.alive) throw new RootosError({ kind: "Refused", command: "adopt", reasons: [`it would change VM '${vm.name}', which is ${r.ctl.life}`] });
      changed.push(vm);
    }
    const gone = [...this.vms.keys()].filter((n) => !next.vms.some((v) => v.name === n));
    if (gone.length > 0 || !isDeepStrictEqual(next.networks.map((n) => n.name), this.current.networks.map((n) => n.name))) {
      throw new RootosError({ kind: "Refused", command: "adopt", reasons: ["a change may not remove VMs or networks"] });
    }
    edit.commit();
    this.current = next;
    for (const vm of changed) {
      const before = this.vms.get(vm.name);
      // A restart pending on a stopped VM (a power-off its policy restarts) would start the old plan: it goes with it.
      for (const t of before?.timers.values() ?? []) clearTimeout(t);
      this.vms.set(vm.name, this.runtime(vm, before));
      this.events.record("info", vm.name, edit.summary);
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

  /** Read, verify and measure the images, then start the VM's thread; resolves when its machine runs. State: booting. */
  private async spawn(r: VmRuntime): Promise<void> {
    const vm = r.plan.name;
    let images: BootImages;
    try {
      if (r.plan.devices.some((d) => d.kind === "nic")) await this.networks.openUplinks();
      await r.consoles.openSerial();
      images = await this.readImages(r);
    } catch (e) {
      throw this.loadFailed(r, e);
    }
    r.images = images;
    const { refused } = this.feed(r, { kind: "loaded" });
    r.images = undefined;
    if (refused) throw refused;
    this.events.record("info", vm, `thread started (start ${r.ctl.starts}): ${r.plan.harts} hart(s), ${r.plan.ramBytes >> 20} MiB, ${r.plan.boot.mode} boot, ${r.plan.timing} timing, throttle ${formatThrottle(r.throttle)}`);
    await this.whenRunning(r);
  }

  /**
   * The reset action: the images read, verified and measured again (a kernel rebuilt on
   * the host boots without a stop and start), then the thread's machine rebooted cold
   * from them. Images that cannot be read, or that verified boot refuses, stop the VM.
   */
  private async resetThread(r: VmRuntime): Promise<void> {
    const thread = r.thread;
    if (!thread) return;
    let images: BootImages;
    try {
      images = await this.readImages(r);
    } catch (e) {
      throw this.loadFailed(r, e);
    }
    // Stopped, or gone, while its images were read: nothing to reset.
    if (r.thread !== thread || r.ctl.life !== "booting") return;
    await thread.reset(workerMachineConfig(r.plan, images), imageBuffers(images));
  }

  /** Read, verify and measure a VM's images (its A/B slot's, if it has slots), logged as checks. Throws RootosError. */
  private async readImages(r: VmRuntime): Promise<BootImages> {
    const vm = r.plan.name;
    const slot = r.plan.upgrade?.slots ? await this.upgrades!.bootSlot(r.plan) : undefined;
    const installed = slot ? slot.committed : r.bootedVersion;
    const images = await (this.opts.loadImages ?? readBootImages)(r.plan, {
      trustedKeys: this.plan.board.trustedKeys, ...(installed !== undefined ? { installedVersion: installed } : {}), ...(slot ? { slot } : {}),
    });
    const v = images.verified;
    this.events.record("check", vm, v
      ? `verified boot: ${v.bundle} version ${v.version}, signed by '${v.key}'`
      : `boot images read (unsigned, allowed): ${[images.firmware, images.kernel, images.initrd].filter(Boolean).map((i) => i!.name).join(", ")}`);
    this.events.record("check", vm, `measured boot: ${images.measurements.entries.map((m) => `${m.stage} ${m.digest.slice(0, 16)}`).join(", ")}; value ${images.measurements.value}`,
      { measurement: images.measurements.value });
    r.verified = images.verified;
    r.measurements = images.measurements;
    if (images.verified) r.bootedVersion = Math.max(r.bootedVersion ?? 0, images.verified.version);
    return images;
  }

  /** Tell the controller why the images did not load (a verified-boot refusal, or a failure); the error to throw. */
  private loadFailed(r: VmRuntime, e: unknown): RootosError {
    const info = e instanceof RootosError ? e.info : undefined;
    if (info?.kind === "Verification") {
      this.fire(r, { kind: "load-failed", why: info.why, refused: { file: info.file, reason: info.reason } });
      return e as RootosError;
    }
    const why = (e as Error).message;
    this.fire(r, { kind: "load-failed", why });
    return e instanceof RootosError ? e : new RootosError({ kind: "StartFailed", vm: r.plan.name, why });
  }

  /** The spawn action: the thread, from the images just read, with its NICs plugged into their switches. */
  private startThread(r: VmRuntime): void {
    const vm = r.plan.name;
    const images = r.images!;
    r.nics?.unplug();
    const poke = new Int32Array(new SharedArrayBuffer(4));
    r.nics = this.networks.plug(r.plan, poke);
    const init: WorkerInit = {
      vm,
      machine: workerMachineConfig(r.plan, images),
      devices: r.plan.devices,
      nicRings: [...r.nics.rings],
      debug: { holdFirst: r.plan.debug?.hold ?? false, halted: this.halted },
      ...(r.plan.host ? { host: r.plan.host } : {}),
      ...(r.throttle ? { throttle: r.throttle } : {}),
      ...(this.opts.sysrqGapMs !== undefined ? { sysrqGapMs: this.opts.sysrqGapMs } : {}),
    };
    const transfer: (ArrayBuffer | MessagePort)[] = imageBuffers(images);
    const thread: VmThread = new VmThread(vm, init, {
      started: (boot) => { if (r.thread === thread) this.fire(r, { kind: "started", boot }); },
      console: (bytes) => { if (r.thread === thread) r.consoles.fromUart(bytes); },
      portOutput: (port, bytes) => {
        if (r.thread !== thread) return;
        if (r.receiver && port === r.plan.upgrade?.port) r.receiver.push(bytes); // a bundle: not for the scroll-back
        else r.consoles.fromPort(port, bytes);
      },
      deviceLog: (line) => { if (r.thread === thread) this.events.record("fault", vm, `device: ${line}`, { fault: "device" }); },
      screen: (u) => { if (r.thread === thread && r.screen) applyUpdate(r.screen, u); },
      reset: (by) => { if (r.thread === thread) this.fire(r, { kind: "reset", by }); },
      gdbOutput: (bytes) => { if (r.thread === thread) r.session?.output(bytes); },
      gdbEnded: () => { if (r.thread === thread) this.endSession(r); },
      still: (on) => { if (r.thread === thread) this.fire(r, { kind: "held", on }); },
      monitor: (line) => (this.opts.monitor ? this.opts.monitor(line) : Promise.reject(new Error("no RootOS command line here"))),
      end: (end) => {
        if (r.thread !== thread) return;
        r.thread = undefined;
        this.endSession(r);
        r.lastStats = ("stats" in end ? end.stats : undefined) ?? thread.lastStats ?? r.lastStats;
        this.fire(r, { kind: "ended", end });
      },
    }, transfer, {
      poke,
      ...(this.opts.workerUrl ? { workerUrl: this.opts.workerUrl } : {}),
      ...(this.opts.stopGraceMs !== undefined ? { stopGraceMs: this.opts.stopGraceMs } : {}),
    });
    r.thread = thread;
  }

  private whenRunning(r: VmRuntime): Promise<void> {
    if (r.ctl.life === "running") return Promise.resolve();
    return new Promise((resolve, reject) => r.startWaiters.push({ resolve, reject }));
  }

  private describe(r: VmRuntime): VmInfo {
    const p = r.plan;
    const c = r.ctl;
    const wd = c.watchdog;
    return {
      name: p.name,
      os: p.os,
      criticality: p.criticality,
      state: c.life,
      since: new Date(c.since).toISOString(),
      cores: p.cores,
      harts: p.harts,
      ramBytes: p.ramBytes,
      timing: p.timing,
      bootMode: p.boot.mode,
      throttle: r.throttle ?? null,
      autostart: p.autostart,
      starts: c.starts,
      boots: c.boots,
      restart: { on: p.restart.on, inARow: c.inARow, total: c.restarts, nextAt: c.restart ? new Date(c.restart.at).toISOString() : null },
      watchdog: wd && p.watchdog ? { timeoutMs: p.watchdog.timeoutMs, action: p.watchdog.action, state: wd.state, kicks: wd.kicks, expiries: wd.expiries } : null,
      devices: p.devices.map(describeDevice),
      lastExit: c.lastExit ?? null,
      verifiedBoot: r.verified ?? null,
      measurements: r.measurements ?? null,
      host: p.host ? { planned: describePlacement(p.host), ...(r.thread?.placed ? { placed: r.thread.placed } : {}) } : null,
    };
  }
}

export type { VmCommand, VmState };
