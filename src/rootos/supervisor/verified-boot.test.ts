// Verified and measured boot under the supervisor, with real VM threads running the spin
// test guest out of signed bundles: a VM whose bundle is good runs; one per bad case
// (a tampered byte, an unknown key, a bundle for another VM, a version under the minimum,
// a truncated and an oversized bundle) stays stopped with an event naming the bundle and
// the reason, while the others boot. Anti-rollback remembers the version a VM booted.
// The measurement log repeats across boots of the same images and changes with them.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import type { SystemPlan, VmPlan } from "../plan/index.js";
import { testBundle, testKey } from "../trust/testing.js";
import { readBootImages } from "./boot-images.js";
import { RootosError } from "./errors.js";
import { Supervisor } from "./supervisor.js";
import { guestElf, testSystemPlan, testVmPlan, waitFor } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-vboot-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const release = testKey("release");
writeFileSync(join(dir, "release.pub"), release.publicPem);
const spin = new Uint8Array(readFileSync(guestElf("spin")));

let current: Supervisor | undefined;
afterEach(async () => { await current?.close(); current = undefined; });

/** Write `bytes` as NAME.bundle; a bare VM that boots it (kernel role), minimum version 2. */
function bundleVm(name: string, bytes: Uint8Array): VmPlan {
  const path = join(dir, `${name}.bundle`);
  writeFileSync(path, bytes);
  const base = testVmPlan(name);
  return { ...base, boot: { ...base.boot, kernel: { path, ref: `${name}.bundle[kernel]`, role: "kernel" }, bundle: { path, ref: `${name}.bundle`, minVersion: 2 }, unsignedAllowed: false } };
}

function securePlan(vms: VmPlan[]): SystemPlan {
  const p = testSystemPlan(vms);
  return { ...p, board: { ...p.board, secureBoot: true, trustedKeys: [{ name: "release", path: join(dir, "release.pub") }] } };
}

const kernel = (bytes = spin) => [{ role: "kernel" as const, name: "spin.elf", bytes }];
const sha = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };

test("a good bundle boots; each bad one leaves its VM stopped with the reason, and the others boot", { timeout: 60_000 }, async () => {
  const good = testBundle(release, "good", 3, kernel());
  const tampered = Uint8Array.from(testBundle(release, "tampered", 3, kernel()));
  tampered[tampered.length - 48 - 100] ^= 0x01; // a byte of spin.elf
  const truncated = testBundle(release, "truncated", 3, kernel()).subarray(0, 1000);
  const exact = testBundle(release, "oversized", 3, kernel());
  const oversized = new Uint8Array(exact.length + 512);
  oversized.set(exact);
  const bad: Record<string, [Uint8Array, string, RegExp]> = {
    tampered: [tampered, "DigestMismatch", /digest mismatch for kernel 'spin\.elf'/],
    stranger: [testBundle(testKey("stranger"), "stranger", 3, kernel()), "UnknownKey", /unknown key: signed by key [0-9a-f]{16}, which is not trusted \(trusted: release/],
    elsewhere: [testBundle(release, "good", 3, kernel()), "WrongTarget", /wrong target: the bundle is for VM 'good', not 'elsewhere'/],
    old: [testBundle(release, "old", 1, kernel()), "VersionTooOld", /version too old: version 1 is older than 2, the min_version in the description/],
    truncated: [truncated, "Truncated", /truncated bundle: 1000 bytes, its header says \d+/],
    oversized: [oversized, "Oversized", /oversized bundle: \d+ bytes, its header says \d+ \(512 bytes after its end\)/],
  };
  const sup = current = new Supervisor(securePlan([bundleVm("good", good), ...Object.entries(bad).map(([name, [bytes]]) => bundleVm(name, bytes)), testVmPlan("loose")]), { eventLog: null });
  const up = await sup.up();
  assert.deepEqual(up.filter((u) => u.ok).map((u) => u.vm), ["good", "loose"]);
  assert.equal(sup.info("good").state, "running");
  assert.deepEqual(sup.info("good").verifiedBoot, { bundle: join(dir, "good.bundle"), version: 3, key: "release" });
  for (const [name, [, reason, re]] of Object.entries(bad)) {
    const info = sup.info(name);
    assert.equal(info.state, "stopped", name);
    assert.equal(info.starts, 0, `${name}: no thread was started`);
    assert.match(info.lastExit ?? "", new RegExp(`^refused by verified boot: ${name}\\.bundle: ${re.source}`), name);
    assert.match(up.find((u) => u.vm === name)!.error ?? "", re);
    const faults = sup.log({ vm: name, kind: "fault" });
    assert.equal(faults.length, 1, name);
    assert.equal(faults[0]!.reason, reason, name);
    assert.equal(faults[0]!.file, `${name}.bundle`);
    assert.match(faults[0]!.message, new RegExp(`^verified boot refused ${name}\\.bundle: ${re.source}`));
  }
  assert.deepEqual(sup.log({ vm: "tampered", kind: "state" }).map((e) => e.to), ["booting", "stopped"]);
  assert.match(sup.log({ vm: "good", kind: "check" })[0]!.message, /^verified boot: .*good\.bundle version 3, signed by 'release'$/);

  // Anti-rollback: the VM booted version 3; version 2 passes the description's minimum but not that.
  writeFileSync(join(dir, "good.bundle"), testBundle(release, "good", 2, kernel()));
  await sup.stop("good");
  await assert.rejects(sup.start("good"), /verified boot refused good\.bundle: version too old: version 2 is older than 3, the version this VM booted before/);
  assert.equal(sup.info("good").state, "stopped");
  writeFileSync(join(dir, "good.bundle"), testBundle(release, "good", 4, kernel()));
  assert.equal((await sup.start("good")).verifiedBoot?.version, 4);
});

test("the measurement log repeats across boots of the same images and changes with any stage", { timeout: 60_000 }, async () => {
  const sup = current = new Supervisor(securePlan([bundleVm("m", testBundle(release, "m", 2, kernel()))]), { eventLog: null });
  const first = (await sup.start("m")).measurements!;
  const digest = sha(spin);
  assert.deepEqual(first.entries, [{ stage: "program", name: "spin.elf", digest: digest.toString("hex"), value: sha(Buffer.alloc(32), digest).toString("hex") }]);
  assert.equal(first.value, first.entries[0]!.value);
  await sup.stop("m");
  assert.deepEqual((await sup.start("m")).measurements, first, "a second boot of the same bundle: the same log");
  await sup.stop("m");
  // One more byte after the ELF's end: the guest runs the same, the measurement differs.
  writeFileSync(join(dir, "m.bundle"), testBundle(release, "m", 2, kernel(Uint8Array.from([...spin, 0]))));
  const changed = (await sup.start("m")).measurements!;
  assert.equal(sup.info("m").state, "running");
  assert.notEqual(changed.value, first.value);
  assert.notEqual(changed.entries[0]!.digest, first.entries[0]!.digest);
});

test("loose files: measured in load order with the command line; refused where the plan wants a bundle", async () => {
  const base = testVmPlan("l");
  const fw = { path: guestElf("spin"), ref: "fw" };
  const plan: VmPlan = { ...base, boot: { ...base.boot, mode: "firmware", firmware: fw, initrd: { path: guestElf("kick"), ref: "kick" }, append: "console=ttyS0" } };
  const images = await readBootImages(plan, { trustedKeys: [] });
  assert.deepEqual(images.measurements.entries.map((e) => `${e.stage} ${e.name}`), ["firmware fw", "kernel spin", "initrd kick", "cmdline append"]);
  const other = await readBootImages({ ...plan, boot: { ...plan.boot, append: "console=hvc0" } }, { trustedKeys: [] });
  assert.notEqual(other.measurements.value, images.measurements.value, "the command line is measured");
  assert.equal(images.verified, undefined);
  await assert.rejects(readBootImages({ ...plan, boot: { ...plan.boot, unsignedAllowed: false } }, { trustedKeys: [] }),
    (e: unknown) => e instanceof RootosError && e.info.kind === "Verification" && /firmware .*spin\.elf is not signed \(this VM boots signed bundles only\)/.test(e.message));
  // A bundle that no longer holds what the plan boots.
  const vm = bundleVm("roles", testBundle(release, "roles", 2, [...kernel(), { role: "initrd", name: "x", bytes: new Uint8Array(4) }]));
  await assert.rejects(readBootImages(vm, { trustedKeys: [{ name: "release", path: join(dir, "release.pub") }] }), /the bundle holds initrd, kernel, but the plan boots kernel \(validate the description again\)/);
  await assert.rejects(readBootImages(vm, { trustedKeys: [{ name: "release", path: join(dir, "missing.pub") }] }), /verified boot refused roles\.bundle: key .*missing\.pub: does not exist/);
});

test("reset reads, verifies and measures the images again: a file changed on the host boots; one verified boot refuses stops the VM", { timeout: 60_000 }, async () => {
  // A loose kernel: replaced between two boots, the reset boots the new one.
  const path = join(dir, "loose.elf");
  writeFileSync(path, spin);
  const base = testVmPlan("l");
  // Secure boot off (the loose kernel boots), the bundle still verified against the board's keys.
  const secure = securePlan([{ ...base, boot: { ...base.boot, kernel: { path, ref: "loose.elf" } } }, bundleVm("b", testBundle(release, "b", 2, kernel()))]);
  const sup = current = new Supervisor({ ...secure, board: { ...secure.board, secureBoot: false } }, { eventLog: null });
  const first = (await sup.start("l")).measurements!;
  await waitFor("spin's banner", () => sup.scrollback("l").includes("spin: running"));
  writeFileSync(path, readFileSync(guestElf("echo")));
  const reset = await sup.reset("l");
  assert.equal(reset.state, "running");
  assert.notEqual(reset.measurements!.value, first.value, "the new kernel is measured");
  assert.equal(reset.measurements!.entries[0]!.digest, sha(readFileSync(guestElf("echo"))).toString("hex"));
  await waitFor("echo's banner after the reset", () => sup.scrollback("l").includes("echo: running"));
  assert.equal(sup.info("l").starts, 1, "the same thread: a reset, not a restart");

  // A bundle replaced by one signed with a key the board does not trust: the reset is refused and the VM stopped.
  await sup.start("b");
  writeFileSync(join(dir, "b.bundle"), testBundle(testKey("stranger"), "b", 3, kernel()));
  await assert.rejects(sup.reset("b"), /verified boot refused b\.bundle: unknown key/);
  await waitFor("b stopped", () => sup.info("b").state === "stopped");
  assert.match(sup.info("b").lastExit ?? "", /^reset: verified boot refused b\.bundle: unknown key/);
  assert.deepEqual(sup.log({ vm: "b", kind: "state" }).map((e) => e.to), ["booting", "running", "booting", "stopping", "stopped"]);
});
