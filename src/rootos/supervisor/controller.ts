// One VM's controller: its lifecycle (lifecycle.ts), restart policy with back-off
// (restart.ts), watchdog (watchdog.ts), guest-panic handling and upgrade trial, as one
// state machine. `step(state, event, now)` is a pure function: it gives the next state
// and the actions to take, and touches no thread, timer or disk. The supervisor
// (supervisor.ts) performs the actions — read the images, start the thread, stop it,
// arm a timer, write the boot-control record, log, settle the start() calls waiting —
// and feeds what comes of them back as events: the images were read, the thread started,
// reset or ended, a console line was a panic or a kick, a timer fired.
//
//   events ──▶ step(state, event, now) ──▶ state', actions ──▶ supervisor ──▶ thread, timers, slots, log
//     ▲                                                                          │
//     └──────────────────────── results, thread and console events ◀────────────┘
//
// Timers are named (TimerName); each arm carries a token and a timer event whose token
// is not the one armed last is stale and changes nothing: a watchdog kick that waited
// behind its expiry, a restart cancelled by a stop. Why a thread ended decides what
// follows (ThreadEnd: the cause for the restart policy, the words for the log):
//
//   ended ─┬─ stopping ────────────────────────────────────────────▶ stopped
//          ├─ power-off, the operator's or the host's stop ───────▶ stopped ─┐ policy: poweroff
//          └─ fault, panic, watchdog, failure, thread death ──────▶ crashed ─┤ policy: crash, watchdog
//                                                                             ├─ on trial: rollback (not the policy)
//                                                                             ├─ before its machine ran: not restarted
//                                                                             └─ restartsOn: timer "restart" after the back-off
//
// The upgrade trial (docs/upgrades.md), beside the lifecycle:
//
//   writing ──switched──▶ switched ──timer trial-start──▶ trial (restart; timer trial-deadline)
//      │ aborted                                           │ kick (new image)          ──▶ commit
//      ▼                                                   │ deadline, no watchdog, running ──▶ commit
//    none                                                  │ deadline otherwise, the new image
//                                                          │ ended (crash, power-off), it did
//                                                          └ not start                  ──▶ rollback (restart)
import type { RestartCause, VmPlan } from "../plan/index.js";
import { PANIC_GRACE_MS } from "./console-watch.js";
import type { RootosErrorInfo } from "./errors.js";
import type { LogKind } from "./event-log.js";
import { commandTarget, illegalHint, TRANSITIONS, type VmCommand, type VmState } from "./lifecycle.js";
import { nextRestart, restartsOn } from "./restart.js";
import type { SlotName } from "../slots/store.js";
import {
  disarmWatchdog, expireWatchdog, kickWatchdog, NEW_WATCHDOG, resumeWatchdog, suspendWatchdog, type WatchdogStatus, type WatchdogStep,
} from "./watchdog.js";
import type { VmEnd } from "./vm-thread.js";

/** The SysRq keys of a shutdown: sync, remount read-only, power off. */
export const SHUTDOWN_SYSRQ = "suo";

export type TimerName = "restart" | "panic" | "shutdown" | "watchdog" | "trial-start" | "trial-deadline";

/** What of a VM's plan the controller decides by. */
export type ControlPlan = Pick<VmPlan, "name" | "restart" | "watchdog" | "upgrade">;

/** An upgrade of this VM in progress. */
export interface TrialState {
  /** writing: to the inactive slot; switched: the record points at it, the restart is due; trial: the new image is being judged. */
  readonly phase: "writing" | "switched" | "trial";
  readonly version: number;
  readonly slot: SlotName;
  readonly previous: SlotName;
  /** The bundle's flag restart: system (every running VM restarts with it). */
  readonly system: boolean;
  /** The new image's thread was started: kicks and ends from now on are its. */
  readonly booted: boolean;
}

/** Why the controller itself is stopping the current thread (a panic, a watchdog expiry), and what that counts as. */
export interface Ending {
  readonly cause: RestartCause;
  readonly reason: string;
}

export interface Control {
  readonly plan: ControlPlan;
  readonly life: VmState;
  /** When it entered that state (the clock of `step`). */
  readonly since: number;
  /** A thread was started and has not ended. */
  readonly thread: boolean;
  /** Threads started (operator starts and policy restarts); guest boots in the current one. */
  readonly starts: number;
  readonly boots: number;
  readonly startedAt: number;
  /** Policy restarts since the supervisor started; restarts in a row (the back-off's n). */
  readonly restarts: number;
  readonly inARow: number;
  /** A pending policy restart: when, and why. */
  readonly restart: { readonly at: number; readonly cause: RestartCause } | undefined;
  readonly ending: Ending | undefined;
  /** A shutdown in progress: its time-out. */
  readonly shutdownMs: number | undefined;
  /** Undefined when the plan has no watchdog. */
  readonly watchdog: WatchdogStatus | undefined;
  readonly trial: TrialState | undefined;
  /** How its last run ended, in words. */
  readonly lastExit: string | undefined;
  readonly closed: boolean;
  /** The token of each armed timer. */
  readonly timers: Readonly<Partial<Record<TimerName, number>>>;
  readonly nextToken: number;
}

/** How a thread ended, as the controller judges it (vm-thread.ts VmEnd, without the stats). */
export type ThreadEnd =
  | { readonly kind: "exit"; readonly exit: Extract<VmEnd, { kind: "exit" }>["exit"] }
  | { readonly kind: "fault"; readonly message: string; readonly stack?: string; readonly beforeStart: boolean }
  | { readonly kind: "crash"; readonly message: string; readonly beforeStart: boolean }
  | { readonly kind: "killed"; readonly reason: string };

/** What a load action is for, and so what its failure leads to (the supervisor's part). */
export type LoadFor = "start" | "restart" | "trial" | "rollback" | "system";

export type ControlEvent =
  /** An operator's command (shutdown with its time-out). */
  | { readonly kind: "command"; readonly command: Exclude<VmCommand, "shutdown">; readonly timeoutMs?: undefined }
  | { readonly kind: "command"; readonly command: "shutdown"; readonly timeoutMs: number }
  /** The images were read and verified: start its thread now, if it is still booting. */
  | { readonly kind: "loaded" }
  /** The images could not be read, or verified boot refused them. */
  | { readonly kind: "load-failed"; readonly why: string; readonly refused?: { readonly file: string; readonly reason: string } }
  | { readonly kind: "started"; readonly boot: number }
  | { readonly kind: "reset"; readonly by: "guest" | "host" }
  | { readonly kind: "ended"; readonly end: ThreadEnd }
  /** A watchdog kick: a console line, or a byte on the watchdog's port. */
  | { readonly kind: "kick"; readonly via: "console" | "port" }
  | { readonly kind: "panic"; readonly line: string }
  | { readonly kind: "panic-end" }
  /** A debugger (gdb, or the system's halt) holds the VM, or let it go: its watchdog waits meanwhile. */
  | { readonly kind: "held"; readonly on: boolean }
  | { readonly kind: "timer"; readonly timer: TimerName; readonly token: number }
  /** Stop it (if a thread runs) to boot it again: an upgrade's or a rollback's restart. */
  | { readonly kind: "restart"; readonly why: string }
  /** After "restart" (its thread has ended): boot again. */
  | { readonly kind: "reboot"; readonly why: string; readonly for: LoadFor }
  | { readonly kind: "upgrade-writing"; readonly version: number; readonly slot: SlotName; readonly previous: SlotName; readonly system: boolean }
  | { readonly kind: "upgrade-aborted" }
  /** The record points at the new slot: restart into it after `delayMs`. */
  | { readonly kind: "upgrade-switched"; readonly delayMs: number }
  /** The new image's start failed (its images, its thread). */
  | { readonly kind: "trial-failed"; readonly why: string }
  | { readonly kind: "close" };

export type ControlAction =
  | { readonly kind: "log"; readonly log: LogKind; readonly message: string; readonly fields?: Readonly<Record<string, unknown>> }
  /** Settle the start() calls waiting for it to run: resolve, or reject (StartFailed with `failed`). */
  | { readonly kind: "settle"; readonly failed?: string }
  /** Read, verify and measure its images, then feed loaded or load-failed. */
  | { readonly kind: "load"; readonly for: LoadFor }
  /** Start its thread from the images read. */
  | { readonly kind: "spawn" }
  | { readonly kind: "stop"; readonly reason: string }
  | { readonly kind: "pause" }
  | { readonly kind: "resume" }
  | { readonly kind: "reset" }
  | { readonly kind: "sysrq"; readonly keys: string }
  | { readonly kind: "arm"; readonly timer: TimerName; readonly ms: number; readonly token: number }
  | { readonly kind: "cancel"; readonly timer: TimerName }
  /** Forget a partial console line (a new boot). */
  | { readonly kind: "console-reset" }
  /** The thread is gone: unplug its NICs, reset its upgrade port. */
  | { readonly kind: "gone" }
  /** The new image is healthy: write the record (committed), log it. */
  | { readonly kind: "commit"; readonly trial: TrialState; readonly why: string }
  /** It is not: switch the record back, log it (then a restart event follows). */
  | { readonly kind: "rollback"; readonly trial: TrialState; readonly why: string }
  /** Restart it (and with `system` every other running VM first) into the new slot: a restart event, then reboot for "trial". */
  | { readonly kind: "start-trial"; readonly trial: TrialState; readonly why: string };

export interface Step {
  readonly state: Control;
  readonly actions: readonly ControlAction[];
  /** The event was refused (an illegal command, a start that cannot go on): nothing changed but what `actions` say. */
  readonly refused?: RootosErrorInfo;
}

/** A VM's controller before its first start; `before`: the one it replaces (a new plan: its state, counts and last exit). */
export function newControl(plan: ControlPlan, now: number, before?: Control): Control {
  return {
    plan,
    life: before?.life ?? "created",
    since: now,
    thread: false,
    starts: before?.starts ?? 0,
    boots: 0,
    startedAt: 0,
    restarts: before?.restarts ?? 0,
    inARow: 0,
    restart: undefined,
    ending: undefined,
    shutdownMs: undefined,
    watchdog: plan.watchdog ? NEW_WATCHDOG : undefined,
    trial: undefined,
    lastExit: before?.lastExit,
    closed: false,
    timers: {},
    nextToken: 1,
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The next state and the actions, for `event` at time `now`. Pure. */
export function step(state: Control, event: ControlEvent, now: number): Step {
  const m = new Machine(state, now);
  const refused = m.on(event);
  return { state: m.s, actions: m.out, ...(refused ? { refused } : {}) };
}

/** One step's working copy: the state being changed and the actions so far. */
class Machine {
  readonly s: Mutable<Control> & { timers: Partial<Record<TimerName, number>> };
  readonly out: ControlAction[] = [];

  constructor(state: Control, private readonly now: number) {
    this.s = { ...state, timers: { ...state.timers } };
  }

  private get vm(): string { return this.s.plan.name; }

  on(e: ControlEvent): RootosErrorInfo | undefined {
    switch (e.kind) {
      case "command": return this.command(e.command, e.timeoutMs);
      case "loaded": return this.loaded();
      case "load-failed": return this.loadFailed(e.why, e.refused);
      case "started": return this.started(e.boot);
      case "reset": return this.guestReset(e.by);
      case "ended": return this.ended(e.end);
      case "kick": return this.kick(e.via);
      case "panic": return this.panic(e.line);
      case "panic-end": if (this.s.timers.panic !== undefined) this.stopForPanic(); return;
      case "held":
        // A stopped guest cannot kick; on release it gets a full timeout (a paused VM's waits for resume).
        if (e.on) this.watchdog(suspendWatchdog);
        else if (this.s.life !== "paused") this.watchdog(resumeWatchdog);
        return;
      case "timer": return this.timer(e.timer, e.token);
      case "restart": return this.restartThread(e.why);
      case "reboot": return this.reboot(e.why, e.for);
      case "upgrade-writing":
        this.s.trial = { phase: "writing", version: e.version, slot: e.slot, previous: e.previous, system: e.system, booted: false };
        return;
      case "upgrade-aborted": this.s.trial = undefined; return;
      case "upgrade-switched":
        if (this.s.trial) this.s.trial = { ...this.s.trial, phase: "switched" };
        this.arm("trial-start", e.delayMs);
        return;
      case "trial-failed":
        if (this.s.trial && !this.s.closed) this.rollback(`it did not start: ${e.why}`);
        return;
      case "close": return this.close();
    }
  }

  // ---- the operator's commands -----------------------------------------------------

  private command(c: VmCommand, timeoutMs?: number): RootosErrorInfo | undefined {
    const s = this.s;
    if (c === "stop" && s.life === "stopped" && s.restart) {
      this.cancelRestart();
      this.log("restart", "pending restart cancelled");
      return;
    }
    const to = commandTarget(s.life, c);
    if (to === undefined) return { kind: "IllegalTransition", vm: this.vm, state: s.life, command: c, hint: illegalHint(s.life, c) };
    switch (c) {
      case "start":
        this.cancelRestart();
        this.move(to, "command start");
        s.inARow = 0;
        this.out.push({ kind: "load", for: "start" });
        return;
      case "stop":
        this.cancelRestart();
        s.inARow = 0;
        this.move(to, s.life === "stopping" ? "command stop: shutdown escalated to a hard stop" : "command stop");
        if (to === "stopped") return; // crashed: nothing runs
        if (!s.thread) { this.enter("stopped", "stopped before its thread started"); return; }
        this.out.push({ kind: "stop", reason: "stopped by the operator" });
        return;
      case "shutdown":
        this.move(to, "command shutdown");
        this.cancelRestart();
        s.inARow = 0;
        this.out.push({ kind: "sysrq", keys: SHUTDOWN_SYSRQ });
        s.shutdownMs = timeoutMs;
        this.arm("shutdown", timeoutMs!);
        return;
      case "pause":
        this.move(to, "command pause");
        this.watchdog(suspendWatchdog);
        this.out.push({ kind: "pause" });
        return;
      case "resume":
        this.move(to, "command resume");
        this.watchdog(resumeWatchdog);
        this.out.push({ kind: "resume" });
        return;
      case "reset":
        this.move(to, "command reset");
        this.watchdog(disarmWatchdog);
        this.out.push({ kind: "console-reset" }, { kind: "reset" });
        return;
      case "reconfigure":
        return; // a check only: the supervisor adopts the new plan
    }
  }

  // ---- the thread ---------------------------------------------------------------------

  private loaded(): RootosErrorInfo | undefined {
    const s = this.s;
    if (s.closed) return { kind: "Closed" };
    if (s.life !== "booting") {
      if (s.life === "stopping") this.enter("stopped", "stopped before its thread started");
      return { kind: "StartFailed", vm: this.vm, why: "it was stopped while starting" };
    }
    s.starts++;
    s.boots = 0;
    s.startedAt = this.now;
    s.ending = undefined;
    s.thread = true;
    this.out.push({ kind: "console-reset" });
    this.watchdog(disarmWatchdog);
    this.out.push({ kind: "spawn" });
    return undefined;
  }

  private loadFailed(why: string, refused?: { readonly file: string; readonly reason: string }): undefined {
    if (this.s.thread) {
      // A reset's images: the machine it was to reboot does not go on with the old ones.
      const reason = refused ? `reset: verified boot refused ${refused.file}: ${why}` : `reset: its boot images could not be read: ${why}`;
      this.log("fault", reason, refused ? { fault: "verification", file: refused.file, reason: refused.reason } : undefined);
      if (this.s.life === "booting") {
        this.enter("stopping", "its images did not load for the reset");
        this.out.push({ kind: "stop", reason });
      }
      return undefined;
    }
    if (refused) {
      // A refusal, not a fault: the VM stays stopped until its images are fixed and it is started again.
      this.log("fault", `verified boot refused ${refused.file}: ${why}`, { fault: "verification", file: refused.file, reason: refused.reason });
      this.s.lastExit = `refused by verified boot: ${refused.file}: ${why}`;
      if (this.s.life === "booting") this.enter("stopped", "verified boot refused its images");
    } else {
      this.log("fault", `cannot start: ${why}`);
      this.s.lastExit = `did not start: ${why}`;
      if (this.s.life === "booting") this.enter("crashed", "its boot images could not be read");
    }
    return undefined;
  }

  private started(boot: number): undefined {
    this.s.boots = boot;
    if (this.s.life === "booting") {
      this.enter("running", boot === 1 ? "its machine runs" : `rebooted (boot ${boot})`);
      this.out.push({ kind: "settle" });
    }
    return undefined;
  }

  private guestReset(by: "guest" | "host"): undefined {
    this.log("info", by === "guest" ? "the guest rebooted" : "reset by the operator");
    this.watchdog(disarmWatchdog);
    this.out.push({ kind: "console-reset" });
    const l = this.s.life;
    if (l === "running" || l === "paused") this.enter("booting", by === "guest" ? "guest reboot" : "reset");
    return undefined;
  }

  private ended(end: ThreadEnd): undefined {
    const s = this.s;
    s.thread = false;
    this.out.push({ kind: "gone" });
    this.cancel("panic");
    this.cancel("shutdown");
    s.shutdownMs = undefined;
    this.watchdog(disarmWatchdog);
    const text = describeEnd(end, s.ending);
    s.lastExit = text;
    if (end.kind === "fault" && end.stack) this.log("fault", `device model or machine fault: ${end.message}`, { fault: "exception", stack: end.stack });
    const failed: ControlAction = { kind: "settle", failed: text };

    if (s.life === "stopping") {
      this.enter("stopped", text);
      this.out.push({ kind: "settle", failed: `it was stopped while starting (${text})` });
      return;
    }
    const cause = causeOf(end, s.ending);
    if (cause === "poweroff" || cause === undefined) {
      this.enter("stopped", text);
    } else {
      if (!s.ending) this.log("fault", text, { fault: cause }); // a panic or an expiry was logged when seen
      this.enter("crashed", text);
    }
    if (s.trial?.phase === "trial" && s.trial.booted && cause !== undefined) {
      // The new image failed on trial: the old one boots again, not the restart policy.
      this.out.push(failed);
      this.rollback(text);
      return;
    }
    this.out.push(failed);
    if ((end.kind === "fault" || end.kind === "crash") && end.beforeStart) {
      this.log("restart", "not restarted: it failed before its machine ran (the same start would fail again)");
      return;
    }
    if (cause !== undefined && restartsOn(s.plan.restart, cause)) this.scheduleRestart(cause);
    else if (cause !== undefined && cause !== "poweroff") this.log("restart", `not restarted: its policy restarts on ${s.plan.restart.on.join(", ") || "nothing"}, not ${cause}`);
  }

  // ---- console signals and the watchdog -----------------------------------------------

  private kick(via: "console" | "port"): undefined {
    const l = this.s.life;
    const live = via === "console" ? l === "booting" || l === "running" || l === "paused" : l === "booting" || l === "running";
    if (!live || !this.s.watchdog) return;
    this.watchdog(kickWatchdog);
    const t = this.s.trial;
    if (t?.phase === "trial" && t.booted) this.commit("its watchdog was kicked");
    return undefined;
  }

  private panic(line: string): undefined {
    const l = this.s.life;
    if (!(l === "booting" || l === "running" || l === "paused") || this.s.ending) return;
    this.s.ending = { cause: "crash", reason: `guest panic: ${line}` };
    this.log("fault", `guest panic: ${line}`, { fault: "panic" });
    this.arm("panic", PANIC_GRACE_MS);
    return undefined;
  }

  private stopForPanic(): void {
    this.cancel("panic");
    if (this.s.thread && this.s.life !== "stopping") this.out.push({ kind: "stop", reason: this.s.ending?.reason ?? "guest panic" });
  }

  private expired(): void {
    const s = this.s;
    s.watchdog = expireWatchdog(s.watchdog!);
    const wd = s.plan.watchdog!;
    if (!s.thread || s.life !== "running") return;
    this.log("fault", `watchdog expired: no kick for ${wd.timeoutMs} ms (action ${wd.action})`, { fault: "watchdog", action: wd.action });
    switch (wd.action) {
      case "log":
        return;
      case "pause":
        this.enter("paused", "watchdog expired (action pause)");
        this.out.push({ kind: "pause" });
        return;
      case "stop":
        this.enter("stopping", "watchdog expired (action stop)");
        this.out.push({ kind: "stop", reason: "watchdog expired" });
        return;
      case "restart":
        if (s.ending) return;
        s.ending = { cause: "watchdog", reason: `watchdog expired: no kick for ${wd.timeoutMs} ms` };
        this.out.push({ kind: "stop", reason: s.ending.reason });
        return;
    }
  }

  // ---- timers ---------------------------------------------------------------------

  private timer(t: TimerName, token: number): undefined {
    const s = this.s;
    if (s.timers[t] !== token) return; // cancelled or re-armed since
    delete s.timers[t];
    switch (t) {
      case "restart": {
        const cause = s.restart?.cause;
        s.restart = undefined;
        if (s.closed || cause === undefined || !(s.life === "crashed" || s.life === "stopped")) return;
        s.restarts++;
        this.enter("booting", `restart by policy (${cause})`);
        this.out.push({ kind: "load", for: "restart" });
        return;
      }
      case "panic":
        this.stopForPanic();
        return;
      case "shutdown":
        if (!s.thread) return;
        this.log("info", `the guest did not power off within ${s.shutdownMs} ms: stopping it hard`);
        this.out.push({ kind: "stop", reason: `shutdown: no power-off within ${s.shutdownMs} ms` });
        return;
      case "watchdog":
        if (s.watchdog?.state === "armed") this.expired();
        return;
      case "trial-start": {
        const trial = s.trial;
        if (!trial || s.closed) return;
        s.trial = { ...trial, phase: "trial" };
        this.arm("trial-deadline", s.plan.upgrade!.deadlineMs);
        this.out.push({ kind: "start-trial", trial: s.trial, why: `upgrade: version ${trial.version} in slot ${trial.slot}` });
        return;
      }
      case "trial-deadline": {
        if (!s.trial || s.closed) return;
        const ms = s.plan.upgrade!.deadlineMs;
        if (s.plan.watchdog) this.rollback(`no watchdog kick within ${ms} ms`);
        else if (s.life === "running") this.commit(`still running after ${ms} ms`);
        else this.rollback(`it is ${s.life} at the deadline (${ms} ms)`);
        return;
      }
    }
  }

  private scheduleRestart(cause: RestartCause): void {
    const s = this.s;
    if (s.closed) return;
    const next = nextRestart(s.plan.restart, s.inARow, this.now - s.startedAt);
    s.inARow = next.inARow;
    s.restart = { at: this.now + next.delayMs, cause };
    this.log("restart", `restarting in ${next.delayMs} ms (${cause}; restart ${s.inARow} in a row)`, { cause, delayMs: next.delayMs, inARow: s.inARow });
    this.arm("restart", next.delayMs);
  }

  private cancelRestart(): void {
    this.cancel("restart");
    this.s.restart = undefined;
  }

  // ---- the upgrade trial -------------------------------------------------------------

  private commit(why: string): void { this.decide("commit", why); }

  private rollback(why: string): void { this.decide("rollback", why); }

  /** The trial is over: the deadline and a pending restart into the new slot are cancelled. */
  private decide(kind: "commit" | "rollback", why: string): void {
    const trial = this.s.trial!;
    this.cancel("trial-start");
    this.cancel("trial-deadline");
    this.s.trial = undefined;
    this.out.push({ kind, trial, why });
  }

  /** Stop the thread so that it boots again (the supervisor sends "reboot" once it has ended). */
  private restartThread(why: string): undefined {
    this.cancelRestart();
    if (this.s.thread) {
      if (this.s.life !== "stopping") this.enter("stopping", why);
      this.out.push({ kind: "stop", reason: why });
    }
    return undefined;
  }

  private reboot(why: string, forWhat: LoadFor): RootosErrorInfo | undefined {
    const s = this.s;
    if (s.closed) return { kind: "Closed" };
    this.cancelRestart();
    s.inARow = 0;
    this.enter("booting", why);
    if (forWhat === "trial" && s.trial) s.trial = { ...s.trial, booted: true };
    this.out.push({ kind: "load", for: forWhat });
    return undefined;
  }

  private close(): undefined {
    const s = this.s;
    s.closed = true;
    this.cancelRestart();
    // A trial left open stays in the boot-control record: the next start rolls it back.
    for (const t of ["trial-start", "trial-deadline", "panic", "shutdown"] as const) this.cancel(t);
    this.watchdog(disarmWatchdog);
    if (s.thread) {
      if (s.life !== "stopping") this.enter("stopping", "the RootOS is shutting down");
      this.out.push({ kind: "stop", reason: "the RootOS is shutting down" });
    }
    return undefined;
  }

  // ---- helpers -----------------------------------------------------------------------

  /** Apply an operator's command's move (checked against the table already). */
  private move(to: VmState, why: string): void {
    const from = this.s.life;
    this.s.life = to;
    this.s.since = this.now;
    if (from !== to) this.log("state", `${from} -> ${to} (${why})`, { from, to });
  }

  /** Move on an event; a move outside TRANSITIONS is our bug. */
  private enter(to: VmState, why: string): void {
    if (!TRANSITIONS[this.s.life].includes(to)) throw new Error(`assertion: VM ${this.vm}: no transition ${this.s.life} -> ${to} (${why})`);
    this.move(to, why);
  }

  private watchdog(f: (w: WatchdogStatus, now: number) => WatchdogStep): void {
    if (!this.s.watchdog) return;
    const r = f(this.s.watchdog, this.now);
    this.s.watchdog = r.status;
    if (r.timer === "arm") this.arm("watchdog", this.s.plan.watchdog!.timeoutMs);
    else if (r.timer === "cancel") this.cancel("watchdog");
  }

  private arm(timer: TimerName, ms: number): void {
    const token = this.s.nextToken++;
    this.s.timers[timer] = token;
    this.out.push({ kind: "arm", timer, ms, token });
  }

  private cancel(timer: TimerName): void {
    if (this.s.timers[timer] === undefined) return;
    delete this.s.timers[timer];
    this.out.push({ kind: "cancel", timer });
  }

  private log(log: LogKind, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.out.push({ kind: "log", log, message, ...(fields ? { fields } : {}) });
  }
}

/** What a thread's end counts as for the restart policy; undefined: an operator's stop (never restarted). */
export function causeOf(end: ThreadEnd, ending: Ending | undefined): RestartCause | undefined {
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
export function describeEnd(end: ThreadEnd, ending?: Ending): string {
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
