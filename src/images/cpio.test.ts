import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { CpioWriter, S_IFCHR, S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, normalizeCpioPath } from "./cpio.js";
import { ImagesError } from "./errors.js";
import { makeTempDir, parseCpio } from "./testing.js";

describe("CpioWriter (newc)", () => {
  it("writes files, dirs, symlinks and device nodes that read back", () => {
    const w = new CpioWriter();
    w.dir("dev").charDevice("/dev/console", 5, 1).file("bin/busybox", Buffer.from([1, 2, 3, 4, 5]), 0o755)
      .symlink("bin/sh", "/bin/busybox").file("init", "#!/bin/sh\n", 0o755);
    const buf = w.finish();
    assert.equal(buf.length % 4, 0);
    const entries = parseCpio(buf);
    assert.deepEqual(entries.map((e) => e.name), ["dev", "dev/console", "bin", "bin/busybox", "bin/sh", "init"]);
    const by = new Map(entries.map((e) => [e.name, e]));
    assert.equal(by.get("dev")!.mode, S_IFDIR | 0o755);
    const con = by.get("dev/console")!;
    assert.equal(con.mode & S_IFMT, S_IFCHR);
    assert.equal([con.rdevmajor, con.rdevminor].join(":"), "5:1");
    assert.equal(by.get("bin/busybox")!.mode, S_IFREG | 0o755);
    assert.deepEqual([...by.get("bin/busybox")!.data], [1, 2, 3, 4, 5]);
    assert.equal(by.get("bin/sh")!.mode, S_IFLNK | 0o777);
    assert.equal(by.get("bin/sh")!.data.toString(), "/bin/busybox");
    assert.equal(by.get("init")!.data.toString(), "#!/bin/sh\n");
    for (const e of entries) assert.equal(e.uid + e.gid + e.mtime, 0);
    assert.equal(new Set(entries.map((e) => e.ino)).size, entries.length, "distinct inode numbers");
    assert.ok(buf.includes(Buffer.from("TRAILER!!!\0")));
  });

  it("pads every name and file to 4 bytes for all name lengths", () => {
    const w = new CpioWriter();
    for (let n = 1; n <= 9; n++) w.file("x".repeat(n), "y".repeat(n));
    const entries = parseCpio(w.finish());
    assert.equal(entries.length, 9);
    entries.forEach((e, i) => assert.equal(e.data.toString(), "y".repeat(i + 1)));
  });

  it("creates missing parents once and lets a later add replace an entry in place", () => {
    const w = new CpioWriter();
    w.file("a/b/c", "1").file("a/b/d", "2").file("a/b/c", "3");
    const entries = parseCpio(w.finish());
    assert.deepEqual(entries.map((e) => `${e.name}=${e.data.toString()}`), ["a=", "a/b=", "a/b/c=3", "a/b/d=2"]);
  });

  it("is deterministic", () => {
    const make = () => new CpioWriter().file("x", "1").symlink("y", "x").finish();
    assert.deepEqual(make(), make());
  });

  it("rejects '..', empty paths and a file used as a directory", () => {
    assert.throws(() => normalizeCpioPath("a/../b"), ImagesError);
    assert.throws(() => normalizeCpioPath("/"), ImagesError);
    assert.equal(normalizeCpioPath("//a//b/"), "a/b");
    assert.throws(() => new CpioWriter().file("a", "1").file("a/b", "2"), /not a directory/);
  });

  it("is read by the cpio tool when installed", (t) => {
    if (spawnSync("cpio", ["--version"]).status !== 0) return t.skip("cpio not installed");
    const dir = makeTempDir();
    const file = join(dir, "t.cpio");
    writeFileSync(file, new CpioWriter().file("bin/x", "hello").symlink("bin/y", "x").charDevice("dev/console", 5, 1).finish());
    const r = spawnSync("cpio", ["-itv", "-F", file], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /bin\/x/);
    assert.match(r.stdout, /bin\/y -> x/);
    assert.match(r.stdout, /^c.*5,\s*1.*dev\/console$/m);
  });
});
