// Secure boot's trust: Ed25519 keys (keys.ts), the verification policy for signed image
// bundles (verify.ts; the format is src/images/bundle.ts), and the measured-boot log
// (measure.ts); policy.ts is the one rule a VM's bundles are held to at boot and at
// install. Errors: TrustError (errors.ts).
export { TrustError, type TrustErrorInfo } from "./errors.js";
export { generateKeyPair, keyIdOf, parsePublicKey, readKeyDir, readPrivateKey, readPublicKey, signBundle, type TrustedKey } from "./keys.js";
export { verifyBundle, type TrustPolicy, type VerifiedBundle } from "./verify.js";
export { bundleRule, checkBoot, checkNewer, readTrustedKeys, rollbackFloor, type BundleRule, type Installed } from "./policy.js";
export { measure, measurementLines, type Measurement, type MeasurementLog, type Stage } from "./measure.js";
