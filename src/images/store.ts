// Where fetched guest images live, and what is there.
//
//   $BULKHEAD_CACHE | $XDG_CACHE_HOME/bulkhead | ~/.cache/bulkhead
//   └── debian/
//       ├── apt/             private apt: apt.conf, bulkhead.sources, empty status and
//       │                    sources.list.d/, lists/, cache/ (the host's apt is untouched)
//       ├── debs/            the .deb files exactly as downloaded
//       ├── pkgs/PACKAGE/    each .deb unpacked with dpkg-deb -x; depmod adds modules.dep
//       │                    and friends beside the kernel's modules, nothing else changes
//       ├── initramfs.cpio.gz  default busybox initramfs (src/images/initramfs.ts)
//       └── manifest.json    written last: its presence means the fetch completed

import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { ImagesError } from "./errors.js";

/** The cache root for this environment. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BULKHEAD_CACHE) return env.BULKHEAD_CACHE;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "bulkhead");
  return join(env.HOME || homedir(), ".cache", "bulkhead");
}

/** Paths inside the Debian part of a cache root. */
export function debianLayout(root: string = cacheRoot()) {
  const base = join(root, "debian");
  return {
    base,
    apt: join(base, "apt"),
    debs: join(base, "debs"),
    pkgs: join(base, "pkgs"),
    initrd: join(base, "initramfs.cpio.gz"),
    manifest: join(base, "manifest.json"),
  };
}

export type DebianLayout = ReturnType<typeof debianLayout>;

/** One fetched package. */
export interface ManifestPackage {
  name: string;
  version: string;
  /** .deb file, relative to the debian/ directory */
  deb: string;
  /** unpack directory, relative to the debian/ directory */
  dir: string;
}

/** manifest.json: what `fetch` produced. Paths are relative to the debian/ directory so a cache can move. */
export interface Manifest {
  format: 1;
  fetchedAt: string;
  suite: string;
  architecture: string;
  mirror: string;
  kernelVersion: string;
  packages: ManifestPackage[];
  paths: {
    kernel: string; initrd: string; fwDynamic: string; fwJump: string; uboot: string;
    modulesDir: string; busybox: string;
  };
  initrdModules: string[];
  /** defaultInitDigest() of the Bulkhead that built the initramfs (absent: built before digests) */
  initrdDigest?: string;
}

/** Absolute paths of the cached images; see `cachedImages`. */
export interface CachedImages {
  /** the kernel Image (Debian's /boot/vmlinux-VERSION: uncompressed, RISC-V image header) */
  kernel: string;
  /** the default initramfs, gzipped newc */
  initrd: string;
  /** OpenSBI generic fw_dynamic.bin */
  fwDynamic: string;
  /** OpenSBI generic fw_jump.bin */
  fwJump: string;
  /** U-Boot qemu-riscv64_smode u-boot.bin (runs in S-mode under OpenSBI) */
  uboot: string;
  /** lib/modules/VERSION of the kernel, depmod done */
  modulesDir: string;
  /** `uname -r` of the kernel */
  kernelVersion: string;
  /** busybox-static's binary */
  busybox: string;
}

/** Read manifest.json, or undefined if there is none (or it is unreadable). */
export function readManifest(layout: DebianLayout = debianLayout()): Manifest | undefined {
  if (!existsSync(layout.manifest)) return undefined;
  try {
    const m = JSON.parse(readFileSync(layout.manifest, "utf8")) as Manifest;
    return m.format === 1 ? m : undefined;
  } catch {
    return undefined;
  }
}

/** Write manifest.json atomically (it marks the cache complete). */
export function writeManifest(layout: DebianLayout, m: Manifest): void {
  const tmp = `${layout.manifest}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(m, null, 2) + "\n");
  renameSync(tmp, layout.manifest);
}

/** The manifest's paths made absolute; the first missing one, if any. */
export function resolveManifest(layout: DebianLayout, m: Manifest): { images: CachedImages; missing?: string } {
  const abs = (p: string) => join(layout.base, p);
  const images: CachedImages = {
    kernel: abs(m.paths.kernel), initrd: abs(m.paths.initrd), fwDynamic: abs(m.paths.fwDynamic),
    fwJump: abs(m.paths.fwJump), uboot: abs(m.paths.uboot), modulesDir: abs(m.paths.modulesDir),
    kernelVersion: m.kernelVersion, busybox: abs(m.paths.busybox),
  };
  const files = [images.kernel, images.initrd, images.fwDynamic, images.fwJump, images.uboot,
    images.busybox, join(images.modulesDir, "modules.dep")];
  const missing = files.find((f) => !existsSync(f));
  return missing === undefined ? { images } : { images, missing };
}

/**
 * The fetched Debian images (kernel, initramfs, OpenSBI, U-Boot, modules) as absolute
 * paths. Throws ImagesError "NotFetched" when `bulkhead images fetch` has not run, and
 * "CacheIncomplete" when a file has gone missing since.
 */
export function cachedImages(root: string = cacheRoot()): CachedImages {
  const layout = debianLayout(root);
  const m = readManifest(layout);
  if (m === undefined) throw new ImagesError({ kind: "NotFetched", cache: layout.base });
  const { images, missing } = resolveManifest(layout, m);
  if (missing !== undefined) throw new ImagesError({ kind: "CacheIncomplete", cache: layout.base, missing });
  return images;
}
