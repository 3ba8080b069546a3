// Pause and throttle for one VM's run loop (the Machine's MachinePacer), in its thread.
//
// Pause: the next slice waits until resume(); the thread's event loop stays free, so
// commands and stats are answered, and no instruction retires: the counters freeze.
//
// Throttle, a token bucket sampled before every slice:
//   mips:  instructions retired may not run ahead of cap × running time;
//   share: the thread's busy time (event-loop utilisation) may not run ahead of
//          percent × running time, i.e. that share of one host core. Node gives a
//          thread no CPU clock of its own, so on an oversubscribed host this is a share
//          of wall time spent running, not of CPU time.
// A slice that ran ahead is paid for by sleeping the excess off before the next one. Slices
// are short while throttled (QUANTUM_MS of the cap) so the rate is smooth at any cap, and a
// guest that idled (WFI) banks at most BURST_MS of credit, so it cannot burst far above the
// cap afterwards. Running time excludes paused time; a resume or a new cap starts afresh.
import { performance as perfHooks } from "node:perf_hooks";
import type { MachinePacer } from "../machine/machine.js";
import { SLICE_INSTRUCTIONS } from "../machine/machine.js";
import type { Throttle } from "../rootos/plan/index.js";

/** A throttled slice is about this long at the cap. */
export const QUANTUM_MS = 5;
/** Credit a throttled VM may bank while it idles. */
export const BURST_MS = 20;
/** The smallest slice: a cap below ~0.2 MIPS still makes progress. */
export const MIN_SLICE = 1000;

export interface PacerClock {
  /** Monotonic ms. */
  now(): number;
  /** Resolve after `ms`; cancel() resolves it early. */
  sleep(ms: number): { readonly done: Promise<void>; cancel(): void };
  /** ms this thread has been busy (not waiting in its event loop) since some fixed point. */
  busy(): number;
}

export const hostClock: PacerClock = {
  now: () => performance.now(),
  sleep(ms) {
    let finish!: () => void;
    const done = new Promise<void>((res) => { finish = res; });
    const t = setTimeout(finish, Math.max(0, ms));
    return { done, cancel: () => { clearTimeout(t); finish(); } };
  },
  busy: () => perfHooks.eventLoopUtilization().active,
};

/** Check a throttle's numbers; the reason it is invalid, or undefined. */
export function throttleProblem(t: Throttle): string | undefined {
  if (t.kind === "mips") return Number.isFinite(t.mips) && t.mips > 0 ? undefined : `a MIPS cap must be a number above 0, not ${t.mips}`;
  return Number.isFinite(t.percent) && t.percent > 0 && t.percent <= 100 ? undefined : `a share must be above 0 and at most 100 %, not ${t.percent}`;
}

export function formatThrottle(t: Throttle | undefined): string {
  if (!t) return "none";
  return t.kind === "mips" ? `${t.mips} MIPS` : `${t.percent}% of a core`;
}

export class Pacer implements MachinePacer {
  private paused = false;
  private throttle: Throttle | undefined;
  /** The bucket's origin: time, instructions and busy ms when the cap (or a resume) took effect. */
  private t0 = 0;
  private i0 = 0;
  private b0 = 0;
  /** Recent instructions per busy ms, to size share-throttled slices. */
  private perBusyMs = 0;
  private lastBusy = 0;
  private lastRetired = 0;
  private wait: { readonly done: Promise<void>; cancel(): void } | undefined;
  private resumed: (() => void) | undefined;
  private resumedAt: Promise<void> | undefined;
  /** Running (not paused) ms before the current run of running. */
  private runMsBefore = 0;
  private runningSince: number;

  /** `retired`: instructions retired so far, never decreasing (across guest reboots too). */
  constructor(private readonly retired: () => number, throttle?: Throttle, private readonly clock: PacerClock = hostClock) {
    this.runningSince = clock.now();
    this.setThrottle(throttle);
  }

  get isPaused(): boolean { return this.paused; }
  get cap(): Throttle | undefined { return this.throttle; }

  /** ms spent not paused since the pacer was made. */
  runningMs(): number {
    return this.runMsBefore + (this.paused ? 0 : this.clock.now() - this.runningSince);
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.runMsBefore += this.clock.now() - this.runningSince;
    this.resumedAt = new Promise<void>((res) => { this.resumed = res; });
    this.wait?.cancel();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.runningSince = this.clock.now();
    this.restartBucket();
    this.resumed?.();
    this.resumed = undefined;
  }

  setThrottle(t: Throttle | undefined): void {
    if (t) {
      const bad = throttleProblem(t);
      if (bad) throw new RangeError(bad);
    }
    this.throttle = t;
    this.restartBucket();
    this.wait?.cancel(); // a sleep sized for the old cap ends now
  }

  /** Stop waiting now (the machine is being stopped): the next nextSlice() returns at once. */
  wake(): void {
    this.wait?.cancel();
  }

  nextSlice(): number | Promise<number> {
    if (this.paused) return this.resumedAt!.then(() => this.nextSlice());
    const t = this.throttle;
    if (!t) return SLICE_INSTRUCTIONS;
    const now = this.clock.now();
    const elapsed = now - this.t0;
    let used: number, allowed: number, perMs: number;
    if (t.kind === "mips") {
      perMs = t.mips * 1000;
      used = this.retired() - this.i0;
      allowed = elapsed * perMs;
    } else {
      perMs = t.percent / 100;
      used = this.clock.busy() - this.b0;
      allowed = elapsed * perMs;
      this.learnSpeed();
    }
    const burst = BURST_MS * perMs;
    if (allowed - used > burst) {
      // Idle credit beyond the burst is forfeit: move the origin up.
      if (t.kind === "mips") this.i0 -= allowed - used - burst; else this.b0 -= allowed - used - burst;
    }
    const excess = used - allowed;
    if (excess > 0) {
      this.wait = this.clock.sleep(excess / perMs);
      return this.wait.done.then(() => { this.wait = undefined; return this.nextSlice(); });
    }
    return this.sliceBudget(t);
  }

  private sliceBudget(t: Throttle): number {
    const n = t.kind === "mips" ? t.mips * 1000 * QUANTUM_MS : (this.perBusyMs || 1e5) * QUANTUM_MS * (t.percent / 100);
    return Math.max(MIN_SLICE, Math.min(SLICE_INSTRUCTIONS, Math.round(n)));
  }

  /** Share mode: how many instructions a busy ms retires, so a slice lasts about QUANTUM_MS × share. */
  private learnSpeed(): void {
    const busy = this.clock.busy(), retired = this.retired();
    const db = busy - this.lastBusy, di = retired - this.lastRetired;
    if (db > 1 && di > 0) this.perBusyMs = this.perBusyMs ? 0.7 * this.perBusyMs + 0.3 * (di / db) : di / db;
    this.lastBusy = busy;
    this.lastRetired = retired;
  }

  private restartBucket(): void {
    this.t0 = this.clock.now();
    this.i0 = this.retired();
    this.b0 = this.clock.busy();
    this.lastBusy = this.b0;
    this.lastRetired = this.i0;
  }
}
