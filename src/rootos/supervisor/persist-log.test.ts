// The supervisor's event log in the board's persistent partition (board.persist): every
// entry, as formatLogEntry prints it, lands in the partition as a line of text within the
// batch delay, in order, from "event log in partition ..." to "supervisor down"; a second
// RootOS continues the same log; nothing outside the partition changes; an image that
// cannot be opened stops the supervisor before anything runs.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { SystemPlan } from "../plan/index.js";
import { HEADER } from "../persist/text-log.js";
import { RootosError } from "./errors.js";
import { formatLogEntry } from "./event-log.js";
import { Supervisor } from "./supervisor.js";
import { testSystemPlan, testVmPlan, waitFor } from "./testing.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-persist-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const PART = { offset: 1 << 20, size: 1 << 20 };
const image = join(dir, "board.img");
writeFileSync(image, new Uint8Array(PART.offset + PART.size + (1 << 20)).map((_, i) => (i >= PART.offset && i < PART.offset + PART.size ? 0 : (i * 7) & 0xff)));
const outside = (): string => {
  const b = readFileSync(image);
  return createHash("sha256").update(b.subarray(0, PART.offset)).update(b.subarray(PART.offset + PART.size)).digest("hex");
};

const planWith = (img: string): SystemPlan => {
  const p = testSystemPlan([testVmPlan("app")]);
  return { ...p, board: { ...p.board, persist: { partition: "persist", disk: "board", image: img, offset: PART.offset, size: PART.size } } };
};

/** The partition as `tr -d '\000'` prints it, as lines. */
const text = (): string[] => {
  const b = readFileSync(image).subarray(PART.offset, PART.offset + PART.size);
  return b.subarray(0, b.indexOf(0)).toString("latin1").split("\n").slice(0, -1);
};

test("every event reaches the partition as its formatted line, in order; a second RootOS continues the log", async () => {
  const before = outside();
  const sup = new Supervisor(planWith(image), { eventLog: null });
  await sup.up();
  await waitFor("app running", () => sup.info("app").state === "running");
  const running = sup.log().find((e) => e.vm === "app" && e.kind === "state" && e.to === "running")!;
  await waitFor("the state line on the partition", () => text().includes(formatLogEntry(running)), 2000);
  await sup.close();
  assert.deepEqual(text(), [HEADER.trimEnd(), ...sup.log().map(formatLogEntry)]);
  assert.match(text()[1]!, /event log in partition persist of board: a new log$/);
  assert.match(text().at(-1)!, /supervisor down$/);

  const first = text();
  const again = new Supervisor(planWith(image), { eventLog: null });
  await again.close();
  assert.deepEqual(text(), [...first, ...again.log().map(formatLogEntry)]);
  assert.match(again.log()[0]!.message, /: continuing the log there$/);
  assert.equal(outside(), before);
});

test("a persistent partition that cannot be opened stops the supervisor with the reason", () => {
  assert.throws(() => new Supervisor(planWith(join(dir, "missing.img")), { eventLog: null }),
    (e: unknown) => e instanceof RootosError && /missing\.img \(partition persist of board\)/.test(e.message) && /not found/.test(e.message));
});
