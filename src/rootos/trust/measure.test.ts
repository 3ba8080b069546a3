import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { measure, measurementLines } from "./measure.js";

const sha = (...parts: Uint8Array[]) => { const h = createHash("sha256"); for (const p of parts) h.update(p); return h.digest(); };
const bytes = (s: string) => new TextEncoder().encode(s);

test("each stage extends the value as a TPM PCR extend: SHA-256(previous || digest)", () => {
  const log = measure([{ stage: "firmware", name: "fw", bytes: bytes("fw") }, { stage: "kernel", name: "Image", bytes: bytes("kernel") }]);
  const v1 = sha(Buffer.alloc(32), sha(bytes("fw")));
  const v2 = sha(v1, sha(bytes("kernel")));
  assert.deepEqual(log.entries.map((e) => e.value), [v1.toString("hex"), v2.toString("hex")]);
  assert.equal(log.value, v2.toString("hex"));
  assert.deepEqual(measurementLines(log), [`firmware sha256:${sha(bytes("fw")).toString("hex")} fw`, `kernel sha256:${sha(bytes("kernel")).toString("hex")} Image`]);
  assert.equal(measure([]).value, "0".repeat(64));
});

test("the same stages give the same value; any change, or another order, another", () => {
  const stages = [{ stage: "kernel", name: "k", bytes: bytes("k") }, { stage: "initrd", name: "i", bytes: bytes("i") }];
  assert.equal(measure(stages).value, measure(stages.map((s) => ({ ...s }))).value);
  assert.notEqual(measure(stages).value, measure([stages[0]!, { ...stages[1]!, bytes: bytes("j") }]).value);
  assert.notEqual(measure(stages).value, measure([stages[1]!, stages[0]!]).value);
  assert.equal(measure(stages).value, measure(stages.map((s) => ({ ...s, name: "renamed" }))).value, "names do not enter the value");
});
