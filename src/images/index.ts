// Guest images: Debian's riscv64 kernel, busybox-static, OpenSBI and U-Boot fetched
// through the host's apt (debian.ts), cached (store.ts), and busybox initramfs images
// built from them (initramfs.ts, cpio.ts, modules.ts); disk images: GPT (gpt.ts) and raw
// image files as virtio-blk backends (disk.ts).

export { ImagesError, type ImagesErrorInfo } from "./errors.js";
export { cachedImages, cacheRoot, debianLayout, readManifest, type CachedImages, type Manifest } from "./store.js";
export { fetchDebianImages, type FetchOptions, type FetchResult } from "./debian.js";
export { ensureImages } from "./ensure.js";
export { ensureBuiltInitramfs, type InitramfsSpec } from "./built-initramfs.js";
export { fetchPackageSet, type PackageSet } from "./packages.js";
export {
  buildInitramfs, defaultInit, DEFAULT_MODULES, INIT_BANNER, RUN_DONE_PREFIX,
  type InitramfsOptions, type InitramfsFile,
} from "./initramfs.js";
export { CpioWriter, type CpioEntry } from "./cpio.js";
export { resolveModules, readModuleIndex, type KernelModule } from "./modules.js";
export { buildGpt, findPartition, readGpt, LINUX_FS_TYPE, type GptPartition, type GptTable, type ImageWrite } from "./gpt.js";
export { FileDisk, type DiskRange, type OpenDiskOptions } from "./disk.js";
