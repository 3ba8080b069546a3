// The one trust and anti-rollback rule for a VM's signed bundles. Verified boot uses it at
// every start (src/rootos/supervisor/boot-images.ts), and the A/B slots use it for what
// they install (the factory install, an upgrade) and show (`slots VM`):
//
// - A bundle may boot on VM X when it verifies (verify.ts: well formed, signed by a
//   trusted key — the one X's `key` names, if it names one —, for target X, every digest
//   good), holds exactly the images X's plan boots, and its version is at least X's
//   floor: max(min_version, the installed version).
// - The installed version is, for a VM with A/B slots, the committed one (the highest
//   that came up healthy, kept in the boot-control record); for one without, the highest
//   version it booted since the RootOS started.
// - A bundle may be installed (an upgrade) when it may boot and is newer than what is
//   installed: the committed version and the active slot's.
// - A version counts for anti-rollback only once its bundle verified: nothing unverified
//   is written to a slot or raises the floor.
import type { Role } from "../../images/bundle.js";
import type { BoardPlan, VmPlan } from "../plan/index.js";
import { TrustError } from "./errors.js";
import { readPublicKey, type TrustedKey } from "./keys.js";
import { type VerifiedBundle, verifyBundle } from "./verify.js";

/** What VM `vm` requires of its bundles, from its plan. */
export interface BundleRule {
  readonly vm: string;
  /** The trusted key that must have signed it; undefined: any. */
  readonly key?: string;
  /** The description's min_version. */
  readonly minVersion?: number;
  /** The images its plan boots, by role. */
  readonly roles: readonly Role[];
}

/** The installed version anti-rollback holds a bundle to, and what it is (for the message). */
export interface Installed {
  readonly version: number;
  readonly source: string;
}

export function bundleRule(plan: VmPlan): BundleRule {
  const b = plan.boot;
  return {
    vm: plan.name,
    ...(b.key !== undefined ? { key: b.key } : {}),
    ...(b.bundle?.minVersion !== undefined ? { minVersion: b.bundle.minVersion } : {}),
    roles: [b.firmware, b.kernel, b.initrd].filter((f) => f !== undefined).map((f) => f.role!),
  };
}

/** The board's trusted keys, read from their files. Throws TrustError (KeyFile). */
export function readTrustedKeys(keys: BoardPlan["trustedKeys"]): TrustedKey[] {
  return keys.map((k) => readPublicKey(k.path, k.name));
}

/** The lowest version that boots: the description's minimum or the installed version, whichever is higher. */
export function rollbackFloor(rule: BundleRule, installed?: Installed): { readonly version: number; readonly source: string } | undefined {
  const min = rule.minVersion ?? 0;
  if (installed && installed.version > min) return { version: installed.version, source: installed.source };
  return min > 0 ? { version: min, source: "min_version in the description" } : undefined;
}

/** May `bytes` boot on the rule's VM, above `installed`? The verified bundle; throws BundleError or TrustError. */
export function checkBoot(bytes: Uint8Array, keys: readonly TrustedKey[], rule: BundleRule, installed?: Installed): VerifiedBundle {
  const floor = rollbackFloor(rule, installed);
  const v = verifyBundle(bytes, { keys, ...(rule.key !== undefined ? { key: rule.key } : {}), target: rule.vm, ...(floor ? { minVersion: floor } : {}) }, { exact: true });
  // The bundle may have changed since the plan was made: it must hold what the plan boots.
  const want = [...rule.roles].sort();
  const have = v.files.map((f) => f.role).sort();
  if (want.join() !== have.join()) throw new TrustError({ kind: "Roles", have, want });
  return v;
}

/** May a bundle that may boot (checkBoot) be installed over `installed` (an upgrade)? Only if it is newer. Throws TrustError. */
export function checkNewer(v: VerifiedBundle, installed: Installed): void {
  if (v.manifest.version <= installed.version) {
    throw new TrustError({ kind: "VersionTooOld", version: v.manifest.version, minimum: installed.version, source: installed.source, newer: true });
  }
}
