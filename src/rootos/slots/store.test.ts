// The slot store against torn writes: a record write cut at every byte of the copy being
// written leaves the previous record in force; a half-written slot reads as invalid; and
// the store writes inside its range only.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { testBundle, testKey } from "../trust/testing.js";
import { CONTROL_COPY_BYTES, encodeControl, newestControl, SLOT_AREA_OFFSET, SlotStore, type VmSlots } from "./store.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-slots-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = testKey("release");

const slots = (active: "A" | "B", v: number): VmSlots => ({ pair: 0, active, versions: { A: v, B: null }, committed: v, trial: null });

test("a record write torn at any byte of its copy leaves the previous record in force", () => {
  const old = encodeControl({ seq: 7, vms: { a: slots("A", 1) } });
  const older = encodeControl({ seq: 6, vms: { a: slots("A", 0) } });
  const next = encodeControl({ seq: 8, vms: { a: slots("B", 2) } });
  const copy = (bytes: Uint8Array) => { const c = new Uint8Array(CONTROL_COPY_BYTES); c.set(bytes); return c; };
  const kept = copy(old);
  for (const before of [copy(older), new Uint8Array(CONTROL_COPY_BYTES)]) {
    for (let cut = 0; cut < next.length; cut++) {
      // the write got `cut` bytes in; the rest of the copy is what was there before (or zeros)
      const torn = Uint8Array.from(before);
      torn.set(next.subarray(0, cut));
      // (where the old bytes past the cut happen to be the new ones, the write is in fact whole)
      const whole = Buffer.from(torn.subarray(0, next.length)).equals(Buffer.from(next));
      const r = newestControl(kept, torn);
      assert.equal(r.seq, whole ? 8 : 7, `cut at ${cut}`);
      assert.equal(r.vms.a!.active, whole ? "B" : "A");
      const flipped = copy(next);
      flipped[cut]! ^= 0xff; // one byte damaged
      assert.equal(newestControl(flipped, kept).seq, 7, `byte ${cut} damaged`);
    }
  }
  assert.equal(newestControl(kept, copy(next)).seq, 8, "the whole write wins");
  assert.equal(newestControl(new Uint8Array(CONTROL_COPY_BYTES), new Uint8Array(CONTROL_COPY_BYTES)).seq, 0, "a new partition has no record");
});

test("the store alternates copies, reopens to the newest, and a half-written slot is invalid", async () => {
  const image = join(dir, "disk.img");
  const slotSize = 64 * 1024;
  const range = { image, offset: 1 << 20, size: SLOT_AREA_OFFSET + 4 * slotSize, slotSize };
  const outside = new Uint8Array((1 << 20) + range.size + (1 << 20)).map((_, i) => (i * 31) & 0xff);
  outside.fill(0, range.offset, range.offset + range.size);
  writeFileSync(image, outside);
  const hashOutside = () => {
    const b = readFileSync(image);
    return createHash("sha256").update(b.subarray(0, range.offset)).update(b.subarray(range.offset + range.size)).digest("hex");
  };
  const before = hashOutside();

  let s = new SlotStore(range);
  assert.equal(s.capacity, 2);
  assert.equal(s.pairFor("a"), 0);
  assert.deepEqual(s.readSlot(0, "A"), { kind: "empty" });
  const bundle = testBundle(key, "a", 1);
  await s.writeSlot(0, "A", bundle);
  s.writeControl({ a: slots("A", 1) });
  s.writeControl({ a: slots("A", 1), b: { ...slots("A", 1), pair: 1 } });
  assert.equal(s.pairFor("c"), undefined, "both pairs are taken");
  s.close();

  s = new SlotStore(range);
  assert.equal(s.control.seq, 2);
  assert.deepEqual(Object.keys(s.control.vms), ["a", "b"]);
  const a = s.readSlot(0, "A");
  assert.equal(a.kind, "bundle");
  assert.deepEqual(a.kind === "bundle" && Buffer.from(a.bytes), Buffer.from(bundle));

  // A slot write cut short (the RootOS killed mid-write): every prefix is invalid.
  const big = testBundle(key, "a", 2, [{ role: "kernel", name: "k", bytes: new Uint8Array(40_000).fill(3) }]);
  for (const cut of [1, 8, 31, 32, 1000, big.length - 48, big.length - 1]) {
    await s.writeSlot(0, "B", big.subarray(0, cut));
    const c = s.readSlot(0, "B");
    assert.equal(c.kind, "invalid", `cut at ${cut}`);
  }
  await s.writeSlot(0, "B", big);
  assert.equal(s.readSlot(0, "B").kind, "bundle");
  await assert.rejects(s.writeSlot(0, "B", new Uint8Array(slotSize + 1)), /do not fit a slot/);
  s.close();
  assert.equal(hashOutside(), before, "nothing outside the range changed");
});
