import assert from "node:assert/strict";
import { test } from "node:test";
import { Watchdog, type WatchdogTimers } from "./watchdog.js";

function fakeTimers() {
  const f = { t: 0, timers: new Map<number, { at: number; fn: () => void }>(), id: 0 };
  const timers: WatchdogTimers = {
    now: () => f.t,
    setTimeout: (fn, ms) => { f.timers.set(++f.id, { at: f.t + ms, fn }); return f.id; },
    clearTimeout: (id) => { f.timers.delete(id as number); },
    defer: (fn) => fn(),
  };
  const advance = (ms: number) => {
    f.t += ms;
    for (const [id, tm] of [...f.timers]) if (tm.at <= f.t) { f.timers.delete(id); tm.fn(); }
  };
  return { timers, advance };
}

test("armed by the first kick; expires once after timeoutMs without one; a kick re-arms", () => {
  const { timers, advance } = fakeTimers();
  let expired = 0;
  const w = new Watchdog(1000, () => expired++, timers);
  advance(5000);
  assert.equal(w.state, "disarmed");
  assert.equal(expired, 0, "never kicked: never expires");
  w.kick();
  advance(900);
  w.kick();
  advance(900);
  assert.equal(expired, 0);
  assert.equal(w.sinceKick(), 900);
  advance(100);
  assert.equal(expired, 1);
  assert.equal(w.state, "expired");
  advance(5000);
  assert.equal(expired, 1, "once");
  w.kick();
  advance(1000);
  assert.equal(expired, 2);
  assert.equal(w.kicks, 3);
});

test("suspended while paused; resume gives a full timeout; disarm forgets", () => {
  const { timers, advance } = fakeTimers();
  let expired = 0;
  const w = new Watchdog(1000, () => expired++, timers);
  w.kick();
  advance(900);
  w.suspend();
  advance(10_000);
  assert.equal(expired, 0);
  w.resume();
  advance(999);
  assert.equal(expired, 0);
  advance(1);
  assert.equal(expired, 1);
  w.kick();
  w.disarm();
  advance(10_000);
  assert.equal(expired, 1);
  assert.equal(w.state, "disarmed");
});

test("a kick that waited behind the expiry timer (the RootOS was busy) still counts", () => {
  const { timers, advance } = fakeTimers();
  let expired = 0;
  let deferred: (() => void) | undefined;
  const w = new Watchdog(1000, () => expired++, { ...timers, defer: (f) => { deferred = f; } });
  w.kick();
  advance(1500); // the timer fires late; the verdict waits for the messages already queued
  w.kick(); // one of them: a kick
  deferred!();
  assert.equal(expired, 0);
  assert.equal(w.state, "armed");
  advance(1000);
  deferred!();
  assert.equal(expired, 1);
});
