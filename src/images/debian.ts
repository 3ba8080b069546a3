// `bulkhead images fetch`: Debian's own riscv64 guest software, through the host's apt.
//
// The host's apt configuration stays in charge (its mirror, keyrings, proxies in
// apt.conf.d); a private apt.conf, read after it, points apt at the host's Debian
// mirror, suite stable, architecture riscv64, with lists, caches and an empty dpkg
// status under the cache. Nothing of the host's apt state is read or written.
//
//   apt-get   -c APT/apt.conf update
//   apt-cache -c APT/apt.conf show --no-all-versions linux-image-riscv64   (→ linux-image-VERSION)
//   apt-get   -c APT/apt.conf download PKG=VER ...                        (in debs/)
//   dpkg-deb  -x DEB pkgs/PKG                                             (each package)
//   depmod    -b pkgs/linux-image-VERSION/usr VERSION                     (Debian ships no modules.dep)
//
// then builds the default initramfs and writes manifest.json last. Layout: store.ts.

import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  formatSourcesStanza, pickDebianSource, readHostSources, parseDeb822, HOST_SOURCE_FILES, type AptSource, type HostSourceFiles,
} from "./apt-sources.js";
import { ImagesError } from "./errors.js";
import { findFetchTools, HostRunner } from "./host-tools.js";
import { buildInitramfs, DEFAULT_MODULES, defaultInitDigest } from "./initramfs.js";
import { Progress, formatBytes, type ProgressOut, type Step } from "./progress.js";
import {
  cacheRoot, debianLayout, readManifest, resolveManifest, writeManifest,
  type CachedImages, type DebianLayout, type Manifest, type ManifestPackage,
} from "./store.js";

export const DEBIAN_SUITE = "stable";
export const DEBIAN_ARCH = "riscv64";
/** The kernel metapackage; it depends on the current linux-image-VERSION-riscv64. */
export const KERNEL_METAPACKAGE = "linux-image-riscv64";
export const OTHER_PACKAGES: readonly string[] = ["busybox-static", "opensbi", "u-boot-qemu"];

/** Where the files we need sit inside the packages (first match wins). */
const BUSYBOX_PATHS = ["usr/bin/busybox", "bin/busybox"];
const OPENSBI_DIRS = ["usr/lib/riscv64-linux-gnu/opensbi/generic"];
const UBOOT_PATHS = ["usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"];
const MODULE_ROOTS = ["usr", ""]; // usr/lib/modules (merged /usr, trixie) or lib/modules

const FETCH_STEPS = 7;

export interface FetchOptions {
  /** cache root; default cacheRoot() */
  root?: string;
  /** refetch even when the cache is complete */
  force?: boolean;
  /** copy apt's and depmod's own output to stderr */
  verbose?: boolean;
  /** progress output; default process.stderr */
  out?: ProgressOut;
  env?: NodeJS.ProcessEnv;
  /** host apt source files to read; default /etc/apt/sources.list{,.d} */
  hostSources?: HostSourceFiles;
}

export interface FetchResult {
  /** false when the cache was already complete and nothing was done */
  fetched: boolean;
  images: CachedImages;
  manifest: Manifest;
  cache: string;
}

/** Fetch, unpack and prepare Debian's riscv64 kernel, busybox-static, OpenSBI and U-Boot. */
export async function fetchDebianImages(opts: FetchOptions = {}): Promise<FetchResult> {
  const env = opts.env ?? process.env;
  const layout = debianLayout(opts.root ?? cacheRoot(env));
  const progress = new Progress(FETCH_STEPS, opts.out);

  if (!opts.force) {
    const m = readManifest(layout);
    if (m !== undefined) {
      const { images, missing } = resolveManifest(layout, m);
      if (missing === undefined) return { fetched: false, images, manifest: m, cache: layout.base };
    }
  }

  const tools = findFetchTools(env);
  const runner = new HostRunner(env, opts.verbose === true, progress.tty);

  // Start clean, keeping apt's lists (apt refreshes them incrementally).
  for (const p of [layout.manifest, layout.initrd, layout.debs, layout.pkgs]) rmSync(p, { recursive: true, force: true });

  let step = progress.step("reading the host's apt sources");
  const source = chooseSource(env, opts.hostSources ?? HOST_SOURCE_FILES);
  step.done(`${source.uri} (from ${source.origin})`);

  const conf = writePrivateApt(layout, source);

  step = progress.step(`updating package lists (${DEBIAN_SUITE}, ${DEBIAN_ARCH})`);
  await runner.run(step, tools.aptGet, ["-c", conf, "update"]);
  if (!readdirSync(join(layout.apt, "lists")).some((f) => f.includes(`binary-${DEBIAN_ARCH}_Packages`))) {
    step.fail();
    throw new ImagesError({ kind: "NoRiscv64", mirror: source.uri });
  }
  step.done();

  step = progress.step("choosing packages");
  const meta = await showPackages(runner, step, tools.aptCache, conf, [KERNEL_METAPACKAGE]);
  const kernelPkg = (meta.get(KERNEL_METAPACKAGE)!.depends ?? "")
    .split(",").map((d) => d.trim().split(/\s+/)[0]!).find((d) => /^linux-image-\d/.test(d));
  if (kernelPkg === undefined) {
    step.fail();
    throw new ImagesError({ kind: "UnexpectedPackage", pkg: KERNEL_METAPACKAGE, detail: "no linux-image-VERSION dependency" });
  }
  const wanted = [kernelPkg, ...OTHER_PACKAGES];
  const info = await showPackages(runner, step, tools.aptCache, conf, wanted);
  step.done(wanted.map((p) => `${p} ${info.get(p)!.version}`).join(", "));

  const totalBytes = wanted.reduce((n, p) => n + info.get(p)!.size, 0);
  step = progress.step(`downloading ${wanted.length} packages`);
  mkdirSync(layout.debs, { recursive: true });
  const poll = setInterval(() => {
    const got = dirBytes(layout.debs);
    step.bar(got, totalBytes, `${formatBytes(got)} / ${formatBytes(totalBytes)}`);
  }, 200);
  try {
    await runner.run(step, tools.aptGet, ["-c", conf, "download", ...wanted.map((p) => `${p}=${info.get(p)!.version}`)],
      { cwd: layout.debs, quietUpdates: true });
  } finally {
    clearInterval(poll);
  }
  step.done(formatBytes(dirBytes(layout.debs)));

  step = progress.step("unpacking with dpkg-deb -x");
  const packages: ManifestPackage[] = [];
  for (const name of wanted) {
    const deb = readdirSync(layout.debs).find((f) => f.startsWith(`${name}_`) && f.endsWith(".deb"));
    if (deb === undefined) {
      step.fail();
      throw new ImagesError({ kind: "CommandFailed", command: "apt-get download", status: 0, output: `no .deb for ${name} in ${layout.debs}` });
    }
    const dir = join(layout.pkgs, name);
    mkdirSync(dir + ".tmp", { recursive: true });
    step.update(name);
    await runner.run(step, tools.dpkgDeb, ["-x", join(layout.debs, deb), dir + ".tmp"]);
    renameSync(dir + ".tmp", dir);
    packages.push({ name, version: info.get(name)!.version, deb: relative(layout.base, join(layout.debs, deb)), dir: relative(layout.base, dir) });
  }
  step.done(`into ${layout.pkgs}`);

  const kernelVersion = kernelPkg.slice("linux-image-".length);
  const found = locateFiles(layout, kernelPkg, kernelVersion);

  step = progress.step(`depmod ${kernelVersion}`);
  await runner.run(step, tools.depmod, ["-b", found.moduleBase, kernelVersion]);
  if (!existsSync(join(found.modulesDir, "modules.dep"))) {
    step.fail();
    throw new ImagesError({ kind: "NoModulesDep", modulesDir: found.modulesDir });
  }
  step.done(`${countModules(found.modulesDir)} modules`);

  step = progress.step("building the default initramfs");
  const initrd = writeDefaultInitramfs(layout, found.busybox, found.modulesDir);
  step.done(`${formatBytes(initrd.length)}, modules ${DEFAULT_MODULES.join(" ")}`);

  const rel = (p: string) => relative(layout.base, p);
  const manifest: Manifest = {
    format: 1,
    fetchedAt: new Date().toISOString(),
    suite: DEBIAN_SUITE,
    architecture: DEBIAN_ARCH,
    mirror: source.uri,
    kernelVersion,
    packages,
    paths: {
      kernel: rel(found.kernel), initrd: rel(layout.initrd), fwDynamic: rel(found.fwDynamic),
      fwJump: rel(found.fwJump), uboot: rel(found.uboot), modulesDir: rel(found.modulesDir), busybox: rel(found.busybox),
    },
    initrdModules: [...DEFAULT_MODULES],
    initrdDigest: defaultInitDigest(),
  };
  writeManifest(layout, manifest);
  return { fetched: true, images: resolveManifest(layout, manifest).images, manifest, cache: layout.base };
}

/** Build the default initramfs from the cached busybox and modules, and put it in place atomically. */
function writeDefaultInitramfs(layout: DebianLayout, busybox: string, modulesDir: string): Buffer {
  const initrd = buildInitramfs({ busybox, modulesDir, modules: DEFAULT_MODULES, gzip: true });
  const tmp = `${layout.initrd}.${process.pid}.tmp`;
  writeFileSync(tmp, initrd);
  renameSync(tmp, layout.initrd);
  return initrd;
}

/**
 * A cache whose default initramfs an older Bulkhead built (another /init): build it
 * again from the cached busybox and modules, without fetching. Returns the manifest as it is now.
 */
export function refreshInitramfs(layout: DebianLayout, m: Manifest): Manifest {
  if (m.initrdDigest === defaultInitDigest()) return m;
  const { images } = resolveManifest(layout, m);
  writeDefaultInitramfs(layout, images.busybox, images.modulesDir);
  const next: Manifest = { ...m, initrdModules: [...DEFAULT_MODULES], initrdDigest: defaultInitDigest() };
  writeManifest(layout, next);
  return next;
}

/** The host's Debian source, or BULKHEAD_DEBIAN_MIRROR when set. */
function chooseSource(env: NodeJS.ProcessEnv, files: HostSourceFiles): AptSource {
  const override = env.BULKHEAD_DEBIAN_MIRROR;
  if (override) {
    const keyring = "/usr/share/keyrings/debian-archive-keyring.gpg";
    return {
      uri: override, suites: [DEBIAN_SUITE], components: ["main"],
      ...(existsSync(keyring) ? { signedBy: keyring } : {}), origin: "BULKHEAD_DEBIAN_MIRROR",
    };
  }
  const { sources, read } = readHostSources(files);
  const s = pickDebianSource(sources);
  if (s === undefined) throw new ImagesError({ kind: "NoDebianSource", looked: read });
  return s;
}

/** apt.conf and a deb822 sources file for the private apt; returns the apt.conf path. */
export function writePrivateApt(layout: DebianLayout, source: AptSource): string {
  const a = layout.apt;
  if (/["\n]/.test(a)) throw new ImagesError({ kind: "BadPath", path: a, why: "the cache path may not contain '\"' or a newline (apt.conf syntax)" });
  for (const d of ["lists/partial", "cache/archives/partial", "sources.list.d"]) mkdirSync(join(a, d), { recursive: true });
  writeFileSync(join(a, "status"), "");
  writeFileSync(join(a, "bulkhead.sources"), formatSourcesStanza(source, DEBIAN_SUITE));
  const conf = join(a, "apt.conf");
  writeFileSync(conf, `// Written by bulkhead images fetch; read after the host's apt configuration.
// A private apt for Debian ${DEBIAN_ARCH} packages: the host's mirror, keyrings and proxies,
// but its own sources, lists, caches and (empty) dpkg status.
#clear APT::Update::Pre-Invoke;
#clear APT::Update::Post-Invoke;
#clear APT::Update::Post-Invoke-Success;
#clear DPkg::Pre-Invoke;
#clear DPkg::Post-Invoke;
#clear DPkg::Pre-Install-Pkgs;
#clear APT::Architectures;
APT::Architecture "${DEBIAN_ARCH}";
APT::Architectures { "${DEBIAN_ARCH}"; };
Dir::State "${a}";
Dir::State::Lists "${a}/lists";
Dir::State::status "${a}/status";
Dir::State::extended_states "${a}/extended_states";
Dir::Cache "${a}/cache";
Dir::Cache::pkgcache "${a}/cache/pkgcache.bin";
Dir::Cache::srcpkgcache "${a}/cache/srcpkgcache.bin";
Dir::Etc::sourcelist "${a}/bulkhead.sources";
Dir::Etc::sourceparts "${a}/sources.list.d";
Acquire::Languages "none";
`);
  return conf;
}

interface PackageInfo { version: string; size: number; depends?: string }

async function showPackages(runner: HostRunner, step: Step, aptCache: string, conf: string, names: readonly string[]) {
  let out: string;
  try {
    out = await runner.run(step, aptCache, ["-c", conf, "show", "--no-all-versions", ...names]);
  } catch (e) {
    // apt-cache exits 100 with "E: No packages found" only when none is known.
    if (e instanceof ImagesError && e.info.kind === "CommandFailed" && e.info.output.includes("No packages found")) {
      throw new ImagesError({ kind: "PackageMissing", pkg: names.join(", ") });
    }
    throw e;
  }
  const info = new Map<string, PackageInfo>();
  for (const { fields } of parseDeb822(out)) {
    const name = fields.get("package");
    if (name === undefined || info.has(name)) continue;
    const depends = fields.get("depends");
    info.set(name, { version: fields.get("version") ?? "", size: Number(fields.get("size") ?? 0), ...(depends ? { depends } : {}) });
  }
  for (const n of names) {
    if (!info.has(n)) { step.fail(); throw new ImagesError({ kind: "PackageMissing", pkg: n }); }
  }
  return info;
}

/** Find the files we use inside the unpacked packages; checks the kernel's image header. */
function locateFiles(layout: DebianLayout, kernelPkg: string, version: string) {
  const pkg = (name: string) => join(layout.pkgs, name);
  const first = (pkgName: string, rels: readonly string[], what: string) => {
    const hit = rels.map((r) => join(pkg(pkgName), r)).find((p) => existsSync(p));
    if (hit === undefined) throw new ImagesError({ kind: "UnexpectedPackage", pkg: pkgName, detail: `no ${what} at ${rels.join(" or ")}` });
    return hit;
  };
  const kernel = first(kernelPkg, [`boot/vmlinux-${version}`, `boot/vmlinuz-${version}`], "kernel image");
  const head = readFileSync(kernel).subarray(0, 64);
  // RISC-V Linux image header: magic "RISCV\0\0\0" at 0x30, "RSC\x05" at 0x38.
  if (head.toString("latin1", 0x30, 0x35) !== "RISCV" || head.toString("latin1", 0x38, 0x3c) !== "RSC\x05") {
    throw new ImagesError({ kind: "UnexpectedPackage", pkg: kernelPkg, detail: `${kernel} has no RISC-V image header` });
  }
  const moduleRoot = MODULE_ROOTS.find((r) => existsSync(join(pkg(kernelPkg), r, "lib/modules", version)));
  if (moduleRoot === undefined) throw new ImagesError({ kind: "UnexpectedPackage", pkg: kernelPkg, detail: `no lib/modules/${version}` });
  const moduleBase = join(pkg(kernelPkg), moduleRoot);
  const sbi = first("opensbi", OPENSBI_DIRS.map((d) => `${d}/fw_dynamic.bin`), "fw_dynamic.bin");
  return {
    kernel,
    moduleBase,
    modulesDir: join(moduleBase, "lib/modules", version),
    busybox: first("busybox-static", BUSYBOX_PATHS, "busybox"),
    fwDynamic: sbi,
    fwJump: first("opensbi", OPENSBI_DIRS.map((d) => `${d}/fw_jump.bin`), "fw_jump.bin"),
    uboot: first("u-boot-qemu", UBOOT_PATHS, "U-Boot qemu-riscv64_smode"),
  };
}

/** Number of module lines in modules.dep. */
export function countModules(modulesDir: string): number {
  const p = join(modulesDir, "modules.dep");
  return existsSync(p) ? readFileSync(p, "utf8").split("\n").filter((l) => l.includes(":")).length : 0;
}

function dirBytes(dir: string): number {
  let n = 0;
  try {
    for (const f of readdirSync(dir)) {
      try { n += statSync(join(dir, f)).size; } catch { /* vanished mid-download */ }
    }
  } catch { /* not created yet */ }
  return n;
}
