import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import {
  BundleError, buildBundle, bundleLength, HEADER_BYTES, parseBundle, sha256Hex, SIGNATURE_BYTES, TRAILER_BYTES, type BundleInput,
} from "./bundle.js";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const signer = (m: Uint8Array) => sign(null, m, privateKey);
const kernel = new Uint8Array(4096).map((_, i) => i & 0xff);
const initrd = new TextEncoder().encode("070701 not really a cpio");
const input: BundleInput = {
  target: "linux-a", version: 7, keyId: "0123456789abcdef", flags: { restart: "system" },
  files: [{ role: "kernel", name: "Image", bytes: kernel }, { role: "initrd", name: "initrd.cpio", bytes: initrd }],
};

const kind = (k: string) => (e: unknown) => e instanceof BundleError && e.info.kind === k;

test("a bundle parses back to its manifest and files; its length is in its header", () => {
  const b = buildBundle(input, signer);
  assert.equal(bundleLength(b.subarray(0, HEADER_BYTES)), b.length);
  const p = parseBundle(b, { exact: true });
  assert.equal(p.length, b.length);
  assert.deepEqual(p.manifest, {
    format: "bulkhead-bundle", formatVersion: 1, target: "linux-a", version: 7, keyId: "0123456789abcdef",
    files: [
      { role: "kernel", name: "Image", size: 4096, sha256: sha256Hex(kernel) },
      { role: "initrd", name: "initrd.cpio", size: initrd.length, sha256: sha256Hex(initrd) },
    ],
    flags: { restart: "system" },
  });
  assert.deepEqual(p.files.map((f) => Buffer.from(f.bytes)), [Buffer.from(kernel), Buffer.from(initrd)]);
  assert.equal(b.length, HEADER_BYTES + p.manifestBytes.length + SIGNATURE_BYTES + kernel.length + initrd.length + TRAILER_BYTES);
  assert.deepEqual(buildBundle(input, signer), b, "Ed25519 is deterministic: the same input, the same bundle");
});

test("in a disk slot, bytes after the bundle are ignored; in a file they are an error (oversized)", () => {
  const b = buildBundle(input, signer);
  const slot = new Uint8Array(b.length + 1000).fill(0xaa);
  slot.set(b);
  assert.equal(parseBundle(slot, { exact: false }).length, b.length);
  assert.throws(() => parseBundle(slot, { exact: true }), /oversized bundle: \d+ bytes, its header says \d+ \(1000 bytes after its end\)/);
});

test("truncated, half-written, garbage and lying headers are refused with the reason", () => {
  const b = buildBundle(input, signer);
  assert.throws(() => parseBundle(b.subarray(0, b.length - 1), { exact: true }), /truncated bundle: \d+ bytes, its header says \d+/);
  assert.throws(() => parseBundle(b.subarray(0, 10), { exact: true }), kind("Truncated"));
  // Half-written into a slot that held something else: the right length is there, the end marker is not.
  const half = new Uint8Array(b.length + 64);
  half.set(b.subarray(0, b.length - 2000));
  assert.throws(() => parseBundle(half, { exact: false }), /its end marker is missing/);
  // An older bundle's end marker does not pass for this one's (it names another manifest).
  const older = buildBundle({ ...input, version: 6 }, signer);
  const mixed = Uint8Array.from(b);
  mixed.set(older.subarray(older.length - TRAILER_BYTES), b.length - TRAILER_BYTES);
  assert.throws(() => parseBundle(mixed, { exact: true }), kind("HalfWritten"));
  assert.throws(() => parseBundle(new Uint8Array(1 << 16).fill(0x41), { exact: true }), /not a Bulkhead image bundle/);
  const lying = Uint8Array.from(b);
  new DataView(lying.buffer).setBigUint64(24, 1n << 60n, true);
  assert.throws(() => parseBundle(lying, { exact: true }), /bad bundle header: total length \d+ is too large/);
  const huge = Uint8Array.from(b);
  new DataView(huge.buffer).setUint32(12, 1 << 30, true);
  assert.throws(() => parseBundle(huge, { exact: true }), /manifest length 1073741824 is not from 1 to 65536/);
  const v2 = Uint8Array.from(b);
  new DataView(v2.buffer).setUint32(8, 2, true);
  assert.throws(() => parseBundle(v2, { exact: true }), /format version 2 is not supported/);
});

test("bad input to buildBundle is refused", () => {
  assert.throws(() => buildBundle({ ...input, target: "no such/vm" }, signer), /target "no such\/vm" is not a VM name/);
  assert.throws(() => buildBundle({ ...input, version: -1 }, signer), /version -1 is not a whole number/);
  assert.throws(() => buildBundle({ ...input, files: [input.files[0]!, input.files[0]!] }, signer), /role kernel is given twice/);
  assert.throws(() => buildBundle({ ...input, files: [] }, signer), /files must be a list of 1 to 16 files/);
});

test("OpenSSL verifies the signature over the manifest bytes, and sha256sum agrees with the digests", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const b = buildBundle(input, signer);
  const p = parseBundle(b, { exact: true });
  writeFileSync(join(dir, "key.pub"), publicKey.export({ format: "pem", type: "spki" }));
  writeFileSync(join(dir, "manifest.json"), p.manifestBytes);
  writeFileSync(join(dir, "sig"), p.signature);
  writeFileSync(join(dir, "Image"), kernel);
  let out: string;
  try {
    out = execFileSync("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", join(dir, "key.pub"), "-rawin", "-in", join(dir, "manifest.json"), "-sigfile", join(dir, "sig")], { encoding: "utf8" });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return t.skip("openssl is not installed");
    throw e;
  }
  assert.match(out, /Signature Verified Successfully/);
  assert.equal(execFileSync("sha256sum", [join(dir, "Image")], { encoding: "utf8" }).split(" ")[0], p.manifest.files[0]!.sha256);
});
