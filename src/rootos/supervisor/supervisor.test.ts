// The supervisor with real VM threads running the bare-metal test guests
// (test/guests: spin, kick, crash, panic). Each VM boots in a few hundred ms.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, test } from "node:test";
import { DescriptionEditor } from "../description/index.js";
import { RootosError } from "./errors.js";
import type { LogEntry } from "./event-log.js";
import type { VmPlan } from "../plan/index.js";
import { Supervisor, type SupervisorOptions } from "./supervisor.js";
import { guestElf, sleep, testSystemPlan, testVmPlan, waitFor } from "./testing.js";

let current: Supervisor | undefined;
afterEach(async () => { await current?.close(); current = undefined; });

function supervisor(vms: VmPlan[], opts: SupervisorOptions = {}): Supervisor {
  current = new Supervisor(testSystemPlan(vms), { eventLog: null, ...opts });
  return current;
}

const states = (log: LogEntry[], vm: string) => log.filter((e) => e.kind === "state" && e.vm === vm).map((e) => e.to);
const restart = (on: VmPlan["restart"]["on"], initialMs = 100, maxMs = 2000) => ({ on, backoff: { initialMs, maxMs, factor: 2 } });

test("start, pause (the counters freeze), resume (they go on), stop; all in the event log file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-sup-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, "events.log");
  const sup = supervisor([testVmPlan("a")], { eventLog: logFile });
  assert.equal(sup.info("a").state, "created");
  const info = await sup.start("a");
  assert.equal(info.state, "running");
  assert.equal(info.starts, 1);
  await waitFor("instructions", async () => (await sup.stats("a")).instructions > 10_000_000);

  assert.equal((await sup.pause("a")).state, "paused");
  const p1 = await sup.stats("a");
  await sleep(300);
  const p2 = await sup.stats("a");
  assert.equal(p2.instructions, p1.instructions, "no instruction retires while paused");
  assert.equal(p2.paused, true);
  assert.equal(p2.mips, 0);
  assert.ok(p2.runningMs - p1.runningMs < 5, "running time stands still too");

  await sup.resume("a");
  await waitFor("instructions after resume", async () => (await sup.stats("a")).instructions > p2.instructions + 10_000_000);
  const stopped = await sup.stop("a");
  assert.equal(stopped.state, "stopped");
  assert.equal(stopped.lastExit, "stopped by the operator");
  const after = await sup.stats("a");
  assert.ok(after.instructions > p2.instructions, "the last counters stay readable");
  assert.deepEqual(states(sup.log(), "a"), ["booting", "running", "paused", "running", "stopping", "stopped"]);

  await current!.close();
  current = undefined;
  const lines = readFileSync(logFile, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as LogEntry);
  assert.deepEqual(lines.filter((e) => e.kind === "command").map((e) => e.message), ["start: ok", "pause: ok", "resume: ok", "stop: ok"]);
  assert.deepEqual(states(lines, "a"), ["booting", "running", "paused", "running", "stopping", "stopped"]);
  assert.ok(lines.every((e) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(e.time)), "every entry has a timestamp");
});

/** The rate over `ms` of wall time, in MIPS, measured from outside. */
async function measureMips(sup: Supervisor, vm: string, ms: number): Promise<number> {
  const a = await sup.stats(vm), t0 = performance.now();
  await sleep(ms);
  const b = await sup.stats(vm), t1 = performance.now();
  return (b.instructions - a.instructions) / (t1 - t0) / 1000;
}

test("throttle: the rate holds within ±10 % of the cap, from the plan and changed at run time", async () => {
  // The caps are fractions of what this host runs the guest at unthrottled, so that a
  // slow or busy host can still reach them: a cap the host cannot reach tests nothing.
  const sup = supervisor([testVmPlan("fast"), testVmPlan("slow", { throttle: { kind: "mips", mips: 10 } })]);
  await sup.start("fast");
  await sleep(500);
  const full = await measureMips(sup, "fast", 1000);
  await sup.stop("fast");
  const low = Math.min(20, Math.round(full * 0.25)), high = Math.min(40, Math.round(full * 0.5));
  assert.ok(low >= 5, `the host runs the guest at ${full.toFixed(1)} MIPS: too slow to test a cap`);

  await sup.throttle("slow", { kind: "mips", mips: low });
  await sup.start("slow");
  await sleep(300);
  const atLow = await measureMips(sup, "slow", 2000);
  assert.ok(Math.abs(atLow - low) <= low * 0.1, `${low} MIPS cap (unthrottled ${full.toFixed(1)}): measured ${atLow.toFixed(2)} MIPS`);
  assert.deepEqual((await sup.throttle("slow", { kind: "mips", mips: high })).throttle, { kind: "mips", mips: high });
  await sleep(200);
  const atHigh = await measureMips(sup, "slow", 2000);
  assert.ok(Math.abs(atHigh - high) <= high * 0.1, `${high} MIPS cap (unthrottled ${full.toFixed(1)}): measured ${atHigh.toFixed(2)} MIPS`);
  const s = await sup.stats("slow");
  assert.ok(Math.abs(s.mips - high) <= high * 0.2, `its own recent rate (over about a second): ${s.mips.toFixed(2)} MIPS, cap ${high}`);
  await sup.throttle("slow", undefined);
  assert.equal(sup.info("slow").throttle, null);
});

test("a crashing VM is restarted with back-off while another runs on untouched", async () => {
  const sup = supervisor([
    testVmPlan("steady"),
    testVmPlan("crashy", { program: guestElf("crash"), restart: restart(["crash"], 100, 2000) }),
  ]);
  const up = await sup.up();
  assert.deepEqual(up.map((u) => u.ok), [true, true]);
  const s0 = await sup.stats("steady");
  await waitFor("three restarts", () => sup.info("crashy").restart.total >= 3);
  const delays = sup.log({ vm: "crashy", kind: "restart" }).map((e) => e.delayMs);
  assert.deepEqual(delays.slice(0, 3), [100, 200, 400], "the back-off doubles");
  const faults = sup.log({ vm: "crashy", kind: "fault" });
  assert.match(faults[0]!.message, /the guest hung: hart 0 is lost/);
  const s1 = await sup.stats("steady");
  assert.ok(s1.instructions > s0.instructions + 50_000_000, "the other VM kept running");
  assert.equal(sup.info("steady").state, "running");
  assert.equal(sup.info("steady").starts, 1);
  // Stop it between restarts: the pending restart is cancelled.
  await waitFor("crashy crashed", () => sup.info("crashy").state === "crashed");
  assert.equal((await sup.stop("crashy")).state, "stopped");
  const total = sup.info("crashy").restart.total;
  await sleep(1000);
  assert.equal(sup.info("crashy").restart.total, total, "no restart after the operator's stop");
  assert.equal(sup.info("crashy").state, "stopped");
});

test("illegal transitions and bad commands are typed errors, and change nothing", async () => {
  const sup = supervisor([testVmPlan("a"), testVmPlan("b")]);
  const kindOf = async (p: Promise<unknown>) => {
    try { await p; } catch (e) { assert.ok(e instanceof RootosError, String(e)); return e.info; }
    assert.fail("no error");
  };
  assert.deepEqual(await kindOf(sup.pause("a")), { kind: "IllegalTransition", vm: "a", state: "created", command: "pause", hint: "it is not running; start it first" });
  await sup.start("a");
  assert.equal((await kindOf(sup.start("a"))).kind, "IllegalTransition");
  assert.equal((await kindOf(sup.resume("a"))).kind, "IllegalTransition");
  await sup.pause("a");
  await assert.rejects(sup.shutdown("a"), /VM 'a' is paused: cannot shutdown it \(a paused guest cannot react; resume it first, or stop it \(hard\)\)/);
  await assert.rejects(sup.stop("nope"), /no VM named 'nope' \(the VMs are: a, b\)/);
  await assert.rejects(sup.throttle("a", { kind: "mips", mips: -1 }), /throttle: -1 MIPS: a MIPS cap must be a number above 0/);
  await assert.rejects(sup.stop("b"), /VM 'b' is created: cannot stop it \(it is not running\)/);
  assert.equal(sup.info("a").state, "paused");
  assert.equal(sup.info("b").state, "created");
  const failed = sup.log({ kind: "command" }).filter((e) => e.ok === false).map((e) => e.message);
  assert.equal(failed.length, 7, "refused commands are logged too");
});

test("a guest panic is a crash: the VM stops after the panic report, and its policy decides", async () => {
  const sup = supervisor([
    testVmPlan("restarts", { program: guestElf("panic"), restart: restart(["crash"], 200) }),
    testVmPlan("stays", { program: guestElf("panic") }),
  ]);
  await sup.up();
  await waitFor("a restart", () => sup.info("restarts").starts >= 2);
  const fault = sup.log({ vm: "restarts", kind: "fault" })[0]!;
  assert.equal(fault.message, "guest panic: Kernel panic - not syncing: bare-metal test guest");
  assert.match(sup.scrollback("restarts"), /---\[ end Kernel panic/, "the whole report is kept");
  await waitFor("stays crashed", () => sup.info("stays").state === "crashed");
  assert.equal(sup.info("stays").lastExit, "guest panic: Kernel panic - not syncing: bare-metal test guest");
  assert.match(sup.log({ vm: "stays", kind: "restart" })[0]!.message, /not restarted: its policy restarts on nothing, not crash/);
});

test("watchdog: a guest that stops kicking is restarted (action restart); pause and log actions", async () => {
  const sup = supervisor([
    testVmPlan("dog", { program: guestElf("kick"), watchdog: { timeoutMs: 1500, action: "restart" }, restart: restart(["watchdog"], 100) }),
    testVmPlan("quiet", { watchdog: { timeoutMs: 300, action: "restart" }, restart: restart(["watchdog"], 100) }),
    testVmPlan("frozen", { program: guestElf("kick"), watchdog: { timeoutMs: 1500, action: "pause" } }),
    testVmPlan("noted", { program: guestElf("kick"), watchdog: { timeoutMs: 1500, action: "log" }, restart: restart(["watchdog"], 100) }),
  ]);
  await sup.up();
  await waitFor("a watchdog restart", () => sup.info("dog").starts >= 2, 15_000);
  const fault = sup.log({ vm: "dog", kind: "fault" })[0]!;
  assert.equal(fault.message, "watchdog expired: no kick for 1500 ms (action restart)");
  assert.equal(fault.seq > 0 && sup.log({ vm: "dog" }).filter((e) => e.seq < fault.seq && e.kind === "restart").length, 0, "the first expiry");
  const kicks = sup.info("dog").watchdog!.kicks;
  assert.ok(kicks >= 5, `it was kicked before it went quiet: ${kicks} kicks`);
  await waitFor("frozen paused", () => sup.info("frozen").state === "paused", 15_000);
  await waitFor("noted expired", () => sup.info("noted").watchdog!.expiries === 1, 15_000);
  assert.equal(sup.info("noted").state, "running", "action log: an event only");
  assert.equal(sup.log({ vm: "noted", kind: "fault" })[0]!.message, "watchdog expired: no kick for 1500 ms (action log)");
  assert.equal(sup.info("quiet").starts, 1, "a guest that never kicks never expires");
  assert.equal(sup.info("quiet").watchdog!.state, "disarmed");
});

test("shutdown: SysRq o powers a guest off; one that ignores it is stopped after the time-out", async () => {
  const sup = supervisor([testVmPlan("polite"), testVmPlan("deaf", { program: guestElf("kick") })], { sysrqGapMs: 50 });
  await sup.up();
  const polite = await sup.shutdown("polite");
  assert.equal(polite.state, "stopped");
  assert.equal(polite.lastExit, "the guest powered off");
  assert.match(sup.scrollback("polite"), /spin: SysRq o: powering off/);
  const t0 = performance.now();
  const deaf = await sup.shutdown("deaf", 500);
  assert.ok(performance.now() - t0 >= 450);
  assert.equal(deaf.state, "stopped");
  assert.equal(deaf.lastExit, "shutdown: no power-off within 500 ms");
  assert.ok(sup.log({ vm: "deaf" }).some((e) => e.message === "the guest did not power off within 500 ms: stopping it hard"));
});

test("console: scroll-back on attach, live output, input (SysRq) reaches the guest", async () => {
  const sup = supervisor([testVmPlan("a")]);
  await sup.start("a");
  await waitFor("banner", () => sup.scrollback("a").includes("spin: running"));
  let seen = "";
  const att = sup.attachConsole("a", { write: (b) => { seen += Buffer.from(b).toString(); } });
  assert.equal(seen, "spin: running\n");
  att.sysrq("o");
  await waitFor("power-off", () => sup.info("a").state === "stopped");
  assert.equal(seen, "spin: running\nspin: SysRq o: powering off\n");
  att.detach();
  assert.deepEqual(sup.log({ vm: "a" }).filter((e) => e.kind === "command").map((e) => e.message), ["start: ok", "console attached", "console detached"]);
});

test("faults of a VM's thread are events that end that VM only", async () => {
  const testingWorker = new URL("./testing-worker.js", import.meta.url);
  const sup = supervisor([
    testVmPlan("steady"),
    testVmPlan("bad-config", { ramBytes: 1000 }),
    testVmPlan("missing", { program: "/nonexistent/guest.elf" }),
  ]);
  await sup.start("steady");
  await assert.rejects(sup.start("bad-config"), /VM 'bad-config' did not start: fault in the VM: memory must be a multiple of 4 KiB/);
  assert.equal(sup.info("bad-config").state, "crashed");
  await assert.rejects(sup.start("missing"), /VM 'missing': program \/nonexistent\/guest.elf: not found/);
  assert.equal(sup.info("missing").state, "crashed");

  const dying = new Supervisor(testSystemPlan([
    testVmPlan("die-soon", { restart: restart(["crash"], 100) }),
    testVmPlan("exit-soon"),
  ]), { eventLog: null, workerUrl: testingWorker });
  try {
    await dying.up();
    await waitFor("die-soon restarted", () => dying.info("die-soon").starts >= 2);
    assert.match(dying.log({ vm: "die-soon", kind: "fault" })[0]!.message, /its thread died: a device model blew up/);
    await waitFor("exit-soon crashed", () => dying.info("exit-soon").state === "crashed");
    assert.equal(dying.info("exit-soon").lastExit, "its thread exited (code 3) without a word");
  } finally {
    await dying.close();
  }
  assert.equal(sup.info("steady").state, "running");
  assert.ok((await sup.stats("steady")).instructions > 0);
});

test("assign, unassign, create: checked as validate checks, refused while the VM runs, adopted when stopped", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-edit-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "system.yaml");
  writeFileSync(file, `board: { cores: 3, memory: 64M }
vms:
  - { name: a, cores: [0], memory: 16M, boot: { kernel: ${guestElf("spin")}, firmware: none } }
`);
  const editor = await DescriptionEditor.open(file);
  current = new Supervisor(editor.loaded.plan, { eventLog: null, editor });
  const sup = current;
  await sup.start("a");
  await assert.rejects(sup.assign("a", { virtio: "rng" }), (e: unknown) => e instanceof RootosError && e.info.kind === "IllegalTransition"
    && e.message === "VM 'a' is running: cannot reconfigure it (its devices change only while it is stopped; stop or shut it down first)");
  await sup.stop("a");
  await assert.rejects(sup.assign("a", { virtio: "block", partition: "nope" }), (e: unknown) => e instanceof RootosError
    && e.message === "assign: refused, nothing changed: vms[0].devices[0].partition: there is no partition 'nope' (none is described)");
  await assert.rejects(sup.assign("a", { virtio: "rng", colour: "red" }), /vms\[0\]\.devices\[0\]/);
  assert.deepEqual(sup.info("a").devices, [], "a refused change changes nothing");
  const given = await sup.assign("a", { virtio: "console", ports: ["shell"] });
  assert.deepEqual(given.devices, ["virtio console: shell"]);
  assert.equal(given.state, "stopped");
  assert.equal(given.starts, 1, "the VM keeps its counts");
  assert.deepEqual(sup.consolePorts("a"), ["shell"], "its new console port is kept by the RootOS");
  assert.equal((await sup.start("a")).state, "running");
  await sup.stop("a");
  assert.deepEqual((await sup.unassign("a", { virtio: "console" })).devices, []);

  // create: from free cores and memory only
  await assert.rejects(sup.create({ name: "b", cores: 3, memory: "16M", kernel: guestElf("spin"), firmware: "none" }), /create: refused, nothing changed: create: 3 core\(s\) asked for, but only 2 are free \(1, 2\)/);
  await assert.rejects(sup.create({ name: "b", cores: 1, memory: "64M", kernel: guestElf("spin"), firmware: "none" }), /vms\[1\]\.memory/);
  await assert.rejects(sup.create({ name: "a", cores: 1, memory: "16M", kernel: guestElf("spin"), firmware: "none" }), /a VM of that name exists already/);
  const b = await sup.create({ name: "b", cores: 2, memory: "16M", kernel: guestElf("spin"), firmware: "none" });
  assert.deepEqual([b.state, b.cores, b.autostart], ["created", [1, 2], false]);
  assert.equal((await sup.start("b")).state, "running");
  assert.deepEqual(sup.names(), ["a", "b"]);
  assert.ok(sup.log({ kind: "info" }).some((e) => e.vm === "b" && e.message === "created vm b"));
});

test("without a description, changes are refused with the reason", async () => {
  const sup = supervisor([testVmPlan("a")]);
  await assert.rejects(sup.assign("a", { virtio: "rng" }), /assign: this system has no description to change \(start it with bulkhead up FILE\)/);
});
