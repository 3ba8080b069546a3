import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { fetchDebianImages, refreshInitramfs, writePrivateApt } from "./debian.js";
import { findFetchTools } from "./host-tools.js";
import { ImagesError } from "./errors.js";
import { defaultInit, defaultInitDigest, INIT_BANNER, RUN_DONE_PREFIX, UEVENT_HELPER } from "./initramfs.js";
import { cachedImages, debianLayout, readManifest } from "./store.js";
import { makeFakeCache, makeTempDir, parseCpio, writeTree } from "./testing.js";

const quiet = { isTTY: false, write: () => true };

/** A PATH directory whose apt-get, apt-cache, dpkg-deb and depmod all fail if run. */
function fakeToolsDir(): string {
  const dir = makeTempDir();
  const tools = ["apt-get", "apt-cache", "dpkg-deb", "depmod"];
  writeTree(dir, Object.fromEntries(tools.map((t) => [t, "#!/bin/sh\necho should not run >&2\nexit 99\n"])));
  for (const t of tools) chmodSync(join(dir, t), 0o755);
  return dir;
}

describe("refreshInitramfs", () => {
  it("rebuilds a default initramfs an older Bulkhead built, from the cache, once", () => {
    const root = makeTempDir();
    makeFakeCache(root); // its manifest has no initrdDigest: built before there were digests
    const layout = debianLayout(root);
    const m = refreshInitramfs(layout, readManifest(layout)!);
    assert.equal(m.initrdDigest, defaultInitDigest());
    assert.deepEqual(readManifest(layout), m);
    const files = new Map(parseCpio(gunzipSync(readFileSync(layout.initrd))).map((e) => [e.name, e.data.toString()]));
    assert.equal(files.get("init"), defaultInit());
    assert.equal(files.get("sbin/bulkhead-uevent"), UEVENT_HELPER);
    assert.equal(files.get("bin/busybox"), "busybox", "the cached busybox");
    const built = statSync(layout.initrd).mtimeMs;
    assert.deepEqual(refreshInitramfs(layout, m), m);
    assert.equal(statSync(layout.initrd).mtimeMs, built, "up to date: not rebuilt");
  });
});

describe("fetchDebianImages", () => {
  it("does nothing when the cache is complete", async () => {
    const root = makeTempDir();
    const m = makeFakeCache(root);
    const r = await fetchDebianImages({ root, env: { PATH: makeTempDir() }, out: quiet });
    assert.equal(r.fetched, false);
    assert.equal(r.manifest.kernelVersion, m.kernelVersion);
    assert.equal(r.images.kernel, cachedImages(root).kernel);
  });

  it("says plainly that it needs apt", async () => {
    await assert.rejects(fetchDebianImages({ root: makeTempDir(), env: { PATH: makeTempDir() }, out: quiet }), (e: unknown) =>
      e instanceof ImagesError && e.info.kind === "NoApt" &&
      e.message.startsWith("apt-get not found: bulkhead images fetch needs a Debian/Ubuntu host"));
  });

  it("finds the tools on PATH", () => {
    const dir = fakeToolsDir();
    assert.equal(findFetchTools({ PATH: dir }).aptGet, join(dir, "apt-get"));
  });

  it("refuses a host without a Debian archive in its sources, before running apt", async () => {
    const etc = makeTempDir();
    writeTree(etc, { "sources.list": "deb http://ubuntu.example/ubuntu jammy main\n" });
    await assert.rejects(fetchDebianImages({
      root: makeTempDir(), env: { PATH: fakeToolsDir() }, out: quiet,
      hostSources: { main: join(etc, "sources.list"), parts: join(etc, "sources.list.d") },
    }), (e: unknown) => e instanceof ImagesError && e.info.kind === "NoDebianSource" && /BULKHEAD_DEBIAN_MIRROR/.test(e.message));
  });

  it("--force refetches a complete cache", async () => {
    const root = makeTempDir();
    makeFakeCache(root);
    await assert.rejects(fetchDebianImages({ root, force: true, env: { PATH: fakeToolsDir() }, out: quiet,
      hostSources: { main: "/nonexistent", parts: "/nonexistent" } }), /no Debian archive/);
    assert.throws(() => cachedImages(root), /not fetched yet/);
  });
});

describe("private apt configuration", () => {
  it("keeps all apt state under the cache and asks for riscv64 stable only", () => {
    const layout = debianLayout(makeTempDir());
    const conf = writePrivateApt(layout, {
      uri: "http://mirror.example/debian", suites: ["bookworm"], components: ["main"],
      signedBy: "/usr/share/keyrings/debian-archive-keyring.gpg", origin: "test",
    });
    const text = readFileSync(conf, "utf8");
    for (const key of ["Dir::State", "Dir::State::Lists", "Dir::State::status", "Dir::Cache", "Dir::Etc::sourcelist", "Dir::Etc::sourceparts"]) {
      const m = new RegExp(`^${key} "([^"]+)";$`, "m").exec(text);
      assert.ok(m, key);
      assert.ok(m[1]!.startsWith(layout.apt), `${key} = ${m[1]}`);
    }
    assert.match(text, /^APT::Architecture "riscv64";$/m);
    assert.match(text, /^#clear APT::Architectures;$/m);
    assert.match(text, /^#clear APT::Update::Post-Invoke-Success;$/m);
    assert.equal(statSync(join(layout.apt, "status")).size, 0);
    const sources = readFileSync(join(layout.apt, "bulkhead.sources"), "utf8");
    assert.match(sources, /^URIs: http:\/\/mirror.example\/debian$/m);
    assert.match(sources, /^Suites: stable$/m);
    const dump = spawnSync("apt-config", ["-c", conf, "dump"], { encoding: "utf8" });
    if (dump.status === 0) {
      assert.match(dump.stdout, /^APT::Architecture "riscv64";$/m);
      assert.match(dump.stdout, /^APT::Architectures:: "riscv64";$/m);
      assert.doesNotMatch(dump.stdout, /APT::Architectures:: "amd64"/);
    }
  });
});

// The real thing: set BULKHEAD_TEST_FETCH=1 (CI fetches before the tests, so this is quick there).
describe("real fetch (BULKHEAD_TEST_FETCH=1)", { skip: process.env.BULKHEAD_TEST_FETCH !== "1" && "set BULKHEAD_TEST_FETCH=1" }, () => {
  it("fetches Debian's riscv64 images and the default initramfs boots in QEMU", { timeout: 600_000 }, async (t) => {
    const r = await fetchDebianImages({ out: quiet });
    const images = r.images;
    assert.match(images.kernelVersion, /^\d+\.\d+\.\d+.*-riscv64$/);
    const head = readFileSync(images.kernel).subarray(0x30, 0x3c);
    assert.equal(head.toString("latin1", 0, 5), "RISCV");
    for (const m of ["kernel/drivers/block/virtio_blk.ko", "kernel/drivers/net/virtio_net.ko", "kernel/fs/ext4/ext4.ko", "kernel/crypto/crc32c_generic.ko"]) {
      assert.match(readFileSync(join(images.modulesDir, "modules.dep"), "utf8"), new RegExp(`^${m}`, "m"), m);
    }
    if (spawnSync("qemu-system-riscv64", ["--version"]).status !== 0) return t.skip("qemu-system-riscv64 not installed");
    const q = spawnSync("qemu-system-riscv64", [
      "-M", "virt", "-m", "512M", "-nographic", "-bios", images.fwDynamic, "-kernel", images.kernel, "-initrd", images.initrd,
      "-append", "console=ttyS0 bulkhead.run='echo hello-from-guest'",
    ], { encoding: "utf8", timeout: 120_000 });
    assert.equal(q.status, 0, q.stdout.slice(-2000));
    assert.ok(q.stdout.includes(INIT_BANNER), q.stdout.slice(-2000));
    assert.match(q.stdout, /^hello-from-guest\r?$/m);
    assert.ok(q.stdout.includes(`${RUN_DONE_PREFIX}0`));
  });
});
