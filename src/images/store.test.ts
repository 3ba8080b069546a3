import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { ImagesError } from "./errors.js";
import { cachedImages, cacheRoot, debianLayout } from "./store.js";
import { makeFakeCache, makeTempDir } from "./testing.js";

describe("image store", () => {
  it("finds the cache root from the environment", () => {
    assert.equal(cacheRoot({ BULKHEAD_CACHE: "/c", XDG_CACHE_HOME: "/x", HOME: "/h" }), "/c");
    assert.equal(cacheRoot({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/bulkhead");
    assert.equal(cacheRoot({ HOME: "/h" }), "/h/.cache/bulkhead");
  });

  it("says how to fetch when nothing is cached", () => {
    assert.throws(() => cachedImages(makeTempDir()), (e: unknown) =>
      e instanceof ImagesError && e.info.kind === "NotFetched" &&
      e.message.startsWith("Debian images are not fetched yet: run ./bin/bulkhead images fetch"));
  });

  it("returns absolute paths from the manifest", () => {
    const root = makeTempDir();
    makeFakeCache(root);
    const base = debianLayout(root).base;
    const images = cachedImages(root);
    assert.equal(images.kernelVersion, "6.12.0-test-riscv64");
    assert.equal(images.kernel, join(base, "pkgs/linux-image-6.12.0-test-riscv64/boot/vmlinux-6.12.0-test-riscv64"));
    assert.equal(images.initrd, join(base, "initramfs.cpio.gz"));
    assert.equal(images.modulesDir, join(base, "pkgs/linux-image-6.12.0-test-riscv64/usr/lib/modules/6.12.0-test-riscv64"));
    for (const p of [images.fwDynamic, images.fwJump, images.uboot, images.busybox]) assert.ok(p.startsWith(base + "/"), p);
  });

  it("reports a file gone missing since the fetch", () => {
    const root = makeTempDir();
    makeFakeCache(root);
    rmSync(join(debianLayout(root).base, "initramfs.cpio.gz"));
    assert.throws(() => cachedImages(root), (e: unknown) =>
      e instanceof ImagesError && e.info.kind === "CacheIncomplete" && /initramfs.cpio.gz is missing.*--force/.test(e.message));
  });
});
