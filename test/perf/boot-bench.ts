// `npm run bench [-- --runs N]`: how long Bulkhead takes to boot Debian's kernel and the
// default initramfs to the first line of /init, side by side in one run with QEMU's
// `qemu-system-riscv64 -M virt` booting the same kernel and initramfs (when installed):
// wall time from spawn to the line "bulkhead: init started", after which each process
// is stopped. Runs alternate (QEMU, Bulkhead realtime, Bulkhead virtual, QEMU, ...) so
// that a change in the host's load hits all of them alike; the medians are compared.
//
// Bulkhead runs with --dump-stats; its counters (instructions, TLB misses, MMIO exits,
// traps, ...) say where the time goes. They are counted up to the stop, a few
// milliseconds after the /init line.
//
// Then the staged boot as on hardware (OpenSBI → U-Boot → extlinux.conf on a board disk's
// partition → the same kernel and initramfs), on Bulkhead and on QEMU from the same image.
//
// A benchmark, not a test: it exits 0 whatever the ratio, 1 when a boot fails, 2 on bad
// arguments.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { parseArgs } from "node:util";
import { INIT_BANNER, type CachedImages } from "../../src/images/index.js";
import { describeRun, ensureImages, runBulkhead, runProcess, type ProcessRun } from "../support/bulkhead.js";
import { makeStagedDisk, qemuPartitionDrive } from "../support/staged-disk.js";
import { median, medianOf, table } from "./summary.js";

const HELP = `usage: npm run bench [-- --runs N]

Boot Debian's kernel + the default initramfs to the first line of /init on Bulkhead
(realtime and virtual timing) and on QEMU (qemu-system-riscv64 -M virt, if installed),
N times each, alternating; print median wall times, the ratio, and Bulkhead's counters.
Then the same in stages, from a board disk: OpenSBI → U-Boot → extlinux.conf → Linux.

  --runs N    boots per configuration (default 3)
  -h, --help  this text
`;

const TARGET_RATIO = 4;
const BOOT_TIMEOUT_MS = 120_000;
/** The same for both: QEMU's -m default of the brief, and Bulkhead's default. */
const MEMORY = "512M";
const APPEND = "console=ttyS0";
const QEMU = "qemu-system-riscv64";

interface Config {
  readonly name: string;
  readonly bulkhead: boolean;
  run(): Promise<ProcessRun>;
}

interface Sample {
  /** spawn to the /init line, s */
  readonly wall: number;
  /** the kernel's clock (its last printk timestamp) at the /init line, s */
  readonly guest: number | undefined;
  /** Bulkhead's --dump-stats, by label ("instructions", "TLB misses", ...) */
  readonly counters: Map<string, number>;
  /** Bulkhead: seconds in the run loop and MIPS, from --dump-stats */
  readonly loopSeconds: number | undefined;
  readonly mips: number | undefined;
  /** spawn to exit, s */
  readonly total: number;
}

function fail(message: string, status = 1): never {
  process.stderr.write(`boot-bench: ${message}\n`);
  process.exit(status);
}

function parseOptions(): { runs: number } {
  let values;
  try {
    ({ values } = parseArgs({ options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, 2);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const runs = Number(values.runs ?? "3");
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number of boots, at least 1, not '${values.runs}'`, 2);
  return { runs };
}

function qemuVersion(): string | undefined {
  const r = spawnSync(QEMU, ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return undefined;
  return /version (\S+)/.exec(r.stdout)?.[1] ?? "?";
}

/**
 * --dump-stats lines ("bulkhead: 1395000000 instructions in 6.69 s (208.4 MIPS)",
 * "bulkhead: 2723588 TLB misses, 23170 MMIO exits, ...") as label → count, whatever
 * counters it prints; plus the run loop's seconds and MIPS.
 */
export function parseStats(stderr: string): { counters: Map<string, number>; seconds?: number; mips?: number } {
  const counters = new Map<string, number>();
  let seconds: number | undefined, mips: number | undefined;
  for (const line of stderr.split(/\r?\n/)) {
    if (!line.startsWith("bulkhead: ") || !/^bulkhead: \d/.test(line)) continue;
    const head = /instructions in ([\d.]+) s \(([\d.]+) MIPS\)/.exec(line);
    if (head) { seconds = Number(head[1]); mips = Number(head[2]); }
    for (const m of line.matchAll(/(?<![\d.])(\d+) ([A-Za-z][A-Za-z -]*?)(?=, | into | in | \(|$)/g)) {
      if (!counters.has(m[2]!)) counters.set(m[2]!, Number(m[1]));
    }
  }
  return { counters, ...(seconds !== undefined ? { seconds } : {}), ...(mips !== undefined ? { mips } : {}) };
}

/** The last printk timestamp before the /init line, in seconds. */
function guestClockAtInit(stdout: string): number | undefined {
  const upto = stdout.slice(0, stdout.indexOf(INIT_BANNER));
  const stamps = [...upto.matchAll(/^\[\s*(\d+\.\d+)\]/gm)];
  return stamps.length ? Number(stamps.at(-1)![1]) : undefined;
}

function sampleOf(c: Config, r: ProcessRun): Sample {
  if (r.untilMs === undefined) {
    fail(describeRun(`${c.name} did not reach "${INIT_BANNER}"`, r));
  }
  const stats = c.bulkhead ? parseStats(r.stderr) : { counters: new Map<string, number>() };
  if (c.bulkhead && stats.counters.size === 0) {
    process.stderr.write(`boot-bench: warning: no --dump-stats counters in ${c.name}'s stderr:\n${r.stderr}\n`);
  }
  return {
    wall: r.untilMs / 1000,
    guest: guestClockAtInit(r.stdout),
    counters: stats.counters,
    loopSeconds: stats.seconds,
    mips: stats.mips,
    total: r.ms / 1000,
  };
}

const secs = (x: number | undefined, digits = 2): string => (x === undefined ? "-" : `${x.toFixed(digits)} s`);

function count(x: number | undefined): string {
  if (x === undefined) return "-";
  if (x >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(1)} k`;
  return String(Math.round(x));
}


/**
 * Boot with a GDB stub (--gdb, -S) and a debugger that attaches and continues with no
 * breakpoint: what a stub costs a running VM. A bare RSP client stands in for gdb.
 */
async function underDebugger(args: readonly string[], opts: Parameters<typeof runBulkhead>[1]): Promise<ProcessRun> {
  const port = await new Promise<number>((res) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); });
  });
  const run = runBulkhead([...args, "--gdb", `127.0.0.1:${port}`, "-S"], opts);
  for (let i = 0; i < 400; i++) {
    const sock = await new Promise<net.Socket | undefined>((res) => {
      const s = net.connect(port, "127.0.0.1", () => res(s));
      s.on("error", () => res(undefined));
    });
    if (sock) {
      sock.on("data", () => {});
      sock.on("error", () => {});
      sock.write("$c#63");
      const r = await run;
      sock.destroy();
      return r;
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return run;
}

async function main(): Promise<void> {
  const { runs } = parseOptions();
  const images = await ensureImages();
  const qemu = qemuVersion();

  const bulkheadArgs = (timing: string) => ["run", "--dump-stats", "--timing", timing, "--memory", MEMORY,
    "--kernel", images.kernel, "--initrd", images.initrd, "--append", APPEND];
  const until = { timeoutMs: BOOT_TIMEOUT_MS, until: INIT_BANNER };
  const configs: Config[] = [
    ...(qemu !== undefined ? [{
      name: `QEMU ${qemu} (TCG, OpenSBI fw_dynamic)`, bulkhead: false,
      run: () => runProcess(QEMU, ["-M", "virt", "-m", MEMORY, "-nographic", "-bios", images.fwDynamic,
        "-kernel", images.kernel, "-initrd", images.initrd, "-append", APPEND], until),
    }] : []),
    { name: "Bulkhead, realtime timing (builtin SBI)", bulkhead: true, run: () => runBulkhead(bulkheadArgs("realtime"), until) },
    { name: "Bulkhead, virtual timing (builtin SBI)", bulkhead: true, run: () => runBulkhead(bulkheadArgs("virtual"), until) },
    { name: "Bulkhead, virtual timing, a debugger attached", bulkhead: true, run: () => underDebugger(bulkheadArgs("virtual"), until) },
  ];

  const cpu = cpus()[0]?.model ?? "unknown CPU";
  console.log(`Boot to the first line of /init: Debian kernel ${images.kernelVersion} + default initramfs,`);
  console.log(`1 hart, ${MEMORY}, append "${APPEND}"; wall time from spawn to "${INIT_BANNER}".`);
  console.log(`host: ${cpu}, ${cpus().length} CPUs, load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}, Node ${process.version}`);
  if (qemu === undefined) console.log(`QEMU: ${QEMU} is not installed (apt-get install qemu-system-misc): Bulkhead's figures only.`);
  console.log(`${runs} run${runs > 1 ? "s" : ""} of each, alternating:`);

  const samples = await measure(configs, runs);
  const wallOf = (c: Config) => median(samples.get(c)!.map((s) => s.wall));
  printWallTimes(configs, samples);
  const [qemuConfig, realtime, virtual, debugged] = qemu !== undefined ? configs : [undefined, ...configs];
  const stubCost = wallOf(debugged!) / wallOf(virtual!) - 1;
  console.log(`  a GDB stub attached, no breakpoints: ${stubCost >= 0 ? "+" : ""}${(stubCost * 100).toFixed(1)} % (target: within 5 %: ${stubCost <= 0.05 ? "met" : "NOT met"})`);
  if (qemuConfig) {
    const q = wallOf(qemuConfig);
    const rt = wallOf(realtime!) / q, vt = wallOf(virtual!) / q;
    console.log(`  Bulkhead / QEMU: ${rt.toFixed(2)}x (realtime), ${vt.toFixed(2)}x (virtual timing)`);
    console.log(`  target: within ${TARGET_RATIO}x of QEMU: ${rt <= TARGET_RATIO ? "met" : "NOT met"} (${rt.toFixed(2)}x realtime)`);
  } else {
    console.log(`  target: within ${TARGET_RATIO}x of QEMU: not measured (no QEMU)`);
  }

  // Where Bulkhead's time goes.
  const bh = [realtime!, virtual!];
  const labels: string[] = [];
  for (const c of bh) for (const s of samples.get(c)!) for (const k of s.counters.keys()) if (!labels.includes(k)) labels.push(k);
  const instr = (s: Sample) => s.counters.get("instructions");
  const rows: string[][] = [
    ["", "realtime", "", "virtual", ""],
    ["wall time to /init", ...bh.flatMap((c) => [secs(wallOf(c)), ""])],
    ["  in the run loop (guest running or idle)", ...bh.flatMap((c) => [secs(medianOf(samples.get(c)!, (s) => s.loopSeconds)), ""])],
    ["  outside it (Node, wasm, loading images)", ...bh.flatMap((c) => [secs(medianOf(samples.get(c)!, (s) => s.loopSeconds === undefined ? undefined : s.total - s.loopSeconds)), ""])],
    ["MIPS in the run loop", ...bh.flatMap((c) => [medianOf(samples.get(c)!, (s) => s.mips)?.toFixed(1) ?? "-", ""])],
    ...labels.map((k) => [k, ...bh.flatMap((c) => {
      const n = medianOf(samples.get(c)!, (s) => s.counters.get(k));
      const perM = k === "instructions" ? undefined : medianOf(samples.get(c)!, (s) => {
        const v = s.counters.get(k), i = instr(s);
        return v !== undefined && i ? (v / i) * 1e6 : undefined;
      });
      return [count(n), perM === undefined ? "" : `(${perM < 10 ? perM.toFixed(2) : perM.toFixed(0)} per M instr)`];
    })]),
  ];
  console.log("");
  console.log("Where Bulkhead's time goes (medians; counters from --dump-stats, up to the stop just after the /init line):");
  console.log(table(rows));

  await stagedBench(images, qemu, runs);
}

/** Each config `runs` times, alternating; one line per run. */
async function measure(configs: readonly Config[], runs: number): Promise<Map<Config, Sample[]>> {
  const samples = new Map<Config, Sample[]>(configs.map((c) => [c, []]));
  for (let i = 1; i <= runs; i++) {
    for (const c of configs) {
      const s = sampleOf(c, await c.run());
      samples.get(c)!.push(s);
      const extra = s.mips !== undefined ? `, ${s.mips.toFixed(1)} MIPS in the run loop` : "";
      console.log(`  run ${i}/${runs}  ${c.name.padEnd(48)} ${secs(s.wall).padStart(8)}  (guest clock ${secs(s.guest)}${extra})`);
    }
  }
  return samples;
}

function printWallTimes(configs: readonly Config[], samples: Map<Config, Sample[]>): void {
  console.log("");
  console.log(table([
    ["", "median", "min", "max", "guest clock at /init"],
    ...configs.map((c) => {
      const w = samples.get(c)!.map((s) => s.wall);
      return [c.name, secs(median(w)), secs(Math.min(...w)), secs(Math.max(...w)), secs(medianOf(samples.get(c)!, (s) => s.guest))];
    }),
  ]));
  console.log("");
}

/**
 * The staged boot as on hardware: OpenSBI fw_dynamic → U-Boot (qemu-riscv64_smode) →
 * extlinux.conf on the VM's partition of a board disk (bulkhead disk create) → Debian's
 * kernel and initramfs, to the /init line; QEMU boots the same partition of the same
 * image (its raw driver's offset= and size=) on virtio-blk-pci with the same firmware.
 */
async function stagedBench(images: CachedImages, qemu: string | undefined, runs: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-bench-staged-"));
  try {
    const disk = await makeStagedDisk(dir, APPEND, { memory: MEMORY, timing: "realtime" });
    const linux = disk.partition("linux");
    const bulkheadArgs = (timing: string) => ["run", "--dump-stats", "--timing", timing, "--memory", MEMORY,
      "--bios", images.fwDynamic, "--kernel", images.uboot, "--raw-kernel", "--drive", `file=${disk.image},name=linux`];
    const until = { timeoutMs: BOOT_TIMEOUT_MS, until: INIT_BANNER };
    const configs: Config[] = [
      ...(qemu !== undefined ? [{
        name: `QEMU ${qemu} (OpenSBI → U-Boot → extlinux)`, bulkhead: false,
        run: () => runProcess(QEMU, ["-M", "virt", "-m", MEMORY, "-nographic", "-bios", images.fwDynamic, "-kernel", images.uboot,
          ...qemuPartitionDrive(disk.image, linux, "d0")], until),
      }] : []),
      { name: "Bulkhead, realtime (OpenSBI → U-Boot → extlinux)", bulkhead: true, run: () => runBulkhead(bulkheadArgs("realtime"), until) },
      { name: "Bulkhead, virtual (OpenSBI → U-Boot → extlinux)", bulkhead: true, run: () => runBulkhead(bulkheadArgs("virtual"), until) },
    ];
    console.log("");
    console.log(`Staged boot to the first line of /init: OpenSBI fw_dynamic → U-Boot → extlinux.conf on a`);
    console.log(`${linux.size >> 20} MiB partition of a board disk (virtio-blk-pci) → the same kernel and initramfs, ${MEMORY}.`);
    console.log(`${runs} run${runs > 1 ? "s" : ""} of each, alternating:`);
    const samples = await measure(configs, runs);
    printWallTimes(configs, samples);
    const wallOf = (c: Config) => median(samples.get(c)!.map((s) => s.wall));
    const [qemuConfig, realtime, virtual] = qemu !== undefined ? configs : [undefined, ...configs];
    if (qemuConfig) {
      const q = wallOf(qemuConfig);
      console.log(`  Bulkhead / QEMU, staged boot: ${(wallOf(realtime!) / q).toFixed(2)}x (realtime), ${(wallOf(virtual!) / q).toFixed(2)}x (virtual timing)`);
    } else {
      console.log("  Bulkhead / QEMU, staged boot: not measured (no QEMU)");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
