import { test } from "node:test";
import assert from "node:assert/strict";
import {
  GoldfishRtc, TIMER_ALARM_HIGH, TIMER_ALARM_LOW, TIMER_ALARM_STATUS, TIMER_CLEAR_ALARM, TIMER_CLEAR_INTERRUPT,
  TIMER_IRQ_ENABLED, TIMER_TIME_HIGH, TIMER_TIME_LOW,
} from "./index.js";

const T0 = 1_700_000_000_000_000_000n; // 2023-11-14, ns: needs both halves

function make(start = T0) {
  const clk = { ns: start };
  const irq = { level: false, set(l: boolean) { this.level = l; } };
  const rtc = new GoldfishRtc(() => clk.ns, irq);
  const rd = (off: number) => rtc.read(off, 4)!;
  const wr = (off: number, v: bigint) => assert.equal(rtc.write(off, 4, v), true);
  const readTime = () => { const lo = rd(TIMER_TIME_LOW); return (rd(TIMER_TIME_HIGH) << 32n) | lo; };
  return { rtc, clk, irq, rd, wr, readTime };
}

test("TIME_LOW latches TIME_HIGH, so a low-then-high read is consistent", () => {
  const { clk, rd, readTime } = make((5n << 32n) | 0xffff_fff0n);
  assert.equal(readTime(), (5n << 32n) | 0xffff_fff0n);
  const lo = rd(TIMER_TIME_LOW);
  clk.ns += 0x20n; // the low half wraps between the two reads
  assert.equal(rd(TIMER_TIME_HIGH), 5n, "high half as latched, not 6");
  assert.equal(lo, 0xffff_fff0n);
});

test("the guest can set the time (rtc-goldfish writes HIGH then LOW); the offset follows the clock", () => {
  const { rtc, clk, wr, readTime } = make();
  const want = 1_800_000_000_123_456_789n;
  wr(TIMER_TIME_HIGH, want >> 32n);
  wr(TIMER_TIME_LOW, want & 0xffff_ffffn);
  assert.equal(readTime(), want);
  clk.ns += 1000n;
  assert.equal(readTime(), want + 1000n);
  rtc.reset();
  assert.equal(readTime(), want + 1000n, "reset keeps the time");
});

test("alarm: arms on ALARM_LOW, fires at its time, interrupts only when enabled", () => {
  const { rtc, clk, irq, rd, wr } = make();
  const at = T0 + 5_000_000n;
  wr(TIMER_ALARM_HIGH, at >> 32n);
  wr(TIMER_ALARM_LOW, at & 0xffff_ffffn);
  assert.equal(rd(TIMER_ALARM_STATUS), 1n);
  assert.equal((rd(TIMER_ALARM_HIGH) << 32n) | rd(TIMER_ALARM_LOW), at);
  assert.equal(rtc.nextAlarm(), at);
  wr(TIMER_IRQ_ENABLED, 1n);
  rtc.poll();
  assert.equal(irq.level, false, "not yet");
  clk.ns = at;
  rtc.poll();
  assert.equal(irq.level, true);
  assert.equal(rd(TIMER_ALARM_STATUS), 0n, "a fired alarm is no longer armed");
  assert.equal(rtc.nextAlarm(), undefined);
  wr(TIMER_CLEAR_INTERRUPT, 1n);
  assert.equal(irq.level, false);
});

test("a fired alarm with the interrupt disabled stays pending until enabled", () => {
  const { clk, irq, rd, wr } = make();
  wr(TIMER_ALARM_HIGH, T0 >> 32n);
  wr(TIMER_ALARM_LOW, (T0 + 10n) & 0xffff_ffffn);
  clk.ns = T0 + 10n;
  rd(TIMER_TIME_LOW); // any access polls
  assert.equal(irq.level, false);
  wr(TIMER_IRQ_ENABLED, 1n);
  assert.equal(rd(TIMER_IRQ_ENABLED), 1n);
  assert.equal(irq.level, true);
});

test("an alarm in the past fires at once; CLEAR_ALARM disarms", () => {
  const a = make();
  a.wr(TIMER_IRQ_ENABLED, 1n);
  a.wr(TIMER_ALARM_HIGH, 0n);
  a.wr(TIMER_ALARM_LOW, 1n);
  assert.equal(a.irq.level, true);

  const b = make();
  b.wr(TIMER_IRQ_ENABLED, 1n);
  b.wr(TIMER_ALARM_HIGH, (T0 + 100n) >> 32n);
  b.wr(TIMER_ALARM_LOW, (T0 + 100n) & 0xffff_ffffn);
  b.wr(TIMER_CLEAR_ALARM, 1n);
  b.clk.ns += 1000n;
  b.rtc.poll();
  assert.equal(b.irq.level, false);
  assert.equal(b.rd(TIMER_ALARM_STATUS), 0n);
});

test("nextAlarm is on the clock port's time base even after the guest moved the time", () => {
  const { rtc, wr } = make();
  wr(TIMER_TIME_HIGH, (T0 + 1_000_000n) >> 32n);
  wr(TIMER_TIME_LOW, (T0 + 1_000_000n) & 0xffff_ffffn); // guest clock is 1 ms ahead
  const at = T0 + 3_000_000n; // guest time
  wr(TIMER_ALARM_HIGH, at >> 32n);
  wr(TIMER_ALARM_LOW, at & 0xffff_ffffn);
  assert.equal(rtc.nextAlarm(), T0 + 2_000_000n);
});

test("only aligned 32-bit accesses", () => {
  const { rtc } = make();
  assert.equal(rtc.read(0, 8), undefined);
  assert.equal(rtc.read(1, 4), undefined);
  assert.equal(rtc.write(0, 1, 0n), false);
});
