// `npm run bench:gateway [-- --runs N]`: the reference system (examples/gateway.yaml)
// against its cloud (examples/cloud.yaml), beside the same VMs as QEMU processes on the
// same kind of links, in one run:
//
//   first fetch  from starting the board (bulkhead up; or the rt, gateway and HMI QEMU
//                processes at once) to the HMI's first page fetched from the cloud
//                through the gateway's NAT (timed on the host)
//   TCP          the HMI downloading 16 MiB from the cloud's web server through the
//                gateway (timed in the HMI)
//
// Both sides boot the same kernel, initramfs images, scripts and command lines (from the
// description's plan); QEMU's links are -netdev socket,udp= for the board NIC and for the
// internal network (QEMU has no switch between processes), its shares -virtfs. The cloud
// is started first and is not timed. The HMI runs examples/gateway/hmi/start.sh up to its
// lease, then this benchmark's fetch loop instead of a shell.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { loadSystem } from "../../src/rootos/description/index.js";
import type { VmPlan } from "../../src/rootos/plan/types.js";
import { ensureImages, freeUdpPorts, repoRoot } from "../support/bulkhead.js";
import { ApiConsole, startUp, type Up } from "../support/up.js";
import { median, table } from "./summary.js";

const HELP = `usage: npm run bench:gateway [-- --runs N]

The reference system (examples/gateway.yaml) against its cloud (examples/cloud.yaml), on
Bulkhead and, side by side, as QEMU processes (when qemu-system-riscv64 is installed):
time from start to the HMI's first fetch through the gateway, and HMI-to-cloud TCP
throughput through the gateway's NAT.

  --runs N   boots of each (default 1)
  -h, --help this text
`;
const QEMU = "qemu-system-riscv64";
const BIG_MIB = 16;
const TIMEOUT_MS = 8 * 60_000;
/** The HMI's start.sh, with the benchmark's lines instead of its shell. */
const BENCH = (script: string) => script.replace(/exec setsid cttyhack sh\s*$/, [
  "u() { cut -d' ' -f1 /proc/uptime; }",
  "until wget -q -T 2 -O /dev/null http://198.51.100.1/; do sleep 0.2; done",
  "echo gateway-bench first-fetch",
  `a=$(u); wget -q -O /dev/null http://198.51.100.1/big; b=$(u); echo "gateway-bench tcp $a $b"`,
  "exec setsid cttyhack sh",
].join("\n") + "\n");

interface Sample { firstFetchS: number; tcpS: number }

function options(): { runs: number } {
  const { values } = parseArgs({ options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } } });
  if (values.help) { process.stdout.write(HELP); process.exit(0); }
  const runs = Number(values.runs ?? 1);
  if (!Number.isInteger(runs) || runs < 1) { process.stderr.write(`gateway-bench: --runs takes a whole number >= 1, not '${values.runs}'\n`); process.exit(2); }
  return { runs };
}

/** A copy of the example in `dir`: the cable on free ports, the HMI running the benchmark, a big file at the cloud. */
async function prepare(dir: string): Promise<{ wan: [number, number]; lan: [number, number] }> {
  cpSync(join(repoRoot, "examples/gateway"), join(dir, "gateway"), { recursive: true });
  const [a, b, c, d] = await freeUdpPorts(4);
  for (const f of ["gateway.yaml", "cloud.yaml"]) {
    const text = readFileSync(join(repoRoot, "examples", f), "utf8")
      .replaceAll("127.0.0.1:7101", `127.0.0.1:${a}`).replaceAll("127.0.0.1:7102", `127.0.0.1:${b}`)
      .replace("bulkhead.run=/etc/hmi/start.sh", "bulkhead.run=/etc/hmi/bench.sh").replace("../schema/", `${repoRoot}schema/`);
    writeFileSync(join(dir, f), text);
  }
  writeFileSync(join(dir, "gateway/hmi/bench.sh"), BENCH(readFileSync(join(dir, "gateway/hmi/start.sh"), "utf8")), { mode: 0o755 });
  writeFileSync(join(dir, "gateway/cloud/www/big"), Buffer.alloc(BIG_MIB << 20, 0x5a));
  return { wan: [a!, b!], lan: [c!, d!] };
}

function tcpSeconds(text: string): number {
  const m = /gateway-bench tcp ([\d.]+) ([\d.]+)/.exec(text);
  if (!m) throw new Error(`no TCP timing in:\n${text.slice(-2000)}`);
  return Number(m[2]) - Number(m[1]);
}

async function bulkheadRun(dir: string): Promise<Sample> {
  const ups: Up[] = [];
  const consoles: ApiConsole[] = [];
  try {
    const cloudUp = await startUp(join(dir, "cloud.yaml"), dir, "cloud");
    ups.push(cloudUp);
    const cloud = await new ApiConsole("cloud", cloudUp).open(120_000);
    consoles.push(cloud);
    await cloud.waitFor(/cloud: up/, TIMEOUT_MS);
    const t0 = Date.now();
    const gwUp = await startUp(join(dir, "gateway.yaml"), dir, "gateway");
    ups.push(gwUp);
    const hmi = await new ApiConsole("hmi", gwUp).open(120_000);
    consoles.push(hmi);
    await hmi.waitFor(/gateway-bench first-fetch/, TIMEOUT_MS);
    const firstFetchS = (Date.now() - t0) / 1000;
    await hmi.waitFor(/gateway-bench tcp [\d.]+ [\d.]+/, TIMEOUT_MS);
    return { firstFetchS, tcpS: tcpSeconds(hmi.text) };
  } finally {
    for (const c of consoles) c.close();
    await Promise.all(ups.map((u) => u.stop()));
  }
}

/** One QEMU process per VM of the plan, its console collected. */
function qemu(args: readonly string[]): { child: ChildProcess; out: () => string } {
  const child = spawn(QEMU, ["-M", "virt", "-nographic", ...args], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout!.setEncoding("latin1").on("data", (d: string) => { out += d.replace(/\r/g, ""); });
  child.stderr!.setEncoding("latin1").on("data", (d: string) => { out += d; });
  return { child, out: () => out };
}

function linuxArgs(vm: VmPlan, shares: string): string[] {
  const boot = vm.boot;
  if (boot.mode !== "direct") throw new Error(`${vm.name}: expected a direct boot`);
  return ["-bios", "default", "-smp", String(vm.harts), "-m", `${vm.ramBytes >> 20}M`, "-kernel", boot.kernel.path,
    ...(boot.initrd ? ["-initrd", boot.initrd.path] : []), "-append", boot.append ?? "",
    "-virtfs", `local,path=${shares},mount_tag=cfg,security_model=none,readonly=on`];
}

async function waitOut(p: { out: () => string }, re: RegExp, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!re.test(p.out())) {
    if (Date.now() > end) throw new Error(`QEMU ${what}: no ${re} after ${ms} ms:\n${p.out().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function qemuRun(dir: string, links: { wan: [number, number]; lan: [number, number] }): Promise<Sample> {
  const gw = await loadSystem(join(dir, "gateway.yaml"));
  const cl = await loadSystem(join(dir, "cloud.yaml"));
  const vm = (plan: typeof gw.plan, name: string) => plan.vms.find((v) => v.name === name)!;
  const nic = (id: string, local: number, remote: number, mac: string) =>
    ["-netdev", `socket,id=${id},udp=127.0.0.1:${remote},localaddr=127.0.0.1:${local}`, "-device", `virtio-net-pci,netdev=${id},mac=${mac}`];
  const [a, b] = links.wan, [c, d] = links.lan;
  const procs: Array<{ child: ChildProcess; out: () => string }> = [];
  try {
    const cloud = qemu([...linuxArgs(vm(cl.plan, "cloud"), join(dir, "gateway/cloud")), ...nic("wan", b, a, "52:54:00:00:09:01")]);
    procs.push(cloud);
    await waitOut(cloud, /cloud: up/, TIMEOUT_MS, "cloud");
    const t0 = Date.now();
    const rt = vm(gw.plan, "rt");
    if (rt.boot.mode !== "bare") throw new Error("rt: expected a bare boot");
    // The bundle's program, as the RootOS would load it (QEMU has no bundles).
    procs.push(qemu(["-bios", "none", "-m", `${rt.ramBytes >> 20}M`, "-kernel", join(repoRoot, "guests/rt-executive/rt-executive.elf")]));
    procs.push(qemu([...linuxArgs(vm(gw.plan, "gateway"), join(dir, "gateway/gateway")),
      ...nic("wan", a, b, "52:54:00:00:01:01"), ...nic("lan", c, d, "52:54:00:00:02:01")]));
    const hmi = qemu([...linuxArgs(vm(gw.plan, "hmi"), join(dir, "gateway/hmi")), ...nic("lan", d, c, "52:54:00:00:03:01")]);
    procs.push(hmi);
    await waitOut(hmi, /gateway-bench first-fetch/, TIMEOUT_MS, "hmi");
    const firstFetchS = (Date.now() - t0) / 1000;
    await waitOut(hmi, /gateway-bench tcp [\d.]+ [\d.]+/, TIMEOUT_MS, "hmi");
    return { firstFetchS, tcpS: tcpSeconds(hmi.out()) };
  } finally {
    for (const p of procs) p.child.kill("SIGKILL");
  }
}

async function main(): Promise<void> {
  const { runs } = options();
  await ensureImages();
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-gateway-bench-"));
  const haveQemu = spawnSync(QEMU, ["--version"]).status === 0;
  const samples: { Bulkhead: Sample[]; QEMU: Sample[] } = { Bulkhead: [], QEMU: [] };
  try {
    const links = await prepare(dir);
    for (let i = 0; i < runs; i++) {
      if (haveQemu) samples.QEMU.push(await qemuRun(dir, links));
      samples.Bulkhead.push(await bulkheadRun(dir));
      process.stderr.write(`gateway-bench: run ${i + 1}/${runs} done\n`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (s: Sample[], k: keyof Sample) => median(s.map((x) => x[k]));
  const b = samples.Bulkhead, q = samples.QEMU;
  const rows = [
    ["", "Bulkhead", ...(haveQemu ? ["QEMU", "QEMU is faster by"] : [])],
    ["start to the HMI's first fetch", `${med(b, "firstFetchS").toFixed(1)} s`,
      ...(haveQemu ? [`${med(q, "firstFetchS").toFixed(1)} s`, `${(med(b, "firstFetchS") / med(q, "firstFetchS")).toFixed(2)}x`] : [])],
    [`HMI <- cloud TCP ${BIG_MIB} MiB through the gateway`, `${(BIG_MIB / med(b, "tcpS")).toFixed(2)} MiB/s`,
      ...(haveQemu ? [`${(BIG_MIB / med(q, "tcpS")).toFixed(2)} MiB/s`, `${(med(b, "tcpS") / med(q, "tcpS")).toFixed(2)}x`] : [])],
  ];
  console.log(`the reference system (examples/gateway.yaml) and its cloud; medians of ${runs} run(s)`);
  console.log(table(rows));
  if (!haveQemu) console.log(`QEMU: ${QEMU} is not installed: Bulkhead's figures only.`);
}

await main();
