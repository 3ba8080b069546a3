// Debian packages for a guest's userland, with their dependencies, as Debian ships them.
//
// apt resolves the set in the private apt state of `images fetch` (its lists, an empty
// dpkg status, so every library a package needs comes along), downloads the versions it
// chose, and dpkg-deb unpacks each into one root. No maintainer script runs and no file
// is changed; documentation (usr/share/{doc,man,info,locale,lintian}) and glibc's iconv
// modules (gconv, 6 MB) are left out, as dpkg's path-exclude does on minimal images.
//
//   apt-get -c APT/apt.conf -s install --no-install-recommends PKG...   (the closure, versions)
//   apt-get -c APT/apt.conf download PKG=VER ...                          (in debs/)
//   dpkg-deb -x DEB sets/KEY/root                                         (each package)
//
// A set is cached under debian/sets/KEY, KEY naming the packages and versions chosen;
// a set is unpacked beside its place and renamed into it with its set.json, so a set
// without one is incomplete and is rebuilt.

import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { findFetchTools, HostRunner } from "./host-tools.js";
import { ImagesError } from "./errors.js";
import { Progress, formatBytes, type ProgressOut } from "./progress.js";
import { cacheRoot, debianLayout, readManifest } from "./store.js";
import type { CpioWriter } from "./cpio.js";

/** A Debian package name as policy allows it (5.6.1). */
const PACKAGE_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** Left out of a set's root, as dpkg's path-exclude leaves them out of minimal images. */
const EXCLUDED = ["usr/share/doc", "usr/share/man", "usr/share/info", "usr/share/locale", "usr/share/lintian", "usr/lib/riscv64-linux-gnu/gconv"];

export interface ChosenPackage { name: string; version: string }

/** set.json: a complete, unpacked package set. */
export interface PackageSet {
  format: 1;
  /** the names asked for, sorted */
  requested: string[];
  /** what apt chose: the requested packages and their dependencies, in apt's order */
  packages: ChosenPackage[];
  /** the unpacked root, absolute */
  root: string;
  bytes: number;
}

export interface PackageSetOptions {
  names: readonly string[];
  /** cache root; default cacheRoot(env) */
  cache?: string;
  env?: NodeJS.ProcessEnv;
  out?: ProgressOut;
  verbose?: boolean;
}

/** Check a list of package names; returns them sorted, without duplicates. */
export function packageNames(names: readonly string[]): string[] {
  if (names.length === 0) throw new ImagesError({ kind: "BadPackageName", name: "", why: "the list is empty" });
  for (const n of names) {
    if (!PACKAGE_NAME.test(n)) {
      throw new ImagesError({ kind: "BadPackageName", name: n, why: "Debian package names are lower-case letters, digits, '+', '-' and '.'" });
    }
  }
  return [...new Set(names)].sort();
}

/** Parse `apt-get -s install` output: the packages it would install, in its order. */
export function parseSimulatedInstall(out: string): ChosenPackage[] {
  const chosen: ChosenPackage[] = [];
  for (const line of out.split("\n")) {
    const m = /^Inst (\S+) (?:\[[^\]]*\] )?\((\S+) /.exec(line);
    if (m) chosen.push({ name: m[1]!.replace(/:riscv64$/, ""), version: m[2]! });
  }
  return chosen;
}

/** The cache key of a resolved set: the packages and versions apt chose. */
export function setKey(chosen: readonly ChosenPackage[]): string {
  const h = createHash("sha256");
  for (const p of [...chosen].sort((a, b) => a.name.localeCompare(b.name))) h.update(`${p.name}=${p.version}\n`);
  return h.digest("hex").slice(0, 16);
}

/** Resolve, download and unpack a package set; a cached one is reused. */
export async function fetchPackageSet(opts: PackageSetOptions): Promise<PackageSet> {
  const env = opts.env ?? process.env;
  const requested = packageNames(opts.names);
  const layout = debianLayout(opts.cache ?? cacheRoot(env));
  if (readManifest(layout) === undefined) throw new ImagesError({ kind: "NotFetched", cache: layout.base });
  const conf = join(layout.apt, "apt.conf");
  const tools = findFetchTools(env);
  // Resolving is quick and shows nothing; a set not yet cached shows its download and unpacking.
  const quiet = new Progress(1, { write: () => true });
  let step = quiet.step("resolving");
  let runner = new HostRunner(env, opts.verbose === true, false);
  const sim = await runner.run(step, tools.aptGet, ["-c", conf, "-s", "install", "--no-install-recommends", ...requested])
    .catch((e: unknown) => {
      if (e instanceof ImagesError && e.info.kind === "CommandFailed" && /Unable to locate package|has no installation candidate/.test(e.info.output)) {
        throw new ImagesError({ kind: "PackageMissing", pkg: requested.join(", ") });
      }
      throw e;
    });
  const chosen = parseSimulatedInstall(sim);
  const missing = requested.filter((n) => !chosen.some((p) => p.name === n));
  if (missing.length > 0) {
    step.fail();
    throw new ImagesError({ kind: "UnexpectedPackage", pkg: missing.join(", "), detail: "apt would not install it (virtual or already satisfied)" });
  }
  const key = setKey(chosen);
  const dir = join(layout.base, "sets", key);
  step.done();
  const cached = readSet(dir);
  if (cached !== undefined) return cached;

  const progress = new Progress(2, opts.out);
  runner = new HostRunner(env, opts.verbose === true, progress.tty);
  step = progress.step(`downloading ${requested.join(", ")} and ${chosen.length - requested.length} packages they need`);
  mkdirSync(layout.debs, { recursive: true });
  const debOf = (p: ChosenPackage) => readdirSync(layout.debs).find((f) => f.startsWith(`${p.name}_`) && f.endsWith(".deb") &&
    decodeURIComponent(f.split("_")[1] ?? "") === p.version);
  const needed = chosen.filter((p) => debOf(p) === undefined);
  if (needed.length > 0) {
    await runner.run(step, tools.aptGet, ["-c", conf, "download", ...needed.map((p) => `${p.name}=${p.version}`)], { cwd: layout.debs, quietUpdates: true });
  }
  step.done(`${needed.length} downloaded, ${chosen.length - needed.length} cached`);

  step = progress.step("unpacking with dpkg-deb -x");
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  const root = join(tmp, "root");
  mkdirSync(root, { recursive: true });
  for (const p of chosen) {
    const deb = debOf(p);
    if (deb === undefined) {
      step.fail();
      throw new ImagesError({ kind: "CommandFailed", command: "apt-get download", status: 0, output: `no .deb for ${p.name} ${p.version} in ${layout.debs}` });
    }
    step.update(p.name);
    await runner.run(step, tools.dpkgDeb, ["-x", join(layout.debs, deb), root]);
  }
  for (const d of EXCLUDED) rmSync(join(root, d), { recursive: true, force: true });
  const bytes = treeBytes(root);
  writeFileSync(join(tmp, "set.json"), JSON.stringify({ format: 1, requested, packages: chosen, root: "root", bytes }, null, 2) + "\n");
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process unpacked the same set meanwhile: use theirs.
    rmSync(tmp, { recursive: true, force: true });
    const theirs = readSet(dir);
    if (theirs === undefined) throw e;
    step.done("unpacked by another process");
    return theirs;
  }
  const set: PackageSet = { format: 1, requested, packages: chosen, root: join(dir, "root"), bytes };
  step.done(`${formatBytes(set.bytes)} in ${set.root}`);
  return set;
}

function readSet(dir: string): PackageSet | undefined {
  try {
    const s = JSON.parse(readFileSync(join(dir, "set.json"), "utf8")) as PackageSet;
    if (s.format !== 1 || !existsSync(join(dir, "root"))) return undefined;
    return { ...s, root: join(dir, "root") };
  } catch {
    return undefined;
  }
}

function treeBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p);
    else if (e.isFile()) n += lstatSync(p).size;
  }
  return n;
}

/**
 * Add an unpacked root to an archive under construction: directories, regular files
 * with their permission bits, symlinks as they are. Merged /usr: top-level bin, sbin
 * and lib of older packages go under usr/, where the archive's /lib symlink points.
 * Device files and other special files are not carried.
 */
export function addTree(w: CpioWriter, root: string, rel = ""): void {
  for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const from = rel === "" ? e.name : `${rel}/${e.name}`;
    const to = /^(bin|sbin|lib|lib64)(\/|$)/.test(from) ? `usr/${from}` : from;
    const abs = join(root, from);
    if (e.isSymbolicLink()) w.symlink(to, readlinkSync(abs));
    else if (e.isDirectory()) {
      w.dir(to, lstatSync(abs).mode & 0o7777);
      addTree(w, root, from);
    } else if (e.isFile()) w.file(to, readFileSync(abs), lstatSync(abs).mode & 0o7777);
  }
}
