// The trust module's one error type: keys that cannot be read, and every reason verified
// boot refuses a bundle, each as data (`info.kind`) and words that say what is wrong and
// how to fix it. A bundle that is malformed is a BundleError (src/images/bundle.ts).

export type TrustErrorInfo =
  /** A key file is missing, unreadable, or not the kind of Ed25519 key wanted. */
  | { readonly kind: "KeyFile"; readonly path: string; readonly why: string }
  /** The bundle's signer is none of the trusted keys. */
  | { readonly kind: "UnknownKey"; readonly keyId: string; readonly known: readonly string[] }
  /** Signed by a trusted key, but not the one this VM requires (boot.key). */
  | { readonly kind: "WrongKey"; readonly signer: string; readonly required: string }
  /** The signature does not match the manifest under the key it names. */
  | { readonly kind: "BadSignature"; readonly key: string }
  | { readonly kind: "WrongTarget"; readonly target: string; readonly expected: string }
  /** Below the anti-rollback floor; `newer`: an install, which must be above it. */
  | { readonly kind: "VersionTooOld"; readonly version: number; readonly minimum: number; readonly source: string; readonly newer?: boolean }
  /** It does not hold exactly the images (by role) the VM's plan boots. */
  | { readonly kind: "Roles"; readonly have: readonly string[]; readonly want: readonly string[] }
  /** A file's bytes are not the ones the manifest (and so the signature) names. */
  | { readonly kind: "DigestMismatch"; readonly role: string; readonly name: string }
  /** A loose (unsigned) image where only signed ones may boot. */
  | { readonly kind: "Unsigned"; readonly what: string; readonly path: string; readonly why: string };

function describe(e: TrustErrorInfo): string {
  switch (e.kind) {
    case "KeyFile": return `key ${e.path}: ${e.why}`;
    case "UnknownKey":
      return `unknown key: signed by key ${e.keyId}, which is not trusted (trusted: ${e.known.length ? e.known.join(", ") : "none"})`;
    case "WrongKey": return `signed by key '${e.signer}', but this VM's images must be signed by '${e.required}'`;
    case "BadSignature": return `bad signature: the manifest does not match its signature under key '${e.key}' (the bundle was altered after signing)`;
    case "WrongTarget": return `wrong target: the bundle is for VM '${e.target}', not '${e.expected}'`;
    case "VersionTooOld":
      return e.newer
        ? `version ${e.version} is not newer than version ${e.minimum}, ${e.source} (anti-rollback)`
        : `version too old: version ${e.version} is older than ${e.minimum}, the ${e.source} (anti-rollback)`;
    case "Roles": return `the bundle holds ${e.have.join(", ")}, but the plan boots ${e.want.join(", ")} (validate the description again)`;
    case "DigestMismatch": return `digest mismatch for ${e.role} '${e.name}': its bytes are not the ones that were signed`;
    case "Unsigned": return `${e.what} ${e.path} is not signed (${e.why}): sign the images into a bundle (bulkhead image sign) and boot from it`;
  }
}

/** The error of src/rootos/trust: `info.kind` for code, `message` for people. */
export class TrustError extends Error {
  override readonly name = "TrustError";
  constructor(readonly info: TrustErrorInfo) {
    super(describe(info));
  }
}
