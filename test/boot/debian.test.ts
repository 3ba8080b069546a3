// Debian's own riscv64 kernel and the default busybox initramfs (src/images) booted by
// bin/bulkhead in each way a hart can start: direct mode (Bulkhead answers SBI calls) and
// firmware mode (Debian's OpenSBI fw_dynamic and fw_jump), one and two harts, realtime
// and virtual timing. In each, the initramfs's /init runs the command from
// bulkhead.run= (or bulkhead.run64=), prints its output and powers off: exit status 0.
// Virtual timing must repeat byte for byte, kernel timestamps included.
//
// Each boot takes 10-20 s of wall time today; the boots run one after another.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { describeRun, ensureImages, runBulkhead, type ProcessRun } from "../support/bulkhead.js";

const BOOT_TIMEOUT_MS = 120_000;
/** Enough for the kernel, the initramfs and /init; smaller than the default to boot a little faster. */
const MEMORY = "256M";
/** The guest's command; "42" and the online CPUs appear only if the shell really ran it. */
const COMMAND = "echo bulkhead-ok-$((6*7)); cat /sys/devices/system/cpu/online";

type Firmware = "builtin" | "fw_dynamic" | "fw_jump";

interface Boot {
  readonly bios: Firmware;
  readonly smp: 1 | 2;
  readonly timing: "realtime" | "virtual";
  /** Pass the command base64-encoded as bulkhead.run64= instead of bulkhead.run='…'. */
  readonly run64?: boolean;
  readonly extra?: readonly string[];
}

let images: CachedImages;
let scratch: string;

before(async () => {
  images = await ensureImages();
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-boot-"));
}, { timeout: 15 * 60_000 });

after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

function argsOf(b: Boot): string[] {
  const bios = b.bios === "builtin" ? "builtin" : b.bios === "fw_dynamic" ? images.fwDynamic : images.fwJump;
  const run = b.run64 ? `bulkhead.run64=${Buffer.from(COMMAND).toString("base64")}` : `bulkhead.run='${COMMAND}'`;
  return [
    "run", "--bios", bios, "--smp", String(b.smp), "--timing", b.timing, "--memory", MEMORY,
    "--append", `console=ttyS0 ${run}`, ...(b.extra ?? []),
  ];
}

async function boot(b: Boot): Promise<ProcessRun> {
  return runBulkhead(argsOf(b), { timeoutMs: BOOT_TIMEOUT_MS });
}

/** The guest ran the command on every hart it was given, and powered off cleanly. */
function assertRanCommand(b: Boot, r: ProcessRun): void {
  const why = describeRun(`bulkhead ${argsOf(b).join(" ")}`, r);
  assert.equal(r.status, 0, why);
  const lines = r.stdout.split(/\r?\n/);
  assert.ok(lines.includes("bulkhead: init started (kernel " + images.kernelVersion + ")"), `no /init banner\n${why}`);
  assert.ok(lines.includes("bulkhead-ok-42"), `the command's output "bulkhead-ok-42" is missing\n${why}`);
  const online = b.smp === 1 ? "0" : `0-${b.smp - 1}`;
  assert.ok(lines.includes(online), `/sys/devices/system/cpu/online should be "${online}"\n${why}`);
  assert.ok(lines.includes("bulkhead: run finished, status 0"), `the command did not finish with status 0\n${why}`);
}

/** Where two outputs first differ, with a few lines of each around it. */
function firstDifference(a: string, b: string): string {
  const la = a.split("\n"), lb = b.split("\n");
  let i = 0;
  while (i < la.length && i < lb.length && la[i] === lb[i]) i++;
  const around = (l: string[]) => l.slice(Math.max(0, i - 2), i + 3).map((s, k) => `${k + Math.max(0, i - 2) + 1}: ${s}`).join("\n");
  return `first difference at line ${i + 1} (of ${la.length} and ${lb.length})\n--- run 1\n${around(la)}\n--- run 2\n${around(lb)}`;
}

describe("Debian kernel + default initramfs runs a command and powers off", { timeout: 10 * BOOT_TIMEOUT_MS }, () => {
  it("direct mode, 1 hart, realtime", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const b: Boot = { bios: "builtin", smp: 1, timing: "realtime" };
    assertRanCommand(b, await boot(b));
  });

  it("direct mode, 2 harts, virtual timing: two runs print byte-identical output", { timeout: 2 * BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const b: Boot = { bios: "builtin", smp: 2, timing: "virtual" };
    const first = await boot(b);
    assertRanCommand(b, first);
    const second = await boot(b);
    assertRanCommand(b, second);
    assert.match(first.stdout, /^\[\s+\d+\.\d{6}\] /m, "the kernel prints timestamps");
    assert.ok(first.stdout === second.stdout, `virtual timing must repeat byte for byte: ${firstDifference(first.stdout, second.stdout)}`);
  });

  it("firmware mode (OpenSBI fw_dynamic), 1 hart, virtual timing", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const b: Boot = { bios: "fw_dynamic", smp: 1, timing: "virtual" };
    const r = await boot(b);
    assertRanCommand(b, r);
    assert.match(r.stdout, /OpenSBI v\d/, "OpenSBI's banner");
  });

  it("firmware mode (OpenSBI fw_dynamic), 2 harts, realtime; the device tree it booted with decompiles", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async (t) => {
    const dtb = join(scratch, "fw-smp2.dtb");
    const b: Boot = { bios: "fw_dynamic", smp: 2, timing: "realtime", extra: ["--dtb-out", dtb] };
    const r = await boot(b);
    assertRanCommand(b, r);
    assert.match(r.stdout, /OpenSBI v\d/, "OpenSBI's banner");
    assert.ok(existsSync(dtb), "--dtb-out wrote no file");
    const dtc = spawnSync("dtc", ["-I", "dtb", "-O", "dts", dtb], { encoding: "utf8" });
    if (dtc.error) {
      t.skip("dtc is not installed (apt-get install device-tree-compiler): the tree is not decompiled");
      return;
    }
    assert.equal(dtc.status, 0, `dtc failed:\n${dtc.stderr}`);
    assert.doesNotMatch(dtc.stderr, /error/i, dtc.stderr);
    assert.match(dtc.stdout, /linux,initrd-start/, "the tree tells the kernel where the initrd is");
    assert.match(dtc.stdout, /bootargs = "console=ttyS0 bulkhead\.run=/);
    assert.match(dtc.stdout, /cpu@1 \{/);
  });

  it("firmware mode (OpenSBI fw_jump), 1 hart, virtual timing, command as bulkhead.run64", { timeout: BOOT_TIMEOUT_MS + 10_000 }, async () => {
    const b: Boot = { bios: "fw_jump", smp: 1, timing: "virtual", run64: true };
    const r = await boot(b);
    assertRanCommand(b, r);
    assert.match(r.stdout, /OpenSBI v\d/, "OpenSBI's banner");
  });
});
