// Field upgrades under the supervisor, with real VM threads running the test guests out
// of A/B slots on a disk image: the first start installs the description's bundle in
// slot A; an upgrade through the command table is written to slot B and committed when
// the new image kicks its watchdog (or, without one, still runs at the deadline); a new
// image that never kicks, or crashes, is rolled back and the old one runs again; every
// bad bundle is refused with its reason and the active slot untouched; a RootOS that stops
// with an upgrade on trial rolls it back at its next start; nothing outside the slot
// partition is ever written.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, test } from "node:test";
import type { SystemPlan, VmPlan } from "../plan/index.js";
import { SLOT_AREA_OFFSET } from "../slots/store.js";
import { testBundle, testKey } from "../trust/testing.js";
import { runWords } from "../commands/index.js";
import { RootosError } from "./errors.js";
import { Supervisor, type SlotsInfo } from "./supervisor.js";
import { guestElf, testSystemPlan, testVmPlan, waitFor } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-upgrade-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const release = testKey("release");
writeFileSync(join(dir, "release.pub"), release.publicPem);
const elf = (name: string) => new Uint8Array(readFileSync(guestElf(name)));
const bundle = (vm: string, version: number, guest: string, target = vm) => testBundle(release, target, version, [{ role: "kernel", name: `${guest}.elf`, bytes: elf(guest) }]);

const SLOT = 128 * 1024;
const PART = { offset: 1 << 20, size: SLOT_AREA_OFFSET + 4 * SLOT };
const image = join(dir, "board.img");
// The disk around the slot partition is a pattern: it must never change.
writeFileSync(image, new Uint8Array(PART.offset + PART.size + (1 << 20)).map((_, i) => (i >= PART.offset && i < PART.offset + PART.size ? 0 : (i * 13) & 0xff)));
const outside = () => {
  const b = readFileSync(image);
  return createHash("sha256").update(b.subarray(0, PART.offset)).update(b.subarray(PART.offset + PART.size)).digest("hex");
};
const outsideBefore = outside();

let current: Supervisor | undefined;
afterEach(async () => { await current?.close(); current = undefined; });

/** A bare VM booting `vm.bundle` (version 1 of `guest`) from slots, with a deadline. */
function slotVm(name: string, guest: string, deadlineMs: number, over: Partial<VmPlan> = {}): VmPlan {
  const path = join(dir, `${name}.bundle`);
  writeFileSync(path, bundle(name, 1, guest));
  const base = testVmPlan(name);
  return {
    ...base,
    boot: { ...base.boot, kernel: { path, ref: `${name}.bundle[kernel]`, role: "kernel" }, bundle: { path, ref: `${name}.bundle` }, unsignedAllowed: false },
    upgrade: { slots: true, deadlineMs, targets: [] },
    ...over,
  };
}

function plan(vms: VmPlan[]): SystemPlan {
  const p = testSystemPlan(vms);
  return {
    ...p,
    board: { ...p.board, secureBoot: true, trustedKeys: [{ name: "release", path: join(dir, "release.pub") }],
      slots: { partition: "rootos-system", disk: "board", image, offset: PART.offset, size: PART.size, slotSize: SLOT } },
  };
}

// app kicks its watchdog (kick.elf); plain has none and is judged by still running.
const WATCHDOG = { timeoutMs: 60_000, action: "log" as const };
const system = plan([slotVm("app", "kick", 4000, { watchdog: WATCHDOG }), slotVm("plain", "spin", 1500)]);
const file = (name: string, bytes: Uint8Array) => { const p = join(dir, name); writeFileSync(p, bytes); return p; };
const slotLine = (s: SlotsInfo) => `${s.active} ${s.slots.map((x) => `${x.slot}:${x.state}:${x.version}`).join(" ")}`;
const messages = (sup: Supervisor, vm: string) => sup.log({ vm }).map((e) => e.message);

test("install, upgrade, commit, roll back (no kick, a crash), refusals; nothing outside the partition changes", { timeout: 120_000 }, async () => {
  const sup = current = new Supervisor(system, { eventLog: null, upgradeRestartDelayMs: 50 });
  assert.deepEqual((await sup.up()).map((u) => u.ok), [true, true]);
  assert.equal(slotLine(sup.slots("app")), "A A:valid:1 B:empty:null");
  assert.ok(messages(sup, "app").some((m) => /^slots: installed app\.bundle \(version 1\) in slot A of rootos-system, pair 0$/.test(m)));
  assert.match(sup.info("app").verifiedBoot!.bundle, /^slot A of rootos-system$/);

  // Refusals: the reason, and slot A still boots version 1.
  const tampered = Uint8Array.from(bundle("app", 5, "kick"));
  tampered[tampered.length - 48 - 100] ^= 1;
  const exact = bundle("app", 5, "kick");
  const longer = new Uint8Array(exact.length + 512);
  longer.set(exact);
  const refusals: [Uint8Array, string, RegExp][] = [
    [tampered, "DigestMismatch", /digest mismatch for kernel 'kick\.elf'/],
    [testBundle(testKey("stranger"), "app", 5, [{ role: "kernel", name: "k", bytes: elf("kick") }]), "UnknownKey", /unknown key/],
    [bundle("plain", 5, "kick"), "WrongTarget", /wrong target: the bundle is for VM 'plain', not 'app'/],
    [bundle("app", 1, "kick"), "VersionTooOld", /version 1 is not newer than version 1, installed in slot A \(anti-rollback\)/],
    [exact.subarray(0, 3000), "Truncated", /truncated bundle: 3000 bytes, its header says \d+/],
    [longer, "Oversized", /oversized bundle: \d+ bytes, its header says \d+ \(512 bytes after its end\)/],
    [new Uint8Array(SLOT + 1), "Oversized", /oversized bundle: 131073 bytes, more than a slot's 131072/],
    [new TextEncoder().encode("#!/bin/sh\necho not a bundle\n"), "NotBundle", /not a Bulkhead image bundle/],
  ];
  for (const [bytes, reason, re] of refusals) {
    await assert.rejects(sup.upgrade("app", bytes, "test"), (e: unknown) => e instanceof RootosError && e.info.kind === "UpgradeRefused" && e.info.reason === reason && re.test(e.message) && /\(its active slot is untouched\)$/.test(e.message), reason);
  }
  assert.equal(slotLine(sup.slots("app")), "A A:valid:1 B:empty:null");
  assert.equal(sup.info("app").starts, 1, "no refusal restarted it");
  assert.match(sup.log({ vm: "app", kind: "command" }).at(-1)!.message, /^upgrade test: upgrade of VM 'app' refused: not a Bulkhead image bundle/);

  // A good upgrade through the command table: slot B, restart, kicked: committed.
  const res = await runWords(sup, ["upgrade", "app", file("app-2.bundle", bundle("app", 2, "kick"))]);
  assert.match(res.text, /^app: version 2 installed in slot B; restarting app; it has 4 s to come up healthy, or slot A boots again$/);
  await waitFor("app committed", () => messages(sup, "app").some((m) => m === "upgrade: version 2 in slot B is healthy (its watchdog was kicked): committed"), 30_000);
  assert.equal(sup.info("app").verifiedBoot!.version, 2);
  assert.equal(sup.info("app").starts, 2);
  assert.match((await runWords(sup, ["slots", "app"])).text, /^app: boots slot B of rootos-system; committed version 2\n {4}A {2}version 1, signed by 'release'\n {2}\* B {2}version 2, signed by 'release'$/);

  // A new image that never kicks: rolled back at the deadline, slot B (version 2) runs again.
  await sup.upgrade("app", bundle("app", 3, "spin"), "test");
  assert.equal(sup.slots("app").upgrading?.phase, "trial");
  await assert.rejects(sup.upgrade("app", bundle("app", 4, "kick"), "test"), /version 3 is on trial in slot A; wait until it is committed or rolled back/);
  await waitFor("app rolled back", () => messages(sup, "app").includes("rollback: version 3 in slot A did not come up healthy (no watchdog kick within 4000 ms); slot B (version 2) boots again"), 30_000);
  await waitFor("app running version 2", () => sup.info("app").state === "running" && sup.info("app").verifiedBoot?.version === 2, 20_000);
  assert.equal(slotLine(sup.slots("app")), "B A:valid:3 B:valid:2");
  assert.equal(sup.slots("app").committed, 2);

  // No watchdog: a crash on trial is rolled back at once; an image still running at the deadline is committed.
  await sup.upgrade("plain", bundle("plain", 2, "crash"), "test");
  await waitFor("plain rolled back", () => messages(sup, "plain").some((m) => /^rollback: version 2 in slot B did not come up healthy \(.+\); slot A \(version 1\) boots again$/.test(m)), 30_000);
  await waitFor("plain running version 1", () => sup.info("plain").state === "running" && sup.info("plain").verifiedBoot?.version === 1, 20_000);
  await sup.upgrade("plain", bundle("plain", 3, "spin"), "test");
  await waitFor("plain committed", () => messages(sup, "plain").includes("upgrade: version 3 in slot B is healthy (still running after 1500 ms): committed"), 30_000);
  assert.equal(sup.info("plain").verifiedBoot!.version, 3);
  assert.equal(slotLine(sup.slots("plain")), "B A:valid:1 B:valid:3");
  assert.equal(outside(), outsideBefore, "nothing outside the slot partition was written");
});

test("a RootOS stopped with an upgrade on trial rolls it back at its next start", { timeout: 60_000 }, async () => {
  let sup = current = new Supervisor(system, { eventLog: null, upgradeRestartDelayMs: 50 });
  await sup.up();
  const before = sup.slots("plain");
  assert.equal(before.active, "B"); // from the test above: version 3
  await sup.upgrade("plain", bundle("plain", 4, "spin"), "test");
  await sup.close(); // before the deadline: the record says "on trial"
  sup = current = new Supervisor(system, { eventLog: null });
  assert.ok(messages(sup, "plain").includes("rollback: the RootOS stopped while version 4 was on trial in slot A; slot B (version 3) boots again"));
  await sup.up();
  assert.equal(sup.info("plain").verifiedBoot!.version, 3);
  assert.equal(slotLine(sup.slots("plain")), "B A:valid:4 B:valid:3");
  assert.equal(outside(), outsideBefore);
});
