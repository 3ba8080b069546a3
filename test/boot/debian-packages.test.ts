// Debian packages in a guest's initramfs (src/images/packages.ts): `bulkhead images
// initramfs --packages nftables` resolves nftables and its libraries with apt in the
// cache's private state, unpacks them as Debian ships them, and Debian's kernel runs
// Debian's nft with the nf_tables modules from its own kernel package. The versions in
// the archive are the ones apt's candidate policy names. Virtual timing, one boot.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fetchPackageSet } from "../../src/images/packages.js";
import { cacheRoot, debianLayout } from "../../src/images/store.js";
import { describeRun, ensureImages, runBulkhead } from "../support/bulkhead.js";

let scratch: string;
let kernel: string;
before(async () => { kernel = (await ensureImages()).kernel; scratch = mkdtempSync(join(tmpdir(), "bulkhead-pkgs-")); }, { timeout: 15 * 60_000 });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

const RULES = "nft add table inet gw; nft add chain inet gw in '{ type filter hook input priority 0; policy drop; }'; " +
  "nft add rule inet gw in ct state established,related accept; nft list ruleset; nft --version";

test("Debian's nftables, with the libraries apt chose, runs in the guest and lists the rules it was given", { timeout: 10 * 60_000 }, async () => {
  const initrd = join(scratch, "nft.cpio.gz");
  const built = await runBulkhead(["images", "initramfs", "--packages", "nftables", "--modules", "virtio_mmio,nft_ct", "--load", "nf_tables",
    "--out", initrd], { timeoutMs: 5 * 60_000 });
  assert.equal(built.status, 0, describeRun("images initramfs --packages nftables", built));
  assert.match(built.stdout, /packages: .*libnftables1 \S+.*nftables \S+/);

  // The versions packed are apt's candidates in the private state (apt-cache policy).
  const set = await fetchPackageSet({ names: ["nftables"], out: { write: () => true, isTTY: false } as never });
  const conf = join(debianLayout(cacheRoot()).apt, "apt.conf");
  const policy = execFileSync("apt-cache", ["-c", conf, "policy", ...set.packages.map((p) => p.name)], { encoding: "utf8", env: { ...process.env, LC_ALL: "C" } });
  for (const p of set.packages) {
    const m = new RegExp(`^${p.name.replace(/[+.]/g, "\\$&")}:[^]*?Candidate: (\\S+)`, "m").exec(policy);
    assert.equal(m?.[1], p.version, `${p.name}: packed ${p.version}, apt's candidate ${m?.[1]}`);
  }
  assert.ok(set.packages.some((p) => p.name === "libc6"), "libc6 came along as a dependency");
  assert.ok(readFileSync(initrd).length < 8 << 20, "documentation and gconv are left out");

  const r = await runBulkhead(["run", "--kernel", kernel, "--initrd", initrd, "--timing", "virtual", "--no-reboot",
    "--append", `console=ttyS0 quiet bulkhead.run64=${Buffer.from(RULES).toString("base64")}`], { timeoutMs: 5 * 60_000 });
  const why = describeRun("run with nftables", r);
  assert.equal(r.status, 0, why);
  assert.match(r.stdout, /table inet gw \{\s+chain in \{\s+type filter hook input priority filter; policy drop;\s+ct state established,related accept/, why);
  const version = set.packages.find((p) => p.name === "nftables")!.version.replace(/-.*$/, "");
  assert.match(r.stdout, new RegExp(`nftables v${version.replace(/\./g, "\\.")}`), why);
  assert.match(r.stdout, /bulkhead: run finished, status 0/, why);
});
