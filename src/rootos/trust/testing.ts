// Fixtures for tests of signed bundles: key pairs made on the spot, and small bundles.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import type { Role } from "../../images/bundle.js";
import { keyIdOf, signBundle, type TrustedKey } from "./keys.js";

export interface TestKey {
  readonly private: KeyObject;
  readonly trusted: TrustedKey;
  readonly privatePem: string;
  readonly publicPem: string;
}

/** A fresh Ed25519 key pair, trusted under `name`. */
export function testKey(name: string): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const privatePem = privateKey.export({ format: "pem", type: "pkcs8" }) as string;
  const publicPem = publicKey.export({ format: "pem", type: "spki" }) as string;
  return { private: createPrivateKey(privatePem), trusted: { name, id: keyIdOf(publicKey), key: createPublicKey(publicPem) }, privatePem, publicPem };
}

/** A bundle for `target` at `version` with a small kernel and initrd (or `files`), signed by `key`. */
export function testBundle(key: TestKey, target: string, version: number, files?: readonly { role: Role; name: string; bytes: Uint8Array }[]): Uint8Array {
  return signBundle({
    target, version,
    files: files ?? [
      { role: "kernel", name: "Image", bytes: new Uint8Array(5000).map((_, i) => i * 7) },
      { role: "initrd", name: "initrd.cpio.gz", bytes: new Uint8Array(3000).map((_, i) => 255 - i) },
    ],
  }, key.private);
}
