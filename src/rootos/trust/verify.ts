// Verification policy for signed image bundles: a bundle boots only if it is well formed,
// signed by a trusted key (the one the VM requires, if it names one), for this VM, not
// older than the minimum (anti-rollback), and every file's bytes hash to the digest the
// signed manifest gives. The checks run cheapest first and stop at the first failure,
// whose error says exactly what is wrong; nothing in the bundle is believed before its
// signature is checked.
import { verify } from "node:crypto";
import { type ManifestFile, type Manifest, parseBundle, sha256Hex } from "../../images/bundle.js";
import { TrustError } from "./errors.js";
import type { TrustedKey } from "./keys.js";

export interface TrustPolicy {
  /** The keys a bundle may be signed with. */
  readonly keys: readonly TrustedKey[];
  /** Only this key (by name) may have signed it. */
  readonly key?: string;
  /** The VM the bundle must be for. */
  readonly target?: string;
  /** Anti-rollback: the lowest version accepted, and what it is (for the message). */
  readonly minVersion?: { readonly version: number; readonly source: string };
}

export interface VerifiedBundle {
  readonly manifest: Manifest;
  readonly signer: TrustedKey;
  readonly files: readonly (ManifestFile & { readonly bytes: Uint8Array })[];
  /** What was checked, one line each, for people (bulkhead image verify). */
  readonly checks: readonly string[];
}

/**
 * Verify the bundle at the start of `bytes` (`exact`: the bytes are the whole bundle,
 * nothing after it). Throws BundleError (malformed) or TrustError (refused).
 */
export function verifyBundle(bytes: Uint8Array, policy: TrustPolicy, opts: { readonly exact: boolean }): VerifiedBundle {
  const b = parseBundle(bytes, opts);
  const m = b.manifest;
  const checks = [`format ${m.format} ${m.formatVersion}: ${b.length} bytes, ${m.files.length} file${m.files.length === 1 ? "" : "s"}, end marker ok`];
  const signer = policy.keys.find((k) => k.id === m.keyId);
  if (!signer) throw new TrustError({ kind: "UnknownKey", keyId: m.keyId, known: policy.keys.map((k) => `${k.name} (${k.id})`) });
  if (policy.key !== undefined && signer.name !== policy.key) throw new TrustError({ kind: "WrongKey", signer: signer.name, required: policy.key });
  if (!verify(null, b.manifestBytes, signer.key, b.signature)) throw new TrustError({ kind: "BadSignature", key: signer.name });
  checks.push(`signature: good, key '${signer.name}' (${signer.id})`);
  if (policy.target !== undefined && m.target !== policy.target) throw new TrustError({ kind: "WrongTarget", target: m.target, expected: policy.target });
  checks.push(`target: ${m.target}${policy.target !== undefined ? " (required)" : " (not checked: no --target)"}`);
  const min = policy.minVersion;
  if (min && m.version < min.version) throw new TrustError({ kind: "VersionTooOld", version: m.version, minimum: min.version, source: min.source });
  checks.push(`version: ${m.version}${min ? ` (at least ${min.version}, the ${min.source})` : " (no minimum)"}`);
  for (const f of b.files) {
    if (sha256Hex(f.bytes) !== f.sha256) throw new TrustError({ kind: "DigestMismatch", role: f.role, name: f.name });
    checks.push(`${f.role} ${f.name}: ${f.size} bytes, sha256 ${f.sha256}`);
  }
  return { manifest: m, signer, files: b.files, checks };
}
