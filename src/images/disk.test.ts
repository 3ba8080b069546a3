import assert from "node:assert/strict";
import { chmodSync, closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { FileDisk } from "./disk.js";
import { ImagesError } from "./errors.js";
import { buildGpt } from "./gpt.js";

const MiB = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), "bulkhead-disk-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A 8 MiB image: GPT with 'one' (1 MiB at 1 MiB) and 'two' (1 MiB at 2 MiB); every other byte 0x5a. */
function makeImage(name: string): string {
  const path = join(dir, name);
  const size = 8 * MiB;
  const bytes = new Uint8Array(size).fill(0x5a);
  for (const w of buildGpt(size, [{ name: "one", size: MiB }, { name: "two", size: MiB }]).writes) bytes.set(w.bytes, w.offset);
  const fd = openSync(path, "w");
  ftruncateSync(fd, size);
  writeSync(fd, bytes);
  closeSync(fd);
  return path;
}

const isKind = (kind: string, re?: RegExp) => (e: unknown) => e instanceof ImagesError && e.info.kind === kind && (!re || re.test(e.message));

describe("FileDisk", () => {
  test("a partition by number and by name is exactly its byte range", () => {
    const path = makeImage("a.img");
    const d = FileDisk.open(path, { range: { kind: "partition", number: 2 }, readOnly: false });
    assert.equal(d.offset, 2 * MiB);
    assert.equal(d.size, MiB);
    assert.equal(FileDisk.open(path, { range: { kind: "partition-name", name: "two" }, readOnly: true }).offset, 2 * MiB);
    const before = readFileSync(path);
    d.write(0, new Uint8Array(512).fill(1));
    d.write(MiB - 512, new Uint8Array(512).fill(2));
    d.flush();
    const after = readFileSync(path);
    assert.ok(after.subarray(2 * MiB, 2 * MiB + 512).every((b) => b === 1));
    assert.ok(after.subarray(3 * MiB - 512, 3 * MiB).every((b) => b === 2));
    assert.ok(after.subarray(0, 2 * MiB).equals(before.subarray(0, 2 * MiB)), "nothing before the partition changed");
    assert.ok(after.subarray(3 * MiB).equals(before.subarray(3 * MiB)), "nothing after it changed");
    const back = new Uint8Array(512);
    d.read(MiB - 512, back);
    assert.ok(back.every((b) => b === 2));
    d.close();
  });

  test("accesses outside the range throw before touching the file", () => {
    const path = makeImage("b.img");
    const d = FileDisk.open(path, { range: { kind: "partition", number: 1 }, readOnly: false });
    const before = readFileSync(path);
    assert.throws(() => d.write(MiB - 256, new Uint8Array(512)), RangeError);
    assert.throws(() => d.read(-512, new Uint8Array(512)), RangeError);
    assert.ok(readFileSync(path).equals(before));
    d.close();
    assert.throws(() => d.read(0, new Uint8Array(1)), /closed/);
  });

  test("whole image and an explicit byte range", () => {
    const path = makeImage("c.img");
    assert.equal(FileDisk.open(path, { range: { kind: "whole" }, readOnly: true }).size, 8 * MiB);
    const r = FileDisk.open(path, { range: { kind: "bytes", offset: 4096, size: 8192 }, readOnly: true });
    assert.equal(r.size, 8192);
    assert.throws(() => FileDisk.open(path, { range: { kind: "bytes", offset: 8 * MiB - 1, size: 2 }, readOnly: true }), isKind("DiskRange"));
  });

  test("read-only: the file is opened read-only and writes throw", () => {
    const path = makeImage("d.img");
    const d = FileDisk.open(path, { range: { kind: "whole" }, readOnly: true });
    assert.throws(() => d.write(0, new Uint8Array(1)), /read-only/);
    d.flush();
  });

  test("one-line errors: missing file, directory, no GPT, no such partition, not writable", () => {
    assert.throws(() => FileDisk.open(join(dir, "nope.img"), { range: { kind: "whole" }, readOnly: false }), isKind("DiskOpen", /nope.img: not found/));
    assert.throws(() => FileDisk.open(dir, { range: { kind: "whole" }, readOnly: true }), isKind("DiskOpen"));
    const blank = join(dir, "blank.img");
    const fd = openSync(blank, "w"); ftruncateSync(fd, MiB); closeSync(fd);
    assert.throws(() => FileDisk.open(blank, { range: { kind: "partition", number: 1 }, readOnly: true }), isKind("NotGpt"));
    assert.throws(() => FileDisk.open(makeImage("e.img"), { range: { kind: "partition", number: 9 }, readOnly: true }), isKind("NoPartition", /its partitions: 1 'one', 2 'two'/));
    if (process.getuid?.() !== 0) {
      const ro = makeImage("ro.img");
      chmodSync(ro, 0o444);
      assert.throws(() => FileDisk.open(ro, { range: { kind: "whole" }, readOnly: false }), isKind("DiskOpen", /readonly=on/));
    }
  });
});
