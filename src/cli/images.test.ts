import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { debianLayout } from "../images/store.js";
import { makeFakeCache, makeTempDir, parseCpio, writeTree } from "../images/testing.js";
import { imagesCommand, runImages } from "./images.js";

async function run(argv: string[], env: NodeJS.ProcessEnv = { BULKHEAD_CACHE: makeTempDir() }) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await runImages(argv, {
    out: { isTTY: false, write: (s: string) => out.push(s) },
    err: { isTTY: false, write: (s: string) => err.push(s) },
    env,
  });
  return { status, out: out.join(""), err: err.join("") };
}

function fakeEnv() {
  const root = makeTempDir();
  makeFakeCache(root);
  return { root, env: { BULKHEAD_CACHE: root } };
}

describe("bulkhead images", () => {
  it("is a command table row", () => {
    assert.equal(imagesCommand.name, "images");
    assert.ok(imagesCommand.summary.length > 0);
    assert.match(imagesCommand.help, /^usage: bulkhead images/);
  });

  it("prints help for itself and every subcommand", async () => {
    for (const argv of [["--help"], ["fetch", "--help"], ["list", "-h"], ["path", "--help"], ["initramfs", "--help"]]) {
      const r = await run(argv);
      assert.equal(r.status, 0, argv.join(" "));
      assert.match(r.out, /^usage: bulkhead images/, argv.join(" "));
    }
    const none = await run([]);
    assert.equal(none.status, 2);
    assert.match(none.err, /^usage: bulkhead images/);
  });

  it("rejects unknown options and subcommands with one line naming them, exit 2", async () => {
    for (const [argv, name] of [[["fetch", "--bogus"], "--bogus"], [["list", "-x"], "-x"], [["frobnicate"], "frobnicate"], [["--nope"], "--nope"]] as const) {
      const r = await run([...argv]);
      assert.equal(r.status, 2, argv.join(" "));
      assert.equal(r.err.trimEnd().split("\n").length, 1, r.err);
      assert.ok(r.err.includes(`'${name}'`), r.err);
    }
    const extra = await run(["fetch", "now"]);
    assert.equal(extra.status, 2);
    assert.match(extra.err, /unexpected argument 'now'/);
  });

  it("path prints one cached path, or says to fetch", async () => {
    const { root, env } = fakeEnv();
    const base = debianLayout(root).base;
    const r = await run(["path", "kernel"], env);
    assert.equal(r.status, 0);
    assert.equal(r.out, join(base, "pkgs/linux-image-6.12.0-test-riscv64/boot/vmlinux-6.12.0-test-riscv64") + "\n");
    assert.equal((await run(["path", "opensbi-dynamic"], env)).out.trim().endsWith("generic/fw_dynamic.bin"), true);
    assert.equal((await run(["path", "uboot"], env)).out.trim().endsWith("qemu-riscv64_smode/u-boot.bin"), true);
    const missing = await run(["path", "initrd"]);
    assert.equal(missing.status, 1);
    assert.match(missing.err, /Debian images are not fetched yet: run \.\/bin\/bulkhead images fetch/);
    assert.equal((await run(["path", "kernal"], env)).status, 2);
    assert.equal((await run(["path"], env)).status, 2);
    const cache = await run(["path", "cache"]);
    assert.equal(cache.status, 0);
  });

  it("list shows versions and paths, or that nothing is cached", async () => {
    const { env } = fakeEnv();
    const r = await run(["list"], env);
    assert.equal(r.status, 0);
    assert.match(r.out, /busybox-static\s+1:1\.37\.0-1/);
    assert.match(r.out, /kernel\s+6\.12\.0-test-riscv64/);
    assert.match(r.out, /opensbi-jump\s+\d+ B\s+\S+fw_jump\.bin/);
    const json = JSON.parse((await run(["list", "--json"], env)).out);
    assert.equal(json.complete, true);
    assert.equal(json.images.kernelVersion, "6.12.0-test-riscv64");
    assert.match((await run(["list"])).out, /^nothing cached in .*: run \.\/bin\/bulkhead images fetch/);
  });

  it("fetch with a complete cache does nothing and says so", async () => {
    const { env } = fakeEnv();
    const r = await run(["fetch"], { ...env, PATH: makeTempDir() });
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, /already fetched .*nothing to do; --force fetches again/);
  });

  it("initramfs builds from the cache with chosen modules and init", async () => {
    const { env } = fakeEnv();
    const dir = makeTempDir();
    writeTree(dir, { "my-init": "#!/bin/sh\necho mine\n" });
    const out = join(dir, "x.cpio.gz");
    const r = await run(["initramfs", "--out", out, "--modules", "ext4", "--load", "virtio_blk", "--init", join(dir, "my-init")], env);
    assert.equal(r.status, 0, r.err);
    const names = new Map(parseCpio(gunzipSync(readFileSync(out))).map((e) => [e.name, e]));
    assert.equal(names.get("init")!.data.toString(), "#!/bin/sh\necho mine\n");
    assert.ok([...names.keys()].some((n) => n.endsWith("/ext4.ko.xz")));
    assert.ok([...names.keys()].some((n) => n.endsWith("/crc32c_generic.ko.xz")));
    assert.match(names.get("etc/bulkhead/modules")!.data.toString(), /virtio_blk\.ko\.xz/);
    const plain = join(dir, "y.cpio");
    assert.equal((await run(["initramfs", "-o", plain, "--modules", ""], env)).status, 0);
    assert.equal(readFileSync(plain).toString("ascii", 0, 6), "070701");
    assert.equal((await run(["initramfs"], env)).status, 2);
    assert.equal((await run(["initramfs", "--out", out, "--modules", "nosuch"], env)).status, 1);
  });
});
