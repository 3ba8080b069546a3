import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, RestartCounter, restartsOn } from "./restart.js";

const plan = { on: ["crash", "watchdog"] as const, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } };

test("back-off doubles up to maxMs; a VM that ran longer than maxMs starts over", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(plan, n)), [100, 200, 400, 800, 1000, 1000]);
  const c = new RestartCounter(plan);
  assert.deepEqual([c.next(10), c.next(10), c.next(10)], [100, 200, 400]);
  assert.equal(c.next(5000), 100, "healthy for longer than maxMs");
  assert.equal(c.count, 1);
  c.clear();
  assert.equal(c.next(0), 100);
});

test("causes", () => {
  assert.equal(restartsOn(plan, "crash"), true);
  assert.equal(restartsOn(plan, "poweroff"), false);
});
