// `npm run bench` (second part) / `npm run bench:io [-- --runs N] [--only blk|net|9p]`: virtio
// throughput side by side with QEMU (qemu-system-riscv64 -M virt, TCG, when installed),
// same kernel and initramfs. The guests time themselves with their own clock
// (/proc/uptime; realtime on Bulkhead, so host time on both).
//   blk: one boot with a disk (virtio-blk-pci on QEMU, the same image file):
//     cpu    md5sum of 16 MiB of zeros (how fast the CPU is: the reference factor)
//     read   dd 64 MiB from /dev/vda to /dev/null, 1 MiB blocks, O_DIRECT
//     write  dd 64 MiB from /dev/zero to /dev/vda, 1 MiB blocks, O_DIRECT
//   9p: one boot with a host directory shared over virtio-9p (--virtfs on Bulkhead,
//     QEMU's -virtfs local,security_model=none: virtio-9p-pci), mounted with msize=512000:
//     write  dd 64 MiB from /dev/zero to a new file in the share, 1 MiB blocks
//     read   dd it back to /dev/null, 1 MiB blocks
//     (and the same CPU loop, for when blk is not run)
//   net: two VMs on a UDP link (--netdev udp on Bulkhead, -netdev socket,udp= with
//     virtio-net-pci on QEMU; no offloads reach the guests either way, as QEMU offers
//     none over a socket netdev): the sender times `dd 16 MiB of zeros | nc`, from before
//     connecting until its nc exits, which is after the receiver's `nc -l | wc -c` saw
//     the end of the stream and closed; the receiver reports the bytes it got.
//   switch: the same pair as two VMs on a RootOS network in one `bulkhead up` (each NIC's
//     frames through shared-memory rings to the RootOS's switch); QEMU's column is its
//     fastest inter-VM path without root, the socket pair above.
// Runs alternate QEMU and Bulkhead; medians are compared. The device path should not be
// the slower part: its ratios should be within the CPU's.
// A benchmark, not a test: exit 0 whatever the ratios, 1 when a boot fails, 2 on bad arguments.
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { CachedImages } from "../../src/images/index.js";
import { describeRun, ensureImages, freeUdpPorts, runBulkhead, runProcess, type ProcessRun } from "../support/bulkhead.js";
import { ApiConsole, startUp } from "../support/up.js";

const HELP = `usage: npm run bench:io [-- --runs N] [--only blk|net|9p]

Timed inside the guests, on Bulkhead and on QEMU (if installed); medians and ratios:
  blk  virtio-blk sequential read and write (dd, 64 MiB, 1 MiB blocks, O_DIRECT) and a
       CPU loop (md5sum of 16 MiB)
  9p   virtio-9p sequential write and read of a 64 MiB file in a shared host directory
  net  virtio-net between two VMs, on a UDP link and on a RootOS network: 16 MiB over TCP (busybox dd | nc)

  --runs N          boots per machine (default 3)
  --only blk|net|9p one of the three
  -h, --help        this text
`;

const QEMU = "qemu-system-riscv64";
const MIB = 64;
const NET_MIB = 16;
const TIMEOUT_MS = 240_000;
const U = "u(){ cut -d' ' -f1 /proc/uptime; }";
const CPU_LINE = "a=$(u); head -c 16777216 /dev/zero | md5sum >/dev/null; b=$(u); echo io-bench cpu $a $b";
const BLK_COMMAND = [
  U,
  CPU_LINE,
  `a=$(u); dd if=/dev/vda of=/dev/null bs=1M count=${MIB} iflag=direct 2>/dev/null; b=$(u); echo io-bench read $a $b`,
  `a=$(u); dd if=/dev/zero of=/dev/vda bs=1M count=${MIB} oflag=direct 2>/dev/null; b=$(u); echo io-bench write $a $b`,
].join("\n");
const P9_COMMAND = [
  U,
  CPU_LINE,
  "mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host /mnt",
  `a=$(u); dd if=/dev/zero of=/mnt/f bs=1M count=${MIB} 2>/dev/null; b=$(u); echo io-bench p9write $a $b`,
  `a=$(u); dd if=/mnt/f of=/dev/null bs=1M 2>/dev/null; b=$(u); echo io-bench p9read $a $b`,
  "rm /mnt/f",
].join("\n");
const NET = { sender: "10.0.0.1", receiver: "10.0.0.2", port: 5001 };
/** The receiver listens as soon as its address is up (so before it can answer a ping), then stays a while for the last ACKs. */
const RECEIVE_COMMAND = `ip link set eth0 up; ip addr add ${NET.receiver}/24 dev eth0; echo io-bench received $(nc -l -p ${NET.port} | wc -c); sleep 3`;
/** The sender waits for the receiver's address to answer, then times the transfer. */
const SEND_COMMAND = [
  U,
  `ip link set eth0 up; ip addr add ${NET.sender}/24 dev eth0`,
  `i=0; until ping -c 1 -W 1 ${NET.receiver} >/dev/null; do i=$((i+1)); [ $i -gt 300 ] && break; done; sleep 1`,
  `a=$(u); dd if=/dev/zero bs=64k count=${NET_MIB * 16} 2>/dev/null | nc ${NET.receiver} ${NET.port}; b=$(u); echo io-bench net $a $b`,
].join("\n");

type Measure = "cpu" | "read" | "write" | "p9read" | "p9write" | "net" | "switch";
type Sample = Partial<Record<Measure, number>>;
type Part = "blk" | "9p" | "net";

function fail(message: string, status = 1): never {
  process.stderr.write(`io-bench: ${message}\n`);
  process.exit(status);
}

function options(): { runs: number; parts: Part[] } {
  let values;
  try {
    ({ values } = parseArgs({ options: { runs: { type: "string" }, only: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    fail(`${(e as Error).message} (see --help)`, 2);
  }
  if (values.help) { process.stdout.write(HELP); process.exit(0); }
  const runs = Number(values.runs ?? "3");
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number, at least 1, not '${values.runs}'`, 2);
  const only = values.only;
  if (only !== undefined && only !== "blk" && only !== "9p" && only !== "net") fail(`--only takes blk, 9p or net, not '${only}'`, 2);
  return { runs, parts: only ? [only] : ["blk", "9p", "net"] };
}

/** Seconds per measure from the guest's "io-bench NAME START END" lines; fails unless each of `want` is there. */
function sampleOf(name: string, r: ProcessRun, want: readonly Measure[]): Sample {
  const s: Sample = {};
  for (const m of r.stdout.matchAll(/^io-bench (cpu|read|write|p9read|p9write|net) ([\d.]+) ([\d.]+)\r?$/gm)) s[m[1] as Measure] = Number(m[3]) - Number(m[2]);
  if (want.some((k) => s[k] === undefined)) fail(describeRun(`${name}: the guest did not report ${want.join(", ")}`, r));
  return s;
}

/** The receiver got every byte the sender sent. */
function checkReceived(name: string, r: ProcessRun): void {
  const got = /^io-bench received (\d+)\r?$/m.exec(r.stdout)?.[1];
  if (Number(got) !== NET_MIB << 20) fail(describeRun(`${name}: the receiver got ${got ?? "nothing"} bytes, not ${NET_MIB << 20}`, r));
}

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!; };

const netAppend = (command: string) => `console=ttyS0 quiet bulkhead.run64=${Buffer.from(command).toString("base64")}`;

/** Two VMs on a UDP link, sender and receiver; `vm` starts one with its link ends and MAC. */
async function netPair(name: string, vm: (command: string, local: number, remote: number, mac: string) => Promise<ProcessRun>): Promise<Sample> {
  const [ps, pr] = await freeUdpPorts(2);
  const [send, receive] = await Promise.all([
    vm(SEND_COMMAND, ps!, pr!, "52:54:00:00:01:01"),
    vm(RECEIVE_COMMAND, pr!, ps!, "52:54:00:00:01:02"),
  ]);
  checkReceived(`${name} (receiver)`, receive);
  return sampleOf(`${name} (sender)`, send, ["net"]);
}

/** The same pair on a RootOS network: two VMs in one `bulkhead up`, timed as netPair's. */
async function switchPair(dir: string): Promise<Sample> {
  const vm = (name: string, core: number, command: string, mac: string) => [
    `  - name: ${name}`, "    os: debian", `    cores: [${core}]`, "    memory: 512M",
    "    boot: { kernel: debian:kernel, initrd: debian:initrd, append: " + JSON.stringify(netAppend(command)) + " }",
    `    devices: [{ virtio: nic, network: lan, mac: "${mac}" }]`,
  ].join("\n");
  const file = join(dir, "switch.yaml");
  writeFileSync(file, ["board: { cores: 2, memory: 1G }", "networks: [{ name: lan }]", "vms:",
    vm("tx", 0, SEND_COMMAND, "52:54:00:00:01:01"), vm("rx", 1, RECEIVE_COMMAND, "52:54:00:00:01:02"), ""].join("\n"));
  const up = await startUp(file, dir, "switch");
  try {
    const [tx, rx] = await Promise.all([new ApiConsole("tx", up).open(60_000), new ApiConsole("rx", up).open(60_000)]);
    const [got, sent] = await Promise.all([rx.waitFor(/io-bench received (\d+)/, TIMEOUT_MS), tx.waitFor(/io-bench net ([\d.]+) ([\d.]+)/, TIMEOUT_MS)]);
    tx.close();
    rx.close();
    if (Number(got[1]) !== NET_MIB << 20) fail(`Bulkhead (RootOS network): the receiver got ${got[1]} bytes, not ${NET_MIB << 20}`);
    return { switch: Number(sent[2]) - Number(sent[1]) };
  } finally {
    await up.stop();
  }
}

interface Machine {
  readonly name: string;
  readonly blk: (disk: string) => Promise<ProcessRun>;
  readonly p9: (dir: string) => Promise<ProcessRun>;
  readonly net: (command: string, local: number, remote: number, mac: string) => Promise<ProcessRun>;
  readonly samples: Sample[];
}

function machinesFor(images: CachedImages): Machine[] {
  const blkAppend = `console=ttyS0 bulkhead.run64=${Buffer.from(BLK_COMMAND).toString("base64")}`;
  const p9Append = `console=ttyS0 bulkhead.run64=${Buffer.from(P9_COMMAND).toString("base64")}`;
  const qemu = (args: string[]) => runProcess(QEMU, [
    "-M", "virt", "-m", "512M", "-nographic", "-bios", "default", "-kernel", images.kernel, "-initrd", images.initrd, ...args,
  ], { timeoutMs: TIMEOUT_MS });
  return [
    {
      name: "Bulkhead", samples: [],
      blk: (disk) => runBulkhead(["run", "--memory", "512M", "--drive", `file=${disk}`, "--append", blkAppend], { timeoutMs: TIMEOUT_MS }),
      p9: (dir) => runBulkhead(["run", "--memory", "512M", "--virtfs", `local,path=${dir},mount_tag=host`, "--append", p9Append], { timeoutMs: TIMEOUT_MS }),
      net: (command, local, remote, mac) => runBulkhead([
        "run", "--memory", "512M", "--netdev", `udp,local=127.0.0.1:${local},remote=127.0.0.1:${remote},mac=${mac}`, "--append", netAppend(command),
      ], { timeoutMs: TIMEOUT_MS }),
    },
    ...(spawnSync(QEMU, ["--version"]).status === 0 ? [{
      name: "QEMU", samples: [] as Sample[],
      blk: (disk: string) => qemu([
        "-drive", `file=${disk},if=none,id=d0,format=raw,cache=writeback`, "-device", "virtio-blk-pci,drive=d0", "-append", blkAppend,
      ]),
      p9: (dir: string) => qemu(["-virtfs", `local,path=${dir},mount_tag=host,security_model=none`, "-append", p9Append]),
      net: (command: string, local: number, remote: number, mac: string) => qemu([
        "-netdev", `socket,id=n0,udp=127.0.0.1:${remote},localaddr=127.0.0.1:${local}`,
        "-device", `virtio-net-pci,netdev=n0,mac=${mac}`, "-append", netAppend(command),
      ]),
    }] : []),
  ];
}

async function main(): Promise<void> {
  const { runs, parts } = options();
  const images = await ensureImages();
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-io-bench-"));
  const disk = join(dir, "disk.img");
  const share = join(dir, "share");
  mkdirSync(share);
  const fd = openSync(disk, "w");
  ftruncateSync(fd, (MIB + 16) << 20);
  closeSync(fd);
  const machines = machinesFor(images);
  try {
    for (let i = 0; i < runs; i++) {
      for (const m of machines) {
        const sample: Sample = {};
        if (parts.includes("blk")) Object.assign(sample, sampleOf(m.name, await m.blk(disk), ["cpu", "read", "write"]));
        if (parts.includes("9p")) Object.assign(sample, sampleOf(m.name, await m.p9(share), ["cpu", "p9read", "p9write"]));
        if (parts.includes("net")) {
          Object.assign(sample, await netPair(m.name, m.net));
          // QEMU has no RootOS network: its column is its socket pair again.
          sample.switch = m.name === "Bulkhead" ? (await switchPair(dir)).switch : sample.net;
        }
        m.samples.push(sample);
        process.stderr.write(`io-bench: ${m.name} run ${i + 1}/${runs} done\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  report(machines, runs, parts);
}

function report(machines: readonly Machine[], runs: number, parts: readonly Part[]): void {
  const med = (m: Machine, k: Measure) => median(m.samples.map((s) => s[k]!));
  const [b, q] = machines;
  const ratio = (k: Measure) => (q ? [`${(med(b!, k) / med(q, k)).toFixed(2)}x`] : []);
  const rows: string[][] = [["", ...machines.map((m) => m.name), ...(q ? ["QEMU is faster by"] : [])]];
  const measures: Array<{ k: Measure; label: string; cell: (s: number) => string }> = [
    ...(parts.includes("blk") || parts.includes("9p") ? [
      { k: "cpu" as const, label: "cpu (md5sum 16 MiB)", cell: (s: number) => `${s.toFixed(2)} s` },
    ] : []),
    ...(parts.includes("blk") ? [
      { k: "read" as const, label: `virtio-blk read ${MIB} MiB`, cell: (s: number) => `${(MIB / s).toFixed(1)} MiB/s` },
      { k: "write" as const, label: `virtio-blk write ${MIB} MiB`, cell: (s: number) => `${(MIB / s).toFixed(1)} MiB/s` },
    ] : []),
    ...(parts.includes("9p") ? [
      { k: "p9read" as const, label: `virtio-9p read ${MIB} MiB`, cell: (s: number) => `${(MIB / s).toFixed(1)} MiB/s` },
      { k: "p9write" as const, label: `virtio-9p write ${MIB} MiB`, cell: (s: number) => `${(MIB / s).toFixed(1)} MiB/s` },
    ] : []),
    ...(parts.includes("net") ? [
      { k: "net" as const, label: `virtio-net TCP ${NET_MIB} MiB, UDP link`, cell: (s: number) => `${(NET_MIB / s).toFixed(2)} MiB/s` },
      // QEMU's column: its socket pair (it has no RootOS network).
      { k: "switch" as const, label: `virtio-net TCP ${NET_MIB} MiB, RootOS network`, cell: (s: number) => `${(NET_MIB * 8 * 1.048576 / 1000 / s).toFixed(4)} Gbit/s` },
    ] : []),
  ];
  for (const { k, label, cell } of measures) rows.push([label, ...machines.map((m) => cell(med(m, k))), ...ratio(k)]);
  const width = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log(`virtio devices, timed in the guests; medians of ${runs} run(s) each (blk, 9p: one boot each; net: a pair of VMs on a UDP link, then on a RootOS network in one bulkhead up)`);
  for (const r of rows) console.log(r.map((cell, c) => (c === 0 ? cell.padEnd(width[c]!) : cell.padStart(width[c]!))).join("  "));
  if (!q) { console.log(`QEMU: ${QEMU} is not installed: Bulkhead's figures only.`); return; }
  if (!parts.includes("blk") && !parts.includes("9p")) return;
  const cpu = med(b!, "cpu") / med(q, "cpu");
  const device = measures.filter((m) => m.k !== "cpu").map((m) => ({ k: m.k, x: med(b!, m.k) / med(q, m.k) }));
  const worst = device.reduce((a, d) => (d.x > a.x ? d : a));
  console.log(worst.x <= cpu * 1.25
    ? `the device paths are within the CPU's factor (worst ${worst.k} ${worst.x.toFixed(2)}x vs ${cpu.toFixed(2)}x)`
    : `${worst.k} is slower than the CPU's factor (${worst.x.toFixed(2)}x vs ${cpu.toFixed(2)}x): look at src/virtio/${worst.k === "net" ? "net and src/net" : worst.k.startsWith("p9") ? "9p and src/share" : "blk and src/images/disk.ts"}`);
}

await main();
