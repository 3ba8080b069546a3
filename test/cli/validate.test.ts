// `bulkhead validate` as a user runs it: exit status 0 and the partition plan for a valid
// description, 1 and one FILE:LINE: PATH: why line per problem for an invalid one (nothing
// started), 2 for a usage mistake; --json for machines; never a stack trace.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { describeRun, ensureImages, runBulkhead } from "../support/bulkhead.js";

const TIMEOUT_MS = 30_000;
let scratch: string;
before(() => { scratch = mkdtempSync(join(tmpdir(), "bulkhead-validate-")); });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const validate = (...args: string[]) => runBulkhead(["validate", ...args], { timeoutMs: TIMEOUT_MS });

const BAD = `board:
  cores: 2
  memory: 256M
vms:
  - name: linux-a
    cores: [0, 1]
    memory: 128M
    boot: { kernel: kernel.elf }
  - name: rt
    cores: [1]
    memory: 256M
    boot: { kernel: missing.elf }
    devices:
      - { virtio: block, partition: data }
    colour: red
`;

test("a valid description: exit 0 and the partition plan (VMs x cores, memory ranges, devices)", async () => {
  const r = await validate("examples/bare-metal.yaml");
  assert.equal(r.status, 0, describeRun("validate", r));
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  assert.match(lines[0]!, /^examples\/bare-metal\.yaml: valid\. Board 'two-core': 2 cores, 64M memory; 2 VMs\.$/);
  assert.match(r.stdout, /VM\s+CRITICALITY\s+CORES 0 1\s+MEMORY\s+BOARD MEMORY\s+BOOT/);
  assert.match(r.stdout, /\ninteger\s+safety\s+x \.\s+16M\s+0x8000_0000-0x80ff_ffff\s+bare \.\.\/test\/isa\/bin\/rv64i\.elf\n/);
  assert.match(r.stdout, /\nfloat\s+realtime\s+\. x\s+16M\s+0x8200_0000-0x82ff_ffff\s+bare/);
  assert.match(r.stdout, /\(free\)\s+\. \.\s+16M\s+0x8100_0000-0x81ff_ffff/);
  assert.match(r.stdout, /float\s+virtual, throttle 50 MIPS, no restart/);
});

test("an invalid description: exit 1, every problem on its own FILE:LINE: PATH: line, nothing else", async () => {
  const file = join(scratch, "bad.yaml");
  writeFileSync(file, BAD);
  writeFileSync(join(scratch, "kernel.elf"), "x");
  const r = await validate(file);
  assert.equal(r.status, 1, describeRun("validate", r));
  assert.equal(r.stdout, "");
  assert.deepEqual(r.stderr.trimEnd().split("\n"), [
    `${file}:10: vms[1].cores[0]: core 1 is also given to vm 'linux-a' (a core belongs to one VM)`,
    `${file}:11: vms[1].memory: the VMs need 384M of memory in all; the board has 256M`,
    `${file}:12: vms[1].boot.kernel: kernel ${join(scratch, "missing.elf")} does not exist (relative paths are from the description's directory)`,
    `${file}:14: vms[1].devices[0].partition: there is no partition 'data' (none is described)`,
    `${file}:15: vms[1].colour: unknown key 'colour'; expected one of: name, os, criticality, cores, memory, boot, devices, timing, throttle, host_cpus, priority, watchdog, upgrade, restart, autostart, console_log, debug`,
    `${file}: 5 problems; nothing was started`,
  ]);
});

test("--json: the plan or the errors, for machines", async () => {
  const good = await validate("--json", "examples/bare-metal.yaml");
  assert.equal(good.status, 0, describeRun("validate --json", good));
  const out = JSON.parse(good.stdout) as { ok: boolean; plan: { vms: { name: string; cores: number[]; boardRam: { base: number; size: number } }[] } };
  assert.equal(out.ok, true);
  assert.deepEqual(out.plan.vms.map((v) => [v.name, v.cores, v.boardRam]), [
    ["integer", [0], { base: 0x8000_0000, size: 16 << 20 }], ["float", [1], { base: 0x8200_0000, size: 16 << 20 }],
  ]);
  const file = join(scratch, "bad.yaml");
  writeFileSync(file, BAD);
  const bad = await validate(file, "--json");
  assert.equal(bad.status, 1, describeRun("validate --json", bad));
  const errs = JSON.parse(bad.stdout) as { ok: boolean; errors: { file: string; line: number; path: string; kind: string; message: string }[] };
  assert.equal(errs.ok, false);
  assert.deepEqual(errs.errors.map((e) => [e.line, e.path, e.kind]), [
    [10, "vms[1].cores[0]", "CoreTaken"], [11, "vms[1].memory", "MemoryExhausted"], [12, "vms[1].boot.kernel", "FileMissing"],
    [14, "vms[1].devices[0].partition", "Unknown"], [15, "vms[1].colour", "UnknownKey"],
  ]);
});

test("usage mistakes exit 2, a missing file exits 1, --help exits 0; one line each, no stack", async () => {
  const help = await validate("--help");
  assert.equal(help.status, 0);
  assert.match(help.stdout, /^usage: bulkhead validate \[options\] \[FILE\]/);
  const unknown = await validate("--frobnicate");
  assert.equal(unknown.status, 2);
  assert.equal(unknown.stderr, "bulkhead: validate: unknown option '--frobnicate' (see bulkhead validate --help)\n");
  const two = await validate("a.yaml", "b.yaml");
  assert.equal(two.status, 2);
  const missing = await validate(join(scratch, "nope.yaml"));
  assert.equal(missing.status, 1);
  assert.equal(missing.stderr.split("\n")[0], `${join(scratch, "nope.yaml")}: system description ${join(scratch, "nope.yaml")} does not exist (relative paths are from the description's directory)`);
  const broken = join(scratch, "broken.yaml");
  writeFileSync(broken, "board: [\n");
  const b = await validate(broken);
  assert.equal(b.status, 1);
  assert.match(b.stderr, new RegExp(`^${broken}:\\d+: `));
  assert.doesNotMatch(b.stderr + missing.stderr + unknown.stderr, /\n\s+at /);
});

test("the default system (examples/mixed-criticality.yaml, with Debian's images) is valid", { timeout: 15 * 60_000 }, async () => {
  await ensureImages();
  const r = await validate();
  assert.equal(r.status, 0, describeRun("validate", r));
  assert.match(r.stdout, /^examples\/mixed-criticality\.yaml: valid\. Board 'quad-core-demo': 4 cores, 2G memory; 3 VMs\./);
  assert.match(r.stdout, /\nrt\s+realtime\s+x \. \. \.\s+16M/);
  assert.match(r.stdout, /\nlinux-a\s+general\s+\. x \. \.\s+512M\s+\S+\s+direct debian:kernel \+ debian:initrd/);
  assert.match(r.stdout, /\nlinux-b\s+general\s+\. \. x x\s+768M/);
});
