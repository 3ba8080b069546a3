import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { findTool } from "./host-tools.js";
import { extlinuxConf, writeDiskImage, type DiskImageLayout } from "./disk-image.js";
import { ImagesError } from "./errors.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-disk-image-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1 << 20;
const mke2fs = findTool("mke2fs"), sfdisk = findTool("sfdisk"), debugfs = findTool("debugfs"), e2fsck = findTool("e2fsck");
const noE2fs = mke2fs === undefined || debugfs === undefined || e2fsck === undefined ? "e2fsprogs is not installed (apt-get install e2fsprogs)" : false;

/** A kernel and initrd that are random bytes: the partition holds them as they are. */
const kernel = join(dir, "vmlinux-test"), initrd = join(dir, "initrd.img");
writeFileSync(kernel, Uint8Array.from({ length: 3 * MiB + 123 }, (_, i) => (i * 2654435761) >>> 24));
writeFileSync(initrd, Uint8Array.from({ length: 200_000 }, (_, i) => (i * 40503) >>> 8));

const LAYOUT: DiskImageLayout = {
  size: 64 * MiB,
  seed: "test",
  partitions: [
    { name: "system", size: 8 * MiB },
    { name: "persist", size: 4 * MiB },
    { name: "linux", size: 24 * MiB, extlinux: { kernel, initrd, append: "console=ttyS0 bulkhead.run64=ZWNobyBoaQ==" } },
    { name: "rtos", size: 2 * MiB },
  ],
};

interface SfdiskTable { partitiontable: { label: string; partitions: { start: number; size: number; name: string; attrs?: string }[] } }
const sfdiskJson = (file: string): SfdiskTable => JSON.parse(execFileSync(sfdisk!, ["--json", file], { encoding: "utf8" })) as SfdiskTable;

/** Bytes [offset, offset+size) of `file` into a file of their own. */
function extract(file: string, offset: number, size: number, to: string): string {
  writeFileSync(to, readFileSync(file).subarray(offset, offset + size));
  return to;
}

test("a board disk: its GPT as sfdisk reads it, and the extlinux partition's own GPT and ext4 /boot as e2fsprogs read them", { skip: noE2fs || (sfdisk === undefined && "sfdisk is not installed (apt-get install fdisk)") }, () => {
  const out = join(dir, "board.img");
  const seen: number[] = [];
  const placed = writeDiskImage(out, LAYOUT, { progress: (done) => seen.push(done) });
  assert.equal(statSync(out).size, 64 * MiB);
  const board = sfdiskJson(out).partitiontable;
  assert.equal(board.label, "gpt");
  assert.deepEqual(board.partitions.map((p) => [p.name, p.start * 512, p.size * 512]), placed.map((p) => [p.name, p.offset, p.size]));
  assert.deepEqual(board.partitions.map((p) => [p.name, p.start, p.size]), [["system", 2048, 16384], ["persist", 18432, 8192], ["linux", 26624, 49152], ["rtos", 75776, 4096]]);
  assert.ok(seen.length > 0 && seen.at(-1) === 22 * MiB, `progress reaches the file system's size: ${seen.at(-1)}`);

  // The Linux partition, as the VM sees it: a disk with one bootable ext4 partition.
  const linux = placed[2]!;
  const vmDisk = extract(out, linux.offset, linux.size, join(dir, "vm-disk.img"));
  const inner = sfdiskJson(vmDisk).partitiontable;
  assert.equal(inner.partitions.length, 1);
  assert.equal(inner.partitions[0]!.name, "boot");
  assert.equal(inner.partitions[0]!.start, 2048);
  assert.match(inner.partitions[0]!.attrs ?? "", /LegacyBIOSBootable/);
  const fs = extract(vmDisk, 2048 * 512, inner.partitions[0]!.size * 512, join(dir, "boot-fs.img"));
  execFileSync(e2fsck!, ["-fn", fs], { stdio: "pipe" }); // throws unless clean
  const cat = (path: string) => execFileSync(debugfs!, ["-R", `cat ${path}`, fs], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * MiB });
  assert.equal(cat("/boot/extlinux/extlinux.conf").toString(), extlinuxConf("vmlinux-test", "initrd.img", "console=ttyS0 bulkhead.run64=ZWNobyBoaQ=="));
  assert.ok(cat("/boot/vmlinux-test").equals(readFileSync(kernel)), "the kernel, byte for byte");
  assert.ok(cat("/boot/initrd.img").equals(readFileSync(initrd)), "the initrd, byte for byte");
  // Other partitions are zero.
  const bytes = readFileSync(out);
  assert.ok(bytes.subarray(placed[0]!.offset, placed[1]!.offset + placed[1]!.size).every((b) => b === 0));
});

test("extlinux.conf: one entry booted at once, kernel and initrd from /boot", () => {
  assert.equal(extlinuxConf("vmlinux-6.12", "initrd.img", "console=ttyS0"),
    "# Written by bulkhead disk create; read by U-Boot's distro boot (sysboot).\ndefault linux\ntimeout 0\nlabel linux\n  kernel /boot/vmlinux-6.12\n  initrd /boot/initrd.img\n  append console=ttyS0\n");
  assert.doesNotMatch(extlinuxConf("k", undefined, undefined), /initrd|append/);
});

test("bad input leaves no file behind: an existing image, a partition too small, a missing kernel", { skip: noE2fs }, () => {
  const kept = join(dir, "kept.img");
  writeFileSync(kept, "mine");
  assert.throws(() => writeDiskImage(kept, LAYOUT), (e: unknown) => e instanceof ImagesError && e.info.kind === "DiskExists" && /kept\.img exists already: remove it, or pass --force/.test(e.message));
  assert.equal(readFileSync(kept, "utf8"), "mine");

  const small = join(dir, "small.img");
  const tiny = { ...LAYOUT, partitions: LAYOUT.partitions.map((p) => (p.extlinux ? { ...p, size: 8 * MiB } : p)) };
  assert.throws(() => writeDiskImage(small, tiny), (e: unknown) => e instanceof ImagesError && e.message === "partition 'linux' (8 MiB) is too small for its boot files: give it at least 14 MiB");
  assert.equal(existsSync(small), false);

  const nokernel = { ...LAYOUT, partitions: LAYOUT.partitions.map((p) => (p.extlinux ? { ...p, extlinux: { kernel: join(dir, "nope") } } : p)) };
  assert.throws(() => writeDiskImage(small, nokernel), (e: unknown) => e instanceof ImagesError && e.info.kind === "BootFileUnreadable" && /partition 'linux': cannot read .*nope \(no such file or directory\)/.test(e.message));
  assert.equal(existsSync(small), false);

  assert.throws(() => writeDiskImage(join(dir, "no-such-dir", "x.img"), LAYOUT), (e: unknown) => e instanceof ImagesError && /^cannot create disk image .*x\.img: no such file or directory$/.test(e.message));
});
