// `bulkhead keys generate` and `bulkhead image sign|verify|inspect` as a user runs them:
// a key pair (private key 0600), a bundle signed and verified, and each mistake (a
// tampered bundle, the wrong key, the wrong target, an old version, a truncated or
// garbage file, bad options) ends in one line naming what is wrong and an exit status,
// never a stack trace. OpenSSL reads the keys bulkhead writes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { describeRun, runBulkhead } from "../support/bulkhead.js";

const TIMEOUT_MS = 30_000;
let dir: string;
before(() => { dir = mkdtempSync(join(tmpdir(), "bulkhead-image-")); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

const bulkhead = (...args: string[]) => runBulkhead(args, { timeoutMs: TIMEOUT_MS, cwd: dir });
const fails = async (args: string[], status: number, re: RegExp) => {
  const r = await bulkhead(...args);
  assert.equal(r.status, status, describeRun(args.join(" "), r));
  assert.match(r.stderr, re);
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/);
};

test("keys generate, image sign, verify, inspect; and every mistake in one line", { timeout: 120_000 }, async () => {
  let r = await bulkhead("keys", "generate", "--out", "keys/", "--name", "release");
  assert.equal(r.status, 0, describeRun("keys generate", r));
  assert.match(r.stdout, /key id: +[0-9a-f]{16}/);
  assert.equal(statSync(join(dir, "keys/release.key")).mode & 0o777, 0o600);
  assert.equal((await bulkhead("keys", "generate", "--out", join(dir, "other.key"))).status, 0);
  try {
    const text = execFileSync("openssl", ["pkey", "-pubin", "-in", join(dir, "keys/release.pub"), "-text", "-noout"], { encoding: "utf8" });
    assert.match(text, /ED25519 Public-Key/);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }

  // A kernel told by its Image header, an initrd named by role.
  const kernel = new Uint8Array(8192);
  kernel.set(new TextEncoder().encode("RSC\x05"), 0x38);
  writeFileSync(join(dir, "Image"), kernel);
  writeFileSync(join(dir, "rootfs.bin"), "an initrd");
  r = await bulkhead("image", "sign", "--key", "keys/release.key", "--target", "linux-a", "--version", "4", "--flag", "restart=system", "Image", "initrd=rootfs.bin");
  assert.equal(r.status, 0, describeRun("image sign", r));
  assert.match(r.stdout, /^linux-a-v4\.bundle: .*target linux-a, version 4/);
  r = await bulkhead("image", "verify", "--keys", "keys", "--target", "linux-a", "--min-version", "4", "linux-a-v4.bundle");
  assert.equal(r.status, 0, describeRun("image verify", r));
  assert.match(r.stdout, /signature: good, key 'release'[^]*kernel Image: 8192 bytes[^]*initrd rootfs\.bin: 9 bytes[^]*\nverified\n$/);
  r = await bulkhead("image", "inspect", "--json", "linux-a-v4.bundle");
  assert.equal(r.status, 0, describeRun("image inspect", r));
  assert.deepEqual(JSON.parse(r.stdout).flags, { restart: "system" });

  const bundle = readFileSync(join(dir, "linux-a-v4.bundle"));
  const tampered = Buffer.from(bundle);
  tampered[tampered.length - 48 - 3] ^= 1;
  writeFileSync(join(dir, "tampered.bundle"), tampered);
  writeFileSync(join(dir, "truncated.bundle"), bundle.subarray(0, bundle.length - 1000));
  writeFileSync(join(dir, "garbage.bundle"), Buffer.alloc(10_000, 0x5a));
  const verify = ["image", "verify", "--keys", "keys"];
  await fails([...verify, "tampered.bundle"], 1, /^bulkhead: image verify: tampered\.bundle: digest mismatch for initrd 'rootfs\.bin'/);
  await fails([...verify, "truncated.bundle"], 1, /truncated\.bundle: truncated bundle: \d+ bytes, its header says \d+/);
  await fails([...verify, "garbage.bundle"], 1, /garbage\.bundle: not a Bulkhead image bundle/);
  await fails(["image", "verify", "--key", "other.pub", "linux-a-v4.bundle"], 1, /unknown key: signed by key [0-9a-f]{16}, which is not trusted \(trusted: other/);
  await fails([...verify, "--target", "linux-b", "linux-a-v4.bundle"], 1, /wrong target: the bundle is for VM 'linux-a', not 'linux-b'/);
  await fails([...verify, "--min-version", "5", "linux-a-v4.bundle"], 1, /version too old: version 4 is older than 5/);
  await fails([...verify, "missing.bundle"], 1, /cannot read missing\.bundle: no such file/);
  await fails(["image", "verify", "--key", "keys/release.key", "linux-a-v4.bundle"], 1, /key keys\/release\.key: is a private key/);
  await fails(["image", "verify", "linux-a-v4.bundle"], 2, /give the trusted keys with --key PUB or --keys DIR/);
  await fails(["image", "sign", "--key", "keys/release.pub", "--target", "a", "--version", "1", "Image"], 1, /is a public key: signing needs the private key/);
  await fails(["image", "sign", "--key", "keys/release.key", "--target", "a", "--version", "1.5", "Image"], 2, /--version 1\.5: not a whole number/);
  await fails(["image", "sign", "--key", "keys/release.key", "--target", "a", "--version", "1", "rootfs.bin"], 2, /cannot tell what rootfs\.bin is: write ROLE=rootfs\.bin/);
  await fails(["image", "sign", "--key", "keys/release.key", "--target", "a", "--version", "1", "Image", "kernel=Image"], 1, /role kernel is given twice/);
  await fails(["image", "sign", "--key", "keys/release.key", "--target", "linux-a", "--version", "4", "Image"], 1, /linux-a-v4\.bundle exists \(use --force/);
  await fails(["image", "sign", "--target", "a"], 2, /--key is required/);
  await fails(["image", "frobnicate"], 2, /unknown subcommand 'frobnicate'/);
  await fails(["keys", "generate", "--out", "keys/", "--name", "release"], 1, /keys\/release\.key exists/);
  await fails(["keys", "generate"], 2, /--out DIR\|FILE is required/);
  for (const help of [["keys", "--help"], ["image", "--help"], ["image", "sign", "--help"], ["image", "verify", "--help"], ["image", "inspect", "--help"]]) {
    r = await bulkhead(...help);
    assert.equal(r.status, 0, describeRun(help.join(" "), r));
    assert.match(r.stdout, /^usage: bulkhead /);
  }
});
