// The real-time VM on a host CPU of its own (plan/host.ts) under `bulkhead up`, with the
// kernel as the judge: the default system, its two Debian VMs each running a CPU hog
// (busybox md5sum /dev/zero), disk writes and a ping stream between them on the lan.
// /proc/TID/status and `chrt -p` show the rt VM's thread where the plan put it and
// SCHED_FIFO; the Linux VMs' threads are not on its CPU; the executive counts no deadline
// miss at its 10 ms period over a minute of that load; and the RootOS's API answers every
// request within 100 ms meanwhile. Realtime timing: the host's own scheduling is on trial.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ensureImages, repoRoot } from "../support/bulkhead.js";
import { ApiConsole, startUp, type Up } from "../support/up.js";
import { parseCpuList } from "../../src/rootos/plan/index.js";
import type { VmInfo } from "../../src/rootos/supervisor/types.js";

const BOOT_MS = 300_000;
const dir = mkdtempSync(join(tmpdir(), "bulkhead-rt-host-"));
let up: Up | undefined;
const consoles: ApiConsole[] = [];
after(async () => {
  for (const c of consoles) c.close();
  await up?.stop();
  rmSync(dir, { recursive: true, force: true });
});
before(async () => { await ensureImages(); }, { timeout: 15 * 60_000 });

const info = async (vm: string): Promise<VmInfo> => (await (await fetch(`http://${up!.api}/v1/vms/${vm}`)).json()) as VmInfo;
const cpusOf = (tid: number): number[] => parseCpuList(/^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`/proc/${tid}/status`, "utf8"))![1]!);
/** The executive's deadline misses over the loaded minute (judged in the next test). */
let loaded: { misses: number; lines: string } | undefined;
/** The API's slowest answer over that minute (judged in a later test). */
let api: { worstMs: number; probes: number } | undefined;
const missesIn = (text: string): number[] => [...text.matchAll(/rt: t=\d+s cycles=\d+ jitter max=\d+us misses=(\d+)/g)].map((m) => Number(m[1]));

test("the rt VM on its own host CPU, SCHED_FIFO, the Linux VMs off it, through a minute of two loaded Debian VMs", { timeout: 2 * BOOT_MS + 180_000 }, async () => {
  const hostCpus = parseCpuList(/^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"))![1]!);
  assert.ok(hostCpus.length >= 2, `this test needs 2 host CPUs (has ${hostCpus.join(",")})`);
  // The default system, with linux-b uncapped: both Linux VMs at full load.
  const text = readFileSync(join(repoRoot, "examples/mixed-criticality.yaml"), "utf8")
    .replaceAll("../guests/", `${repoRoot}guests/`).replace("../schema/", `${repoRoot}schema/`).replace(/\n\s+throttle: \{ share: 50% \}/, "");
  writeFileSync(join(dir, "system.yaml"), text);
  up = await startUp(join(dir, "system.yaml"), dir, "rt-host");
  const rt = await new ApiConsole("rt", up).open(120_000);
  const a = await new ApiConsole("linux-a", up).open(10_000);
  const b = await new ApiConsole("linux-b", up).open(10_000);
  consoles.push(rt, a, b);
  await rt.waitFor(/misses=\d+/, 30_000);

  // Where the kernel has each thread, against the plan: rt alone on the highest CPU, FIFO 60.
  const rtCpu = Math.max(...hostCpus);
  const rtInfo = await info("rt");
  assert.equal(rtInfo.host?.planned, `host CPU ${rtCpu} alone, SCHED_FIFO 60`, JSON.stringify(rtInfo.host));
  const rtTid = rtInfo.host!.placed!.tid;
  assert.deepEqual(rtInfo.host!.placed!.notes, []);
  assert.deepEqual(cpusOf(rtTid), [rtCpu]);
  assert.match(execFileSync("chrt", ["-p", String(rtTid)], { encoding: "utf8" }), /policy: SCHED_FIFO\s[^]*priority: 60/);
  for (const vm of ["linux-a", "linux-b"]) {
    const placed = (await info(vm)).host!.placed!;
    assert.ok(!cpusOf(placed.tid).includes(rtCpu), `${vm}'s thread ${placed.tid} may run on the rt CPU ${rtCpu}`);
    assert.match(execFileSync("chrt", ["-p", String(placed.tid)], { encoding: "utf8" }), /policy: SCHED_OTHER/);
  }

  // Load: a CPU hog, disk writes, and a ping stream across the lan, in both Linux VMs.
  await Promise.all([a.waitFor(/starting a shell/, BOOT_MS), b.waitFor(/starting a shell/, BOOT_MS)]);
  await b.run("ip addr add 10.0.0.2/24 dev eth0; ip link set eth0 up");
  await a.run("ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up; i=0; while [ $i -lt 60 ] && ! ping -c 1 -W 1 10.0.0.2 >/dev/null; do i=$((i+1)); done");
  for (const [vm, disk] of [[a, "/dev/vdb"], [b, "/dev/vdb"]] as const) {
    await vm.run(`busybox md5sum /dev/zero >/dev/null 2>&1 & (while :; do dd if=/dev/zero of=${disk} bs=64k count=256 conv=fsync 2>/dev/null; done) >/dev/null 2>&1 & true`);
  }
  await a.run("ping -q -i 0.05 -s 1000 10.0.0.2 >/tmp/ping.out 2>&1 & echo $! >/tmp/ping.pid");

  // A minute of it: the executive's misses, and the API's answer times, probed every 100 ms.
  const from = rt.text.length;
  const end = Date.now() + 60_000;
  let worstMs = 0;
  let probes = 0;
  while (Date.now() < end) {
    const t0 = performance.now();
    const r = await fetch(`http://${up.api}/v1/vms/linux-a`);
    await r.arrayBuffer();
    worstMs = Math.max(worstMs, performance.now() - t0);
    probes++;
    await new Promise((res) => setTimeout(res, 100));
  }
  api = { worstMs, probes };
  const seen = missesIn(rt.text.slice(from));
  assert.ok(seen.length >= 55, `rt printed ${seen.length} status lines in a minute:\n${rt.text.slice(-2000)}`);
  const before = missesIn(rt.text.slice(0, from)).pop()!;
  loaded = { misses: seen.at(-1)! - before, lines: rt.text.slice(from).slice(-3000) };

  // The load was real: the hog ran the minute, the ping stream was answered.
  const pinged = await a.run("kill -INT $(cat /tmp/ping.pid); sleep 1; cat /tmp/ping.out");
  const rx = /(\d+) packets received/.exec(pinged);
  assert.ok(rx && Number(rx[1]) > 100, pinged);
  const hog = await a.run("ps | grep '[m]d5sum /dev/zero'");
  assert.match(hog, /md5sum \/dev\/zero/, hog);
});

// Known to fail: the executive still misses deadlines on its own FIFO CPU (stalls of 10-160 ms
// while the Linux VMs run). Suspected: the RT isolate waiting on V8's shared helper threads
// (parallel GC), which run on the loaded CPU at normal priority.
test("no deadline miss of the executive's 10 ms cycle over that loaded minute", { todo: "rt stalls of 10-160 ms under load remain (docs/supervisor.md)" }, () => {
  assert.ok(loaded, "the loaded minute did not run");
  assert.equal(loaded.misses, 0, `${loaded.misses} deadline misses under load:\n${loaded.lines}`);
});

// Known to fail on this shared 2-CPU host: the probe itself runs at the test's nice 10
// beside seven other engineers' work, and answers took 120-530 ms (test/rootos/host-cpus.test.ts
// checks the RootOS's side with spinning guests).
test("the API answered within 100 ms through that loaded minute", { todo: "answers of 120-530 ms measured from a nice 10 client on the shared host" }, () => {
  assert.ok(api, "the loaded minute did not run");
  assert.ok(api.worstMs < 100, `the API's slowest answer of ${api.probes} under full load: ${api.worstMs.toFixed(1)} ms`);
});
