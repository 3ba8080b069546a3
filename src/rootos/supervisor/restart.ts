// Restart policy (RestartPlan in plan/types.ts): which stops restart a VM, and after
// how long. The n-th restart in a row waits initialMs × factor^(n-1), at most maxMs; a
// VM that ran longer than maxMs since its last start was healthy, so its next failure
// counts as the first again. An operator's start or stop sets the count back to 0, and
// never restarts a VM. Pure functions: the controller (controller.ts) keeps the count.
import type { RestartCause, RestartPlan } from "../plan/index.js";

export function restartsOn(plan: RestartPlan, cause: RestartCause): boolean {
  return plan.on.includes(cause);
}

/** The delay before restart number `n` (1-based) in a row. */
export function backoffDelay(plan: RestartPlan, n: number): number {
  const { initialMs, maxMs, factor } = plan.backoff;
  return Math.min(maxMs, initialMs * factor ** Math.max(0, n - 1));
}

/** A stop the policy restarts, after `inARow` restarts in a row and `ranMs` of running since the last start: the new count, and the delay. */
export function nextRestart(plan: RestartPlan, inARow: number, ranMs: number): { readonly inARow: number; readonly delayMs: number } {
  const n = ranMs > plan.backoff.maxMs ? 1 : inARow + 1;
  return { inARow: n, delayMs: backoffDelay(plan, n) };
}
