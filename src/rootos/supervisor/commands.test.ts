import assert from "node:assert/strict";
import { after, test } from "node:test";
import { COMMANDS, parseDuration, parseThrottle, runCommand } from "./commands.js";
import { RootosError } from "./errors.js";
import { Supervisor, type VmInfo, type VmStats } from "./supervisor.js";
import { testSystemPlan, testVmPlan, waitFor } from "./testing.js";

test("argument parsers", () => {
  assert.deepEqual(parseThrottle("50"), { kind: "mips", mips: 50 });
  assert.deepEqual(parseThrottle("12.5MIPS"), { kind: "mips", mips: 12.5 });
  assert.deepEqual(parseThrottle("25%"), { kind: "share", percent: 25 });
  assert.equal(parseThrottle("off"), undefined);
  assert.throws(() => parseThrottle("fast"), /throttle: fast: not a cap/);
  assert.deepEqual(["500ms", "10s", "2m", "250"].map((d) => parseDuration("shutdown", d)), [500, 10_000, 120_000, 250]);
  assert.throws(() => parseDuration("shutdown", "soon"), /shutdown: soon: not a duration/);
});

const sup = new Supervisor(testSystemPlan([testVmPlan("a"), testVmPlan("b", { autostart: false })]), { eventLog: null, sysrqGapMs: 50 });
after(() => sup.close());

test("one table runs every command: data for programs, text for people", async () => {
  assert.deepEqual(COMMANDS.map((c) => c.name), ["list", "info", "start", "stop", "shutdown", "pause", "resume", "reset", "throttle", "stats", "measurements", "assign", "unassign", "create", "upgrade", "slots", "log"]);
  const start = await runCommand(sup, ["start", "a"]);
  assert.equal((start.data as VmInfo).state, "running");
  assert.equal(start.text, "a: running");
  const list = await runCommand(sup, ["list"]);
  assert.equal((list.data as VmInfo[]).length, 2);
  assert.match(list.text, /^NAME\s+STATE\s+CORES\s+MEMORY\s+BOOT\s+THROTTLE\s+STARTS\s+LAST EXIT\na\s+running\s+0\s+16M\s+bare\s+none\s+1\s+-\nb\s+created/);
  assert.equal((await runCommand(sup, ["throttle", "a", "30"])).text, "a: throttle 30 MIPS");
  await waitFor("instructions", async () => ((await runCommand(sup, ["stats", "a"])).data as VmStats).instructions > 0);
  assert.match((await runCommand(sup, ["stats", "a"])).text, /^a: running, throttle 30 MIPS\n {2}\d+ instructions in/);
  assert.match((await runCommand(sup, ["info", "a"])).text, /^a: running since .*\n {2}os bare-metal, general; cores 0 \(1 hart\), 16M/);
  assert.match((await runCommand(sup, ["measurements", "a"])).text, /^a: unsigned images \(allowed\)\n {2} 0 program {4}sha256:[0-9a-f]{64} {2}spin\n {2}value [0-9a-f]{64}$/);
  assert.equal((await runCommand(sup, ["measurements", "b"])).text, "b: not measured yet (it has not started)");
  assert.equal((await runCommand(sup, ["pause", "a"])).text, "a: paused");
  assert.equal((await runCommand(sup, ["resume", "a"])).text, "a: running");
  assert.equal((await runCommand(sup, ["shutdown", "a", "5s"])).text, "a: stopped (the guest powered off)");
  const log = await runCommand(sup, ["log", "a", "command", "-n", "2"]);
  assert.match(log.text, /command  resume: ok\n.*command  shutdown 5000: ok$/);
});

test("bad command lines are RootosErrors that say what is wrong", async () => {
  const info = async (words: string[]) => {
    try { await runCommand(sup, words); } catch (e) { assert.ok(e instanceof RootosError); return e.message; }
    assert.fail("no error");
  };
  assert.equal(await info(["frobnicate"]), "unknown command 'frobnicate' (the commands are: list, info, start, stop, shutdown, pause, resume, reset, throttle, stats, measurements, assign, unassign, create, upgrade, slots, log)");
  assert.equal(await info(["pause"]), "pause: (nothing): missing arguments (usage: pause VM)");
  assert.equal(await info(["stats", "a", "b"]), "stats: a b: too many arguments (usage: stats VM)");
  assert.equal(await info(["resume", "zz"]), "no VM named 'zz' (the VMs are: a, b)");
  assert.equal(await info(["log", "-n"]), "log: -n: -n needs a number of entries");
  assert.equal(await info(["assign", "b", "virtio"]), "assign: virtio: 'virtio' is not KEY=VALUE");
  assert.equal(await info(["assign", "b"]), "assign: b: missing arguments (usage: assign VM KEY=VALUE…)");
  assert.equal(await info(["create", "c", "cores=[1"]), "create: cores=[1: 'cores=[1': the value is not valid YAML (Flow sequence must end with a ])");
});
