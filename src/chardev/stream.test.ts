import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import { FilePort } from "./file.js";
import { ChardevError } from "./index.js";
import { openPortHosts } from "./open.js";
import { CallbackPort, StreamPort } from "./stream.js";

const dir = mkdtempSync(join(tmpdir(), "bulkhead-chardev-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("a stream port (stdio): connected from the start, bytes both ways, pause holds input", async () => {
  const input = new PassThrough(), output = new PassThrough();
  const p = new StreamPort("stdio", output, input);
  const got: string[] = [];
  let open = false;
  p.attach({ data: (b) => got.push(Buffer.from(b).toString()), connection: (o) => { open = o; } });
  assert.equal(open, true);
  input.write("typed");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ["typed"]);
  p.write(new TextEncoder().encode("printed"));
  assert.equal(output.read().toString(), "printed");
  p.pause();
  input.write("held");
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ["typed"]);
  p.resume();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(got, ["typed", "held"]);
  await p.close();
});

test("a file port appends guest output, reads nothing, and creates the file", async () => {
  const path = join(dir, "log.txt");
  writeFileSync(path, "before\n");
  const p = new FilePort(path);
  let open = false;
  p.attach({ data: () => assert.fail("a file gives no input"), connection: (o) => { open = o; } });
  assert.equal(open, true);
  p.write(new TextEncoder().encode("one "));
  p.write(new TextEncoder().encode("two\n"));
  await p.close();
  p.write(new TextEncoder().encode("after close"));
  assert.equal(readFileSync(path, "utf8"), "before\none two\n");
  const fresh = new FilePort(join(dir, "new.txt"));
  await fresh.close();
  assert.equal(readFileSync(join(dir, "new.txt"), "utf8"), "");
});

test("a file that cannot be opened is a one-line error naming it", () => {
  assert.throws(() => new FilePort(join(dir, "nodir", "x.log")), (e: unknown) =>
    e instanceof ChardevError && e.message === `file ${join(dir, "nodir", "x.log")}: no such directory`);
  assert.throws(() => new FilePort(dir), /: is a directory$/);
});

test("opening several host ends is all or nothing", async () => {
  const sock = join(dir, "all.sock");
  await assert.rejects(openPortHosts([{ kind: "unix", path: sock }, { kind: "file", path: join(dir, "nodir", "f") }]), /no such directory/);
  // The socket opened first was closed again: the path is free.
  const [p] = await openPortHosts([{ kind: "unix", path: sock }]);
  await p!.close();
});

test("a callback port: output to the callback, pushed input to the device", () => {
  const out: string[] = [], input: string[] = [];
  const p = new CallbackPort("terminal", (b) => out.push(Buffer.from(b).toString()));
  p.push(new TextEncoder().encode("before attach is lost"));
  p.attach({ data: (b) => input.push(Buffer.from(b).toString()), connection: () => {} });
  p.push(new TextEncoder().encode("ls\r"));
  p.write(new TextEncoder().encode("$ "));
  assert.deepEqual(input, ["ls\r"]);
  assert.deepEqual(out, ["$ "]);
});
