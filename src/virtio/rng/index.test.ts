import assert from "node:assert/strict";
import { test } from "node:test";
import { TestDriver, TestRam, testContext } from "../testing.js";
import { RNG_MAX_REQUEST, seededEntropy, VirtioRng } from "./index.js";

function setup(seed?: number) {
  const ram = new TestRam(1 << 20);
  const d = new TestDriver(ram, 8);
  const rng = new VirtioRng(seededEntropy(seed));
  const ctx = testContext(ram, [d.vq]);
  rng.activate(ctx);
  return { ram, d, rng, ctx };
}

test("fills every writable buffer of each chain and returns its length", () => {
  const { ram, d, rng, ctx } = setup();
  const a = d.add([{ len: 16, write: true }]);
  const b = d.add([{ len: 3, write: true }, { len: 5, write: true }]);
  rng.notify(0, d.vq);
  assert.deepEqual(d.takeUsed(), [{ id: a, len: 16 }, { id: b, len: 8 }]);
  assert.deepEqual(ctx.signals, [0]);
  assert.equal(rng.bytes, 24);
  assert.ok(ram.invalidated.length >= 3, "random bytes written to RAM are reported");
});

test("a seeded source repeats; different seeds differ; the bytes are not trivially constant", () => {
  const take = (seed?: number) => { const b = new Uint8Array(64); seededEntropy(seed).fill(b); return b; };
  assert.deepEqual(take(), take());
  assert.notDeepEqual(take(1), take(2));
  assert.ok(new Set(take()).size > 20);
});

test("readable-only chains get 0 bytes; huge requests are capped", () => {
  const { d, rng } = setup();
  const a = d.add([{ data: Uint8Array.of(1, 2) }]);
  const b = d.add([{ len: RNG_MAX_REQUEST + 100, write: true }]);
  rng.notify(0, d.vq);
  assert.deepEqual(d.takeUsed(), [{ id: a, len: 0 }, { id: b, len: RNG_MAX_REQUEST }]);
});
