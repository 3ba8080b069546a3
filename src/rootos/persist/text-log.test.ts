import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { HEADER, logLine, MAX_LINE_CHARS, PERSIST_MIN_BYTES, TextLog, type TextLogRange } from "./text-log.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-textlog-"));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An image with random bytes around a zeroed range of `size` at 1 MiB (as a partition in a disk). */
function image(name: string, size = PERSIST_MIN_BYTES): TextLogRange {
  const path = join(dir, name);
  const bytes = randomBytes((1 << 20) + size + 4096);
  bytes.fill(0, 1 << 20, (1 << 20) + size);
  writeFileSync(path, bytes);
  return { image: path, offset: 1 << 20, size };
}

/** SHA-256 of the image outside the range. */
function outside(r: TextLogRange): string {
  const b = readFileSync(r.image);
  return createHash("sha256").update(b.subarray(0, r.offset)).update(b.subarray(r.offset + r.size)).digest("hex");
}

const range = (r: TextLogRange): Buffer => readFileSync(r.image).subarray(r.offset, r.offset + r.size);

/** What `tr -d '\000' < DEVICE` prints, as lines; and the checks every state of the range passes. */
function read(r: TextLogRange): string[] {
  const b = range(r);
  const end = b.indexOf(0);
  assert.ok(end > 0, "the log has an end");
  assert.ok(b.subarray(end).every((x) => x === 0), "only zeros after the first zero byte");
  const text = b.subarray(0, end).toString("latin1");
  assert.match(text, /^[\x20-\x7e\n]*$/, "printable text and newlines only");
  assert.ok(text.startsWith(HEADER), "the header first");
  assert.ok(text.endsWith("\n"), "whole lines");
  return text.slice(0, -1).split("\n");
}

const line = (i: number): string => `2026-11-27T01:00:00.000Z  debian       state    event number ${String(i).padStart(6, "0")} ${"x".repeat(i % 50)}`;

test("a new log: the header, then the lines a batch writes, in order, and zeros; nothing outside the range", () => {
  const r = image("new.img");
  const before = outside(r);
  const log = TextLog.open(r, { coalesceMs: 10_000 });
  assert.equal(log.start, "new");
  for (let i = 0; i < 3; i++) log.append(line(i));
  assert.deepEqual(read(r), [HEADER.trimEnd()], "batched: nothing written before the flush");
  log.flush();
  assert.deepEqual(read(r), [HEADER.trimEnd(), line(0), line(1), line(2)]);
  log.close();
  assert.equal(outside(r), before);
});

test("lines are written by themselves within coalesceMs", async () => {
  const r = image("timer.img");
  const log = TextLog.open(r, { coalesceMs: 20 });
  log.append(line(1));
  log.append(line(2));
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(read(r).slice(1), [line(1), line(2)]);
  log.close();
});

test("a full log keeps the newest whole lines, in order, and only zeros after them; nothing outside the range", () => {
  const r = image("wrap.img");
  const before = outside(r);
  const log = TextLog.open(r, { coalesceMs: 10_000 });
  let n = 0;
  for (let round = 0; round < 100; round++) {
    for (let k = 0; k < 37; k++) log.append(line(n++));
    log.flush();
    const lines = read(r).slice(1);
    // Consecutive events ending with the newest: no line lost in the middle, none torn.
    const first = n - lines.length;
    assert.deepEqual(lines, Array.from({ length: lines.length }, (_, i) => line(first + i)), `round ${round}`);
  }
  assert.ok(n * line(0).length > 3 * PERSIST_MIN_BYTES, "wrapped more than once");
  const kept = read(r).length - 1;
  assert.ok(kept * line(0).length > PERSIST_MIN_BYTES / 4, `kept ${kept} lines`);
  log.close();
  assert.equal(outside(r), before);
});

test("a batch bigger than the budget keeps its newest lines", () => {
  const r = image("burst.img");
  const log = TextLog.open(r, { coalesceMs: 10_000 });
  for (let i = 0; i < 2000; i++) log.append(line(i));
  log.flush();
  const lines = read(r).slice(1);
  assert.equal(lines.at(-1), line(1999));
  assert.deepEqual(lines, Array.from({ length: lines.length }, (_, i) => line(2000 - lines.length + i)));
  log.close();
});

test("a restarted RootOS continues the log; a torn last line is ended before the next", () => {
  const r = image("again.img");
  let log = TextLog.open(r);
  log.append(line(1));
  log.close();
  // A crash in the middle of a write: half a line, no newline.
  const b = readFileSync(r.image);
  const end = b.indexOf(0, r.offset);
  b.write("2026-11-27T01:00:00.000Z  deb", end, "latin1");
  writeFileSync(r.image, b);
  const before = outside(r);
  log = TextLog.open(r);
  assert.equal(log.start, "continued");
  log.append(line(2));
  log.close();
  assert.deepEqual(read(r), [HEADER.trimEnd(), line(1), "2026-11-27T01:00:00.000Z  deb", line(2)]);
  assert.equal(outside(r), before);
});

test("a range that holds something else is zeroed and starts a new log", () => {
  const r = image("foreign.img");
  const b = readFileSync(r.image);
  randomBytes(r.size).copy(b, r.offset);
  writeFileSync(r.image, b);
  const before = outside(r);
  const log = TextLog.open(r);
  assert.equal(log.start, "cleared");
  log.append(line(7));
  log.close();
  assert.deepEqual(read(r), [HEADER.trimEnd(), line(7)]);
  assert.equal(outside(r), before);
});

test("a line stays one printable line: control characters escaped, long ones cut", () => {
  assert.equal(logLine("a\nb\0c\x1b[2J\td"), "a\\x0ab\\x00c\\x1b[2J\td");
  const long = logLine("y".repeat(5000));
  assert.equal(long, `${"y".repeat(MAX_LINE_CHARS)} [...]`);
  const r = image("hostile.img");
  const log = TextLog.open(r);
  log.append("guest said: \n-- fake line --\0");
  log.close();
  assert.deepEqual(read(r).slice(1), ["guest said: \\x0a-- fake line --\\x00"]);
});

test("a range smaller than the minimum is refused", () => {
  const r = image("small.img", PERSIST_MIN_BYTES - 4096);
  assert.throws(() => TextLog.open(r), /smaller than/);
});
