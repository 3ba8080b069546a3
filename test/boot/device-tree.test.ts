// `bulkhead run --dtb-out FILE` writes the device tree the guest boots with (and still
// boots). dtc, which nobody on this project wrote, must decompile it without errors.
// The guest is a bare-metal ISA test program (--bios none), which passes in well under
// a second; the tree of a Debian boot is checked in debian.test.ts.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, it } from "node:test";
import { describeRun, runBulkhead } from "../support/bulkhead.js";

const TIMEOUT_MS = 30_000;
const PROGRAM = join("test", "isa", "bin", "rv64i.elf");
const FDT_MAGIC = 0xd00dfeed;

let scratch: string;
before(() => { scratch = mkdtempSync(join(tmpdir(), "bulkhead-dtb-")); });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

it("--dtb-out writes a tree that dtc decompiles without errors", { timeout: TIMEOUT_MS + 10_000 }, async (t) => {
  const dtb = join(scratch, "virt.dtb");
  const args = ["run", "--bios", "none", "--kernel", PROGRAM, "--smp", "2", "--memory", "128M",
    "--append", "console=ttyS0 bulkhead-dtb-test", "--timing", "virtual", "--dtb-out", dtb];
  const r = await runBulkhead(args, { timeoutMs: TIMEOUT_MS });
  assert.equal(r.status, 0, describeRun(`bulkhead ${args.join(" ")}`, r));
  assert.match(r.stdout, /PASS rv64i/, "the program still runs after the tree is written");

  const bytes = readFileSync(dtb);
  assert.ok(bytes.length >= 40, `${dtb} is ${bytes.length} bytes: too short for an FDT header`);
  assert.equal(bytes.readUInt32BE(0), FDT_MAGIC, "FDT magic");
  assert.equal(bytes.readUInt32BE(4), bytes.length, "the header's totalsize is the file's size");

  const dtc = spawnSync("dtc", ["-I", "dtb", "-O", "dts", dtb], { encoding: "utf8" });
  if (dtc.error) {
    t.skip("dtc is not installed (apt-get install device-tree-compiler): only the FDT header was checked");
    return;
  }
  assert.equal(dtc.status, 0, `dtc -I dtb -O dts failed (status ${dtc.status}):\n${dtc.stderr}`);
  assert.doesNotMatch(dtc.stderr, /error/i, `dtc reported errors:\n${dtc.stderr}`);
  if (dtc.stderr.trim() !== "") t.diagnostic(`dtc warnings:\n${dtc.stderr.trim()}`);
  const dts = dtc.stdout;
  // What the options asked for is in the tree.
  assert.match(dts, /cpu@0 \{/);
  assert.match(dts, /cpu@1 \{/);
  assert.doesNotMatch(dts, /cpu@2 \{/);
  assert.match(dts, /memory@80000000 \{[^}]*reg = <0x00 0x80000000 0x00 0x8000000>/, "128 MiB of RAM at 0x8000_0000");
  assert.match(dts, /bootargs = "console=ttyS0 bulkhead-dtb-test"/);
  assert.match(dts, /stdout-path = "\/soc\/serial@10000000"/);
  // The virt machine's devices at QEMU's addresses.
  for (const node of ["serial@10000000", "plic@c000000", "clint@2000000", "rtc@101000", "test@100000"]) {
    assert.ok(dts.includes(`${node} {`), `no ${node} node in:\n${dts}`);
  }
});
