import assert from "node:assert/strict";
import { test } from "node:test";
import { type ConsoleSignal, ConsoleWatch, MAX_LINE, Scrollback } from "./console-watch.js";

const enc = (s: string) => new TextEncoder().encode(s);

test("signals from lines split across chunks, CR-LF included", () => {
  const got: ConsoleSignal[] = [];
  const w = new ConsoleWatch((s) => got.push(s));
  w.push(enc("[   12.5] Kernel pan"));
  w.push(enc("ic - not syncing: sysrq triggered crash\r\n[ 12.6] CPU: 0\r\nbulkhead-watch"));
  assert.deepEqual(got, [{ kind: "panic", line: "Kernel panic - not syncing: sysrq triggered crash" }]);
  w.push(enc("dog-kick\n---[ end Kernel panic - not syncing: sysrq triggered crash ]---\n"));
  assert.deepEqual(got.slice(1), [{ kind: "kick" }, { kind: "panic-end", line: "---[ end Kernel panic - not syncing: sysrq triggered crash ]---" }]);
});

test("a reset forgets the partial line; an endless line is cut at MAX_LINE", () => {
  const got: ConsoleSignal[] = [];
  const w = new ConsoleWatch((s) => got.push(s));
  w.push(enc("bulkhead-watchdog-"));
  w.reset();
  w.push(enc("kick\n"));
  assert.deepEqual(got, []);
  w.push(enc("x".repeat(MAX_LINE * 3)));
  w.push(enc("bulkhead-watchdog-kick\n"));
  assert.deepEqual(got, [{ kind: "kick" }]);
});

test("scroll-back keeps the last bytes", () => {
  const s = new Scrollback(8);
  s.push(enc("abc"));
  assert.equal(s.text(), "abc");
  s.push(enc("defghij"));
  assert.equal(s.text(), "cdefghij");
  s.push(enc("0123456789xyz"));
  assert.equal(s.text(), "56789xyz");
  s.clear();
  assert.equal(s.text(), "");
});

test("console_log: every whole line, CRs dropped, split across pushes; the partial one waits", () => {
  const lines: string[] = [];
  const w = new ConsoleWatch(() => {}, undefined, (l) => lines.push(l));
  w.push(enc("rt: t=1s cycles=100 jit"));
  w.push(enc("ter max=35us misses=0\r\nrt: t=2s"));
  assert.deepEqual(lines, ["rt: t=1s cycles=100 jitter max=35us misses=0"]);
  w.reset();
  w.push(enc("fresh\n"));
  assert.deepEqual(lines, ["rt: t=1s cycles=100 jitter max=35us misses=0", "fresh"]);
});
