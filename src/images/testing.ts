// Test helpers for src/images: a minimal newc reader (independent of the writer's code)
// and fakes for a kernel modules directory and host apt sources.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { debianLayout, writeManifest, type Manifest } from "./store.js";

export interface ParsedCpioEntry {
  name: string;
  ino: number;
  mode: number;
  uid: number;
  gid: number;
  nlink: number;
  mtime: number;
  rdevmajor: number;
  rdevminor: number;
  data: Buffer;
}

/** Parse a newc archive up to its trailer; throws on a malformed header. */
export function parseCpio(buf: Buffer): ParsedCpioEntry[] {
  const out: ParsedCpioEntry[] = [];
  let off = 0;
  const align = (n: number) => (n + 3) & ~3;
  for (;;) {
    const magic = buf.toString("ascii", off, off + 6);
    if (magic !== "070701") throw new Error(`bad cpio magic '${magic}' at ${off}`);
    const field = (i: number) => {
      const s = buf.toString("ascii", off + 6 + i * 8, off + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(s)) throw new Error(`bad hex field ${i} '${s}' at ${off}`);
      return parseInt(s, 16);
    };
    const [ino, mode, uid, gid, nlink, mtime, filesize, , , rdevmajor, rdevminor, namesize] =
      Array.from({ length: 13 }, (_, i) => field(i));
    const nameStart = off + 110;
    if (buf[nameStart + namesize! - 1] !== 0) throw new Error(`cpio name not NUL-terminated at ${off}`);
    const name = buf.toString("utf8", nameStart, nameStart + namesize! - 1);
    const dataStart = align(nameStart + namesize!);
    const data = buf.subarray(dataStart, dataStart + filesize!);
    off = align(dataStart + filesize!);
    if (name === "TRAILER!!!") return out;
    out.push({
      name, ino: ino!, mode: mode!, uid: uid!, gid: gid!, nlink: nlink!, mtime: mtime!,
      rdevmajor: rdevmajor!, rdevminor: rdevminor!, data,
    });
    if (off > buf.length) throw new Error("cpio archive truncated");
  }
}

const tempDirs: string[] = [];
process.on("exit", () => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the process exits. */
export function makeTempDir(prefix = "bulkhead-images-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Write `files` (relative path → contents) under `root`. */
export function writeTree(root: string, files: Record<string, string | Uint8Array>): void {
  for (const [rel, data] of Object.entries(files)) {
    const p = join(root, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, data);
  }
}

/**
 * A synthetic lib/modules/VERSION directory as depmod would leave it: ext4 with its
 * hard deps and the crc32c soft dep through an alias, virtio_net with two deps, a
 * built-in driver, and module files whose contents name the module.
 */
export function makeFakeModulesDir(root: string, version = "6.12.0-test-riscv64"): string {
  const dir = join(root, "lib/modules", version);
  const mods = [
    "kernel/fs/ext4/ext4.ko.xz", "kernel/lib/crc16.ko.xz", "kernel/fs/mbcache.ko.xz",
    "kernel/fs/jbd2/jbd2.ko.xz", "kernel/crypto/crc32c_generic.ko.xz",
    "kernel/drivers/block/virtio_blk.ko.xz", "kernel/drivers/net/virtio_net.ko.xz",
    "kernel/drivers/net/net_failover.ko.xz", "kernel/net/core/failover.ko.xz",
    "kernel/drivers/virtio/virtio-mmio.ko.xz", "kernel/drivers/char/hw_random/virtio-rng.ko.xz",
    "kernel/net/9p/9pnet.ko.xz", "kernel/net/9p/9pnet_virtio.ko.xz", "kernel/fs/9p/9p.ko.xz",
    "kernel/drivers/gpu/drm/virtio/virtio-gpu.ko.xz", "kernel/drivers/gpu/drm/drm.ko.xz",
    "kernel/drivers/virtio/virtio_input.ko.xz", "kernel/drivers/input/evdev.ko.xz",
  ];
  const files: Record<string, string> = {};
  for (const m of mods) files[m] = `fake module ${m}\n`;
  files["modules.dep"] = [
    "kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz kernel/fs/mbcache.ko.xz kernel/fs/jbd2/jbd2.ko.xz",
    "kernel/lib/crc16.ko.xz:",
    "kernel/fs/mbcache.ko.xz:",
    "kernel/fs/jbd2/jbd2.ko.xz:",
    "kernel/crypto/crc32c_generic.ko.xz:",
    "kernel/drivers/block/virtio_blk.ko.xz:",
    "kernel/drivers/net/virtio_net.ko.xz: kernel/drivers/net/net_failover.ko.xz kernel/net/core/failover.ko.xz",
    "kernel/drivers/net/net_failover.ko.xz: kernel/net/core/failover.ko.xz",
    "kernel/net/core/failover.ko.xz:",
    "kernel/drivers/virtio/virtio-mmio.ko.xz:",
    "kernel/drivers/char/hw_random/virtio-rng.ko.xz:",
    "kernel/net/9p/9pnet.ko.xz:",
    "kernel/net/9p/9pnet_virtio.ko.xz: kernel/net/9p/9pnet.ko.xz",
    "kernel/fs/9p/9p.ko.xz: kernel/net/9p/9pnet.ko.xz",
    "kernel/drivers/gpu/drm/virtio/virtio-gpu.ko.xz: kernel/drivers/gpu/drm/drm.ko.xz",
    "kernel/drivers/gpu/drm/drm.ko.xz:",
    "kernel/drivers/virtio/virtio_input.ko.xz:",
    "kernel/drivers/input/evdev.ko.xz:",
    "",
  ].join("\n");
  files["modules.softdep"] = [
    "# Soft dependencies extracted from modules themselves.",
    "softdep ext4 pre: crypto-crc32c",
    "softdep jbd2 pre: crypto-crc32c",
    "softdep cifs gcm",
    "",
  ].join("\n");
  files["modules.alias"] = [
    "# Aliases extracted from modules themselves.",
    "alias crypto-crc32c crc32c_generic",
    "alias crc32c crc32c_generic",
    "alias virtio:d00000002v* virtio_blk",
    "",
  ].join("\n");
  files["modules.builtin"] = "kernel/drivers/virtio/virtio_pci.ko\nkernel/drivers/tty/serial/8250/8250.ko\n";
  writeTree(dir, files);
  return dir;
}

/** A complete-looking cache under `root` (tiny fake files and a manifest); returns the manifest. */
export function makeFakeCache(root: string): Manifest {
  const layout = debianLayout(root);
  const version = "6.12.0-test-riscv64";
  const k = `pkgs/linux-image-${version}`;
  const paths = {
    kernel: `${k}/boot/vmlinux-${version}`,
    initrd: "initramfs.cpio.gz",
    fwDynamic: "pkgs/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin",
    fwJump: "pkgs/opensbi/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin",
    uboot: "pkgs/u-boot-qemu/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin",
    modulesDir: `${k}/usr/lib/modules/${version}`,
    busybox: "pkgs/busybox-static/usr/bin/busybox",
  };
  writeTree(layout.base, {
    [paths.kernel]: "kernel", [paths.initrd]: "initrd", [paths.fwDynamic]: "fw_dynamic", [paths.fwJump]: "fw_jump",
    [paths.uboot]: "u-boot", [paths.busybox]: "busybox",
  });
  makeFakeModulesDir(join(layout.base, k, "usr"), version);
  const manifest: Manifest = {
    format: 1, fetchedAt: "2025-01-01T00:00:00.000Z", suite: "stable", architecture: "riscv64",
    mirror: "http://mirror.example/debian", kernelVersion: version,
    packages: [
      { name: `linux-image-${version}`, version: "6.12.0-1", deb: `debs/linux-image-${version}_6.12.0-1_riscv64.deb`, dir: k },
      { name: "busybox-static", version: "1:1.37.0-1", deb: "debs/busybox-static_1%3a1.37.0-1_riscv64.deb", dir: "pkgs/busybox-static" },
    ],
    paths, initrdModules: ["virtio_blk"],
  };
  writeManifest(layout, manifest);
  return manifest;
}
