import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EventLog, formatLogEntry, type LogEntry } from "./event-log.js";

test("entries go to the file as JSON lines, to subscribers, and to queries", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-log-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "sub", "events.log");
  const log = new EventLog(path, 3, () => new Date(Date.UTC(2026, 10, 26, 12, 0, 0)));
  const seen: LogEntry[] = [];
  const off = log.subscribe((e) => seen.push(e));
  log.record("state", "a", "created -> booting (command start)", { from: "created", to: "booting" });
  log.record("command", "b", "pause: ok");
  off();
  log.record("fault", "a", "guest panic");
  log.record("info", undefined, "up");
  log.close();
  const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l) as LogEntry);
  assert.equal(lines.length, 4);
  assert.deepEqual(lines[0], { seq: 1, time: "2026-11-26T12:00:00.000Z", kind: "state", vm: "a", message: "created -> booting (command start)", from: "created", to: "booting" });
  assert.equal(seen.length, 2);
  assert.deepEqual(log.query().map((e) => e.seq), [2, 3, 4], "memory keeps the last 3");
  assert.deepEqual(log.query({ vm: "a" }).map((e) => e.message), ["guest panic"]);
  assert.deepEqual(log.query({ after: 2, limit: 1 }).map((e) => e.seq), [4]);
  assert.equal(formatLogEntry(lines[1]!), "2026-11-26T12:00:00.000Z  b            command  pause: ok");
});

test("a log that cannot be opened is a clear error", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-log-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "file");
  writeFileSync(file, "");
  assert.throws(() => new EventLog(join(file, "events.log")), /event log .*file\/events.log: a part of the path is not a directory \(give another path/);
});
