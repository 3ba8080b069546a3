// An upgrade from a client whose bundle is not on the RootOS's host: `bulkhead ctl
// upgrade VM FILE` reads the file and POSTs it to /v1/vms/{vm}/upgrade, where the
// supervisor verifies it and writes the VM's inactive A/B slot. Test guests out of slots
// on a disk image, as src/rootos/supervisor/upgrade.test.ts runs them.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ApiError, postBundle, startApi, type ApiServer } from "../../src/api/index.js";
import type { VmPlan } from "../../src/rootos/plan/index.js";
import { SLOT_AREA_OFFSET } from "../../src/rootos/slots/store.js";
import { Supervisor } from "../../src/rootos/supervisor/supervisor.js";
import { guestElf, testSystemPlan, testVmPlan, waitFor } from "../../src/rootos/supervisor/testing.js";
import { testBundle, testKey } from "../../src/rootos/trust/testing.js";
import { cli, runProcess } from "../support/bulkhead.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-upload-"));
const release = testKey("release");
writeFileSync(join(dir, "release.pub"), release.publicPem);
const spin = new Uint8Array(readFileSync(guestElf("spin")));
const bundle = (target: string, version: number) => testBundle(release, target, version, [{ role: "kernel", name: "spin.elf", bytes: spin }]);
const SLOT = 128 * 1024;
const image = join(dir, "board.img");
writeFileSync(image, new Uint8Array((1 << 20) + SLOT_AREA_OFFSET + 2 * SLOT));

let sup: Supervisor;
let api: ApiServer;

before(async () => {
  const path = join(dir, "app.bundle");
  writeFileSync(path, bundle("app", 1));
  const base = testVmPlan("app");
  const vm: VmPlan = {
    ...base,
    boot: { ...base.boot, kernel: { path, ref: "app.bundle[kernel]", role: "kernel" }, bundle: { path, ref: "app.bundle" }, unsignedAllowed: false },
    upgrade: { slots: true, deadlineMs: 1000, targets: [] },
  };
  const p = testSystemPlan([vm]);
  sup = new Supervisor({
    ...p,
    board: { ...p.board, secureBoot: true, trustedKeys: [{ name: "release", path: join(dir, "release.pub") }],
      slots: { partition: "rootos-system", disk: "board", image, offset: 1 << 20, size: SLOT_AREA_OFFSET + 2 * SLOT, slotSize: SLOT } },
  }, { eventLog: null, upgradeRestartDelayMs: 50 });
  await sup.up();
  api = await startApi(sup, { port: 0 });
});
after(async () => {
  await api?.close();
  await sup?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("POST /v1/vms/{vm}/upgrade takes the bundle's bytes; refusals answer 409 with the reason, an empty body 400", async () => {
  const target = { address: api.address };
  await assert.rejects(postBundle(target, "app", bundle("other", 2)), (e: unknown) =>
    e instanceof ApiError && e.info.kind === "Refused" && e.info.status === 409 && /for VM 'other'/.test(e.message));
  await assert.rejects(postBundle(target, "app", new Uint8Array(0)), (e: unknown) => e instanceof ApiError && e.info.kind === "Refused" && e.info.status === 400);
  assert.equal(sup.slots("app").active, "A", "refusals leave the active slot");

  const { text } = await postBundle(target, "app", bundle("app", 2));
  assert.match(text, /^app: version 2 installed in slot B; restarting app/);
  await waitFor("the upgrade's commit", () => sup.slots("app").committed === 2 && sup.slots("app").upgrading === null, 30_000);
  assert.equal(sup.slots("app").active, "B");
});

test("bulkhead ctl upgrade VM FILE reads the file where ctl runs and sends it", { timeout: 120_000 }, async () => {
  const file = join(dir, "app-v3.bundle");
  writeFileSync(file, bundle("app", 3));
  const ok = await runProcess(cli, ["ctl", "--api", api.address, "upgrade", "app", file], { timeoutMs: 60_000, cwd: tmpdir() });
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /^app: version 3 installed in slot A;/);
  const missing = await runProcess(cli, ["ctl", "--api", api.address, "upgrade", "app", join(dir, "nope.bundle")], { timeoutMs: 60_000 });
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /ctl: upgrade: .*nope\.bundle: no such file/);
});
