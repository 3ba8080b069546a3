import { test } from "node:test";
import assert from "node:assert/strict";
import { TestFinisher, type FinisherEvent } from "./index.js";

function make() {
  const evs: FinisherEvent[] = [];
  return { dev: new TestFinisher((e) => evs.push(e)), evs };
}

test("0x5555 passes, 0x7777 resets, (code<<16)|0x3333 fails with code", () => {
  const { dev, evs } = make();
  assert.equal(dev.write(0, 4, 0x5555n), true);
  assert.equal(dev.write(0, 4, 0x7777n), true);
  assert.equal(dev.write(0, 4, (42n << 16n) | 0x3333n), true);
  assert.equal(dev.write(0, 4, (0xffffn << 16n) | 0x3333n), true);
  assert.deepEqual(evs, [{ kind: "pass" }, { kind: "reset" }, { kind: "fail", code: 42 }, { kind: "fail", code: 0xffff }]);
});

test("a 16-bit write works too (OpenSBI's sifive-test driver uses writew)", () => {
  const { dev, evs } = make();
  dev.write(0, 2, 0x5555n);
  assert.deepEqual(evs, [{ kind: "pass" }]);
});

test("other values, other offsets and byte writes are ignored; reads return 0", () => {
  const { dev, evs } = make();
  dev.write(0, 4, 0x1234n);
  dev.write(4, 4, 0x5555n);
  dev.write(0, 1, 0x55n);
  assert.deepEqual(evs, []);
  assert.equal(dev.read(0, 4), 0n);
  assert.equal(dev.read(8, 8), 0n);
});
