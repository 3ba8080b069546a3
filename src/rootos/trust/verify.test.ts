import assert from "node:assert/strict";
import { test } from "node:test";
import { createHash } from "node:crypto";
import { BundleError, HEADER_BYTES, parseBundle } from "../../images/bundle.js";
import { TrustError } from "./errors.js";
import { testBundle, testKey } from "./testing.js";
import { verifyBundle, type TrustPolicy } from "./verify.js";

const release = testKey("release");
const other = testKey("other");
const policy: TrustPolicy = { keys: [release.trusted, other.trusted], target: "linux-a", minVersion: { version: 3, source: "minimum in the description" } };
const good = testBundle(release, "linux-a", 5);

const refused = (bytes: Uint8Array, p: TrustPolicy, re: RegExp, k: string) =>
  assert.throws(() => verifyBundle(bytes, p, { exact: true }), (e: unknown) => {
    assert.ok(e instanceof TrustError || e instanceof BundleError, String(e));
    assert.equal((e as TrustError).info.kind, k);
    assert.match((e as Error).message, re);
    return true;
  });

test("a good bundle verifies, and says what it checked", () => {
  const v = verifyBundle(good, policy, { exact: true });
  assert.equal(v.signer.name, "release");
  assert.equal(v.manifest.version, 5);
  assert.deepEqual(v.files.map((f) => f.role), ["kernel", "initrd"]);
  assert.match(v.checks.join("\n"), /signature: good, key 'release'.*\ntarget: linux-a \(required\)\nversion: 5 \(at least 3, the minimum in the description\)\nkernel Image: 5000 bytes, sha256 [0-9a-f]{64}\ninitrd/s);
});

test("a tampered file byte: digest mismatch naming the file", () => {
  const bad = Uint8Array.from(good);
  bad[bad.length - 48 - 10] ^= 1; // inside the last file (the initrd)
  refused(bad, policy, /digest mismatch for initrd 'initrd.cpio.gz'/, "DigestMismatch");
});

test("a tampered manifest or signature: bad signature (the manifest must still be canonical)", () => {
  const p = parseBundle(good, { exact: true });
  const sigAt = HEADER_BYTES + p.manifestBytes.length;
  const badSig = Uint8Array.from(good);
  badSig[sigAt + 3] ^= 0x40;
  refused(badSig, policy, /bad signature: .* under key 'release'/, "BadSignature");
  // Rewrite the version inside the manifest (same length): end marker first, it names the manifest's hash.
  const text = new TextDecoder().decode(p.manifestBytes).replace('"version":5', '"version":9');
  const forged = Uint8Array.from(good);
  forged.set(new TextEncoder().encode(text), HEADER_BYTES);
  refused(forged, policy, /end marker/, "HalfWritten");
  // With the end marker fixed up too, the signature is what catches it.
  forged.set(createHash("sha256").update(text).digest(), forged.length - 32);
  refused(forged, policy, /bad signature/, "BadSignature");
});

test("signed by a key that is not trusted: unknown key; by another trusted key than required: wrong key", () => {
  const stranger = testKey("stranger");
  refused(testBundle(stranger, "linux-a", 5), policy, new RegExp(`unknown key: signed by key ${stranger.trusted.id}, which is not trusted \\(trusted: release \\(${release.trusted.id}\\), other`), "UnknownKey");
  refused(testBundle(other, "linux-a", 5), { ...policy, key: "release" }, /signed by key 'other', but this VM's images must be signed by 'release'/, "WrongKey");
  // A stranger who names a trusted key's id still fails: the signature is checked with that key.
  refused(testBundle(stranger, "linux-a", 5), { keys: [{ ...release.trusted, id: stranger.trusted.id }] }, /bad signature/, "BadSignature");
});

test("a bundle for another VM, and one older than the minimum, are refused", () => {
  refused(testBundle(release, "linux-b", 5), policy, /wrong target: the bundle is for VM 'linux-b', not 'linux-a'/, "WrongTarget");
  refused(testBundle(release, "linux-a", 2), policy, /version too old: version 2 is older than 3, the minimum in the description/, "VersionTooOld");
  assert.equal(verifyBundle(testBundle(release, "linux-a", 3), policy, { exact: true }).manifest.version, 3, "the minimum itself is accepted");
});

test("truncated, oversized and garbage bundles are refused before any key is tried", () => {
  refused(good.subarray(0, good.length - 100), policy, /truncated bundle/, "Truncated");
  const over = new Uint8Array(good.length + 1);
  over.set(good);
  refused(over, policy, /oversized bundle/, "Oversized");
  refused(new Uint8Array(4096).map((_, i) => (i * 31) & 0xff), policy, /not a Bulkhead image bundle/, "NotBundle");
});
