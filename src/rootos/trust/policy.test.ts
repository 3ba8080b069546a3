import assert from "node:assert/strict";
import { test } from "node:test";
import { TrustError } from "./errors.js";
import { type BundleRule, checkBoot, checkNewer, rollbackFloor } from "./policy.js";
import { testBundle, testKey } from "./testing.js";

const release = testKey("release");
const rule: BundleRule = { vm: "app", minVersion: 2, roles: ["kernel", "initrd"] };
const committed = (version: number) => ({ version, source: "committed version" });
const refused = (f: () => unknown, kind: string, re: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof TrustError && e.info.kind === kind && re.test(e.message));

test("the floor is min_version or the installed version, whichever is higher", () => {
  assert.deepEqual(rollbackFloor(rule), { version: 2, source: "min_version in the description" });
  assert.deepEqual(rollbackFloor(rule, committed(1)), { version: 2, source: "min_version in the description" });
  assert.deepEqual(rollbackFloor(rule, committed(5)), { version: 5, source: "committed version" });
  assert.equal(rollbackFloor({ vm: "x", roles: [] }), undefined);
});

test("boot: at least the floor (the installed version itself boots); install: newer than it", () => {
  const v5 = checkBoot(testBundle(release, "app", 5), [release.trusted], rule, committed(5));
  assert.equal(v5.manifest.version, 5, "the committed version boots");
  refused(() => checkBoot(testBundle(release, "app", 4), [release.trusted], rule, committed(5)), "VersionTooOld", /version too old: version 4 is older than 5, the committed version \(anti-rollback\)/);
  refused(() => checkBoot(testBundle(release, "app", 1), [release.trusted], rule), "VersionTooOld", /older than 2, the min_version in the description/);
  refused(() => checkNewer(v5, { version: 5, source: "installed in slot A" }), "VersionTooOld", /^version 5 is not newer than version 5, installed in slot A \(anti-rollback\)$/);
  checkNewer(v5, { version: 4, source: "installed in slot A" });
});

test("a bundle must hold exactly the images the VM's plan boots", () => {
  refused(() => checkBoot(testBundle(release, "app", 3), [release.trusted], { ...rule, roles: ["kernel"] }), "Roles",
    /^the bundle holds initrd, kernel, but the plan boots kernel \(validate the description again\)$/);
});
