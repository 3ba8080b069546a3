// Ed25519 keys for signed image bundles, with Node's own crypto: a new key pair as PEM
// (PKCS#8 private, SPKI public: what `openssl pkey` reads), reading key files and
// directories, the key id a bundle's manifest names its signer by, and signing a bundle.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { buildBundle, type BundleInput } from "../../images/bundle.js";
import { TrustError } from "./errors.js";

/** A public key the RootOS trusts, by the name the description (or file) gives it. */
export interface TrustedKey {
  readonly name: string;
  /** keyIdOf(key). */
  readonly id: string;
  readonly key: KeyObject;
}

/** A key's id: the first 8 bytes of the SHA-256 of its raw 32-byte public key, in hex. */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === "private" ? createPublicKey(key) : key;
  const raw = Buffer.from(pub.export({ format: "jwk" }).x as string, "base64url");
  return createHash("sha256").update(raw).digest("hex").slice(0, 16);
}

/** A new Ed25519 key pair, as PEM text. */
export function generateKeyPair(): { readonly privatePem: string; readonly publicPem: string; readonly id: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }) as string,
    publicPem: publicKey.export({ format: "pem", type: "spki" }) as string,
    id: keyIdOf(publicKey),
  };
}

/** What is wrong with `text` as an Ed25519 public key in PEM, or the key. */
export function parsePublicKey(text: string): KeyObject | { readonly why: string } {
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) return { why: "is a private key: list the public key (the .pub file bulkhead keys generate wrote)" };
  let key: KeyObject;
  try {
    key = createPublicKey(text);
  } catch {
    return { why: "is not a PEM public key (make one with bulkhead keys generate)" };
  }
  if (key.asymmetricKeyType !== "ed25519") return { why: `is a ${key.asymmetricKeyType ?? "unknown"} key, not Ed25519` };
  return key;
}

/** Read one public key file. Throws TrustError (KeyFile). */
export function readPublicKey(path: string, name: string): TrustedKey {
  const key = parsePublicKey(readKeyText(path));
  if (!("type" in key)) throw new TrustError({ kind: "KeyFile", path, why: key.why });
  return { name, id: keyIdOf(key), key };
}

/** Every `*.pub` in `dir`, each named by its file name without `.pub`. Throws TrustError. */
export function readKeyDir(dir: string): TrustedKey[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".pub")).sort();
  } catch (e) {
    throw new TrustError({ kind: "KeyFile", path: dir, why: `cannot list it (${(e as Error).message})` });
  }
  if (names.length === 0) throw new TrustError({ kind: "KeyFile", path: dir, why: "has no .pub files" });
  return names.map((n) => readPublicKey(join(dir, n), basename(n, ".pub")));
}

/** Read an Ed25519 private key (PEM). Throws TrustError (KeyFile). */
export function readPrivateKey(path: string): KeyObject {
  const text = readKeyText(path);
  let key: KeyObject;
  try {
    key = createPrivateKey(text);
  } catch {
    throw new TrustError({ kind: "KeyFile", path, why: /PUBLIC KEY/.test(text) ? "is a public key: signing needs the private key" : "is not a PEM private key (make one with bulkhead keys generate)" });
  }
  if (key.asymmetricKeyType !== "ed25519") throw new TrustError({ kind: "KeyFile", path, why: `is a ${key.asymmetricKeyType ?? "unknown"} key, not Ed25519` });
  return key;
}

/** Build a bundle signed with `key` (an Ed25519 private key); its manifest names the key by id. */
export function signBundle(input: Omit<BundleInput, "keyId">, key: KeyObject): Uint8Array {
  return buildBundle({ ...input, keyId: keyIdOf(key) }, (manifest) => sign(null, manifest, key));
}

function readKeyText(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new TrustError({ kind: "KeyFile", path, why: code === "ENOENT" ? "does not exist" : code === "EISDIR" ? "is a directory" : "cannot be read" });
  }
}
