import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { gunzipSync } from "node:zlib";
import { S_IFCHR, S_IFLNK, S_IFMT, S_IFREG } from "./cpio.js";
import { buildInitramfs, defaultInit, INIT_BANNER, RUN_DONE_PREFIX, UEVENT_HELPER } from "./initramfs.js";
import { makeFakeModulesDir, makeTempDir, parseCpio } from "./testing.js";

const BUSYBOX = Buffer.from("\x7fELF fake busybox");

describe("buildInitramfs", () => {
  it("packs busybox, applet links, /dev/console, base dirs and the default /init", () => {
    const entries = parseCpio(buildInitramfs({ busybox: BUSYBOX }));
    const by = new Map(entries.map((e) => [e.name, e]));
    assert.deepEqual(by.get("bin/busybox")!.data, BUSYBOX);
    assert.equal(by.get("bin/busybox")!.mode, S_IFREG | 0o755);
    for (const a of ["bin/sh", "bin/mount", "bin/echo", "bin/cat", "bin/ls", "bin/dmesg", "sbin/poweroff", "sbin/insmod", "sbin/modprobe"]) {
      const e = by.get(a);
      assert.ok(e, a);
      assert.equal(e.mode & S_IFMT, S_IFLNK);
      assert.equal(e.data.toString(), "/bin/busybox");
    }
    const con = by.get("dev/console")!;
    assert.equal(con.mode, S_IFCHR | 0o600);
    assert.deepEqual([con.rdevmajor, con.rdevminor], [5, 1]);
    for (const d of ["dev", "proc", "sys", "tmp"]) assert.ok(by.has(d), d);
    const init = by.get("init")!;
    assert.equal(init.mode, S_IFREG | 0o755);
    assert.equal(init.data.toString(), defaultInit());
    assert.ok(init.data.toString().startsWith("#!/bin/sh\n"));
    assert.ok(init.data.toString().includes(INIT_BANNER));
    assert.ok(!by.has("etc/bulkhead/modules"));
    const helper = by.get("sbin/bulkhead-uevent")!;
    assert.equal(helper.mode, S_IFREG | 0o755);
    assert.equal(helper.data.toString(), UEVENT_HELPER);
    assert.match(init.data.toString(), /^uevent \/sbin\/bulkhead-uevent &\n\/sbin\/bulkhead-uevent scan$/m, "/init starts the helper, then links what is there");
  });

  it("carries chosen modules with their dependencies and trimmed modules.dep and modules.alias", () => {
    const modulesDir = makeFakeModulesDir(makeTempDir(), "6.12.0-test-riscv64");
    const entries = parseCpio(buildInitramfs({ busybox: BUSYBOX, modulesDir, modules: ["ext4", "virtio_blk"] }));
    const by = new Map(entries.map((e) => [e.name, e]));
    const root = "lib/modules/6.12.0-test-riscv64";
    const ext4 = by.get(`${root}/kernel/fs/ext4/ext4.ko.xz`);
    assert.equal(ext4?.data.toString(), "fake module kernel/fs/ext4/ext4.ko.xz\n");
    for (const m of ["crc32c_generic", "crc16", "mbcache", "jbd2/jbd2", "virtio_blk"]) {
      assert.ok(entries.some((e) => e.name.endsWith(`/${m}.ko.xz`)), m);
    }
    assert.ok(!by.has(`${root}/kernel/drivers/net/virtio_net.ko.xz`));
    assert.match(by.get(`${root}/modules.dep`)!.data.toString(),
      /^kernel\/fs\/ext4\/ext4.ko.xz: kernel\/fs\/jbd2\/jbd2.ko.xz kernel\/fs\/mbcache.ko.xz kernel\/lib\/crc16.ko.xz kernel\/crypto\/crc32c_generic.ko.xz$/m);
    assert.match(by.get(`${root}/modules.alias`)!.data.toString(), /^alias crypto-crc32c crc32c_generic$/m);
    assert.ok(!by.has("etc/bulkhead/modules"), "nothing to load at boot unless asked");
  });

  it("lists the load-at-boot modules in load order", () => {
    const modulesDir = makeFakeModulesDir(makeTempDir(), "6.12.0-test-riscv64");
    const entries = parseCpio(buildInitramfs({ busybox: BUSYBOX, modulesDir, modules: ["virtio_net"], load: ["ext4", "virtio_blk"] }));
    const by = new Map(entries.map((e) => [e.name, e]));
    const list = by.get("etc/bulkhead/modules")!.data.toString().trim().split("\n");
    assert.deepEqual(list.map((p) => p.slice(p.lastIndexOf("/") + 1)),
      ["crc32c_generic.ko.xz", "crc16.ko.xz", "mbcache.ko.xz", "jbd2.ko.xz", "ext4.ko.xz", "virtio_blk.ko.xz"]);
    for (const p of list) assert.ok(by.has(p.slice(1)), p);
    assert.ok(by.has("lib/modules/6.12.0-test-riscv64/kernel/drivers/net/virtio_net.ko.xz"));
  });

  it("takes a custom init and extra files, and gzips when asked", () => {
    const gz = buildInitramfs({
      busybox: BUSYBOX, init: "#!/bin/sh\necho custom\n", gzip: true,
      extraFiles: [{ path: "/etc/hello", data: "hi\n" }, { path: "bin/tool.sh", data: "#!/bin/sh\n", mode: 0o755 }],
    });
    assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b]);
    const by = new Map(parseCpio(gunzipSync(gz)).map((e) => [e.name, e]));
    assert.equal(by.get("init")!.data.toString(), "#!/bin/sh\necho custom\n");
    assert.equal(by.get("etc/hello")!.data.toString(), "hi\n");
    assert.equal(by.get("bin/tool.sh")!.mode, S_IFREG | 0o755);
  });

  it("needs modulesDir for modules", () => {
    assert.throws(() => buildInitramfs({ busybox: BUSYBOX, modules: ["ext4"] }), TypeError);
  });
});

describe("default /init command line parsing", () => {
  // Run the init's command-line section in the host's sh against a given /proc/cmdline.
  const parse = (cmdline: string, name = "run"): string => {
    const init = defaultInit();
    const start = init.indexOf("# --- command line");
    const end = init.indexOf("# --- modules");
    assert.ok(start > 0 && end > start);
    const dir = makeTempDir();
    const file = join(dir, "cmdline");
    writeFileSync(file, cmdline + "\n");
    const script = init.slice(start, end).replace("$(cat /proc/cmdline)", `$(cat '${file}')`) + `printf %s "$${name}"\n`;
    const r = spawnSync("sh", ["-c", script], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout;
  };

  it("reads bulkhead.run in single quotes, double quotes, or as one word", () => {
    assert.equal(parse("console=ttyS0 bulkhead.run='echo hello; cat /proc/cpuinfo'"), "echo hello; cat /proc/cpuinfo");
    assert.equal(parse('console=ttyS0 bulkhead.run="uname -a" quiet'), "uname -a");
    assert.equal(parse("bulkhead.run=dmesg console=ttyS0"), "dmesg");
    assert.equal(parse("console=ttyS0 xbulkhead.run=no"), "");
    assert.equal(parse("console=ttyS0"), "");
  });

  it("reads bulkhead.run64 as base64", () => {
    const cmd = `echo "it's" | cat`;
    assert.equal(parse(`console=ttyS0 bulkhead.run64=${Buffer.from(cmd).toString("base64")} quiet`), cmd);
  });

  it("reads bulkhead.modules", () => {
    assert.equal(parse("console=ttyS0 bulkhead.modules=ext4,virtio_blk", "mods"), "ext4,virtio_blk");
    assert.equal(parse("console=ttyS0", "mods"), "");
  });

  it("reports the run's status with a fixed prefix", () => {
    assert.ok(defaultInit().includes(`echo "${RUN_DONE_PREFIX}$?"`));
  });
});
