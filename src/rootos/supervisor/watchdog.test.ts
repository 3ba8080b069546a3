// The watchdog as the controller keeps it (watchdog.ts, controller.ts), on a fake clock:
// a VM that runs, with a watchdog of 1000 ms whose action is `log`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { NO_RESTART, FakeVm } from "./testing.js";

function runningVm(): { vm: FakeVm; expired: () => number } {
  const vm = new FakeVm({ name: "w", restart: NO_RESTART, watchdog: { timeoutMs: 1000, action: "log" } });
  vm.boot();
  return { vm, expired: () => vm.logs("fault").filter((m) => m.startsWith("watchdog expired")).length };
}
const wd = (vm: FakeVm) => vm.state.watchdog!;
const kick = (vm: FakeVm) => vm.send({ kind: "kick", via: "console" });

test("armed by the first kick; expires once after timeoutMs without one; a kick re-arms", () => {
  const { vm, expired } = runningVm();
  vm.advance(5000);
  assert.equal(wd(vm).state, "disarmed");
  assert.equal(expired(), 0, "never kicked: never expires");
  kick(vm);
  vm.advance(900);
  kick(vm);
  vm.advance(900);
  assert.equal(expired(), 0);
  assert.equal(vm.now - wd(vm).lastKickAt!, 900);
  vm.advance(100);
  assert.equal(expired(), 1);
  assert.equal(wd(vm).state, "expired");
  vm.advance(5000);
  assert.equal(expired(), 1, "once");
  kick(vm);
  vm.advance(1000);
  assert.equal(expired(), 2);
  assert.equal(wd(vm).kicks, 3);
});

test("suspended while paused; resume gives a full timeout; disarm forgets", () => {
  const { vm, expired } = runningVm();
  kick(vm);
  vm.advance(900);
  vm.send({ kind: "command", command: "pause" });
  assert.equal(wd(vm).state, "suspended");
  vm.advance(10_000);
  assert.equal(expired(), 0);
  vm.send({ kind: "command", command: "resume" });
  vm.advance(999);
  assert.equal(expired(), 0);
  vm.advance(1);
  assert.equal(expired(), 1);
  kick(vm);
  vm.send({ kind: "reset", by: "guest" }); // a new boot disarms it
  vm.advance(10_000);
  assert.equal(expired(), 1);
  assert.equal(wd(vm).state, "disarmed");
});

test("a kick that waited behind the expiry timer (the RootOS was busy) still counts", () => {
  const { vm, expired } = runningVm();
  kick(vm);
  const [late] = vm.advance(1500, true); // the timer fires late; the verdict waits for the messages already queued
  kick(vm); // one of them: a kick
  vm.send(late!);
  assert.equal(expired(), 0);
  assert.equal(wd(vm).state, "armed");
  const [next] = vm.advance(1000, true);
  vm.send(next!);
  assert.equal(expired(), 1);
});
