// Board cores onto host CPUs (plan/host.ts) with the kernel as the judge, in seconds
// rather than a Debian boot (test/rootos/rt-host.test.ts does that): `bulkhead up` with
// the real-time executive, a second real-time VM that spins (test/guests spin.elf) and
// two general VMs that spin. /proc/TID/status and `chrt -p` show the executive's thread
// alone on the CPU the plan gave it, SCHED_FIFO; no other VM's thread may run there; on
// a host with too few CPUs for both real-time VMs the second shares at nice -5 and the
// event log says so; and the RootOS's API answers within 100 ms while every VM spins
// (95 answers in 100; see below).
// `validate` on a description asking for more reserved CPUs than the host has says what
// it does instead.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { getPriority, setPriority, tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { guestElf } from "../../src/rootos/supervisor/testing.js";
import type { VmInfo } from "../../src/rootos/supervisor/types.js";
import { parseCpuList } from "../../src/rootos/plan/index.js";
import { ROOTOS_NICE } from "../../src/rootos/plan/host.js";
import { describeRun, repoRoot, runBulkhead } from "../support/bulkhead.js";
import { ApiConsole, startUp, type Up } from "../support/up.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-host-cpus-"));
let up: Up | undefined;
const consoles: ApiConsole[] = [];
after(async () => {
  for (const c of consoles) c.close();
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const EXECUTIVE = join(repoRoot, "guests", "rt-executive", "rt-executive.elf");
const host = parseCpuList(/^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))![1]!);
const cpusOf = (tid: number): number[] => parseCpuList(/^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${tid}/status`, "utf8"))![1]!);
const niceOf = (tid: number): number => { const st = readFileSync(`/proc/${tid}/stat`, "utf8"); return Number(st.slice(st.lastIndexOf(")") + 2).split(" ")[16]); };
const chrt = (tid: number): string => execFileSync("chrt", ["-p", String(tid)], { encoding: "utf8" });
const info = async (vm: string): Promise<VmInfo> => (await (await fetch(`http://${up!.api}/v1/vms/${vm}`)).json()) as VmInfo;

function vm(name: string, core: number, kernel: string, criticality: string): string {
  return `  - name: ${name}
    criticality: ${criticality}
    cores: [${core}]
    memory: 16M
    boot: { kernel: ${kernel}, firmware: none }
`;
}

test("validate: more real-time VMs than the host has CPUs to reserve: the plan says who shares, and how", { timeout: 60_000 }, async () => {
  // One real-time VM per host CPU: at most all but one can be reserved (the RootOS keeps one).
  const n = host.length;
  const file = join(dir, "greedy.yaml");
  writeFileSync(file, `board: { name: greedy, cores: ${n}, memory: ${16 * n}M }\nvms:\n${host.map((_, i) => vm(`rt${i}`, i, EXECUTIVE, "realtime")).join("")}`);
  const r = await runBulkhead(["validate", file], { timeoutMs: 30_000 });
  assert.equal(r.status, 0, describeRun("validate", r));
  const top = Math.max(...host);
  assert.match(r.stdout, new RegExp(`HOST CPUS \\(this host: [0-9,-]+; the RootOS on ${Math.min(...host)}\\)`), r.stdout);
  assert.match(r.stdout, new RegExp(`^  rt0\\s+host CPU ${top} alone, SCHED_FIFO 60$`, "m"), r.stdout);
  assert.match(r.stdout, new RegExp(`^  rt${n - 1}\\s+host CPU ${Math.min(...host)} shared, nice -5$`, "m"), r.stdout);
  assert.match(r.stdout, new RegExp(`instead: host has ${n} CPUs? for the board: ${n} real-time VMs? wants? one each and the RootOS keeps one; rt${n - 1} shares CPU ${Math.min(...host)} with the RootOS at nice -5`), r.stdout);

  // board.host_cpus naming a CPU the host lacks: left out, said.
  writeFileSync(file, `board: { name: greedy, cores: 1, memory: 16M, host_cpus: [${top}, ${top + 100}] }\nvms:\n${vm("rt", 0, EXECUTIVE, "realtime")}`);
  const lacking = await runBulkhead(["validate", file], { timeoutMs: 30_000 });
  assert.equal(lacking.status, 0, describeRun("validate", lacking));
  assert.match(lacking.stdout, new RegExp(`instead: board.host_cpus: CPU ${top + 100} not on this host \\(it has [0-9,-]+\\): left out`), lacking.stdout);
});

test("up: the executive alone on its host CPU, SCHED_FIFO; no other VM there; a real-time VM that finds no CPU is reported; the API answers within 100 ms while VMs spin", { timeout: 180_000 }, async () => {
  assert.ok(host.length >= 2, `this test needs 2 host CPUs (has ${host.join(",")})`);
  const spin = guestElf("spin");
  const file = join(dir, "system.yaml");
  writeFileSync(file, `board: { name: spinning, cores: 4, memory: 64M }\nvms:\n${vm("rt", 0, EXECUTIVE, "realtime")}    watchdog: { timeout: 3s, action: restart }\n${vm("rt-spin", 1, spin, "realtime")}${vm("a", 2, spin, "general")}${vm("b", 3, spin, "general")}`);
  up = await startUp(file, dir, "host-cpus");
  const rt = await new ApiConsole("rt", up).open(60_000);
  consoles.push(rt);
  await rt.waitFor(/rt: t=\d+s cycles=\d+ jitter max=\d+us misses=\d+/, 30_000);

  // The executive: the highest CPU, alone, FIFO 60, as planned and as the kernel has it.
  const top = Math.max(...host);
  const rtInfo = await info("rt");
  assert.equal(rtInfo.host?.planned, `host CPU ${top} alone, SCHED_FIFO 60`, JSON.stringify(rtInfo.host));
  const placed = rtInfo.host!.placed!;
  assert.deepEqual(placed.notes, []);
  assert.deepEqual(cpusOf(placed.tid), [top]);
  assert.match(chrt(placed.tid), /policy: SCHED_FIFO\s[^]*priority: 60/);
  for (const name of ["a", "b"]) {
    const p = (await info(name)).host!.placed!;
    assert.ok(!cpusOf(p.tid).includes(top), `${name}'s thread ${p.tid} may run on the executive's CPU ${top}: ${cpusOf(p.tid).join(",")}`);
    assert.match(chrt(p.tid), /policy: SCHED_OTHER/);
  }
  // The RootOS's event loop (the process's main thread) is not on it either, and is ahead of the VMs beside it.
  assert.ok(!cpusOf(up.child.pid!).includes(top), `the RootOS may run on ${top}`);
  assert.equal(niceOf(up.child.pid!), ROOTOS_NICE);
  for (const name of ["a", "b"]) assert.equal(niceOf((await info(name)).host!.placed!.tid), 0, `${name}'s nice`);

  // The spinning real-time VM: its own CPU where the host has a third, else shared at nice -5, said in the event log.
  const spinner = (await info("rt-spin")).host!;
  if (host.length >= 3) {
    assert.match(spinner.planned, /alone, SCHED_FIFO 60$/);
  } else {
    assert.match(spinner.planned, /shared, nice -5$/);
    assert.match(up.out(), /host CPUs: host has 2 CPUs for the board: 2 real-time VMs want one each and the RootOS keeps one; rt-spin shares CPU \d+ with the RootOS at nice -5/, up.out());
    assert.equal(spinner.placed!.sched.policy, "other");
    assert.equal((spinner.placed!.sched as { nice: number }).nice, -5);
  }

  // Every VM but the executive spins: the API, probed every 50 ms for 10 s. The prober runs at
  // the RootOS's nice, not the test runner's nice 10: on a loaded host a niced client measures
  // its own wait for a CPU (up to 500 ms here), not the RootOS's answer.
  const niceBefore = getPriority();
  setPriority(ROOTOS_NICE);
  let worst = 0, probes = 0;
  const times: number[] = [];
  try {
    const end = Date.now() + 10_000;
    while (Date.now() < end) {
      const t0 = performance.now();
      await (await fetch(`http://${up.api}/v1/vms/a`)).arrayBuffer();
      times.push(performance.now() - t0);
      worst = Math.max(worst, times.at(-1)!);
      probes++;
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    setPriority(niceBefore);
  }
  assert.ok(probes > 50, `${probes} probes, the slowest ${worst.toFixed(1)} ms`);
  // The 95th percentile, not the maximum: on a shared 2-CPU host under load (load average
  // 10-17 here), the API stalled up to 900 ms with no VM spinning at all, a stall of the
  // host and not the RootOS's; a RootOS starved by its VMs is late on most answers.
  const p95 = [...times].sort((x, y) => x - y)[Math.floor(times.length * 0.95)]!;
  assert.ok(p95 < 100, `the API's 95th-percentile answer of ${probes} while VMs spin: ${p95.toFixed(1)} ms, the slowest ${worst.toFixed(1)} ms (${times.map((t) => t.toFixed(0)).join(" ")})`);
  // The spinners did spin: each used CPU time (utime in /proc/TID/stat) meanwhile.
  for (const name of ["rt-spin", "a", "b"]) {
    const stat = readFileSync(`/proc/${(await info(name)).host!.placed!.tid}/stat`, "utf8");
    const utime = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[11]);
    assert.ok(utime > 100, `${name} ran ${utime} ticks`);
  }
});
