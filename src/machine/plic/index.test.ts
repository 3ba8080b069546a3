import { test } from "node:test";
import assert from "node:assert/strict";
import { CONTEXT_BASE, CONTEXT_CLAIM, CONTEXT_ENABLE_BASE, CONTEXT_ENABLE_SIZE, CONTEXT_SIZE, CONTEXT_THRESHOLD, PENDING_BASE, Plic } from "./index.js";

function make(harts = 2) {
  const lines = new Map<string, boolean>();
  const calls: string[] = [];
  const plic = new Plic(harts, (h, mode, level) => { lines.set(`${h}${mode}`, level); calls.push(`${h}${mode}=${level}`); });
  const rd = (off: number) => Number(plic.read(off, 4));
  const wr = (off: number, v: number) => assert.equal(plic.write(off, 4, BigInt(v)), true);
  const ctx = (h: number, mode: "M" | "S") => 2 * h + (mode === "S" ? 1 : 0);
  const enable = (c: number, src: number) => {
    const off = CONTEXT_ENABLE_BASE + CONTEXT_ENABLE_SIZE * c + 4 * (src >> 5);
    wr(off, rd(off) | (1 << (src & 31)));
  };
  const claim = (c: number) => rd(CONTEXT_BASE + CONTEXT_SIZE * c + CONTEXT_CLAIM);
  const complete = (c: number, src: number) => wr(CONTEXT_BASE + CONTEXT_SIZE * c + CONTEXT_CLAIM, src);
  const threshold = (c: number, t: number) => wr(CONTEXT_BASE + CONTEXT_SIZE * c + CONTEXT_THRESHOLD, t);
  const line = (h: number, m: "M" | "S") => lines.get(`${h}${m}`) ?? false;
  return { plic, rd, wr, ctx, enable, claim, complete, threshold, line, calls };
}

test("a source needs priority > 0 and an enable bit to reach a context", () => {
  const p = make();
  const s = p.ctx(0, "S");
  p.plic.setLevel(10, true);
  assert.equal(p.rd(PENDING_BASE) & (1 << 10), 1 << 10, "pending regardless of enables");
  assert.equal(p.line(0, "S"), false);
  p.enable(s, 10);
  assert.equal(p.line(0, "S"), false, "priority 0 never interrupts");
  p.wr(4 * 10, 1);
  assert.equal(p.line(0, "S"), true);
  assert.equal(p.line(0, "M"), false);
  assert.equal(p.line(1, "S"), false);
});

test("contexts 2h and 2h+1 drive hart h's M and S lines", () => {
  const p = make(2);
  p.wr(4 * 5, 1);
  p.enable(p.ctx(1, "M"), 5);
  p.plic.setLevel(5, true);
  assert.deepEqual(p.calls, ["1M=true"]);
});

test("claim returns the source and clears pending; a claimed source does not re-pend until complete", () => {
  const p = make();
  const c = p.ctx(0, "S");
  p.wr(4 * 10, 1);
  p.enable(c, 10);
  p.plic.setLevel(10, true);
  assert.equal(p.claim(c), 10);
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.rd(PENDING_BASE) & (1 << 10), 0);
  p.plic.setLevel(10, false);
  p.plic.setLevel(10, true); // a new edge while in flight: held by the gateway
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.claim(c), 0, "nothing to claim");
  p.complete(c, 10);
  assert.equal(p.line(0, "S"), true, "still high after complete: pending again");
  assert.equal(p.claim(c), 10);
  p.plic.setLevel(10, false);
  p.complete(c, 10);
  assert.equal(p.line(0, "S"), false, "low at complete: idle");
  assert.equal(p.claim(c), 0);
});

test("highest priority wins, ties go to the lowest id", () => {
  const p = make();
  const c = p.ctx(0, "M");
  for (const s of [3, 7, 40, 90]) { p.enable(c, s); p.plic.setLevel(s, true); }
  p.wr(4 * 3, 2); p.wr(4 * 7, 5); p.wr(4 * 40, 5); p.wr(4 * 90, 7);
  assert.deepEqual([p.claim(c), p.claim(c), p.claim(c), p.claim(c), p.claim(c)], [90, 7, 40, 3, 0]);
});

test("threshold masks priorities at or below it", () => {
  const p = make();
  const c = p.ctx(0, "S");
  p.enable(c, 1);
  p.wr(4 * 1, 3);
  p.threshold(c, 3);
  p.plic.setLevel(1, true);
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.claim(c), 0);
  p.threshold(c, 2);
  assert.equal(p.line(0, "S"), true);
  assert.equal(p.rd(CONTEXT_BASE + CONTEXT_SIZE * c + CONTEXT_THRESHOLD), 2);
});

test("priority and threshold are 3-bit WARL fields; source 0 is hardwired", () => {
  const p = make();
  p.wr(4 * 2, 0xff);
  assert.equal(p.rd(4 * 2), 7);
  p.wr(0, 5);
  assert.equal(p.rd(0), 0);
  p.wr(CONTEXT_ENABLE_BASE, 0xffff_ffff);
  assert.equal(p.rd(CONTEXT_ENABLE_BASE) >>> 0, 0xffff_fffe, "source 0 cannot be enabled");
  p.threshold(0, 9);
  assert.equal(p.rd(CONTEXT_BASE + CONTEXT_THRESHOLD), 1);
});

test("a source dropping before its claim withdraws the request", () => {
  const p = make();
  const c = p.ctx(0, "S");
  p.wr(4 * 10, 1);
  p.enable(c, 10);
  p.plic.setLevel(10, true);
  p.plic.setLevel(10, false);
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.claim(c), 0);
});

test("a completion for a source not enabled in that context is ignored (spec)", () => {
  const p = make();
  const s = p.ctx(0, "S"), m = p.ctx(0, "M");
  p.wr(4 * 10, 1);
  p.enable(s, 10);
  p.plic.setLevel(10, true);
  assert.equal(p.claim(s), 10);
  p.complete(m, 10);
  assert.equal(p.line(0, "S"), false, "still in flight");
  p.complete(s, 10);
  assert.equal(p.line(0, "S"), true);
});

test("one source enabled in two contexts is claimed once", () => {
  const p = make();
  const a = p.ctx(0, "S"), b = p.ctx(1, "S");
  p.wr(4 * 33, 1);
  p.enable(a, 33); p.enable(b, 33);
  p.plic.line(33).set(true);
  assert.equal(p.line(0, "S") && p.line(1, "S"), true);
  assert.equal(p.claim(b), 33);
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.claim(a), 0);
});

test("only aligned 32-bit accesses; absent contexts read zero", () => {
  const p = make(1);
  assert.equal(p.plic.read(0, 8), undefined);
  assert.equal(p.plic.read(2, 4), undefined);
  assert.equal(p.plic.write(0, 1, 1n), false);
  assert.equal(p.rd(CONTEXT_BASE + CONTEXT_SIZE * 2 + CONTEXT_CLAIM), 0);
  assert.equal(p.rd(CONTEXT_ENABLE_BASE + CONTEXT_ENABLE_SIZE * 5), 0);
  assert.throws(() => p.plic.setLevel(96, true), RangeError);
  assert.throws(() => p.plic.setLevel(0, true), RangeError);
});

test("reset masks everything but keeps device levels pending", () => {
  const p = make();
  const c = p.ctx(0, "S");
  p.wr(4 * 10, 1);
  p.enable(c, 10);
  p.plic.setLevel(10, true);
  assert.equal(p.claim(c), 10);
  p.plic.reset();
  assert.equal(p.line(0, "S"), false);
  assert.equal(p.rd(PENDING_BASE) & (1 << 10), 1 << 10);
  p.wr(4 * 10, 1);
  p.enable(c, 10);
  assert.equal(p.claim(c), 10);
});
