import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, nextRestart, restartsOn } from "./restart.js";

const plan = { on: ["crash", "watchdog"] as const, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } };

test("back-off doubles up to maxMs; a VM that ran longer than maxMs starts over", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(plan, n)), [100, 200, 400, 800, 1000, 1000]);
  // The count as the controller keeps it: each restart's delay, from the count before it.
  let count = 0;
  const next = (ranMs: number) => { const r = nextRestart(plan, count, ranMs); count = r.inARow; return r.delayMs; };
  assert.deepEqual([next(10), next(10), next(10)], [100, 200, 400]);
  assert.equal(next(5000), 100, "healthy for longer than maxMs");
  assert.equal(count, 1);
  count = 0; // the operator started or stopped it
  assert.equal(next(0), 100);
});

test("causes", () => {
  assert.equal(restartsOn(plan, "crash"), true);
  assert.equal(restartsOn(plan, "poweroff"), false);
});
