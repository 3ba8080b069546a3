// virtio-blk with Debian's own drivers (virtio_pci built in; virtio_blk, virtio_mmio and
// ext4 modules from the default initramfs, loaded by its /init by modalias). The disk is
// a GPT image made here: partition 1 "data" (ext4, written by the guest), partition 2
// "ro" (ext4 holding one file, handed to the guest read-only). Two boots, virtual timing:
//   1. data on virtio-pci, ro on virtio-mmio, plus --rng: the partitions appear in
//      /proc/partitions; the PCI bus holds the host bridge, the disk and the rng, nothing
//      else; a file is written to data; ro cannot be mounted read-write nor written;
//      --dump-stats counts each device's requests, bytes, notifications and interrupts.
//   2. data and the whole image (read-only) on virtio-mmio: no PCI bus at all; the
//      whole disk shows both partitions; the file from boot 1 is there.
// After each, the image outside partition 1 is byte-for-byte what it was.
// Disks are told apart by serial (virtio-blkN in --drive order), not by probe order.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildGpt, type GptPartition } from "../../src/images/gpt.js";
import { describeRun, ensureImages, runBulkhead, type ProcessRun } from "../support/bulkhead.js";

const BOOT_TIMEOUT_MS = 180_000;
const MiB = 1 << 20;
const haveMkfs = spawnSync("mkfs.ext4", ["-V"]).status === 0;

let scratch: string;
let image: string;
let parts: GptPartition[];

before(async () => {
  await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-blk-"));
  image = join(scratch, "disk.img");
  if (haveMkfs) parts = makeDisk(image);
}, { timeout: 15 * 60_000 });

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

/** 48 MiB: GPT, "data" 16 MiB (empty ext4), "ro" 8 MiB (ext4 with ro-file), via mkfs.ext4 -E offset= -d. */
function makeDisk(path: string): GptPartition[] {
  const size = 48 * MiB;
  const g = buildGpt(size, [{ name: "data", size: 16 * MiB }, { name: "ro", size: 8 * MiB }]);
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  for (const w of g.writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
  closeSync(fd);
  const roDir = join(scratch, "ro-root");
  mkdirSync(roDir);
  writeFileSync(join(roDir, "ro-file"), "read-only content\n");
  for (const [p, dir] of [[g.partitions[0]!, undefined], [g.partitions[1]!, roDir]] as const) {
    const r = spawnSync("mkfs.ext4", ["-q", "-F", "-E", `offset=${p.offset}`, ...(dir ? ["-d", dir] : []), path, `${p.size / 1024}k`], { encoding: "utf8" });
    assert.equal(r.status, 0, `mkfs.ext4: ${r.stderr}`);
  }
  return g.partitions;
}

/** Hash of the image outside partition 1 (the only bytes a guest may change). */
function outsideData(): string {
  const b = readFileSync(image), p = parts[0]!;
  return createHash("sha256").update(b.subarray(0, p.offset)).update(b.subarray(p.offset + p.size)).digest("hex");
}

// The kernel keeps at most 1 KiB of command line (riscv COMMAND_LINE_SIZE): keep commands short.
/** Prints "disk vdX SERIAL RO SECTORS" per disk and sets $D0, $D1 to the vdX of serials virtio-blk0, virtio-blk1. */
const FIND_DISKS = "for b in /sys/block/vd*; do s=$(cat $b/serial); echo disk ${b##*/} $s $(cat $b/ro $b/size); eval D${s#virtio-blk}=${b##*/}; done";
/** Prints "pci BDF VENDOR DEVICE" per PCI function. */
const LIST_PCI = "for d in /sys/bus/pci/devices/*; do [ -e $d ] && echo pci ${d##*/} $(cat $d/vendor $d/device); done";

async function boot(drives: string[], extra: string[], command: string): Promise<{ r: ProcessRun; lines: string[]; why: string }> {
  assert.ok(command.length < 700, "the command must fit the kernel command line once base64-encoded");
  const args = [
    "run", "--timing", "virtual", "--memory", "256M", ...drives.flatMap((d) => ["--drive", d]), ...extra,
    "--append", `console=ttyS0 bulkhead.run64=${Buffer.from(command).toString("base64")}`,
  ];
  const r = await runBulkhead(args, { timeoutMs: BOOT_TIMEOUT_MS });
  const why = describeRun(`bulkhead ${args.join(" ")}`, r);
  assert.equal(r.status, 0, why);
  const lines = r.stdout.split(/\r?\n/);
  assert.ok(lines.includes("bulkhead: run finished, status 0"), `the command did not finish with status 0\n${why}`);
  return { r, lines, why };
}

describe("virtio-blk with Debian's drivers", { skip: !haveMkfs && "mkfs.ext4 is not installed", timeout: 3 * BOOT_TIMEOUT_MS }, () => {
  it("boot 1: partitions appear, PCI holds exactly bridge + disk + rng, data is written, ro stays read-only", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const before = outsideData();
    const cmd = [
      "cat /proc/partitions", LIST_PCI, FIND_DISKS,
      "mount -t ext4 /dev/$D0 /mnt && echo written-in-boot-1 >/mnt/f && umount /mnt && echo data-written",
      "mkdir /r; mount -t ext4 -o rw /dev/$D1 /r; grep -o ' /r ext4 r[ow]' /proc/mounts",
      "cat /r/ro-file; touch /r/n 2>/dev/null || echo ro-file-refused",
      "dd if=/dev/zero of=/dev/$D1 count=1 2>/dev/null || echo ro-dev-refused",
      "head -c8 /dev/hwrng >/dev/null && echo hwrng-read",
    ].join("\n");
    const { lines, why, r } = await boot(
      ["file=" + image + ",part=1", "file=" + image + ",name=ro,readonly=on,if=virtio-mmio"], ["--rng", "--dump-stats"], cmd);
    const partitions = lines.filter((l) => /^\s*\d+\s+\d+\s+\d+\s+vd[a-z]\d*$/.test(l)).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(partitions.map((p) => p[2]).sort(), ["16384", "8192"], `/proc/partitions: the two partitions as whole disks (KiB)\n${why}`);
    assert.deepEqual(lines.filter((l) => l.startsWith("pci ")), [
      "pci 0000:00:00.0 0x1b36 0x0008", "pci 0000:00:01.0 0x1af4 0x1042", "pci 0000:00:02.0 0x1af4 0x1044",
    ], `the PCI bus: host bridge, virtio-blk, virtio-rng and nothing else\n${why}`);
    const disks = lines.filter((l) => l.startsWith("disk "));
    assert.ok(disks.some((l) => / virtio-blk0 0 32768$/.test(l)), `data disk\n${why}`);
    assert.ok(disks.some((l) => / virtio-blk1 1 16384$/.test(l)), `read-only disk\n${why}`);
    assert.ok(lines.includes("data-written"), why);
    assert.ok(lines.includes(" /r ext4 ro"), `the read-only disk mounts read-only whatever was asked\n${why}`);
    assert.ok(lines.includes("read-only content"), why);
    assert.ok(lines.includes("ro-file-refused"), why);
    assert.ok(lines.includes("ro-dev-refused"), why);
    assert.ok(lines.includes("hwrng-read"), why);
    assert.match(r.stdout, /virtio_blk virtio\d: \[vd[ab]\] 32768 512-byte logical blocks/);
    // --dump-stats: the machine's three lines, then one per device; nothing else (no device errors logged).
    const err = r.stderr.split("\n").filter((l) => l !== "");
    assert.equal(err.filter((l) => /^bulkhead: \d/.test(l)).length, 3, why);
    const devices = new Map(err.filter((l) => !/^bulkhead: \d/.test(l)).map((l) => {
      const m = /^bulkhead: (\S+) \((.+)\): (\d+) requests, (\d+) bytes read and (\d+) written by the device, (\d+) notifications, (\d+) interrupts, (\d+) errors$/.exec(l);
      assert.ok(m, `not a device counter line: ${l}\n${why}`);
      const [requests, read, written, notifications, interrupts, errors] = m.slice(3).map(Number) as [number, number, number, number, number, number];
      return [`${m[1]} ${m[2]}`, { requests, read, written, notifications, interrupts, errors }] as const;
    }));
    assert.deepEqual([...devices.keys()], ["virtio-blk0 pci 00:01.0", "virtio-blk1 mmio 0x10001000 irq 1", "virtio-rng0 pci 00:02.0"], why);
    const data = devices.get("virtio-blk0 pci 00:01.0")!;
    // The guest wrote the file (and ext4's metadata) through data: more than a 4 KiB block went to the device.
    assert.ok(data.read > 4096 && data.written > 0 && data.requests > 2, `data disk counters ${JSON.stringify(data)}`);
    const rng = devices.get("virtio-rng0 pci 00:02.0")!;
    assert.ok(rng.written >= 8, `the rng filled at least the 8 bytes read from /dev/hwrng: ${JSON.stringify(rng)}`);
    for (const [name, c] of devices) {
      assert.ok(c.notifications > 0 && c.interrupts > 0, `${name}: the driver kicked it and was interrupted: ${JSON.stringify(c)}`);
      assert.equal(c.errors, 0, `${name}: no guest errors`);
    }
    assert.equal(outsideData(), before, "bytes outside partition 1 changed");
  });

  it("boot 2, all on virtio-mmio: no PCI bus; the whole image shows both partitions; the file from boot 1 is there", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const before = outsideData();
    const cmd = [LIST_PCI, FIND_DISKS, "cat /proc/partitions", "mount -t ext4 /dev/$D0 /mnt && cat /mnt/f && umount /mnt"].join("\n");
    const { lines, why, r } = await boot(["file=" + image + ",name=data,if=virtio-mmio", "file=" + image + ",readonly=on,if=virtio-mmio"], [], cmd);
    assert.deepEqual(lines.filter((l) => l.startsWith("pci ")), [], `no PCI devices\n${why}`);
    assert.doesNotMatch(r.stdout, /pci-host-generic/, "no PCI host bridge probed");
    const whole = lines.find((l) => / virtio-blk1 1 98304$/.test(l))?.split(" ")[1];
    assert.ok(whole, `the whole image, read-only, 48 MiB\n${why}`);
    const partitions = lines.map((l) => l.trim().split(/\s+/)).filter((p) => p.length === 4 && p[3]!.startsWith(whole!));
    assert.deepEqual(partitions.map((p) => [p[3], p[2]]), [[whole, "49152"], [`${whole}1`, "16384"], [`${whole}2`, "8192"]], `its GPT partitions in /proc/partitions\n${why}`);
    assert.ok(lines.includes("written-in-boot-1"), `the file written in boot 1\n${why}`);
    assert.equal(outsideData(), before);
  });
});

describe("bad --drive options end in one line", { skip: !haveMkfs && "mkfs.ext4 is not installed", timeout: 60_000 }, () => {
  const cases: Array<[string, string[], number, RegExp]> = [
    ["a missing image", ["--drive", "file=/nonexistent/disk.img"], 1, /--drive file=\/nonexistent\/disk.img: disk image \/nonexistent\/disk.img: not found/],
    ["an unknown key", ["--drive", "file=x.img,cache=none"], 2, /--drive file=x.img,cache=none: unknown key 'cache'/],
    ["both part= and name=", ["--drive", "file=x.img,part=1,name=a"], 2, /part= or name=, not both/],
    ["a bad interface", ["--drive", "file=x.img,if=ide"], 2, /if=ide is not virtio-pci or virtio-mmio/],
    ["a bad readonly value", ["--drive", "file=x.img,readonly=maybe"], 2, /readonly=maybe is not on or off/],
  ];
  for (const [what, args, status, re] of cases) {
    it(what, async () => {
      const r = await runBulkhead(["run", ...args], { timeoutMs: 30_000 });
      assert.equal(r.status, status, describeRun(what, r));
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, re);
    });
  }

  it("a partition that does not exist lists those that do; nothing starts", async () => {
    const r = await runBulkhead(["run", "--drive", `file=${image},part=7`], { timeoutMs: 30_000 });
    assert.equal(r.status, 1, describeRun("part=7", r));
    assert.match(r.stderr, /^bulkhead: --drive file=.*,part=7: .*disk.img has no partition 7 \(its partitions: 1 'data', 2 'ro'\)\n$/);
    assert.equal(r.stdout, "");
  });
});
