// Signed image bundles: one file that carries a VM's boot images (firmware, bootloader,
// kernel, initrd, dtb) and a manifest naming each with its size and SHA-256, the VM it
// is for and a monotonic version, with an Ed25519 signature over the manifest's bytes
// (the manifest carries the digests, so the signature covers the files). This module is
// the format only: build, and parse without trusting anything. Keys, policy and the
// digest checks are src/rootos/trust.
//
// The bundle is self-delimiting, so it can be written at the start of a disk slot with
// stale bytes after it; its end marker (its length and the manifest's SHA-256) tells a
// complete bundle from a truncated or half-written one without hashing the files.
//
//   offset   size  field (integers little-endian)
//   0        8     magic "BHBUNDLE"
//   8        4     format version, u32 (1)
//   12       4     manifest length M, u32 (1..MAX_MANIFEST_BYTES)
//   16       8     payload length P, u64 (the files' sizes summed)
//   24       8     total length T = 32 + M + 64 + P + 48, u64
//   32       M     manifest: canonical JSON in UTF-8 (canonicalManifest)
//   32+M     64    Ed25519 signature over the M manifest bytes
//   96+M     P     the files' bytes, in manifest order, back to back
//   T-48     8     end magic "BHBEND01"
//   T-40     8     T again, u64
//   T-32     32    SHA-256 of the M manifest bytes
//
// The signature is plain Ed25519 over the manifest bytes, so OpenSSL can check it too:
//   openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in manifest.json -sigfile sig.bin
import { createHash } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

export const BUNDLE_MAGIC = "BHBUNDLE";
export const BUNDLE_END_MAGIC = "BHBEND01";
export const BUNDLE_FORMAT = "bulkhead-bundle";
export const BUNDLE_FORMAT_VERSION = 1;
export const HEADER_BYTES = 32;
export const SIGNATURE_BYTES = 64;
export const TRAILER_BYTES = 48;
export const MAX_MANIFEST_BYTES = 64 * 1024;
export const MAX_FILES = 16;

/** What a file is for; a bundle holds each role at most once. */
export const ROLES = ["firmware", "bootloader", "kernel", "initrd", "dtb"] as const;
export type Role = (typeof ROLES)[number];

export interface ManifestFile {
  readonly role: Role;
  /** The file's name when it was signed (informational: digests identify it). */
  readonly name: string;
  readonly size: number;
  /** Lower-case hex. */
  readonly sha256: string;
}

/** The signed part of a bundle. */
export interface Manifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly formatVersion: number;
  /** The VM the images are for. */
  readonly target: string;
  /** Monotonic: anti-rollback refuses a bundle older than the installed or minimum version. */
  readonly version: number;
  /** The signing key's id (keyIdOf in src/rootos/trust): which trusted key to check it with. */
  readonly keyId: string;
  readonly files: readonly ManifestFile[];
  /** Free-form words for the RootOS, e.g. { restart: "system" } for the upgrade flow. */
  readonly flags: Readonly<Record<string, string>>;
}

export type BundleErrorInfo =
  | { readonly kind: "NotBundle" }
  | { readonly kind: "FormatVersion"; readonly version: number }
  | { readonly kind: "Truncated"; readonly have: number; readonly need: number }
  | { readonly kind: "Oversized"; readonly have: number; readonly need: number }
  | { readonly kind: "BadHeader"; readonly why: string }
  | { readonly kind: "HalfWritten" }
  | { readonly kind: "BadManifest"; readonly why: string };

function describe(e: BundleErrorInfo): string {
  switch (e.kind) {
    case "NotBundle": return `not a Bulkhead image bundle (no "${BUNDLE_MAGIC}" magic at its start; make one with bulkhead image sign)`;
    case "FormatVersion": return `bundle format version ${e.version} is not supported (this Bulkhead reads version ${BUNDLE_FORMAT_VERSION})`;
    case "Truncated": return `truncated bundle: ${e.have} bytes, its header says ${e.need}`;
    case "Oversized": return `oversized bundle: ${e.have} bytes, its header says ${e.need} (${e.have - e.need} bytes after its end)`;
    case "BadHeader": return `bad bundle header: ${e.why}`;
    case "HalfWritten": return "truncated bundle: its end marker is missing or does not match its manifest (a half-written bundle?)";
    case "BadManifest": return `bad bundle manifest: ${e.why}`;
  }
}

/** The bundle format's error: `info.kind` for code, `message` for people. */
export class BundleError extends Error {
  override readonly name = "BundleError";
  constructor(readonly info: BundleErrorInfo) {
    super(describe(info));
  }
}

export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

/**
 * The manifest's canonical bytes: JSON with keys in a fixed order, flags sorted, no
 * white space. The signature is over these bytes, and a parsed manifest must
 * re-serialise to exactly the bytes it came from.
 */
function canonicalManifest(m: Manifest): Uint8Array {
  const flags = Object.fromEntries(Object.keys(m.flags).sort().map((k) => [k, m.flags[k]]));
  const ordered = {
    format: m.format, formatVersion: m.formatVersion, target: m.target, version: m.version, keyId: m.keyId,
    files: m.files.map((f) => ({ role: f.role, name: f.name, size: f.size, sha256: f.sha256 })),
    flags,
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

export interface BundleInput {
  readonly target: string;
  readonly version: number;
  readonly keyId: string;
  readonly files: readonly { readonly role: Role; readonly name: string; readonly bytes: Uint8Array }[];
  readonly flags?: Readonly<Record<string, string>>;
}

/** Build a bundle; `sign` makes the Ed25519 signature of the manifest bytes. Throws BundleError on bad input. */
export function buildBundle(input: BundleInput, sign: (manifest: Uint8Array) => Uint8Array): Uint8Array {
  const manifest: Manifest = {
    format: BUNDLE_FORMAT, formatVersion: BUNDLE_FORMAT_VERSION, target: input.target, version: input.version, keyId: input.keyId,
    files: input.files.map((f) => ({ role: f.role, name: f.name, size: f.bytes.length, sha256: sha256Hex(f.bytes) })),
    flags: input.flags ?? {},
  };
  const problem = manifestProblem(manifest);
  if (problem) throw new BundleError({ kind: "BadManifest", why: problem });
  const mbytes = canonicalManifest(manifest);
  if (mbytes.length > MAX_MANIFEST_BYTES) throw new BundleError({ kind: "BadManifest", why: `${mbytes.length} bytes, more than ${MAX_MANIFEST_BYTES}` });
  const signature = sign(mbytes);
  if (signature.length !== SIGNATURE_BYTES) throw new Error(`buildBundle: an Ed25519 signature is ${SIGNATURE_BYTES} bytes, not ${signature.length}`);
  const payload = input.files.reduce((n, f) => n + f.bytes.length, 0);
  const total = HEADER_BYTES + mbytes.length + SIGNATURE_BYTES + payload + TRAILER_BYTES;
  const out = new Uint8Array(total);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(BUNDLE_MAGIC), 0);
  v.setUint32(8, BUNDLE_FORMAT_VERSION, true);
  v.setUint32(12, mbytes.length, true);
  v.setBigUint64(16, BigInt(payload), true);
  v.setBigUint64(24, BigInt(total), true);
  out.set(mbytes, HEADER_BYTES);
  out.set(signature, HEADER_BYTES + mbytes.length);
  let at = HEADER_BYTES + mbytes.length + SIGNATURE_BYTES;
  for (const f of input.files) { out.set(f.bytes, at); at += f.bytes.length; }
  out.set(trailer(total, mbytes), total - TRAILER_BYTES);
  return out;
}

function trailer(total: number, manifest: Uint8Array): Uint8Array {
  const t = new Uint8Array(TRAILER_BYTES);
  t.set(new TextEncoder().encode(BUNDLE_END_MAGIC), 0);
  new DataView(t.buffer).setBigUint64(8, BigInt(total), true);
  t.set(createHash("sha256").update(manifest).digest(), 16);
  return t;
}

/** The header's total length: how many bytes to read from a slot that starts with a bundle. Throws BundleError. */
export function bundleLength(header: Uint8Array): number {
  const magic = new TextDecoder().decode(header.subarray(0, 8));
  if (magic !== BUNDLE_MAGIC.slice(0, magic.length) || header.length === 0) throw new BundleError({ kind: "NotBundle" });
  if (header.length < HEADER_BYTES) throw new BundleError({ kind: "Truncated", have: header.length, need: HEADER_BYTES });
  const v = new DataView(header.buffer, header.byteOffset, HEADER_BYTES);
  const version = v.getUint32(8, true);
  if (version !== BUNDLE_FORMAT_VERSION) throw new BundleError({ kind: "FormatVersion", version });
  const m = v.getUint32(12, true);
  if (m === 0 || m > MAX_MANIFEST_BYTES) throw new BundleError({ kind: "BadHeader", why: `manifest length ${m} is not from 1 to ${MAX_MANIFEST_BYTES}` });
  const payload = v.getBigUint64(16, true), total = v.getBigUint64(24, true);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) throw new BundleError({ kind: "BadHeader", why: `total length ${total} is too large` });
  const expect = BigInt(HEADER_BYTES + m + SIGNATURE_BYTES + TRAILER_BYTES) + payload;
  if (total !== expect) throw new BundleError({ kind: "BadHeader", why: `total length ${total} is not header + manifest + signature + payload ${payload} + end marker (${expect})` });
  return Number(total);
}

/** A bundle's parts, parsed but not verified: nothing in it is trusted yet. */
export interface ParsedBundle {
  /** Its total length (the bytes given may go on: a disk slot). */
  readonly length: number;
  readonly manifest: Manifest;
  /** Exactly the signed bytes. */
  readonly manifestBytes: Uint8Array;
  readonly signature: Uint8Array;
  /** Each manifest file's bytes (views into the bundle), in manifest order. */
  readonly files: readonly (ManifestFile & { readonly bytes: Uint8Array })[];
}

/**
 * Parse a bundle at the start of `bytes`. `exact` (a bundle file): bytes after its end
 * are an error (Oversized); otherwise (a disk slot) they are ignored. Checks structure
 * only; verify it with src/rootos/trust. Throws BundleError.
 */
export function parseBundle(bytes: Uint8Array, opts: { readonly exact: boolean }): ParsedBundle {
  const total = bundleLength(bytes);
  if (bytes.length < total) throw new BundleError({ kind: "Truncated", have: bytes.length, need: total });
  if (opts.exact && bytes.length > total) throw new BundleError({ kind: "Oversized", have: bytes.length, need: total });
  const m = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  const manifestBytes = bytes.subarray(HEADER_BYTES, HEADER_BYTES + m);
  const end = bytes.subarray(total - TRAILER_BYTES, total);
  if (!Buffer.from(end).equals(Buffer.from(trailer(total, manifestBytes)))) throw new BundleError({ kind: "HalfWritten" });
  const manifest = readManifest(manifestBytes);
  const payload = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(16, true));
  const sum = manifest.files.reduce((n, f) => n + f.size, 0);
  if (sum !== payload) throw new BundleError({ kind: "BadHeader", why: `payload length ${payload} is not the files' sizes summed (${sum})` });
  let at = HEADER_BYTES + m + SIGNATURE_BYTES;
  const files = manifest.files.map((f) => {
    const file = { ...f, bytes: bytes.subarray(at, at + f.size) };
    at += f.size;
    return file;
  });
  return { length: total, manifest, manifestBytes, signature: bytes.subarray(HEADER_BYTES + m, HEADER_BYTES + m + SIGNATURE_BYTES), files };
}

function readManifest(bytes: Uint8Array): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (e) {
    throw new BundleError({ kind: "BadManifest", why: `not JSON in UTF-8 (${(e as Error).message})` });
  }
  const problem = manifestProblem(value);
  if (problem) throw new BundleError({ kind: "BadManifest", why: problem });
  const m = value as Manifest;
  if (!Buffer.from(canonicalManifest(m)).equals(Buffer.from(bytes))) throw new BundleError({ kind: "BadManifest", why: "not in canonical form" });
  return m;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;

/** What is wrong with a manifest's shape, or undefined. */
function manifestProblem(v: unknown): string | undefined {
  if (!isObj(v)) return "not a JSON object";
  if (v.format !== BUNDLE_FORMAT) return `format is ${JSON.stringify(v.format)}, not "${BUNDLE_FORMAT}"`;
  if (v.formatVersion !== BUNDLE_FORMAT_VERSION) return `formatVersion ${JSON.stringify(v.formatVersion)} is not ${BUNDLE_FORMAT_VERSION}`;
  if (typeof v.target !== "string" || !NAME.test(v.target)) return `target ${JSON.stringify(v.target)} is not a VM name`;
  if (!Number.isSafeInteger(v.version) || (v.version as number) < 0) return `version ${JSON.stringify(v.version)} is not a whole number 0 or more`;
  if (typeof v.keyId !== "string" || !/^[0-9a-f]{16}$/.test(v.keyId)) return `keyId ${JSON.stringify(v.keyId)} is not 16 hex digits`;
  if (!Array.isArray(v.files) || v.files.length === 0 || v.files.length > MAX_FILES) return `files must be a list of 1 to ${MAX_FILES} files`;
  const roles = new Set<string>();
  for (const [i, f] of v.files.entries()) {
    if (!isObj(f)) return `files[${i}] is not an object`;
    if (!(ROLES as readonly unknown[]).includes(f.role)) return `files[${i}].role ${JSON.stringify(f.role)} is not one of ${ROLES.join(", ")}`;
    if (roles.has(f.role as string)) return `role ${f.role} is given twice`;
    roles.add(f.role as string);
    if (typeof f.name !== "string" || f.name === "" || f.name.length > 255 || /[/\\\u0000-\u001f]/.test(f.name)) return `files[${i}].name ${JSON.stringify(f.name)} is not a file name`;
    if (!Number.isSafeInteger(f.size) || (f.size as number) < 0) return `files[${i}].size is not a byte count`;
    if (typeof f.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(f.sha256)) return `files[${i}].sha256 is not 64 hex digits`;
  }
  if (!isObj(v.flags)) return "flags is not an object";
  for (const [k, x] of Object.entries(v.flags)) {
    if (!NAME.test(k) || typeof x !== "string" || !NAME.test(x)) return `flag ${JSON.stringify(k)}: ${JSON.stringify(x)} is not NAME: VALUE (names)`;
  }
  const extra = Object.keys(v).filter((k) => !["format", "formatVersion", "target", "version", "keyId", "files", "flags"].includes(k));
  if (extra.length > 0) return `unknown key ${extra[0]}`;
  return undefined;
}

/** What a bundle file says of itself, read without its files' bytes: nothing is verified. */
export interface PeekedBundle {
  readonly manifest: Manifest;
  /** The first bytes (up to 8) of each file, by role: enough to tell an ELF from a flat binary. */
  readonly heads: ReadonlyMap<Role, Uint8Array>;
}

/**
 * The manifest of the bundle file at `path`, for planning a boot before it is verified
 * (its roles say what the VM boots). Throws BundleError, or a Node fs error.
 */
export function peekBundleFile(path: string): PeekedBundle {
  const fd = openSync(path, "r");
  try {
    const read = (at: number, len: number): Uint8Array => {
      const buf = new Uint8Array(len);
      return buf.subarray(0, readSync(fd, buf, 0, len, at));
    };
    const header = read(0, HEADER_BYTES);
    bundleLength(header);
    const m = new DataView(header.buffer).getUint32(12, true);
    const mbytes = read(HEADER_BYTES, m);
    if (mbytes.length < m) throw new BundleError({ kind: "Truncated", have: HEADER_BYTES + mbytes.length, need: HEADER_BYTES + m });
    const manifest = readManifest(mbytes);
    const heads = new Map<Role, Uint8Array>();
    let at = HEADER_BYTES + m + SIGNATURE_BYTES;
    for (const f of manifest.files) {
      heads.set(f.role, read(at, Math.min(8, f.size)));
      at += f.size;
    }
    return { manifest, heads };
  } finally {
    closeSync(fd);
  }
}
