// A VM's watchdog, as the supervisor keeps it: a timer the guest must keep resetting.
//
// The channel. Until virtio-console ports reach the machine, a guest kicks its watchdog
// by writing a line containing "bulkhead-watchdog-kick" (console-watch.ts) on its
// console, the UART that the RootOS owns. Any guest can do that with what it has: a
// Linux guest with stock tools,
//
//     while :; do echo bulkhead-watchdog-kick; sleep 5; done &
//
// (busybox sh, a systemd timer, a cron line, or its own health check before the echo),
// a bare-metal program with its UART routine. The RootOS sees every console byte anyway;
// no driver is needed in the guest. Its cost: the kicks show in the console. A plan whose
// watchdog names a virtio-console `port` is meant to be kicked by any byte on that port,
// which keeps the console clean; until ports are wired the supervisor logs that and
// listens on the console instead.
//
// Arming. Like Linux's /dev/watchdog, which starts when a program opens it, the
// watchdog is armed by the first kick: a guest that never kicks (one still booting, one
// that does not use it) is never expired. Once armed, no kick for timeoutMs expires it
// once; it re-arms at the next kick (or a restart). Pausing the VM suspends it; resume
// gives the guest a full timeout again.
//
//   disarmed ──kick──▶ armed ──timeoutMs without a kick──▶ expired (onExpire) ──kick──▶ armed
//                       │ ▲
//                 pause │ │ resume (a fresh timeout)
//                       ▼ │
//                     suspended
export interface WatchdogTimers {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
  /** Run `f` after the messages already waiting have been handled (setImmediate). */
  defer(f: () => void): void;
}

const hostTimers: WatchdogTimers = {
  now: () => performance.now(),
  setTimeout: (f, ms) => { const t = setTimeout(f, ms); t.unref?.(); return t; },
  clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout),
  defer: (f) => { setImmediate(f); },
};

export type WatchdogState = "disarmed" | "armed" | "suspended" | "expired";

export class Watchdog {
  private timer: unknown;
  private current: WatchdogState = "disarmed";
  private lastKickAt: number | undefined;
  kicks = 0;
  expiries = 0;

  constructor(readonly timeoutMs: number, private readonly onExpire: () => void, private readonly timers: WatchdogTimers = hostTimers) {}

  get state(): WatchdogState { return this.current; }
  /** ms since the last kick, or undefined before the first. */
  sinceKick(): number | undefined { return this.lastKickAt === undefined ? undefined : this.timers.now() - this.lastKickAt; }

  kick(): void {
    this.kicks++;
    this.lastKickAt = this.timers.now();
    if (this.current === "suspended") return;
    this.current = "armed";
    this.arm();
  }

  /** The VM paused: no expiry while it cannot run. */
  suspend(): void {
    if (this.current !== "armed") return;
    this.clear();
    this.current = "suspended";
  }

  /** The VM resumed: a full timeout from now. */
  resume(): void {
    if (this.current !== "suspended") return;
    this.current = "armed";
    this.arm();
  }

  /** The VM stopped or restarts: back to waiting for a first kick. */
  disarm(): void {
    this.clear();
    this.current = "disarmed";
    this.lastKickAt = undefined;
  }

  /**
   * The timer fires in the timers phase of the RootOS's event loop, before the messages
   * that arrived while the loop was busy (a long GC, a thread being joined): a kick may be
   * waiting among them. So the verdict waits until they have been handled.
   */
  private arm(): void {
    this.clear();
    const armedAt = this.lastKickAt;
    this.timer = this.timers.setTimeout(() => {
      this.timers.defer(() => {
        if (this.current !== "armed" || this.lastKickAt !== armedAt) return; // kicked (or paused) meanwhile
        this.timer = undefined;
        this.current = "expired";
        this.expiries++;
        this.onExpire();
      });
    }, this.timeoutMs);
  }

  private clear(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }
}
