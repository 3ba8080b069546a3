// The upgrades service on a disk image, without VM threads: the factory install holds the
// description's bundle to the one trust rule before it writes anything (a bundle that
// does not verify used to be written, and its unverified version became the committed
// anti-rollback floor: no good bundle of a lower version could boot or be installed
// after); a trial left in the record by a RootOS that stopped is rolled back at start.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { SystemPlan, VmPlan } from "../plan/index.js";
import { SLOT_AREA_OFFSET } from "../slots/store.js";
import { testBundle, testKey } from "../trust/testing.js";
import { RootosError } from "./errors.js";
import { testSystemPlan, testVmPlan } from "./testing.js";
import { Upgrades } from "./upgrades.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-upgrades-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const release = testKey("release");
writeFileSync(join(dir, "release.pub"), release.publicPem);
const SLOT = 64 * 1024;
const PART = { offset: 4096, size: SLOT_AREA_OFFSET + 2 * SLOT };
const image = join(dir, "board.img");
writeFileSync(image, new Uint8Array(PART.offset + PART.size));
const partition = () => readFileSync(image).subarray(PART.offset, PART.offset + PART.size);
const bundleFile = join(dir, "app.bundle");

const base = testVmPlan("app");
const vm: VmPlan = {
  ...base,
  boot: { ...base.boot, kernel: { path: bundleFile, ref: "app.bundle[kernel]", role: "kernel" }, bundle: { path: bundleFile, ref: "app.bundle" }, unsignedAllowed: false },
  upgrade: { slots: true, deadlineMs: 1000, targets: [] },
};
const p = testSystemPlan([vm]);
const plan: SystemPlan = {
  ...p,
  board: { ...p.board, secureBoot: true, trustedKeys: [{ name: "release", path: join(dir, "release.pub") }],
    slots: { partition: "rootos-system", disk: "board", image, offset: PART.offset, size: PART.size, slotSize: SLOT } },
};
const kernel = [{ role: "kernel" as const, name: "k.elf", bytes: new Uint8Array(2000).map((_, i) => i) }];

function open(): { upgrades: Upgrades; log: string[] } {
  const log: string[] = [];
  return { upgrades: new Upgrades(() => plan, (kind, _vm, message) => { log.push(`${kind}: ${message}`); return undefined as never; }), log };
}

test("the factory install refuses a bundle that does not verify, and writes nothing; a good one is installed after", async () => {
  writeFileSync(bundleFile, testBundle(testKey("stranger"), "app", 9, kernel));
  const { upgrades } = open();
  try {
    await assert.rejects(upgrades.bootSlot(vm), (e: unknown) => e instanceof RootosError && e.info.kind === "Verification" && e.info.reason === "UnknownKey"
      && /verified boot refused app\.bundle: unknown key/.test(e.message));
    assert.equal(upgrades.slots(vm, null).provisioned, false, "no record for it");
    assert.ok(partition().every((b) => b === 0), "nothing written to the partition");

    writeFileSync(bundleFile, testBundle(release, "app", 2, kernel));
    const boot = await upgrades.bootSlot(vm);
    assert.equal(boot.committed, 2, "the floor is the verified version");
    const s = upgrades.slots(vm, null);
    assert.deepEqual([s.active, s.committed, s.slots.map((x) => `${x.slot}:${x.state}:${x.version}`)], ["A", 2, ["A:valid:2", "B:empty:null"]]);
    const next = await upgrades.check(vm, testBundle(release, "app", 3, kernel));
    assert.equal(next.slot, "B");
    await assert.rejects(upgrades.check(vm, testBundle(release, "app", 2, kernel)), /version 2 is not newer than version 2, installed in slot A \(anti-rollback\)/);
  } finally {
    upgrades.close();
  }
});

test("a trial found in the record at start is rolled back: the previous slot boots", async () => {
  const first = open();
  const u = await first.upgrades.check(vm, testBundle(release, "app", 3, kernel));
  await first.upgrades.write("app", u);
  first.upgrades.switchTo("app", u);
  assert.equal(first.upgrades.slots(vm, null).trial?.version, 3);
  first.upgrades.close(); // the RootOS stops before the trial is decided

  const second = open();
  try {
    assert.deepEqual(second.log, ["fault: rollback: the RootOS stopped while version 3 was on trial in slot B; slot A (version 2) boots again"]);
    const s = second.upgrades.slots(vm, null);
    assert.deepEqual([s.active, s.trial, s.committed], ["A", null, 2]);
    assert.match((await second.upgrades.bootSlot(vm)).ref, /^slot A of rootos-system$/);
  } finally {
    second.upgrades.close();
  }
});
