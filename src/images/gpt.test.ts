import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { ImagesError } from "./errors.js";
import { buildGpt, crc32, findPartition, guid, guidBytes, LINUX_FS_TYPE, readGpt } from "./gpt.js";

const MiB = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), "bulkhead-gpt-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An in-memory image with a fresh GPT. */
function image(size: number, parts: Array<{ name: string; size: number }>) {
  const bytes = new Uint8Array(size);
  const g = buildGpt(size, parts);
  for (const w of g.writes) bytes.set(w.bytes, w.offset);
  return { bytes, ...g, read: (o: number, n: number) => bytes.slice(o, Math.min(o + n, bytes.length)) };
}

function isImagesError(kind: string, re?: RegExp) {
  return (e: unknown) => e instanceof ImagesError && e.info.kind === kind && (!re || re.test(e.message));
}

describe("GPT", () => {
  test("crc32 matches the IEEE check value", () => {
    assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  });

  test("GUID text and bytes round-trip in the mixed-endian layout", () => {
    const b = guidBytes(LINUX_FS_TYPE);
    assert.deepEqual([...b.subarray(0, 4)], [0xaf, 0x3d, 0xc6, 0x0f]);
    assert.equal(guid(b), LINUX_FS_TYPE);
  });

  test("build then read: partitions 1 MiB aligned, numbers, names, byte ranges", () => {
    const img = image(16 * MiB, [{ name: "boot", size: 3 * MiB + 5 }, { name: "root", size: 8 * MiB }]);
    const t = readGpt(img.read, img.bytes.length, "mem.img");
    assert.equal(t.sectorSize, 512);
    assert.equal(t.fromBackup, false);
    assert.deepEqual(t.partitions.map((p) => [p.number, p.name, p.offset, p.size]), [
      [1, "boot", 1 * MiB, 3 * MiB + 512],
      [2, "root", 5 * MiB, 8 * MiB],
    ]);
    assert.deepEqual(t.partitions, img.partitions);
    assert.equal(findPartition(t, { name: "root" }, "mem.img").number, 2);
    assert.equal(findPartition(t, { number: 1 }, "mem.img").name, "boot");
  });

  test("a missing partition names what the image has", () => {
    const img = image(8 * MiB, [{ name: "a", size: MiB }, { name: "b", size: MiB }]);
    const t = readGpt(img.read, img.bytes.length, "x.img");
    assert.throws(() => findPartition(t, { number: 3 }, "x.img"), isImagesError("NoPartition", /x.img has no partition 3 \(its partitions: 1 'a', 2 'b'\)/));
    assert.throws(() => findPartition(t, { name: "c" }, "x.img"), isImagesError("NoPartition", /named 'c'/));
  });

  test("a damaged primary header falls back to the backup; both damaged is NotGpt", () => {
    const img = image(8 * MiB, [{ name: "a", size: MiB }]);
    img.bytes[512 + 40] ^= 1; // inside the primary header: its CRC no longer matches
    const t = readGpt(img.read, img.bytes.length, "x.img");
    assert.equal(t.fromBackup, true);
    assert.equal(t.partitions[0]!.name, "a");
    img.bytes[img.bytes.length - 512 + 40] ^= 1;
    assert.throws(() => readGpt(img.read, img.bytes.length, "x.img"), isImagesError("NotGpt", /CRC mismatch/));
  });

  test("no table at all, and a table whose partition leaves the image", () => {
    assert.throws(() => readGpt(() => new Uint8Array(512), 4 * MiB, "blank.img"), isImagesError("NotGpt", /blank.img: no GPT partition table/));
    const img = image(8 * MiB, [{ name: "a", size: MiB }]);
    // the same table on a smaller image: the backup is gone and partition 1 would still fit, so shrink hard
    assert.throws(() => readGpt(img.read, 1 * MiB, "small.img"), isImagesError("NotGpt"));
  });

  test("partitions that do not fit are refused by the builder", () => {
    assert.throws(() => buildGpt(4 * MiB, [{ name: "big", size: 4 * MiB }]), RangeError);
  });

  test("Linux's partx reads the table we write", { skip: spawnSync("partx", ["--version"]).status !== 0 && "partx is not installed" }, () => {
    const size = 16 * MiB, path = join(dir, "partx.img");
    const g = buildGpt(size, [{ name: "boot", size: 2 * MiB }, { name: "data", size: 4 * MiB }]);
    const fd = openSync(path, "w");
    ftruncateSync(fd, size);
    for (const w of g.writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
    closeSync(fd);
    const r = spawnSync("partx", ["--raw", "--noheadings", "--output", "NR,START,SECTORS,NAME,TYPE", path], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n"), [`1 2048 4096 boot ${LINUX_FS_TYPE}`, `2 6144 8192 data ${LINUX_FS_TYPE}`]);
  });
});
