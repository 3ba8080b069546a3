import assert from "node:assert/strict";
import { test } from "node:test";
import { SLICE_INSTRUCTIONS } from "../machine/machine.js";
import { BURST_MS, MIN_SLICE, Pacer, type PacerClock, QUANTUM_MS, throttleProblem } from "./pacer.js";

/** A clock the test moves by hand; sleeps are recorded and resolved by the test. */
function fakeClock() {
  const c = {
    t: 0,
    busyMs: 0,
    sleeps: [] as { ms: number; resolve(): void }[],
    clock: undefined as unknown as PacerClock,
  };
  c.clock = {
    now: () => c.t,
    busy: () => c.busyMs,
    sleep(ms) {
      let resolve!: () => void;
      const done = new Promise<void>((r) => { resolve = r; });
      c.sleeps.push({ ms, resolve });
      return { done, cancel: resolve };
    },
  };
  return c;
}

test("no throttle: full slices at once", () => {
  const p = new Pacer(() => 0);
  assert.equal(p.nextSlice(), SLICE_INSTRUCTIONS);
});

test("pause: the next slice waits for resume; running time stops while paused", async () => {
  const c = fakeClock();
  const p = new Pacer(() => 0, undefined, c.clock);
  c.t = 100;
  p.pause();
  c.t = 500;
  let got: number | undefined;
  const next = p.nextSlice();
  assert.ok(next instanceof Promise);
  void next.then((n) => { got = n; });
  await new Promise((r) => setImmediate(r));
  assert.equal(got, undefined, "still paused");
  assert.equal(p.runningMs(), 100);
  p.resume();
  assert.equal(await next, SLICE_INSTRUCTIONS);
  c.t = 600;
  assert.equal(p.runningMs(), 200);
});

test("mips cap: slices of QUANTUM_MS at the cap; running ahead sleeps the excess off", async () => {
  const c = fakeClock();
  let retired = 0;
  const p = new Pacer(() => retired, { kind: "mips", mips: 10 }, c.clock);
  assert.equal(p.nextSlice(), 10 * 1000 * QUANTUM_MS);
  retired = 100_000; // 10 ms worth at 10 MIPS, in 2 ms
  c.t = 2;
  const next = p.nextSlice();
  assert.ok(next instanceof Promise);
  assert.equal(c.sleeps.length, 1);
  assert.equal(c.sleeps[0]!.ms, 8);
  c.t = 10;
  c.sleeps[0]!.resolve();
  assert.equal(await next, 50_000);
});

test("mips cap: idle credit is capped at BURST_MS", () => {
  const c = fakeClock();
  let retired = 0;
  const p = new Pacer(() => retired, { kind: "mips", mips: 1 }, c.clock);
  c.t = 1000; // a second idle: 1 M instructions of credit, but only BURST_MS kept
  assert.equal(typeof p.nextSlice(), "number");
  retired = BURST_MS * 1000 + 500; // ran the burst and a bit more at once
  const next = p.nextSlice();
  assert.ok(next instanceof Promise, "over the burst: it sleeps");
  assert.equal(c.sleeps[0]!.ms, 0.5);
});

test("share cap: busy time may not run ahead of the share of wall time", () => {
  const c = fakeClock();
  let retired = 0;
  const p = new Pacer(() => retired, { kind: "share", percent: 25 }, c.clock);
  c.t = 10; c.busyMs = 10; retired = 1_000_000; // busy all 10 ms: 7.5 ms over the 25 % share
  const next = p.nextSlice();
  assert.ok(next instanceof Promise);
  assert.equal(c.sleeps[0]!.ms, 30);
});

test("a new cap or a resume starts the bucket afresh; bad caps are refused", () => {
  const c = fakeClock();
  let retired = 0;
  const p = new Pacer(() => retired, { kind: "mips", mips: 1 }, c.clock);
  retired = 10_000_000;
  p.setThrottle({ kind: "mips", mips: 0.01 });
  assert.equal(p.nextSlice(), MIN_SLICE, "no debt from before the cap; the smallest slice");
  assert.throws(() => p.setThrottle({ kind: "mips", mips: 0 }), /above 0/);
  assert.equal(throttleProblem({ kind: "share", percent: 150 }), "a share must be above 0 and at most 100 %, not 150");
});
