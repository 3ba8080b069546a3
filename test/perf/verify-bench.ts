// `npm run bench` (third part) / `npm run bench:verify [-- --runs N]`: what verified boot
// costs per MiB of image. A 64 MiB bundle (kernel and initrd of random bytes) is read,
// verified and measured by the RootOS's own readBootImages, as before a VM starts
// (structure, Ed25519 signature, SHA-256 of every file), side by side with coreutils'
// `sha256sum` on the same file,
// the reference: the ratio says how close verification is to hashing the bytes once.
// A benchmark, not a test: exit 0 whatever the ratio, 2 on bad arguments.
import { spawnSync } from "node:child_process";
import { randomFillSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { VmPlan } from "../../src/rootos/plan/index.js";
import { readBootImages } from "../../src/rootos/supervisor/boot-images.js";
import { testVmPlan } from "../../src/rootos/supervisor/testing.js";
import { testBundle, testKey } from "../../src/rootos/trust/testing.js";

const HELP = `usage: npm run bench:verify [-- --runs N]

Verified boot's cost: read and verify a 64 MiB signed bundle (signature and SHA-256 of each
file), against sha256sum on the same file; medians, MiB/s and the ratio.

  --runs N    runs of each (default 3)
  -h, --help  this text
`;

const MIB = 64;

function options(): { runs: number } {
  let values;
  try {
    ({ values } = parseArgs({ options: { runs: { type: "string" }, help: { type: "boolean", short: "h" } }, strict: true }));
  } catch (e) {
    process.stderr.write(`verify-bench: ${(e as Error).message} (see --help)\n`);
    process.exit(2);
  }
  if (values.help) { process.stdout.write(HELP); process.exit(0); }
  const runs = Number(values.runs ?? "3");
  if (!Number.isInteger(runs) || runs < 1) { process.stderr.write(`verify-bench: --runs must be a whole number, at least 1\n`); process.exit(2); }
  return { runs };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const { runs } = options();
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-verify-bench-"));
  try {
    const key = testKey("bench");
    const file = join(dir, "bench.bundle");
    const kernel = randomFillSync(new Uint8Array((MIB - 4) << 20));
    const initrd = randomFillSync(new Uint8Array(4 << 20));
    writeFileSync(file, testBundle(key, "bench", 1, [{ role: "kernel", name: "Image", bytes: kernel }, { role: "initrd", name: "initrd", bytes: initrd }]));
    writeFileSync(join(dir, "bench.pub"), key.publicPem);
    const base = testVmPlan("bench");
    const plan: VmPlan = { ...base, boot: {
      mode: "direct", kernel: { path: file, ref: "bench.bundle[kernel]", role: "kernel" }, initrd: { path: file, ref: "bench.bundle[initrd]", role: "initrd" },
      rawKernel: false, bundle: { path: file, ref: "bench.bundle" }, unsignedAllowed: false,
    } };
    const trust = { trustedKeys: [{ name: "bench", path: join(dir, "bench.pub") }] };
    const haveSha = spawnSync("sha256sum", ["--version"]).status === 0;
    const ours: number[] = [], ref: number[] = [];
    for (let i = 0; i < runs; i++) {
      // Alternate, so that both see the same page cache and host load.
      let t = performance.now();
      await readBootImages(plan, trust);
      ours.push(performance.now() - t);
      if (haveSha) {
        t = performance.now();
        const r = spawnSync("sha256sum", [file], { encoding: "utf8" });
        if (r.status !== 0) throw new Error(`sha256sum failed: ${r.stderr}`);
        ref.push(performance.now() - t);
      }
    }
    const rate = (ms: number) => `${(MIB / (ms / 1000)).toFixed(0)} MiB/s`;
    const o = median(ours);
    process.stdout.write(`\nverified boot: a ${MIB} MiB bundle, median of ${runs}\n`);
    process.stdout.write(`  bulkhead read + verify   ${o.toFixed(1)} ms  ${(o / MIB).toFixed(2)} ms/MiB  ${rate(o)}\n`);
    if (haveSha) {
      const r = median(ref);
      process.stdout.write(`  sha256sum (reference)    ${r.toFixed(1)} ms  ${(r / MIB).toFixed(2)} ms/MiB  ${rate(r)}\n`);
      process.stdout.write(`  ratio bulkhead/sha256sum ${(o / r).toFixed(2)}\n`);
    } else {
      process.stdout.write("  sha256sum not installed: no reference\n");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
