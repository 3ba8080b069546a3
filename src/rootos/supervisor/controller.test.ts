// The per-VM controller (controller.ts) without threads, timers or disks: a fake clock,
// its actions recorded (FakeVm in testing.ts). Every transition of docs/supervisor.md's
// lifecycle, restart (with back-off), watchdog and upgrade tables.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { RestartPlan, WatchdogPlan } from "../plan/index.js";
import { PANIC_GRACE_MS } from "./console-watch.js";
import { type ControlPlan, step } from "./controller.js";
import { commandTarget, illegalHint, VM_COMMANDS, VM_STATES } from "./lifecycle.js";
import { FakeVm, NO_RESTART } from "./testing.js";

const restartOn = (on: RestartPlan["on"]): RestartPlan => ({ on, backoff: { initialMs: 100, maxMs: 1000, factor: 2 } });
const plan = (over: Partial<ControlPlan> = {}): ControlPlan => ({ name: "v", restart: NO_RESTART, ...over });
const crash = { kind: "ended", end: { kind: "exit", exit: { kind: "fail", code: 3 } } } as const;
const powerOff = { kind: "ended", end: { kind: "exit", exit: { kind: "poweroff", code: 0 } } } as const;
const stopped = (reason: string) => ({ kind: "ended", end: { kind: "exit", exit: { kind: "stopped", reason } } }) as const;

// ---- lifecycle ----------------------------------------------------------------------

test("start: created -> booting (its images are read) -> running once its machine runs; start() callers are settled", () => {
  const vm = new FakeVm(plan());
  vm.send({ kind: "command", command: "start" });
  assert.deepEqual(vm.take(), ["load:start"]);
  vm.send({ kind: "loaded" });
  assert.deepEqual(vm.take(), ["console-reset", "spawn"]);
  assert.equal(vm.state.starts, 1);
  vm.send({ kind: "started", boot: 1 });
  assert.deepEqual(vm.take(), ["settle"]);
  assert.equal(vm.state.life, "running");
  assert.deepEqual(vm.logs("state"), ["created -> booting (command start)", "booting -> running (its machine runs)"]);
});

test("every command in every state: the table's move, or refused with the hint and nothing changed", () => {
  for (const life of VM_STATES) {
    for (const command of VM_COMMANDS) {
      const before = { ...new FakeVm(plan()).state, life, thread: life !== "created" && life !== "stopped" && life !== "crashed" };
      const s = step(before, command === "shutdown" ? { kind: "command", command, timeoutMs: 500 } : { kind: "command", command }, 0);
      const to = commandTarget(life, command);
      if (to === undefined) {
        assert.deepEqual(s.refused, { kind: "IllegalTransition", vm: "v", state: life, command, hint: illegalHint(life, command) }, `${command} in ${life}`);
        assert.deepEqual(s.state, before, `${command} in ${life}: unchanged`);
        assert.deepEqual(s.actions, []);
      } else {
        assert.equal(s.refused, undefined, `${command} in ${life}`);
        assert.equal(s.state.life, to, `${command} in ${life}`);
      }
    }
  }
});

test("stop: running -> stopping -> stopped when the thread ends; stop escalates a shutdown; booting without a thread stops at once", () => {
  const vm = new FakeVm(plan());
  vm.boot();
  vm.take();
  vm.send({ kind: "command", command: "stop" });
  assert.deepEqual(vm.take(), ["stop:stopped by the operator"]);
  vm.send(stopped("stopped by the operator"));
  assert.deepEqual(vm.take(), ["gone", "settle:it was stopped while starting (stopped by the operator)"]);
  assert.equal(vm.state.life, "stopped");
  assert.equal(vm.state.lastExit, "stopped by the operator");

  vm.boot();
  vm.send({ kind: "command", command: "shutdown", timeoutMs: 500 });
  vm.take();
  vm.send({ kind: "command", command: "stop" }); // escalates: a hard stop now
  assert.deepEqual(vm.take(), ["stop:stopped by the operator"]);
  assert.equal(vm.logs("state").at(-1), "running -> stopping (command shutdown)");
  assert.equal(vm.state.life, "stopping");

  // Stopped while its images are read: no thread to stop; the load that finishes later does not start one.
  const early = new FakeVm(plan());
  early.send({ kind: "command", command: "start" });
  early.send({ kind: "command", command: "stop" });
  assert.equal(early.state.life, "stopped");
  assert.deepEqual(early.logs("state"), ["created -> booting (command start)", "booting -> stopping (command stop)", "stopping -> stopped (stopped before its thread started)"]);
  early.take();
  early.send({ kind: "loaded" });
  assert.deepEqual(early.refused, { kind: "StartFailed", vm: "v", why: "it was stopped while starting" });
  assert.deepEqual(early.take(), []);
});

test("shutdown: SysRq s, u, o; the guest powers off -> stopped; one that does not is stopped hard at the time-out", () => {
  const vm = new FakeVm(plan());
  vm.boot();
  vm.take();
  vm.send({ kind: "command", command: "shutdown", timeoutMs: 500 });
  assert.deepEqual(vm.take(), ["sysrq:suo"]);
  assert.deepEqual(vm.armed(), ["shutdown"]);
  vm.send(powerOff);
  assert.equal(vm.state.life, "stopped");
  assert.deepEqual(vm.armed(), [], "the time-out is cancelled");

  vm.boot();
  vm.send({ kind: "command", command: "shutdown", timeoutMs: 500 });
  vm.take();
  vm.advance(499);
  assert.deepEqual(vm.take(), []);
  vm.advance(1);
  assert.deepEqual(vm.take(), ["stop:shutdown: no power-off within 500 ms"]);
  assert.equal(vm.logs("info").at(-1), "the guest did not power off within 500 ms: stopping it hard");
  vm.send(stopped("shutdown: no power-off within 500 ms"));
  assert.equal(vm.state.life, "stopped");
});

test("pause, resume, reset and a guest reboot", () => {
  const vm = new FakeVm(plan());
  vm.boot();
  vm.take();
  vm.send({ kind: "command", command: "pause" });
  vm.send({ kind: "command", command: "resume" });
  vm.send({ kind: "command", command: "reset" });
  assert.deepEqual(vm.take(), ["pause", "resume", "console-reset", "reset"]);
  assert.equal(vm.state.life, "booting");
  vm.send({ kind: "reset", by: "host" });
  vm.send({ kind: "started", boot: 2 });
  vm.send({ kind: "reset", by: "guest" });
  vm.send({ kind: "started", boot: 3 });
  assert.deepEqual(vm.moves(), ["booting", "running", "paused", "running", "booting", "running", "booting", "running"]);
  assert.deepEqual(vm.logs("state").slice(-3), ["booting -> running (rebooted (boot 2))", "running -> booting (guest reboot)", "booting -> running (rebooted (boot 3))"]);
  assert.deepEqual(vm.logs("info"), ["reset by the operator", "the guest rebooted"]);
  assert.equal(vm.state.boots, 3);
});

test("a reset whose images verified boot refuses, or that cannot be read: the machine is stopped, not rebooted with the old ones", () => {
  for (const [failure, reason] of [
    [{ refused: { file: "out/Image", reason: "Unsigned" } }, "reset: verified boot refused out/Image: unsigned"],
    [{}, "reset: its boot images could not be read: unsigned"],
  ] as const) {
    const vm = new FakeVm(plan());
    vm.boot();
    vm.send({ kind: "command", command: "reset" });
    vm.take();
    vm.send({ kind: "load-failed", why: "unsigned", ...failure });
    assert.deepEqual(vm.take(), [`stop:${reason}`]);
    assert.equal(vm.state.life, "stopping");
    assert.deepEqual(vm.logs("fault"), [reason]);
    vm.send(stopped(reason));
    assert.equal(vm.state.life, "stopped");
    assert.equal(vm.state.lastExit, reason);
  }
});

test("a thread's end: power-off -> stopped; failure, fault, thread death -> crashed, logged; verified boot's refusal -> stopped", () => {
  const off = new FakeVm(plan());
  off.boot();
  off.send(powerOff);
  assert.equal(off.state.life, "stopped");
  assert.equal(off.state.lastExit, "the guest powered off");
  assert.deepEqual(off.logs("restart"), [], "a power-off its policy does not restart is not news");

  for (const [end, text] of [
    [crash.end, "the guest reported failure (code 3)"],
    [{ kind: "fault", message: "boom", stack: "at x", beforeStart: false }, "fault in the VM: boom"],
    [{ kind: "crash", message: "its thread died: oom", beforeStart: false }, "its thread died: oom"],
  ] as const) {
    const vm = new FakeVm(plan());
    vm.boot();
    vm.send({ kind: "ended", end });
    assert.equal(vm.state.life, "crashed", text);
    assert.equal(vm.state.lastExit, text);
    assert.ok(vm.logs("fault").includes(text));
    assert.deepEqual(vm.logs("restart"), ["not restarted: its policy restarts on nothing, not crash"]);
  }

  const refused = new FakeVm(plan());
  refused.send({ kind: "command", command: "start" });
  refused.send({ kind: "load-failed", why: "unknown key", refused: { file: "a.bundle", reason: "UnknownKey" } });
  assert.equal(refused.state.life, "stopped");
  assert.equal(refused.state.lastExit, "refused by verified boot: a.bundle: unknown key");
  assert.deepEqual(refused.logs("fault"), ["verified boot refused a.bundle: unknown key"]);
  const unreadable = new FakeVm(plan());
  unreadable.send({ kind: "command", command: "start" });
  unreadable.send({ kind: "load-failed", why: "no such file" });
  assert.equal(unreadable.state.life, "crashed");
  assert.equal(unreadable.state.lastExit, "did not start: no such file");
});

test("close: a running VM is stopped, its timers cancelled; nothing restarts it after", () => {
  const vm = new FakeVm(plan({ restart: restartOn(["crash"]), watchdog: { timeoutMs: 1000, action: "restart" } }));
  vm.boot();
  vm.send({ kind: "kick", via: "console" });
  vm.take();
  vm.send({ kind: "close" });
  assert.deepEqual(vm.take(), ["stop:the RootOS is shutting down"]);
  assert.deepEqual(vm.armed(), []);
  vm.send(crash);
  assert.deepEqual(vm.armed(), [], "no restart scheduled once closed");
  assert.deepEqual(vm.logs("restart"), []);
});

// ---- restart policy ---------------------------------------------------------------------

test("restart with back-off: 100, 200, 400 ms in a row; a VM that ran longer than max counts from 1 again", () => {
  const vm = new FakeVm(plan({ restart: restartOn(["crash"]) }));
  vm.boot();
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    vm.advance(10);
    vm.send(crash);
    assert.equal(vm.state.life, "crashed");
    const a = [...vm.actions].reverse().find((x) => x.kind === "arm" && x.timer === "restart");
    delays.push(a?.kind === "arm" ? a.ms : -1);
    assert.equal(vm.state.restart?.at, vm.now + delays.at(-1)!);
    vm.take();
    vm.advance(delays.at(-1)!);
    assert.deepEqual(vm.take(), ["load:restart"]);
    vm.send({ kind: "loaded" });
    vm.send({ kind: "started", boot: 1 });
  }
  assert.deepEqual(delays, [100, 200, 400]);
  assert.equal(vm.state.inARow, 3);
  assert.equal(vm.state.restarts, 3);
  assert.match(vm.logs("restart")[1]!, /^restarting in 200 ms \(crash; restart 2 in a row\)$/);
  assert.ok(vm.logs("state").includes("crashed -> booting (restart by policy (crash))"));
  vm.advance(1001);
  vm.send(crash);
  assert.equal(vm.state.inARow, 1, "healthy for longer than max");
});

test("restart: only on the causes it lists (power-off too); never after the operator's stop; a start or stop cancels a pending one", () => {
  const off = new FakeVm(plan({ restart: restartOn(["poweroff"]) }));
  off.boot();
  off.send(powerOff);
  assert.equal(off.state.life, "stopped");
  assert.deepEqual(off.armed(), ["restart"]);
  off.send({ kind: "command", command: "stop" });
  assert.deepEqual(off.logs("restart").at(-1), "pending restart cancelled");
  assert.deepEqual(off.armed(), []);

  const ops = new FakeVm(plan({ restart: restartOn(["crash", "watchdog", "poweroff"]) }));
  ops.boot();
  ops.send({ kind: "command", command: "stop" });
  ops.send({ kind: "ended", end: { kind: "killed", reason: "stopped by the operator" } });
  assert.deepEqual(ops.armed(), [], "the operator's stop never restarts");

  const crashed = new FakeVm(plan({ restart: restartOn(["crash"]) }));
  crashed.boot();
  crashed.send(crash);
  crashed.send({ kind: "command", command: "stop" });
  assert.equal(crashed.state.life, "stopped");
  assert.equal(crashed.state.restart, undefined);
  crashed.advance(10_000);
  assert.equal(crashed.state.life, "stopped");

  const again = new FakeVm(plan({ restart: restartOn(["crash"]) }));
  again.boot();
  again.send(crash);
  const stale = again.advance(0, true);
  assert.deepEqual(stale, []);
  again.send({ kind: "command", command: "start" }); // a pending restart happens now
  assert.equal(again.state.inARow, 0);
  assert.deepEqual(again.armed(), []);
});

test("restart: a VM that fails before its machine ran is not restarted (the same start would fail again)", () => {
  const vm = new FakeVm(plan({ restart: restartOn(["crash"]) }));
  vm.send({ kind: "command", command: "start" });
  vm.send({ kind: "loaded" });
  vm.send({ kind: "ended", end: { kind: "fault", message: "memory must be a multiple of 4 KiB", beforeStart: true } });
  assert.equal(vm.state.life, "crashed");
  assert.deepEqual(vm.take().slice(-1), ["settle:fault in the VM: memory must be a multiple of 4 KiB"]);
  assert.deepEqual(vm.logs("restart"), ["not restarted: it failed before its machine ran (the same start would fail again)"]);
  assert.deepEqual(vm.armed(), []);
});

// ---- watchdog and guest panic ---------------------------------------------------------

test("watchdog actions at expiry: log (an event), pause, stop, restart (a fault its policy restarts)", () => {
  const expire = (action: WatchdogPlan["action"]) => {
    const vm = new FakeVm(plan({ watchdog: { timeoutMs: 1000, action }, restart: restartOn(["watchdog"]) }));
    vm.boot();
    vm.send({ kind: "kick", via: "port" });
    vm.take();
    vm.advance(1000);
    assert.deepEqual(vm.logs("fault"), [`watchdog expired: no kick for 1000 ms (action ${action})`]);
    return vm;
  };
  const log = expire("log");
  assert.deepEqual([log.state.life, log.take()], ["running", []]);
  const pause = expire("pause");
  assert.deepEqual([pause.state.life, pause.take()], ["paused", ["pause"]]);
  const stop = expire("stop");
  assert.deepEqual([stop.state.life, stop.take()], ["stopping", ["stop:watchdog expired"]]);
  stop.send(stopped("watchdog expired"));
  assert.equal(stop.state.life, "stopped");
  const restart = expire("restart");
  assert.deepEqual(restart.take(), ["stop:watchdog expired: no kick for 1000 ms"]);
  restart.send(stopped("watchdog expired: no kick for 1000 ms"));
  assert.equal(restart.state.life, "crashed");
  assert.equal(restart.state.lastExit, "watchdog expired: no kick for 1000 ms");
  assert.match(restart.logs("restart")[0]!, /^restarting in 100 ms \(watchdog; restart 1 in a row\)$/);
  assert.equal(restart.logs("fault").length, 1, "the expiry was logged when seen, not again at the end");
});

test("watchdog: a guest that never kicks never expires; a port kick does not count while paused, a console line does", () => {
  const vm = new FakeVm(plan({ watchdog: { timeoutMs: 300, action: "restart" } }));
  vm.boot();
  vm.advance(10_000);
  assert.equal(vm.state.watchdog!.state, "disarmed");
  vm.send({ kind: "command", command: "pause" });
  vm.send({ kind: "kick", via: "port" });
  assert.equal(vm.state.watchdog!.kicks, 0);
  vm.send({ kind: "kick", via: "console" });
  assert.equal(vm.state.watchdog!.kicks, 1);
  assert.equal(vm.state.watchdog!.state, "armed");
  vm.advance(300);
  assert.equal(vm.state.watchdog!.expiries, 1);
  assert.deepEqual(vm.logs("fault"), [], "an expiry while paused has no action");
});

test("a guest panic: logged, then stopped at the end of the report or after the grace; a crash for its policy", () => {
  const vm = new FakeVm(plan({ restart: restartOn(["crash"]) }));
  vm.boot();
  vm.take();
  vm.send({ kind: "panic", line: "Kernel panic - not syncing: x" });
  assert.deepEqual(vm.logs("fault"), ["guest panic: Kernel panic - not syncing: x"]);
  vm.send({ kind: "panic", line: "Kernel panic - not syncing: again" });
  assert.equal(vm.logs("fault").length, 1, "one panic per run");
  vm.send({ kind: "panic-end" });
  assert.deepEqual(vm.take(), ["stop:guest panic: Kernel panic - not syncing: x"]);
  vm.send(stopped("guest panic: Kernel panic - not syncing: x"));
  assert.equal(vm.state.life, "crashed");
  assert.equal(vm.state.lastExit, "guest panic: Kernel panic - not syncing: x");
  assert.deepEqual(vm.armed(), ["restart"]);

  const quiet = new FakeVm(plan());
  quiet.boot();
  quiet.send({ kind: "panic", line: "Kernel panic - not syncing: y" });
  quiet.take();
  quiet.advance(PANIC_GRACE_MS);
  assert.deepEqual(quiet.take(), ["stop:guest panic: Kernel panic - not syncing: y"]);
});

// ---- the upgrade trial ----------------------------------------------------------------

/** A VM with slots running version 1, with an upgrade to version 2 in slot B switched to. */
function switched(over: Partial<ControlPlan> = {}): FakeVm {
  const vm = new FakeVm(plan({ upgrade: { slots: true, deadlineMs: 4000, targets: [] }, restart: restartOn(["crash"]), ...over }));
  vm.boot();
  vm.send({ kind: "upgrade-writing", version: 2, slot: "B", previous: "A", system: false });
  assert.equal(vm.state.trial?.phase, "writing");
  vm.send({ kind: "upgrade-switched", delayMs: 500 });
  vm.take();
  return vm;
}

/** ... and restarted into it: the old thread stopped, the new one running. */
function onTrial(over: Partial<ControlPlan> = {}): FakeVm {
  const vm = switched(over);
  vm.advance(500);
  assert.deepEqual(vm.take(), ["start-trial:upgrade: version 2 in slot B"]);
  assert.deepEqual(vm.armed(), ["trial-deadline"]);
  vm.send({ kind: "restart", why: "upgrade: version 2 in slot B" });
  assert.deepEqual(vm.take(), ["stop:upgrade: version 2 in slot B"]);
  vm.send(stopped("upgrade: version 2 in slot B"));
  vm.send({ kind: "reboot", why: "upgrade: version 2 in slot B", for: "trial" });
  assert.deepEqual(vm.take().slice(-1), ["load:trial"]);
  assert.equal(vm.state.trial?.booted, true);
  vm.send({ kind: "loaded" });
  vm.send({ kind: "started", boot: 1 });
  vm.take();
  assert.deepEqual(vm.moves().slice(-4), ["stopping", "stopped", "booting", "running"]);
  return vm;
}

test("upgrade trial: the new image kicks its watchdog -> commit", () => {
  const vm = onTrial({ watchdog: { timeoutMs: 60_000, action: "log" } });
  vm.send({ kind: "kick", via: "console" });
  assert.deepEqual(vm.take(), ["commit:its watchdog was kicked"]);
  assert.equal(vm.state.trial, undefined);
  assert.deepEqual(vm.armed(), ["watchdog"], "the deadline is cancelled");
});

test("upgrade trial: a kick before the restart (the old image's) does not commit", () => {
  const vm = switched({ watchdog: { timeoutMs: 60_000, action: "log" } });
  vm.send({ kind: "kick", via: "console" });
  assert.deepEqual(vm.take(), []);
  assert.equal(vm.state.trial?.phase, "switched");
});

test("upgrade trial: the deadline with a watchdog and no kick -> rollback; without a watchdog: running -> commit, not running -> rollback", () => {
  const silent = onTrial({ watchdog: { timeoutMs: 60_000, action: "log" } });
  silent.advance(4000);
  assert.deepEqual(silent.take(), ["rollback:no watchdog kick within 4000 ms"]);
  assert.equal(silent.state.trial, undefined);

  const plain = onTrial();
  plain.advance(4000);
  assert.deepEqual(plain.take(), ["commit:still running after 4000 ms"]);

  const stoppedOne = onTrial();
  stoppedOne.send({ kind: "command", command: "stop" });
  stoppedOne.send(stopped("stopped by the operator"));
  stoppedOne.take();
  stoppedOne.advance(4000);
  assert.deepEqual(stoppedOne.take(), ["rollback:it is stopped at the deadline (4000 ms)"]);
});

test("upgrade trial: the new image crashes -> rollback at once, not the restart policy; it did not start -> rollback", () => {
  const vm = onTrial();
  vm.send(crash);
  assert.deepEqual(vm.take(), ["gone", "settle:the guest reported failure (code 3)", "rollback:the guest reported failure (code 3)"]);
  assert.equal(vm.state.life, "crashed");
  assert.deepEqual(vm.armed(), [], "no policy restart, no deadline");
  assert.deepEqual(vm.logs("restart"), []);

  const refused = switched();
  refused.advance(500);
  refused.send({ kind: "restart", why: "upgrade" });
  refused.send(stopped("upgrade"));
  refused.send({ kind: "reboot", why: "upgrade", for: "trial" });
  refused.send({ kind: "load-failed", why: "bad signature", refused: { file: "slot B", reason: "BadSignature" } });
  refused.take();
  refused.send({ kind: "trial-failed", why: "VM 'v': verified boot refused slot B: bad signature" });
  assert.deepEqual(refused.take(), ["rollback:it did not start: VM 'v': verified boot refused slot B: bad signature"]);
  assert.equal(refused.state.life, "stopped");
});

test("upgrade: a write that fails leaves no trial; close leaves a trial to the record (its timers cancelled)", () => {
  const vm = new FakeVm(plan({ upgrade: { slots: true, deadlineMs: 4000, targets: [] } }));
  vm.boot();
  vm.send({ kind: "upgrade-writing", version: 2, slot: "B", previous: "A", system: true });
  vm.send({ kind: "upgrade-aborted" });
  assert.equal(vm.state.trial, undefined);
  const open = switched();
  open.send({ kind: "close" });
  assert.deepEqual(open.armed(), []);
  open.advance(10_000);
  assert.deepEqual(open.take(), ["stop:the RootOS is shutting down"]);
  open.send({ kind: "reboot", why: "late", for: "trial" });
  assert.deepEqual(open.refused, { kind: "Closed" });
});
