import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ImagesError } from "./errors.js";
import {
  moduleName, parseAliases, parseModulesDep, parseSoftdeps, readModuleIndex, resolveModules, trimModulesAlias, trimModulesDep,
} from "./modules.js";
import { makeFakeModulesDir, makeTempDir } from "./testing.js";
import { rmSync } from "node:fs";
import { join } from "node:path";

describe("kernel modules", () => {
  it("names modules as kmod does", () => {
    assert.equal(moduleName("kernel/drivers/virtio/virtio-mmio.ko.xz"), "virtio_mmio");
    assert.equal(moduleName("kernel/fs/ext4/ext4.ko"), "ext4");
    assert.equal(moduleName("9pnet_virtio.ko.zst"), "9pnet_virtio");
  });

  it("parses modules.dep, modules.softdep and modules.alias", () => {
    const dep = parseModulesDep("kernel/a.ko.xz: kernel/b.ko.xz kernel/c-d.ko.xz\nkernel/b.ko.xz:\n\n# x\n");
    assert.deepEqual(dep.get("a"), { path: "kernel/a.ko.xz", deps: ["b", "c_d"] });
    assert.deepEqual(dep.get("b"), { path: "kernel/b.ko.xz", deps: [] });
    const soft = parseSoftdeps("softdep ext4 pre: crypto-crc32c\nsoftdep x pre: a b post: c\nsoftdep cifs gcm\n");
    assert.deepEqual(soft.get("ext4"), { pre: ["crypto-crc32c"], post: [] });
    assert.deepEqual(soft.get("x"), { pre: ["a", "b"], post: ["c"] });
    assert.deepEqual(soft.get("cifs"), { pre: [], post: [] });
    assert.deepEqual(parseAliases("alias crc32c crc32c_generic\nalias crc32c crc32c-riscv\n").get("crc32c"),
      ["crc32c_generic", "crc32c_riscv"]);
  });

  it("resolves ext4 with hard deps first and the crc32c_generic soft dep before it", () => {
    const index = readModuleIndex(makeFakeModulesDir(makeTempDir()));
    const order = resolveModules(index, ["ext4"]).map((m) => m.name);
    assert.deepEqual(order, ["crc32c_generic", "crc16", "mbcache", "jbd2", "ext4"]);
  });

  it("resolves several modules without duplicates, in load order", () => {
    const index = readModuleIndex(makeFakeModulesDir(makeTempDir()));
    const mods = resolveModules(index, ["virtio_net", "virtio-mmio", "ext4", "jbd2", "virtio_net"]);
    const names = mods.map((m) => m.name);
    assert.equal(new Set(names).size, names.length);
    const before = (a: string, b: string) => assert.ok(names.indexOf(a) < names.indexOf(b), `${a} before ${b}: ${names}`);
    before("failover", "net_failover");
    before("net_failover", "virtio_net");
    before("crc32c_generic", "jbd2");
    before("jbd2", "ext4");
    assert.ok(names.includes("virtio_mmio"));
    assert.equal(mods.find((m) => m.name === "virtio_mmio")!.path, "kernel/drivers/virtio/virtio-mmio.ko.xz");
  });

  it("skips built-in drivers, resolves aliases, rejects unknown names", () => {
    const index = readModuleIndex(makeFakeModulesDir(makeTempDir()));
    assert.deepEqual(resolveModules(index, ["virtio_pci", "8250"]), []);
    assert.deepEqual(resolveModules(index, ["crc32c"]).map((m) => m.name), ["crc32c_generic"]);
    assert.throws(() => resolveModules(index, ["no_such"]), (e: unknown) =>
      e instanceof ImagesError && e.info.kind === "UnknownModule" && /no_such/.test(e.message));
  });

  it("falls back to the known ext4 soft dep without modules.softdep", () => {
    const dir = makeFakeModulesDir(makeTempDir());
    rmSync(join(dir, "modules.softdep"));
    const order = resolveModules(readModuleIndex(dir), ["ext4"]).map((m) => m.name);
    assert.equal(order[0], "crc32c_generic");
  });

  it("says how to fix a directory without modules.dep", () => {
    assert.throws(() => readModuleIndex(makeTempDir()), /modules.dep not found: run depmod/);
  });

  it("trims modules.dep to the chosen modules, soft deps folded in, last loaded first", () => {
    const index = readModuleIndex(makeFakeModulesDir(makeTempDir()));
    const text = trimModulesDep(index, resolveModules(index, ["virtio_net", "ext4"]));
    assert.equal(text, [
      "kernel/net/core/failover.ko.xz:",
      "kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz",
      "kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz",
      "kernel/crypto/crc32c_generic.ko.xz:",
      "kernel/lib/crc16.ko.xz:",
      "kernel/fs/mbcache.ko.xz:",
      "kernel/fs/jbd2/jbd2.ko.xz: kernel/crypto/crc32c_generic.ko.xz",
      "kernel/fs/ext4/ext4.ko.xz: kernel/fs/jbd2/jbd2.ko.xz kernel/fs/mbcache.ko.xz kernel/lib/crc16.ko.xz kernel/crypto/crc32c_generic.ko.xz",
      "",
    ].join("\n"));
  });

  it("trims modules.alias to the chosen modules", () => {
    const index = readModuleIndex(makeFakeModulesDir(makeTempDir()));
    assert.equal(trimModulesAlias(index, resolveModules(index, ["ext4"])),
      "alias crypto-crc32c crc32c_generic\nalias crc32c crc32c_generic\n");
    assert.equal(trimModulesAlias(index, resolveModules(index, ["virtio_blk"])), "alias virtio:d00000002v* virtio_blk\n");
  });
});
