// Bulkhead issue 9: a bare-metal driver written for QEMU's virt machine scans the eight
// virtio-mmio slots for its device ID instead of reading the device tree. On QEMU an
// empty slot answers "no device" (magic "virt", version 2, device ID 0); Bulkhead must
// answer the same, with no state, or such a guest faults before it prints anything.
// test/guests/src/mmio-scan.S scans, checks every empty slot keeps nothing written to it,
// reads sector 0 of the disk it found and checks it; the same ELF runs on QEMU, where the
// disk sits in the last slot instead of the first.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { guestElf } from "../../src/rootos/supervisor/testing.js";
import { describeRun, runBulkhead, runProcess } from "../support/bulkhead.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-mmio-scan-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const disk = join(dir, "disk.img");
const sector0 = "bulkhead-sector0, written by the test";
writeFileSync(disk, Buffer.concat([Buffer.from(sector0), Buffer.alloc((1 << 20) - sector0.length)]));
const ELF = guestElf("mmio-scan");

function checkScan(out: string, slot: number, why: string): void {
  const lines = out.replace(/\r/g, "").split("\n");
  assert.ok(lines.includes(`mmio-scan: a block device in slot ${slot}`), why);
  assert.ok(lines.includes("mmio-scan: 7 empty slots answered no-device and kept nothing"), why);
  assert.ok(lines.includes(`mmio-scan: sector 0 reads '${sector0.slice(0, 32)}'`), why);
  assert.ok(lines.includes("mmio-scan: PASS"), why);
}

test("bulkhead run: a driver that scans the virtio-mmio slots as on QEMU finds its disk and reads it", { timeout: 60_000 }, async () => {
  const args = ["run", "--bios", "none", "--kernel", ELF, "--memory", "16M", "--timing", "virtual", "--drive", `file=${disk},if=virtio-mmio`];
  const r = await runBulkhead(args, { timeoutMs: 50_000 });
  const why = describeRun(`bulkhead ${args.join(" ")}`, r);
  assert.equal(r.status, 0, why);
  checkScan(r.stdout, 0, why);
});

test("the same program on QEMU virt (modern virtio-mmio): the reference it was written against", { timeout: 60_000 }, async (t) => {
  if (spawnSync("sh", ["-c", "command -v qemu-system-riscv64"]).status !== 0) { t.skip("qemu-system-riscv64 is not installed"); return; }
  const args = [
    "-M", "virt", "-m", "64M", "-bios", "none", "-nographic", "-monitor", "none", "-kernel", ELF,
    "-global", "virtio-mmio.force-legacy=false", "-drive", `file=${disk},if=none,format=raw,id=d0`, "-device", "virtio-blk-device,drive=d0",
  ];
  const r = await runProcess("qemu-system-riscv64", args, { timeoutMs: 50_000 });
  const why = describeRun(`qemu-system-riscv64 ${args.join(" ")}`, r);
  assert.equal(r.status, 0, why);
  checkScan(r.stdout, 7, why);
});
