// Secure boot's trust: Ed25519 keys (keys.ts), the verification policy for signed image
// bundles (verify.ts; the format is src/images/bundle.ts), and the measured-boot log
// (measure.ts). Errors: TrustError (errors.ts).
export { TrustError, type TrustErrorInfo } from "./errors.js";
export { generateKeyPair, keyIdOf, parsePublicKey, readKeyDir, readPrivateKey, readPublicKey, signBundle, type TrustedKey } from "./keys.js";
export { verifyBundle, type TrustPolicy, type VerifiedBundle } from "./verify.js";
export { measure, measurementLines, type Measurement, type MeasurementLog, type Stage } from "./measure.js";
