import { test } from "node:test";
import assert from "node:assert/strict";
import { Clint, CLINT_IPI_OFF, CLINT_TIMER_CMP_OFF, CLINT_TIMER_VAL_OFF, type ClintPort } from "./index.js";

/** A fake of the Cpu side: plain arrays, and a log of setTimecmp calls (each one clears MTIP in the wasm). */
function make(harts = 2, withSetMtime = true) {
  const s = { time: 0x1_2345_6789n, cmp: Array<bigint>(harts).fill(0xffff_ffff_ffff_ffffn), sip: Array<boolean>(harts).fill(false), setCmp: [] as Array<[number, bigint]> };
  const port: ClintPort = {
    mtime: () => s.time,
    timecmp: (h) => s.cmp[h]!,
    setTimecmp: (h, v) => { s.cmp[h] = v; s.setCmp.push([h, v]); },
    setMsip: (h, on) => { s.sip[h] = on; },
    msip: (h) => s.sip[h]!,
    ...(withSetMtime ? { setMtime: (v: bigint) => { s.time = v; } } : {}),
  };
  return { clint: new Clint(harts, port), s };
}

test("msip: bit 0 per hart, upper bits read zero", () => {
  const { clint, s } = make();
  assert.equal(clint.write(CLINT_IPI_OFF + 4, 4, 0xffff_ffffn), true);
  assert.deepEqual(s.sip, [false, true]);
  assert.equal(clint.read(CLINT_IPI_OFF + 4, 4), 1n);
  assert.equal(clint.read(CLINT_IPI_OFF, 4), 0n);
  clint.write(CLINT_IPI_OFF + 4, 4, 0n);
  assert.deepEqual(s.sip, [false, false]);
});

test("msip: an 8-byte access covers two harts", () => {
  const { clint, s } = make();
  clint.write(CLINT_IPI_OFF, 8, (1n << 32n) | 1n);
  assert.deepEqual(s.sip, [true, true]);
  assert.equal(clint.read(CLINT_IPI_OFF, 8), (1n << 32n) | 1n);
});

test("mtime: 64-bit and 32-bit-half reads", () => {
  const { clint } = make();
  assert.equal(clint.read(CLINT_TIMER_VAL_OFF, 8), 0x1_2345_6789n);
  assert.equal(clint.read(CLINT_TIMER_VAL_OFF, 4), 0x2345_6789n);
  assert.equal(clint.read(CLINT_TIMER_VAL_OFF + 4, 4), 1n);
});

test("mtime writes go to setMtime when the port has it, and are ignored otherwise", () => {
  const a = make();
  a.clint.write(CLINT_TIMER_VAL_OFF + 4, 4, 7n);
  assert.equal(a.s.time, 0x7_2345_6789n);
  const b = make(1, false);
  assert.equal(b.clint.write(CLINT_TIMER_VAL_OFF, 8, 5n), true);
  assert.equal(b.s.time, 0x1_2345_6789n);
});

test("mtimecmp: one 8-byte write is one setTimecmp", () => {
  const { clint, s } = make();
  clint.write(CLINT_TIMER_CMP_OFF + 8, 8, 0x1234_5678_9abc_def0n);
  assert.deepEqual(s.setCmp, [[1, 0x1234_5678_9abc_def0n]]);
  assert.equal(clint.read(CLINT_TIMER_CMP_OFF + 8, 8), 0x1234_5678_9abc_def0n);
});

test("mtimecmp: 32-bit halves replace one half each (RV32 / OpenSBI-style)", () => {
  const { clint, s } = make();
  clint.write(CLINT_TIMER_CMP_OFF, 4, 0xffff_ffffn); // low
  clint.write(CLINT_TIMER_CMP_OFF + 4, 4, 0x10n); // high
  clint.write(CLINT_TIMER_CMP_OFF, 4, 0x20n); // low
  assert.equal(s.cmp[0], 0x10_0000_0020n);
  assert.equal(clint.read(CLINT_TIMER_CMP_OFF, 4), 0x20n);
  assert.equal(clint.read(CLINT_TIMER_CMP_OFF + 4, 4), 0x10n);
  assert.equal(s.setCmp.length, 3);
});

test("absent harts read zero and ignore writes; bad widths and misalignment fault", () => {
  const { clint, s } = make(2);
  assert.equal(clint.read(CLINT_IPI_OFF + 8, 4), 0n);
  assert.equal(clint.write(CLINT_TIMER_CMP_OFF + 16, 8, 1n), true);
  assert.equal(clint.read(CLINT_TIMER_CMP_OFF + 16, 8), 0n);
  assert.equal(s.setCmp.length, 0);
  assert.equal(clint.read(0, 1), undefined);
  assert.equal(clint.read(0, 2), undefined);
  assert.equal(clint.read(CLINT_TIMER_CMP_OFF + 4, 8), undefined);
  assert.equal(clint.write(CLINT_TIMER_VAL_OFF + 2, 4, 0n), false);
});
