// `npm run bench` (third part) / `npm run bench:up [-- --runs N --idle-seconds N]`: the
// example system (examples/mixed-criticality.yaml) brought up, side by side in one run
// with QEMU booting the same guests.
//
// 1. Boot: wall time from spawning the process to each VM's first console byte, the
//    kernel's first line ("Linux version", printed once the serial driver registers),
//    /init's banner and /init's "starting a shell" line. Bulkhead is up-system.ts, a
//    process doing what `bulkhead up FILE --headless` does, with every VM's serial
//    console read from before the first VM starts; for Bulkhead also the time the VM's
//    machine starts to run (its images read, its thread up). QEMU is one qemu-system-riscv64 -M virt
//    process per Linux VM of the description, all spawned at once as Bulkhead starts them
//    at once: same kernel, initramfs, command line, RAM, harts, and the same virtio
//    devices (so /init loads the same drivers), OpenSBI fw_dynamic as boot-bench uses.
//    QEMU's first byte is OpenSBI's banner; Bulkhead answers SBI itself and has none.
// 2. Idle: once every Linux VM has printed "starting a shell" (the guest then waits in
//    WFI for input) and a few seconds passed, the host CPU time of each process (utime +
//    stime of all its threads, /proc/PID/stat) over --idle-seconds, as % of one host core
//    per idle VM, and its memory (RSS, /proc/PID/status; the part of it in the guest
//    RAM mappings, /proc/PID/smaps).
// Runs alternate (QEMU, Bulkhead, QEMU, ...) so that a change in the host's load hits
// both alike; medians are compared.
//
// A benchmark, not a test: it exits 0 whatever the numbers, 1 when a boot fails, 2 on bad
// arguments.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { RAM_OFFSET } from "../../src/machine/cpu.js";
import { loadSystem } from "../../src/rootos/description/index.js";
import { formatThrottle } from "../../src/runner/pacer.js";
import type { VmDevice, VmPlan } from "../../src/rootos/plan/types.js";
import { ensureImages, repoRoot, tail } from "../support/bulkhead.js";
import { ConsoleMarks, FAILED_PREFIX, MARK_PREFIX, MARKS, type Mark, MODULES_PREFIX } from "./console-marks.js";
import { medianOf, table } from "./summary.js";

const HELP = `usage: npm run bench:up [-- --runs N --idle-seconds N]

Bring up examples/mixed-criticality.yaml (as 'bulkhead up --headless') and boot the same
Linux guests on QEMU (qemu-system-riscv64 -M virt, if installed), N times each,
alternating. Print the wall time from process start to each VM's first console byte,
kernel line, /init banner and busybox shell; then, with every Linux VM idle at its
shell, each process's host CPU use and memory per idle VM; medians and ratios.

  --runs N           runs of each (default 3)
  --idle-seconds N   how long to measure the idle VMs (default 10; 'npm run bench'
                     passes its options to every benchmark: give this one to bench:up)
  -h, --help         this text
`;

const SYSTEM = join(repoRoot, "examples", "mixed-criticality.yaml");
const QEMU = "qemu-system-riscv64";
const BOOT_TIMEOUT_MS = 1_200_000;
/** After the last shell line, before measuring idle: the guests' deferred start-up work settles. */
const SETTLE_MS = 3000;
const STOP_TIMEOUT_MS = 15_000;
const MIB = 1 << 20;
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout) || 100;

/** The processes running now: a failure ends them all, as none would end by itself. */
const live = new Set<ChildProcess>();

function fail(message: string, status = 1): never {
  for (const c of live) c.kill("SIGKILL");
  process.stderr.write(`up-bench: ${message}\n`);
  process.exit(status);
}

function options(): { runs: number; idleSeconds: number } {
  let values;
  try {
    ({ values } = parseArgs({
      options: { runs: { type: "string" }, "idle-seconds": { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
    }));
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, 2);
  }
  if (values.help) { process.stdout.write(HELP); process.exit(0); }
  const runs = Number(values.runs ?? "3");
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number, at least 1, not '${values.runs}'`, 2);
  const idleSeconds = Number(values["idle-seconds"] ?? "10");
  if (!Number.isFinite(idleSeconds) || idleSeconds < 1) fail(`--idle-seconds must be a number of seconds, at least 1, not '${values["idle-seconds"]}'`, 2);
  return { runs, idleSeconds };
}

// ---- processes ----------------------------------------------------------------------

/** What is timed: the console marks, and (Bulkhead) when the VM's machine starts to run. */
type Point = "running" | Mark;
const POINTS: readonly Point[] = ["running", ...MARKS];
/** up-system.ts's event line of a VM whose machine starts: "TIME  VM  state  booting -> running (...)". */
const RUNNING = /^\S+\s+(\S+)\s+state\s+booting -> running\b/;

/** A spawned process whose output is read as it comes; times are ms from the spawn. */
class Watched {
  readonly started = performance.now();
  readonly child: ChildProcess;
  /** VM → mark → ms from spawn. */
  readonly marks = new Map<string, Map<Point, number>>();
  readonly modules = new Map<string, string>();
  stdout = "";
  stderr = "";
  exit: string | undefined;
  private readonly closed: Promise<void>;

  constructor(readonly label: string, cmd: string, args: readonly string[], onStdout: (w: Watched, chunk: string) => void) {
    this.child = spawn(cmd, args, { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
    live.add(this.child);
    this.child.stdout!.setEncoding("utf8").on("data", (d: string) => { this.stdout = (this.stdout + d).slice(-65536); onStdout(this, d); });
    this.child.stderr!.setEncoding("utf8").on("data", (d: string) => { this.stderr = (this.stderr + d).slice(-16384); });
    this.closed = new Promise((resolve) => {
      this.child.on("error", (e) => { this.exit = e.message; resolve(); });
      this.child.on("close", (status, signal) => {
        live.delete(this.child);
        this.exit ??= signal ? `killed by ${signal}` : `exit status ${status}`;
        resolve();
      });
    });
  }

  mark(vm: string, m: Point): void {
    const at = this.marks.get(vm) ?? new Map<Point, number>();
    this.marks.set(vm, at);
    if (!at.has(m)) at.set(m, performance.now() - this.started);
  }

  get pid(): number { return this.child.pid!; }

  /** Resolves when `done()` holds; fails the bench if the process ends first or time runs out. */
  async until(what: string, done: () => boolean, timeoutMs = BOOT_TIMEOUT_MS): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (!done()) {
      if (this.exit !== undefined) this.failed(`${what}: the process ended first (${this.exit})`);
      if (performance.now() > deadline) this.failed(`${what}: not within ${timeoutMs / 1000} s`);
      await sleep(20);
    }
  }

  failed(why: string): never {
    fail(`${this.label}: ${why}\n--- stdout (tail)\n${tail(this.stdout)}\n--- stderr (tail)\n${tail(this.stderr, 15)}`);
  }

  async stop(): Promise<void> {
    if (this.exit !== undefined) return;
    this.child.kill("SIGTERM");
    const hard = setTimeout(() => this.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await this.closed;
    clearTimeout(hard);
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** up-system.ts: the example system under Bulkhead's supervisor; its stdout names the marks. */
function spawnBulkhead(log: string): Watched {
  let partial = "";
  return new Watched("Bulkhead", process.execPath, [join(repoRoot, "dist", "test", "perf", "up-system.js"), SYSTEM, log], (w, chunk) => {
    const lines = (partial + chunk).split("\n");
    partial = lines.pop()!;
    for (const line of lines) {
      if (line.startsWith(MARK_PREFIX)) {
        const [vm, m] = line.slice(MARK_PREFIX.length).split(" ");
        w.mark(vm!, m as Mark);
      } else if (RUNNING.test(line)) {
        w.mark(RUNNING.exec(line)![1]!, "running");
      } else if (line.startsWith(MODULES_PREFIX)) {
        const rest = line.slice(MODULES_PREFIX.length);
        const sp = rest.indexOf(" ");
        w.modules.set(rest.slice(0, sp), rest.slice(sp + 1));
      } else if (line.startsWith(FAILED_PREFIX)) {
        w.failed(`a VM did not start: ${line.slice(FAILED_PREFIX.length)}`);
      }
    }
  });
}

/**
 * The QEMU arguments for a Linux VM of the plan: its RAM, harts, kernel, initramfs and
 * command line, and its virtio devices on PCI as Bulkhead gives them (a block device is a
 * sparse file of its partition's size; a NIC is on a hub of its own: the guests do not
 * use the network here).
 */
function qemuArgs(vm: VmPlan, firmware: string, dir: string): string[] {
  const args = ["-M", "virt", "-m", `${vm.ramBytes / MIB}M`, "-smp", String(vm.harts), "-nographic", "-bios", firmware,
    "-kernel", vm.boot.kernel.path, "-initrd", vm.boot.initrd!.path, "-append", vm.boot.append ?? ""];
  vm.devices.forEach((d: VmDevice, i) => {
    const id = `d${i}`;
    switch (d.kind) {
      case "console":
        args.push("-device", `virtio-serial-pci,id=${id},max_ports=${d.ports.length}`);
        d.ports.forEach((p, j) => args.push("-chardev", `null,id=${id}p${j}`,
          "-device", `${j === 0 ? "virtconsole" : "virtserialport"},bus=${id}.0,chardev=${id}p${j},name=${p.name}`));
        return;
      case "block": {
        const file = join(dir, `${vm.name}-${d.partition}.img`);
        const fd = openSync(file, "w");
        ftruncateSync(fd, d.size);
        closeSync(fd);
        args.push("-drive", `file=${file},if=none,id=${id},format=raw${d.readonly ? ",readonly=on" : ""}`, "-device", `virtio-blk-pci,drive=${id}`);
        return;
      }
      case "nic":
        args.push("-netdev", `hubport,id=${id},hubid=${i}`, "-device", `virtio-net-pci,netdev=${id},mac=${d.mac}`);
        return;
      case "rng":
        args.push("-device", "virtio-rng-pci");
        return;
      default:
        fail(`${vm.name}: no QEMU equivalent here for a ${d.kind} device`);
    }
  });
  return args;
}

function spawnQemu(vm: VmPlan, firmware: string, dir: string): Watched {
  const marks = new ConsoleMarks();
  return new Watched(`QEMU ${vm.name}`, QEMU, qemuArgs(vm, firmware, dir), (w, chunk) => {
    for (const m of marks.feed(chunk)) w.mark(vm.name, m);
    if (marks.modules !== undefined && !w.modules.has(vm.name)) w.modules.set(vm.name, marks.modules);
  });
}

// ---- what a process costs -------------------------------------------------------------

/** CPU seconds (user + system, every thread) the process has used. */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / CLK_TCK; // fields 14 and 15: utime, stime
}

interface Memory {
  /** Resident set, bytes. */
  readonly rss: number;
  /** Of it, in the guest RAM mappings, bytes. */
  readonly guest: number;
}

/**
 * RSS, and the part of it in the mappings that hold guest RAM: the mappings whose size is
 * a VM's RAM size plus at most `extra` bytes. On QEMU, the guest's RAM is one anonymous
 * mapping of its size (extra: alignment); on Bulkhead, it is in the VM's
 * WebAssembly.Memory, one mapping of RAM_OFFSET (the hart's state, TLBs and decoded code)
 * plus the RAM size.
 */
function memory(pid: number, ramBytes: readonly number[], extra: number): Memory {
  const guestMapping = (kib: number) => ramBytes.some((r) => kib * 1024 >= r && kib * 1024 <= r + extra);
  let guest = 0, inGuest = false;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const size = /^Size:\s+(\d+) kB/.exec(line);
    if (size) { inGuest = guestMapping(Number(size[1])); continue; }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && inGuest) guest += Number(rss[1]) * 1024;
  }
  const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? NaN) * 1024;
  return { rss, guest };
}

interface Idle {
  /** % of one host core, per idle VM. */
  readonly cpuPerVm: number;
  readonly memory: Memory;
}

/** CPU use over `seconds` of the processes together, per idle VM, and their memory at the end. */
async function measureIdle(procs: readonly Watched[], ramBytes: readonly number[], seconds: number, extra: number): Promise<Idle> {
  const t0 = performance.now();
  const c0 = procs.map((p) => cpuSeconds(p.pid));
  await sleep(seconds * 1000);
  const c1 = procs.map((p) => cpuSeconds(p.pid));
  const wall = (performance.now() - t0) / 1000;
  for (const p of procs) if (p.exit !== undefined) p.failed(`ended while idle (${p.exit})`);
  const used = c1.reduce((a, c, i) => a + c - c0[i]!, 0);
  const mems = procs.map((p) => memory(p.pid, ramBytes, extra));
  return {
    cpuPerVm: (used / wall / ramBytes.length) * 100,
    memory: { rss: mems.reduce((a, m) => a + m.rss, 0), guest: mems.reduce((a, m) => a + m.guest, 0) },
  };
}

// ---- one run of each ----------------------------------------------------------------

interface Sample {
  /** VM → mark → s from spawn. */
  readonly marks: Map<string, Map<Point, number>>;
  readonly idle: Idle;
  readonly modules: Map<string, string>;
}

const allReached = (w: Watched, vms: readonly string[], m: Point) => () => vms.every((vm) => w.marks.get(vm)?.has(m));

function sampleOf(ws: readonly Watched[], idle: Idle): Sample {
  const marks = new Map<string, Map<Point, number>>();
  const modules = new Map<string, string>();
  for (const w of ws) {
    for (const [vm, at] of w.marks) marks.set(vm, new Map([...at].map(([m, ms]) => [m, ms / 1000])));
    for (const [vm, mods] of w.modules) modules.set(vm, mods);
  }
  return { marks, idle, modules };
}

async function runBulkhead(linuxVms: readonly VmPlan[], others: readonly string[], idleSeconds: number, dir: string): Promise<Sample> {
  const linux = linuxVms.map((v) => v.name);
  const w = spawnBulkhead(join(dir, "events.log"));
  try {
    await w.until(`every VM's first console byte (${[...others, ...linux].join(", ")})`, allReached(w, [...others, ...linux], "first"));
    await w.until(`"starting a shell" on ${linux.join(", ")}`, allReached(w, linux, "shell"));
    await sleep(SETTLE_MS);
    const idle = await measureIdle([w], linuxVms.map((v) => v.ramBytes), idleSeconds, RAM_OFFSET + MIB);
    return sampleOf([w], idle);
  } finally {
    await w.stop();
  }
}

async function runQemu(linux: readonly VmPlan[], firmware: string, idleSeconds: number, dir: string): Promise<Sample> {
  const ws = linux.map((vm) => spawnQemu(vm, firmware, dir));
  try {
    for (const [i, w] of ws.entries()) await w.until(`"starting a shell"`, allReached(w, [linux[i]!.name], "shell"));
    await sleep(SETTLE_MS);
    const idle = await measureIdle(ws, linux.map((v) => v.ramBytes), idleSeconds, 4 * MIB);
    return sampleOf(ws, idle);
  } finally {
    await Promise.all(ws.map((w) => w.stop()));
  }
}

// ---- report -------------------------------------------------------------------------

const secs = (x: number | undefined) => (x === undefined ? "-" : `${x.toFixed(2)} s`);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? "-" : `${(a / b).toFixed(2)}x`);
const mib = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const pct = (x: number) => `${x.toFixed(2)} %`;

const TITLE: Record<Point, string> = { running: "machine runs", first: "first byte", kernel: "kernel line", init: "/init banner", shell: "shell" };

async function main(): Promise<void> {
  const { runs, idleSeconds } = options();
  const images = await ensureImages();
  const plan = (await loadSystem(SYSTEM)).plan;
  const linuxVms = plan.vms.filter((v) => v.autostart && v.boot.initrd !== undefined);
  const linux = linuxVms.map((v) => v.name);
  const others = plan.vms.filter((v) => v.autostart && v.boot.initrd === undefined).map((v) => v.name);
  const qemuVersion = /version (\S+)/.exec(spawnSync(QEMU, ["--version"], { encoding: "utf8" }).stdout ?? "")?.[1];
  const describe = (v: VmPlan) => `${v.name} (${v.ramBytes / MIB} MiB, ${v.harts} hart${v.harts > 1 ? "s" : ""}${v.throttle ? `, throttle ${formatThrottle(v.throttle)}` : ""})`;

  console.log(`bulkhead up ${relative(repoRoot, SYSTEM)}: ${plan.vms.map(describe).join(", ")}.`);
  console.log(`Wall time from process start to each VM's console marks; Linux: Debian kernel ${images.kernelVersion} + default initramfs.`);
  console.log(qemuVersion
    ? `QEMU ${qemuVersion}: one process per Linux VM (same RAM, harts, kernel, initramfs, command line, virtio devices; OpenSBI fw_dynamic), all started at once.`
    : `QEMU: ${QEMU} is not installed (apt-get install qemu-system-misc): Bulkhead's figures only.`);
  console.log(`host: ${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}, Node ${process.version}`);
  console.log(`${runs} run${runs > 1 ? "s" : ""} of each, alternating; idle measured for ${idleSeconds} s, ${SETTLE_MS / 1000} s after the last shell line:`);

  const dir = mkdtempSync(join(tmpdir(), "bulkhead-up-bench-"));
  const bulkhead: Sample[] = [], qemu: Sample[] = [];
  const show = (name: string, s: Sample) => {
    const boots = [...s.marks].map(([vm, at]) => `${vm}: ${POINTS.filter((p) => at.has(p)).map((p) => `${p} ${at.get(p)!.toFixed(2)}`).join(" ")} s`);
    console.log(`  ${name.padEnd(8)} ${boots.join("; ")}; idle ${pct(s.idle.cpuPerVm)} of a core per VM, RSS ${mib(s.idle.memory.rss)}`);
  };
  try {
    for (let i = 1; i <= runs; i++) {
      console.log(` run ${i}/${runs}`);
      if (qemuVersion) {
        qemu.push(await runQemu(linuxVms, images.fwDynamic, idleSeconds, dir));
        show("QEMU", qemu.at(-1)!);
      }
      bulkhead.push(await runBulkhead(linuxVms, others, idleSeconds, dir));
      show("Bulkhead", bulkhead.at(-1)!);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Boot times.
  const at = (ss: readonly Sample[], vm: string, p: Point) => medianOf(ss, (s) => s.marks.get(vm)?.get(p));
  const rows: string[][] = [["median, from process start", ...POINTS.map((p) => TITLE[p])]];
  for (const vm of others) rows.push([`Bulkhead ${vm}`, ...POINTS.map((p) => secs(at(bulkhead, vm, p)))]);
  for (const vm of linux) {
    rows.push([`Bulkhead ${vm}`, ...POINTS.map((p) => secs(at(bulkhead, vm, p)))]);
    if (!qemuVersion) continue;
    rows.push([`QEMU ${vm}`, ...POINTS.map((p) => secs(at(qemu, vm, p)))]);
    rows.push(["  Bulkhead / QEMU", ...POINTS.map((p) => p === "first" || p === "running" ? "" : ratio(at(bulkhead, vm, p), at(qemu, vm, p)))]);
  }
  console.log("");
  console.log(table(rows));
  console.log("  (machine runs: Bulkhead's event \"booting -> running\": the VM's images are read, its thread and machine are up)");
  if (qemuVersion) console.log("  (first byte: QEMU's is OpenSBI's banner; Bulkhead answers SBI itself and prints none, so its first byte is the kernel's)");
  for (const v of linuxVms.filter((v) => v.throttle)) {
    console.log(`  (${v.name} runs throttled, as its description says: ${formatThrottle(v.throttle)}; the QEMU VM does not)`);
  }

  // Idle cost.
  const idleRow = (name: string, ss: readonly Sample[], n: number, processes: string) => {
    const cpu = medianOf(ss, (s) => s.idle.cpuPerVm)!;
    const rss = medianOf(ss, (s) => s.idle.memory.rss)!;
    const guest = medianOf(ss, (s) => s.idle.memory.guest)!;
    return { cpu, rss, guest, row: [`${name} (${processes})`, pct(cpu), mib(rss / n), mib(guest / n), mib((rss - guest) / n)] };
  };
  const guestRam = linuxVms.reduce((a, v) => a + v.ramBytes, 0);
  const b = idleRow("Bulkhead", bulkhead, linux.length, "one process");
  const q = qemuVersion ? idleRow("QEMU", qemu, linux.length, `${linux.length} processes`) : undefined;
  console.log("");
  console.log(`Idle at the busybox shell, ${linux.length} Linux VMs (${mib(guestRam / linux.length)} of guest RAM configured per VM on average); medians, per idle VM:`);
  console.log(table([
    ["", "host CPU, % of a core", "RSS", "in guest RAM", "the rest"],
    b.row,
    ...(q ? [q.row, ["  Bulkhead / QEMU", ratio(b.cpu, q.cpu), ratio(b.rss, q.rss), ratio(b.guest, q.guest), ratio(b.rss - b.guest, q.rss - q.guest)]] : []),
  ]));
  console.log(`  (in guest RAM: resident pages of the guest RAM mappings; Bulkhead's are the VMs' WebAssembly memories, which`);
  console.log(`  also hold the hart's ${RAM_OFFSET / MIB} MiB of state, TLBs and decoded code. The rest: QEMU's own; Node, V8, each VM thread's isolate and the RootOS)`);

  // The guests should load the same drivers on both. QEMU's virt has virtio-mmio slots
  // (empty) besides PCI, so its guests also load virtio_mmio.
  const mods = (s: Sample | undefined, vm: string) => s?.modules.get(vm)?.split(" ").filter((m) => m !== "virtio_mmio").join(" ");
  for (const vm of linux) {
    const bm = mods(bulkhead.at(-1), vm), qm = mods(qemu.at(-1), vm);
    if (qemu.length && bm !== qm) console.log(`  note: ${vm} loaded other modules: Bulkhead "${bm ?? "(none)"}", QEMU "${qm ?? "(none)"}" (besides virtio_mmio)`);
  }
}

await main();
