// A guest is not trusted: test/hostile/bin/hostile.elf, a bare-metal driver, hands two
// virtio-blk devices (virtio-mmio; partition 1 read-write, partition 2 read-only of one
// GPT image) buffers outside RAM, lengths that lie, loops, swapped flags, bad indices, a
// queue size that is not a power of 2, stray notifications and writes to the read-only
// disk. Each must end in an error status or DEVICE_NEEDS_RESET, the VM must run on to
// "hostile: done" and power off, and the image must be unchanged outside the two sectors
// the guest's good writes aimed at.
import assert from "node:assert/strict";
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { buildGpt, type GptPartition } from "../../src/images/gpt.js";
import { describeRun, repoRoot, runBulkhead } from "../support/bulkhead.js";

const MiB = 1 << 20;
let scratch: string;
let image: string;
let parts: GptPartition[];

before(() => {
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-hostile-"));
  image = join(scratch, "disk.img");
  const size = 8 * MiB;
  const g = buildGpt(size, [{ name: "rw", size: 2 * MiB }, { name: "ro", size: 2 * MiB }]);
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i += 4096) bytes[i] = (i >> 12) & 0xff; // something to notice if it moves
  for (const w of g.writes) bytes.set(w.bytes, w.offset);
  const fd = openSync(image, "w");
  ftruncateSync(fd, size);
  writeSync(fd, bytes);
  closeSync(fd);
  parts = g.partitions;
});
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

/** Each step's line: the status byte (ee: never written) and the device status (4x: NEEDS_RESET). */
const EXPECTED = [
  "write-ok status=00 dev=0f used=0001",
  "read-ok status=00 dev=0f used=0002",
  "readback=5a",
  "past-end status=01 dev=0f used=0003",
  "ragged-length status=01 dev=0f used=0004",
  "read-into-readable status=01 dev=0f used=0005",
  "write-read-only status=01 dev=0f used=0001",
  "outside-ram status=ee dev=4f used=0000",
  "huge-length status=ee dev=4f used=0000",
  "loop status=ee dev=4f used=0000",
  "swapped-flags status=ee dev=4f used=0000",
  "bad-head status=ee dev=4f used=0000",
  "bad-avail-idx status=ee dev=4f used=0000",
  "indirect-not-negotiated status=ee dev=4f used=0000",
  "queue-size-6 qready=0 dev=4b",
  "stray-notify status=ee dev=0f used=0000",
  "recovered status=00 dev=0f used=0001",
  "hostile: done",
];

describe("a hostile virtio driver", () => {
  it("gets error statuses or NEEDS_RESET, never a crash or a hang, and reaches nothing outside its range", { timeout: 60_000 }, async () => {
    const before = readFileSync(image);
    const args = [
      "run", "--bios", "none", "--kernel", join(repoRoot, "test", "hostile", "bin", "hostile.elf"), "--memory", "64M", "--timing", "virtual",
      "--drive", `file=${image},part=1,if=virtio-mmio`, "--drive", `file=${image},name=ro,readonly=on,if=virtio-mmio`,
    ];
    const r = await runBulkhead(args, { timeoutMs: 50_000 });
    const why = describeRun(`bulkhead ${args.join(" ")}`, r);
    assert.equal(r.status, 0, why);
    const lines = r.stdout.split(/\r?\n/);
    assert.deepEqual(lines.slice(lines.indexOf("hostile: start") + 1, lines.indexOf("hostile: done") + 1), EXPECTED, why);
    // Every guest error is logged (up to 5 per device and kind of error), none kills the VM.
    assert.match(r.stderr, /virtio-blk1: I\/O error: write to a read-only disk/);
    assert.match(r.stderr, /virtio-blk0: queue 0 buffer \[0x1000, 0x1200\) lies outside guest RAM: device needs reset/);
    assert.doesNotMatch(r.stderr, /^\s+at /m, "no stack trace");

    const after = readFileSync(image);
    const rw = parts[0]!;
    const written = [rw.offset, rw.offset + 1024]; // sectors 0 and 1 of partition 1
    assert.ok(after.subarray(0, written[0]).equals(before.subarray(0, written[0])), "bytes before the written sectors changed");
    assert.ok(after.subarray(written[1]).equals(before.subarray(written[1])), "bytes after the written sectors changed (the read-only partition included)");
    assert.ok(after.subarray(written[0], written[1]).every((b) => b === 0x5a), "the good writes landed");
  });
});
