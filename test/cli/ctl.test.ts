// `bulkhead ctl` as a user runs it (bin/bulkhead in a child process) against an API
// started in this test on a Supervisor running the bare-metal test guests: commands and
// their exit status, --json, errors, the token, a console session and the event stream.
import assert from "node:assert/strict";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { after, before, test } from "node:test";
import { startApi, type ApiServer } from "../../src/api/index.js";
import { Supervisor, type VmInfo } from "../../src/rootos/supervisor/supervisor.js";
import { guestElf, testSystemPlan, testVmPlan, waitFor } from "../../src/rootos/supervisor/testing.js";
import { cli, describeRun, repoRoot, runBulkhead } from "../support/bulkhead.js";

const TIMEOUT_MS = 30_000;
// Slow guests: the host is shared (and the child processes of ctl need a core to start).
const SLOW = { kind: "mips", mips: 10 } as const;
let sup: Supervisor;
let api: ApiServer;

before(async () => {
  sup = new Supervisor(testSystemPlan([testVmPlan("spin", { throttle: SLOW }), testVmPlan("echo", { program: guestElf("echo"), throttle: SLOW })]), { eventLog: null });
  await sup.up();
  api = await startApi(sup, { port: 0 });
});
after(async () => {
  await api?.close();
  await sup?.close();
});

const env = { ...process.env, BULKHEAD_TOKEN: "" };
const ctl = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  runBulkhead(["ctl", "--api", api.address, ...args], { timeoutMs: TIMEOUT_MS, env: { ...env, ...extraEnv } });

/** `bulkhead ctl ARGS` with stdin a pipe, its output collected as it comes. */
function live(args: string[]): { child: ChildProcessWithoutNullStreams; out: () => string; err: () => string; status: Promise<number | null> } {
  const child = spawn(process.execPath, [cli, "ctl", "--api", api.address, ...args], { cwd: repoRoot, env });
  let out = "", err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
  child.stderr.setEncoding("utf8").on("data", (d: string) => { err += d; });
  const status = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  const timer = setTimeout(() => child.kill("SIGKILL"), TIMEOUT_MS);
  void status.then(() => clearTimeout(timer));
  return { child, out: () => out, err: () => err, status };
}

test("a command prints the RootOS's text (or its data with --json), exit 0", async () => {
  const list = await ctl(["list"]);
  assert.equal(list.status, 0, describeRun("ctl list", list));
  assert.match(list.stdout, /^NAME\s+STATE\s+CORES.*\nspin\s+running\s+0\s+16M\s+bare\s+10 MIPS\s+1\s+-\necho\s+running/);
  const pause = await ctl(["pause", "spin"]);
  assert.equal(pause.stdout, "spin: paused\n", describeRun("ctl pause", pause));
  assert.equal(sup.info("spin").state, "paused");
  const json = await ctl(["--json", "resume", "spin"]);
  assert.equal(json.status, 0, describeRun("ctl --json resume", json));
  assert.equal((JSON.parse(json.stdout) as VmInfo).state, "running");
  const log = await ctl(["log", "spin", "command", "-n", "2"]);
  assert.match(log.stdout, /spin\s+command\s+pause: ok\n.*spin\s+command\s+resume: ok\n$/);
});

test("errors: the RootOS's message and exit 1; usage mistakes exit 2; nothing listening says what to do", async () => {
  const nope = await ctl(["pause", "nope"]);
  assert.equal(nope.status, 1);
  assert.equal(nope.stderr, "bulkhead: no VM named 'nope' (the VMs are: spin, echo)\n");
  const bad = await ctl(["frobnicate"]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^bulkhead: unknown command 'frobnicate' \(the commands are: list, info, /);
  const usage = await runBulkhead(["ctl", "--frob", "list"], { timeoutMs: TIMEOUT_MS, env });
  assert.equal(usage.status, 2);
  assert.equal(usage.stderr, "bulkhead: ctl: unknown option '--frob' (see bulkhead ctl --help)\n");
  const badApi = await runBulkhead(["ctl", "--api", "host:port", "list"], { timeoutMs: TIMEOUT_MS, env });
  assert.equal(badApi.status, 2);
  assert.match(badApi.stderr, /not an API address: 'host:port' \(write HOST:PORT/);
  // A port nothing listens on: ask the kernel for a free one, then let it go.
  const probe = await startApi(sup, { port: 0 });
  const free = probe.address;
  await probe.close();
  const none = await runBulkhead(["ctl", "--api", free, "list"], { timeoutMs: TIMEOUT_MS, env });
  assert.equal(none.status, 1);
  assert.equal(none.stderr, `bulkhead: no bulkhead up is listening on ${free} (connection refused): start one with \`bulkhead up\`, or pass --api\n`);
  const help = await runBulkhead(["ctl", "--help"], { timeoutMs: TIMEOUT_MS, env });
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: bulkhead ctl \[options\] COMMAND/);
  assert.match(help.stdout, /\n {2}throttle VM MIPS\|PERCENT%\|off\s+cap a VM's speed/, "the remote commands come from the RootOS table");
});

test("the token: from --token or BULKHEAD_TOKEN; without it the API's 401 message", async () => {
  const secured = await startApi(sup, { port: 0, token: "tok-123" });
  try {
    const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
      runBulkhead(["ctl", "--api", secured.address, ...args], { timeoutMs: TIMEOUT_MS, env: { ...env, ...extra } });
    const without = await run(["list"]);
    assert.equal(without.status, 1);
    assert.equal(without.stderr, "bulkhead: missing or wrong API token: send 'Authorization: Bearer TOKEN' (bulkhead ctl: --token or BULKHEAD_TOKEN)\n");
    assert.equal((await run(["--token", "tok-123", "info", "spin"])).status, 0);
    const fromEnv = await run(["info", "spin"], { BULKHEAD_TOKEN: "tok-123" });
    assert.match(fromEnv.stdout, /^spin: running since/, describeRun("ctl info with BULKHEAD_TOKEN", fromEnv));
    const ws = await run(["events"]);
    assert.equal(ws.status, 1, "the WebSocket too");
    assert.match(ws.stderr, /missing or wrong API token/);
  } finally {
    await secured.close();
  }
});

test("console: the guest's output, input to it, Ctrl-] detaches (and so does the end of piped input)", async () => {
  const s = live(["console", "echo"]);
  await waitFor("the banner", () => s.out().includes("echo: running\n"), TIMEOUT_MS);
  assert.match(s.err(), /connected to echo's console; Ctrl-\] detaches/);
  s.child.stdin.write("ping\n");
  await waitFor("the guest's answer", () => s.out().includes("PING\n"), TIMEOUT_MS);
  s.child.stdin.write("last\x1dnot sent\n");
  assert.equal(await s.status, 0);
  await waitFor("LAST", () => sup.scrollback("echo").includes("LAST"));
  assert.ok(!sup.scrollback("echo").includes("NOT SENT"), "nothing after the detach key reaches the guest");

  const piped = live(["console", "echo"]);
  await waitFor("the banner again", () => piped.out().includes("echo: running\n"), TIMEOUT_MS);
  piped.child.stdin.end();
  assert.equal(await piped.status, 0);
  await waitFor("both detached", () => sup.log({ vm: "echo", kind: "command" }).filter((e) => e.message === "console detached").length === 2);
  const nope = await ctl(["console", "nope"]);
  assert.equal(nope.status, 1);
  assert.equal(nope.stderr, "bulkhead: no VM named 'nope' (the VMs are: spin, echo)\n");
});

test("events: one line per event-log entry as it happens; --json gives the objects", async () => {
  const lines = live(["events"]);
  const json = live(["--json", "events"]);
  await waitFor("streaming", () => lines.err().includes("streaming events") && json.err().includes("streaming events"), TIMEOUT_MS);
  await sup.pause("spin");
  await sup.resume("spin");
  await waitFor("the state changes", () => /spin\s+state\s+paused -> running \(command resume\)\n/.test(lines.out()), TIMEOUT_MS);
  assert.match(lines.out(), /^\d{4}-\d\d-\d\dT[\d:.]+Z {2}spin\s+state\s+running -> paused \(command pause\)$/m);
  await waitFor("the JSON", () => json.out().split("\n").filter(Boolean).length >= 4, TIMEOUT_MS);
  const entries = json.out().trim().split("\n").map((l) => JSON.parse(l) as { kind: string; to?: string });
  assert.deepEqual(entries.filter((e) => e.kind === "state").map((e) => e.to), ["paused", "running"]);
  lines.child.kill("SIGINT");
  json.child.kill("SIGINT");
  await Promise.all([lines.status, json.status]);
});
