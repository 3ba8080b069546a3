import assert from "node:assert/strict";
import { after, test } from "node:test";
import { RootosError } from "../supervisor/errors.js";
import { Supervisor, type VmInfo, type VmStats } from "../supervisor/supervisor.js";
import { testSystemPlan, testVmPlan, waitFor } from "../supervisor/testing.js";
import { parseDuration, parseThrottle } from "./params.js";
import { COMMANDS, runWords } from "./table.js";

const sup = new Supervisor(testSystemPlan([testVmPlan("a"), testVmPlan("b", { autostart: false })]), { eventLog: null, sysrqGapMs: 50 });
after(() => sup.close());

test("argument parsers", async () => {
  assert.deepEqual(parseThrottle("50"), { kind: "mips", mips: 50 });
  assert.deepEqual(parseThrottle("12.5MIPS"), { kind: "mips", mips: 12.5 });
  assert.deepEqual(parseThrottle("25%"), { kind: "share", percent: 25 });
  assert.equal(parseThrottle("off"), undefined);
  await assert.rejects(runWords(sup, ["throttle", "b", "fast"]), /throttle: fast: not a cap/);
  assert.deepEqual(["500ms", "10s", "2m", "250"].map((d) => parseDuration(d)), [500, 10_000, 120_000, 250]);
  await assert.rejects(runWords(sup, ["shutdown", "b", "soon"]), /shutdown: soon: not a duration/);
});

test("one table runs every command: data for programs, text for people", async () => {
  assert.deepEqual(COMMANDS.map((c) => c.name), ["list", "info", "start", "stop", "shutdown", "pause", "resume", "reset", "throttle", "stats", "measurements", "assign", "unassign", "create", "upgrade", "slots", "board", "log", "console", "gdb", "halt", "continue", "where", "regs", "mem", "translate", "disas"]);
  const start = await runWords(sup, ["start", "a"]);
  assert.equal((start.data as VmInfo).state, "running");
  assert.equal(start.text, "a: running");
  const list = await runWords(sup, ["list"]);
  assert.equal((list.data as VmInfo[]).length, 2);
  assert.match(list.text, /^NAME\s+STATE\s+CORES\s+MEMORY\s+BOOT\s+THROTTLE\s+STARTS\s+LAST EXIT\na\s+running\s+0\s+16M\s+bare\s+none\s+1\s+-\nb\s+created/);
  assert.equal((await runWords(sup, ["throttle", "a", "30"])).text, "a: throttle 30 MIPS");
  await waitFor("instructions", async () => ((await runWords(sup, ["stats", "a"])).data as VmStats).instructions > 0);
  assert.match((await runWords(sup, ["stats", "a"])).text, /^a: running, throttle 30 MIPS\n {2}\d+ instructions in/);
  assert.match((await runWords(sup, ["info", "a"])).text, /^a: running since .*\n {2}os bare-metal, general; cores 0 \(1 hart\), 16M/);
  assert.match((await runWords(sup, ["measurements", "a"])).text, /^a: unsigned images \(allowed\)\n {2} 0 program {4}sha256:[0-9a-f]{64} {2}spin\n {2}value [0-9a-f]{64}$/);
  assert.equal((await runWords(sup, ["measurements", "b"])).text, "b: not measured yet (it has not started)");
  assert.equal((await runWords(sup, ["pause", "a"])).text, "a: paused");
  assert.equal((await runWords(sup, ["resume", "a"])).text, "a: running");
  assert.equal((await runWords(sup, ["shutdown", "a", "5s"])).text, "a: stopped (the guest powered off)");
  const log = await runWords(sup, ["log", "a", "command", "-n", "2"]);
  assert.match(log.text, /command  resume: ok\n.*command  shutdown 5000: ok$/);
});

test("bad command lines are RootosErrors that say what is wrong", async () => {
  const info = async (words: string[]) => {
    try { await runWords(sup, words); } catch (e) { assert.ok(e instanceof RootosError); return e.message; }
    assert.fail("no error");
  };
  assert.equal(await info(["frobnicate"]), "unknown command 'frobnicate' (the commands are: list, info, start, stop, shutdown, pause, resume, reset, throttle, stats, measurements, assign, unassign, create, upgrade, slots, board, log, console, gdb, halt, continue, where, regs, mem, translate, disas)");
  assert.equal(await info(["pause"]), "pause: (nothing): missing arguments (usage: pause VM)");
  assert.equal(await info(["stats", "a", "b"]), "stats: a b: too many arguments (usage: stats VM)");
  assert.equal(await info(["resume", "zz"]), "no VM named 'zz' (the VMs are: a, b)");
  assert.equal(await info(["log", "-n"]), "log: -n: -n needs a number of entries");
  assert.equal(await info(["assign", "b", "virtio"]), "assign: virtio: 'virtio' is not KEY=VALUE");
  assert.equal(await info(["assign", "b"]), "assign: b: missing arguments (usage: assign VM KEY=VALUE…)");
  assert.equal(await info(["create", "c", "cores=[1"]), "create: cores=[1: 'cores=[1': the value is not valid YAML (Flow sequence must end with a ])");
});
