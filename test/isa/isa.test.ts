// The ISA test programs (test/isa/bin/*.elf, built from test/isa/src by test/isa/build.sh)
// on Bulkhead's own hart: each runs bare-metal in M-mode from its ELF entry, as
// `qemu-system-riscv64 -M virt -bios none -kernel X.elf` runs it, and reports through
// the test finisher: exit status 0 is a pass; a failure exits with the number of the
// failing check and prints "FAIL <area> #<n> ..." on the UART.
// bin/strict/*.elf add the checks where QEMU 7.2 departs from the spec (see README).
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// compiled to dist/test/isa/isa.test.js: the repository root is three levels up
const root = fileURLToPath(new URL("../../../", import.meta.url));
const cli = join(root, "bin", "bulkhead");
const TIMEOUT_MS = 60_000;

function programs(dir: string): string[] {
  const abs = join(root, "test", "isa", dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).filter((f) => f.endsWith(".elf")).sort().map((f) => join("test", "isa", dir, f));
}

interface Result { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; timedOut: boolean }

function run(elf: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, "run", "--bios", "none", "--kernel", elf, "--timing", "virtual"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, TIMEOUT_MS);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr, timedOut }); });
  });
}

const all = [...programs("bin"), ...programs(join("bin", "strict"))];

describe("ISA test programs on the Bulkhead hart", { concurrency: Math.max(1, Math.min(availableParallelism(), 8)) }, () => {
  it("finds the programs", () => {
    assert.ok(all.length > 0, "no ELF files in test/isa/bin (run test/isa/build.sh)");
  });
  for (const elf of all) {
    it(elf.replace(/^test[\\/]isa[\\/]bin[\\/]/, "").replace(/\.elf$/, ""), { timeout: TIMEOUT_MS + 10_000 }, async () => {
      const r = await run(elf);
      const how = r.timedOut ? `timed out after ${TIMEOUT_MS / 1000} s` : r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`;
      const fail = /FAIL .*/.exec(r.stdout)?.[0];
      assert.equal(r.status, 0,
        `${elf}: ${how}${fail ? ` (${fail})` : ""}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`);
    });
  }
});
