// Restart policy (RestartPlan in plan/types.ts): which stops restart a VM, and after
// how long. The n-th restart in a row waits initialMs × factor^(n-1), at most maxMs; a
// VM that ran longer than maxMs since its last start was healthy, so its next failure
// counts as the first again. An operator's stop never restarts a VM.
import type { RestartCause, RestartPlan } from "../plan/index.js";

export function restartsOn(plan: RestartPlan, cause: RestartCause): boolean {
  return plan.on.includes(cause);
}

/** The delay before restart number `n` (1-based) in a row. */
export function backoffDelay(plan: RestartPlan, n: number): number {
  const { initialMs, maxMs, factor } = plan.backoff;
  return Math.min(maxMs, initialMs * factor ** Math.max(0, n - 1));
}

/** Consecutive failures, as the policy counts them. */
export class RestartCounter {
  private n = 0;

  constructor(private readonly plan: RestartPlan) {}

  get count(): number { return this.n; }

  /** A stop that the policy restarts, after running `ranMs` since its start: the delay before the restart. */
  next(ranMs: number): number {
    this.n = ranMs > this.plan.backoff.maxMs ? 1 : this.n + 1;
    return backoffDelay(this.plan, this.n);
  }

  /** The operator started or stopped it: the count starts over. */
  clear(): void { this.n = 0; }
}
