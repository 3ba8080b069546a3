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
//   disarmed ──kick──▶ armed ──timeoutMs without a kick──▶ expired (its action) ──kick──▶ armed
//                       │ ▲
//                 pause │ │ resume (a fresh timeout)
//                       ▼ │
//                     suspended
//
// Pure functions over the watchdog's status; the controller (controller.ts) keeps it in
// its state and turns `arm` and `cancel` into its "watchdog" timer. The timer fires in
// the timers phase of the RootOS's event loop, before the messages that arrived while the
// loop was busy (a long GC, a thread being joined): a kick may be waiting among them. So
// the supervisor delivers the expiry only after those (setImmediate), and a kick among
// them has re-armed the timer, which makes the expiry stale (the controller drops it).
export type WatchdogState = "disarmed" | "armed" | "suspended" | "expired";

export interface WatchdogStatus {
  readonly state: WatchdogState;
  readonly kicks: number;
  readonly expiries: number;
  /** When it was last kicked (the controller's clock), or undefined since it was disarmed. */
  readonly lastKickAt: number | undefined;
}

/** What a change asks of the timer: start it afresh (timeoutMs from now), stop it, or leave it. */
export type WatchdogTimer = "arm" | "cancel" | undefined;

export interface WatchdogStep {
  readonly status: WatchdogStatus;
  readonly timer: WatchdogTimer;
}

export const NEW_WATCHDOG: WatchdogStatus = { state: "disarmed", kicks: 0, expiries: 0, lastKickAt: undefined };

/** A kick: armed (a fresh timeout), unless suspended (counted, the timeout starts at resume). */
export function kickWatchdog(w: WatchdogStatus, now: number): WatchdogStep {
  const kicked = { ...w, kicks: w.kicks + 1, lastKickAt: now };
  if (w.state === "suspended") return { status: kicked, timer: undefined };
  return { status: { ...kicked, state: "armed" }, timer: "arm" };
}

/** The VM paused: no expiry while it cannot run. */
export function suspendWatchdog(w: WatchdogStatus): WatchdogStep {
  if (w.state !== "armed") return { status: w, timer: undefined };
  return { status: { ...w, state: "suspended" }, timer: "cancel" };
}

/** The VM resumed: a full timeout from now. */
export function resumeWatchdog(w: WatchdogStatus): WatchdogStep {
  if (w.state !== "suspended") return { status: w, timer: undefined };
  return { status: { ...w, state: "armed" }, timer: "arm" };
}

/** The VM stopped or restarts: back to waiting for a first kick. */
export function disarmWatchdog(w: WatchdogStatus): WatchdogStep {
  return { status: { ...w, state: "disarmed", lastKickAt: undefined }, timer: "cancel" };
}

/** The timer ran out (and no kick was waiting): expired, once, until the next kick. */
export function expireWatchdog(w: WatchdogStatus): WatchdogStatus {
  return { ...w, state: "expired", expiries: w.expiries + 1 };
}
