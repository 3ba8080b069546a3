// An initramfs a description asks for by what it holds (`initrd: { debian: [nftables],
// modules: [nf_tables] }`): the default /init and busybox, the Debian packages with their
// dependencies (packages.ts) and the kernel modules, built once and cached by everything
// that goes into it: the /init's digest, the kernel, the versions apt chose, the modules.
//
//   debian/initramfs/KEY.cpio.gz

import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureImages } from "./ensure.js";
import { buildInitramfs, DEFAULT_MODULES, defaultInitDigest } from "./initramfs.js";
import { fetchPackageSet, setKey } from "./packages.js";
import type { ProgressOut } from "./progress.js";
import { cacheRoot, debianLayout } from "./store.js";

export interface InitramfsSpec {
  readonly packages: readonly string[];
  /** absent: DEFAULT_MODULES */
  readonly modules?: readonly string[];
  readonly load: readonly string[];
}

/** The built initramfs for `spec` (gzipped newc), from the cache or built now. */
export async function ensureBuiltInitramfs(spec: InitramfsSpec, opts: { env?: NodeJS.ProcessEnv; out?: ProgressOut } = {}): Promise<string> {
  const env = opts.env ?? process.env;
  const root = cacheRoot(env);
  const images = await ensureImages({ root, env, ...(opts.out ? { out: opts.out } : {}) });
  const set = spec.packages.length > 0
    ? await fetchPackageSet({ names: spec.packages, cache: root, env, ...(opts.out ? { out: opts.out } : {}) }) : undefined;
  const modules = spec.modules ?? DEFAULT_MODULES;
  const key = createHash("sha256").update(JSON.stringify({
    init: defaultInitDigest(), kernel: images.kernelVersion, set: set ? setKey(set.packages) : null, modules, load: spec.load,
  })).digest("hex").slice(0, 16);
  const dir = join(debianLayout(root).base, "initramfs");
  const file = join(dir, `${key}.cpio.gz`);
  if (existsSync(file)) return file;
  const bytes = buildInitramfs({
    busybox: images.busybox, modulesDir: images.modulesDir, modules, load: spec.load, gzip: true,
    ...(set ? { packages: set.root } : {}),
  });
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}
