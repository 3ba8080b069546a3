// `bulkhead disk create` as a user runs it: the example's reference layout written and
// read back by sfdisk; bad input (no disks, an existing output, an unwritable path, an
// unknown disk, a wrong description) ends in one line and no file.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { findTool } from "../../src/images/host-tools.js";
import { describeRun, ensureImages, runBulkhead } from "../support/bulkhead.js";

const TIMEOUT_MS = 120_000;
let scratch: string;
before(async () => { scratch = mkdtempSync(join(tmpdir(), "bulkhead-disk-")); await ensureImages(); }, { timeout: 15 * 60_000 });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const disk = (...args: string[]) => runBulkhead(["disk", ...args], { timeoutMs: TIMEOUT_MS });
const sfdisk = findTool("sfdisk");

test("the reference layout of examples/staged-boot.yaml: four partitions as sfdisk reads them, the Linux one bootable inside", { skip: sfdisk === undefined && "sfdisk is not installed (apt-get install fdisk)" }, async () => {
  const out = join(scratch, "board.img");
  const r = await disk("create", "--description", "examples/staged-boot.yaml", out);
  assert.equal(r.status, 0, describeRun("disk create", r));
  assert.match(r.stdout, /^# {2}name {5}first LBA {2}size MiB {2}contents\n1 {2}system .* zero-filled\n2 {2}persist .*\n3 {2}linux .* extlinux: debian:kernel \+ debian:initrd\n4 {2}rtos .*zero-filled\n$/);
  assert.match(r.stderr, /writing .*board\.img: disk 'disk0', 4 partitions, .*: 1 boot partition with extlinux/);
  const t = JSON.parse(execFileSync(sfdisk!, ["--json", out], { encoding: "utf8" })) as { partitiontable: { label: string; partitions: { name: string; start: number; size: number }[] } };
  assert.equal(t.partitiontable.label, "gpt");
  assert.deepEqual(t.partitiontable.partitions.map((p) => [p.name, p.size * 512 / 2 ** 20]), [["system", 64], ["persist", 16], ["linux", 96], ["rtos", 16]]);
  // The Linux partition starts with its own GPT: a boot partition with the legacy-BIOS-bootable bit.
  const linux = t.partitiontable.partitions[2]!;
  const vmDisk = join(scratch, "linux.img");
  writeFileSync(vmDisk, readFileSync(out).subarray(linux.start * 512, (linux.start + linux.size) * 512));
  const inner = JSON.parse(execFileSync(sfdisk!, ["--json", vmDisk], { encoding: "utf8" })) as { partitiontable: { partitions: { name: string; attrs?: string }[] } };
  assert.deepEqual(inner.partitiontable.partitions.map((p) => [p.name, p.attrs]), [["boot", "LegacyBIOSBootable"]]);

  // Writing over it takes --force.
  const again = await disk("create", "--description", "examples/staged-boot.yaml", out);
  assert.equal(again.status, 1);
  assert.equal(again.stderr.split("\n").filter((l) => l.startsWith("bulkhead: ")).join("\n"), `bulkhead: ${out} exists already: remove it, or pass --force to replace it`);
  const forced = await disk("create", "--force", "--description", "examples/staged-boot.yaml", out);
  assert.equal(forced.status, 0, describeRun("disk create --force", forced));
});

test("bad input: one line, exit 1 (2 for usage), no file left", async () => {
  const noDisks = join(scratch, "no-disks.yaml");
  writeFileSync(noDisks, "board: { cores: 1, memory: 64M }\nvms:\n  - { name: v, cores: [0], memory: 16M, boot: { kernel: ../../../x.elf, firmware: none } }\n".replace("../../../x.elf", join(process.cwd(), "test/isa/bin/rv64i.elf")));
  const cases: [string[], number, RegExp][] = [
    [["create", "--description", noDisks, join(scratch, "a.img")], 1, /^bulkhead: disk create: .*no-disks\.yaml describes no disk \(board\.disks is empty\): add one \(see docs\/system-description\.md\)$/],
    [["create", "--description", "examples/staged-boot.yaml", "--disk", "disk9", join(scratch, "a.img")], 1, /^bulkhead: disk create: examples\/staged-boot\.yaml has no disk 'disk9' \(its disks: disk0\)$/],
    [["create", "--description", "examples/staged-boot.yaml", join(scratch, "no-such-dir", "a.img")], 1, /^bulkhead: cannot create disk image .*no-such-dir\/a\.img: no such file or directory$/],
    [["create", "--description", "examples/staged-boot.yaml"], 2, /^bulkhead: disk create: give one output image, not 0 \(bulkhead disk create \[--description FILE\] OUT\.img\)$/],
    [["create", "--size", "1G", "x.img"], 2, /^bulkhead: disk create: unknown option '--size' \(see bulkhead disk --help\)$/],
    [["format", "x.img"], 2, /^bulkhead: disk: unknown subcommand 'format' \(see bulkhead disk --help\)$/],
    [["create", "--description", join(scratch, "missing.yaml"), "x.img"], 1, /missing\.yaml: system description .*missing/],
  ];
  if (userInfo().uid !== 0) {
    const ro = join(scratch, "ro");
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    cases.push([["create", "--description", "examples/staged-boot.yaml", join(ro, "a.img")], 1, /^bulkhead: cannot create disk image .*ro\/a\.img: permission denied$/]);
  }
  for (const [args, status, line] of cases) {
    const r = await disk(...args);
    assert.equal(r.status, status, describeRun(args.join(" "), r));
    const lines = r.stderr.trimEnd().split("\n").filter((l) => !l.startsWith("writing "));
    assert.match(lines[0]!, line, r.stderr);
    assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
  }
  assert.equal(existsSync(join(scratch, "a.img")), false);
  const help = await disk("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: bulkhead disk create \[options\] OUT\.img/);
});
