// Bad input to `bulkhead run`, as a user would type it: each ends in one line on stderr
// (a host-side error, or how the guest failed), a non-zero exit status, no JavaScript
// stack trace, and never a hang. A missing kernel file and an unknown option are covered
// by src/cli/run.test.ts; these are the cases that need a machine, a real kernel or a guest.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { describeRun, ensureImages, runBulkhead, type ProcessRun } from "../support/bulkhead.js";

const TIMEOUT_MS = 30_000;

let scratch: string;
let images: CachedImages;
before(async () => {
  scratch = mkdtempSync(join(tmpdir(), "bulkhead-bad-"));
  images = await ensureImages();
}, { timeout: 15 * 60_000 });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

function file(name: string, bytes: Uint8Array | string): string {
  const p = join(scratch, name);
  writeFileSync(p, bytes);
  return p;
}

async function run(args: string[]): Promise<ProcessRun> {
  return runBulkhead(["run", ...args], { timeoutMs: TIMEOUT_MS });
}

/** Ended by itself, non-zero, with one line on stderr matching `re`, and no stack trace. */
function assertOneLineFailure(args: string[], r: ProcessRun, re: RegExp): void {
  const why = describeRun(`bulkhead run ${args.join(" ")}`, r);
  assert.equal(r.timedOut, false, `hung: ${why}`);
  assert.equal(r.signal, null, why);
  assert.notEqual(r.status, 0, `should fail: ${why}`);
  const message = r.stderr.trim();
  assert.doesNotMatch(message, /\n/, `more than one line on stderr: ${why}`);
  assert.doesNotMatch(r.stderr, /^\s+at .*\(.*:\d+:\d+\)/m, `a stack trace: ${why}`);
  assert.doesNotMatch(r.stderr, /internal error/, why);
  assert.match(message, /^bulkhead: /, why);
  assert.match(message, re, why);
}

describe("bad input to bulkhead run", { timeout: 10 * TIMEOUT_MS }, () => {
  it("a kernel file that is no kernel names the file and --raw-kernel (exit 1)", { timeout: TIMEOUT_MS }, async () => {
    const notKernel = file("not-a-kernel.txt", "this is not a kernel\n".repeat(200));
    for (const args of [["--kernel", notKernel], ["--kernel", notKernel, "--bios", "none"]]) {
      const r = await run(args);
      assertOneLineFailure(args, r, /not-a-kernel\.txt is not .*(Image|ELF).*--raw-kernel/);
      assert.equal(r.status, 1);
    }
  });

  it("a kernel path that is a directory (exit 1)", { timeout: TIMEOUT_MS }, async () => {
    const args = ["--kernel", scratch];
    const r = await run(args);
    assertOneLineFailure(args, r, /is a directory/);
    assert.equal(r.status, 1);
  });

  it("memory too small for Debian's kernel + initrd says how much to give (exit 1)", { timeout: TIMEOUT_MS }, async () => {
    const args = ["--memory", "16M", "--kernel", images.kernel, "--initrd", images.initrd];
    const r = await run(args);
    assertOneLineFailure(args, r, /too small.*--memory \d+[MG]/);
    assert.equal(r.status, 1);
  });

  it("--dtb-out into a directory that does not exist (exit 1)", { timeout: TIMEOUT_MS }, async () => {
    const args = ["--bios", "none", "--kernel", join("test", "isa", "bin", "rv64i.elf"), "--dtb-out", join(scratch, "no", "such", "dir", "x.dtb")];
    const r = await run(args);
    assertOneLineFailure(args, r, /--dtb-out .*x\.dtb/);
    assert.equal(r.status, 1);
  });

  // 0xff… is no instruction (a reserved >32-bit encoding). The hart takes an illegal
  // instruction trap to a vector that is not code either: the machine must notice and
  // end the run rather than spin in the trap forever.
  const garbage = new Uint8Array(4096).fill(0xff);
  for (const [what, extra] of [
    ["in M-mode with no firmware (--bios none)", ["--bios", "none"]],
    ["in S-mode under the builtin SBI (direct mode)", []],
  ] as const) {
    it(`a guest executing garbage ${what} ends with one line, non-zero, within ${TIMEOUT_MS / 1000} s`, { timeout: TIMEOUT_MS + 5_000 }, async () => {
      const args = ["--kernel", file("garbage.bin", garbage), "--raw-kernel", ...extra];
      const r = await run(args);
      assertOneLineFailure(args, r, /guest/);
    });
  }
});
