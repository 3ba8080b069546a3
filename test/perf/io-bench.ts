// `npm run bench` (second part) / `npm run bench:io [-- --runs N]`: virtio-blk throughput
// side by side with QEMU (qemu-system-riscv64 -M virt, virtio-blk-pci, when installed),
// same kernel, initramfs and disk image. In each boot the guest times, with its own
// clock (/proc/uptime; realtime on Bulkhead, so host time on both):
//   cpu    md5sum of 16 MiB of zeros (how fast the CPU is: the reference factor)
//   read   dd 64 MiB from /dev/vda to /dev/null, 1 MiB blocks, O_DIRECT
//   write  dd 64 MiB from /dev/zero to /dev/vda, 1 MiB blocks, O_DIRECT
// Runs alternate QEMU and Bulkhead; medians are compared. The device path should not be
// the slower part: the read/write ratios should be within the CPU's.
// A benchmark, not a test: exit 0 whatever the ratios, 1 when a boot fails, 2 on bad arguments.
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { describeRun, ensureImages, runBulkhead, runProcess, type ProcessRun } from "../support/bulkhead.js";

const HELP = `usage: npm run bench:io [-- --runs N]

virtio-blk sequential read and write (dd, 64 MiB, 1 MiB blocks, O_DIRECT) and a CPU loop,
timed inside the guest (the CPU by md5sum of 16 MiB), on Bulkhead and on QEMU (if installed); medians and ratios.

  --runs N    boots per machine (default 3)
  -h, --help  this text
`;

const QEMU = "qemu-system-riscv64";
const MIB = 64;
const TIMEOUT_MS = 240_000;
const COMMAND = [
  "u(){ cut -d' ' -f1 /proc/uptime; }",
  "a=$(u); head -c 16777216 /dev/zero | md5sum >/dev/null; b=$(u); echo io-bench cpu $a $b",
  `a=$(u); dd if=/dev/vda of=/dev/null bs=1M count=${MIB} iflag=direct 2>/dev/null; b=$(u); echo io-bench read $a $b`,
  `a=$(u); dd if=/dev/zero of=/dev/vda bs=1M count=${MIB} oflag=direct 2>/dev/null; b=$(u); echo io-bench write $a $b`,
].join("\n");

type Measure = "cpu" | "read" | "write";
type Sample = Record<Measure, number>;

function fail(message: string, status = 1): never {
  process.stderr.write(`io-bench: ${message}\n`);
  process.exit(status);
}

function options(): { runs: number } {
  let values;
  try {
    ({ values } = parseArgs({ options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, 2);
  }
  if (values.help) { process.stdout.write(HELP); process.exit(0); }
  const runs = Number(values.runs ?? "3");
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number, at least 1, not '${values.runs}'`, 2);
  return { runs };
}

/** Seconds per measure from the guest's "io-bench NAME START END" lines. */
function sampleOf(name: string, r: ProcessRun): Sample {
  const s: Partial<Sample> = {};
  for (const m of r.stdout.matchAll(/^io-bench (cpu|read|write) ([\d.]+) ([\d.]+)\r?$/gm)) s[m[1] as Measure] = Number(m[3]) - Number(m[2]);
  if (s.cpu === undefined || s.read === undefined || s.write === undefined) fail(describeRun(`${name}: the guest did not report every measure`, r));
  return s as Sample;
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

async function main(): Promise<void> {
  const { runs } = options();
  const images = await ensureImages();
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-io-bench-"));
  const disk = join(dir, "disk.img");
  const fd = openSync(disk, "w");
  ftruncateSync(fd, (MIB + 16) << 20);
  closeSync(fd);
  const append = `console=ttyS0 bulkhead.run64=${Buffer.from(COMMAND).toString("base64")}`;
  const qemu = spawnSync(QEMU, ["--version"]).status === 0;
  const machines: Array<{ name: string; run: () => Promise<ProcessRun>; samples: Sample[] }> = [
    {
      name: "Bulkhead", samples: [],
      run: () => runBulkhead(["run", "--memory", "512M", "--drive", `file=${disk}`, "--append", append], { timeoutMs: TIMEOUT_MS }),
    },
    ...(qemu ? [{
      name: "QEMU", samples: [] as Sample[],
      run: () => runProcess(QEMU, [
        "-M", "virt", "-m", "512M", "-nographic", "-bios", "default", "-kernel", images.kernel, "-initrd", images.initrd,
        "-drive", `file=${disk},if=none,id=d0,format=raw,cache=writeback`, "-device", "virtio-blk-pci,drive=d0", "-append", append,
      ], { timeoutMs: TIMEOUT_MS }),
    }] : []),
  ];
  try {
    for (let i = 0; i < runs; i++) {
      for (const m of machines) {
        const r = await m.run();
        m.samples.push(sampleOf(m.name, r));
        process.stderr.write(`io-bench: ${m.name} run ${i + 1}/${runs} done\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const med = (m: (typeof machines)[number], k: Measure) => median(m.samples.map((s) => s[k]));
  const rate = (seconds: number) => `${(MIB / seconds).toFixed(1)} MiB/s`;
  const [b, q] = machines;
  const rows: string[][] = [["", ...machines.map((m) => m.name), ...(q ? ["QEMU is faster by"] : [])]];
  rows.push(["cpu (md5sum 16 MiB)", ...machines.map((m) => `${med(m, "cpu").toFixed(2)} s`), ...(q ? [`${(med(b!, "cpu") / med(q, "cpu")).toFixed(2)}x`] : [])]);
  for (const k of ["read", "write"] as const) {
    rows.push([`virtio-blk ${k}`, ...machines.map((m) => rate(med(m, k))), ...(q ? [`${(med(b!, k) / med(q, k)).toFixed(2)}x`] : [])]);
  }
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log(`virtio-blk, ${MIB} MiB sequential, 1 MiB O_DIRECT blocks; medians of ${runs} boot(s) each`);
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join("  "));
  if (!q) { console.log(`QEMU: ${QEMU} is not installed: Bulkhead's figures only.`); return; }
  const cpu = med(b!, "cpu") / med(q, "cpu");
  const worst = Math.max(med(b!, "read") / med(q, "read"), med(b!, "write") / med(q, "write"));
  console.log(worst <= cpu * 1.25
    ? `the device path is within the CPU's factor (${worst.toFixed(2)}x vs ${cpu.toFixed(2)}x)`
    : `the device path is slower than the CPU's factor (${worst.toFixed(2)}x vs ${cpu.toFixed(2)}x): look at src/virtio/blk and src/images/disk.ts`);
}

await main();
