// Kernel module selection for an initramfs: reads the files depmod writes into
// lib/modules/VERSION (modules.dep, modules.softdep, modules.alias, modules.builtin)
// and turns a list of module names into the files to copy, in load order.
//
// modules.dep lines are "kernel/fs/ext4/ext4.ko.xz: kernel/lib/crc16.ko.xz ...", paths
// relative to the version directory. Soft dependencies are not in modules.dep: ext4
// needs crc32c_generic loaded first but only says "softdep ext4 pre: crypto-crc32c",
// an alias that modules.alias maps to crc32c_generic.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ImagesError } from "./errors.js";

/** One loadable module: its name ("virtio_net") and path relative to the modules directory. */
export interface KernelModule {
  name: string;
  path: string;
}

/** Everything depmod says about one kernel's modules. */
export interface ModuleIndex {
  dir: string;
  /** module name → its file and the names of its hard dependencies, as listed */
  deps: Map<string, { path: string; deps: string[] }>;
  /** module name → soft dependencies (names or aliases) to load before and after it */
  softdeps: Map<string, { pre: string[]; post: string[] }>;
  /** alias → module names */
  aliases: Map<string, string[]>;
  /** names of drivers compiled into the kernel image */
  builtin: Set<string>;
}

/**
 * Soft dependencies to assume when a modules directory has no modules.softdep
 * (depmod older than kmod 20). From field notes: ext4 mounts fail without crc32c.
 */
export const FALLBACK_SOFTDEPS: Readonly<Record<string, readonly string[]>> = {
  ext4: ["crc32c_generic"],
  jbd2: ["crc32c_generic"],
};

/** "kernel/drivers/virtio/virtio-mmio.ko.xz" → "virtio_mmio" (kmod's rule: dashes become underscores). */
export function moduleName(path: string): string {
  const base = path.slice(path.lastIndexOf("/") + 1);
  const dot = base.indexOf(".ko");
  return (dot >= 0 ? base.slice(0, dot) : base).replace(/-/g, "_");
}

/** Parse modules.dep text into name → { path, dep names }. */
export function parseModulesDep(text: string): Map<string, { path: string; deps: string[] }> {
  const out = new Map<string, { path: string; deps: string[] }>();
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const colon = line.indexOf(":");
    if (colon < 0) continue;
    const path = line.slice(0, colon).trim();
    const deps = line.slice(colon + 1).trim().split(/\s+/).filter((d) => d !== "").map(moduleName);
    out.set(moduleName(path), { path, deps });
  }
  return out;
}

/** Parse modules.softdep ("softdep MOD pre: a b post: c"); names before any "pre:"/"post:" are ignored, as kmod does. */
export function parseSoftdeps(text: string): Map<string, { pre: string[]; post: string[] }> {
  const out = new Map<string, { pre: string[]; post: string[] }>();
  for (const raw of text.split("\n")) {
    const words = raw.trim().split(/\s+/);
    if (words[0] !== "softdep" || words.length < 2) continue;
    const entry = out.get(moduleName(words[1]!)) ?? { pre: [], post: [] };
    let mode: "none" | "pre" | "post" = "none";
    for (const w of words.slice(2)) {
      if (w === "pre:") mode = "pre";
      else if (w === "post:") mode = "post";
      else if (mode !== "none") entry[mode].push(w);
    }
    out.set(moduleName(words[1]!), entry);
  }
  return out;
}

/** Parse modules.alias ("alias crypto-crc32c crc32c_generic") into alias → module names. */
export function parseAliases(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const raw of text.split("\n")) {
    const words = raw.trim().split(/\s+/);
    if (words[0] !== "alias" || words.length < 3) continue;
    const list = out.get(words[1]!) ?? [];
    list.push(moduleName(words[2]!));
    out.set(words[1]!, list);
  }
  return out;
}

const readIf = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : undefined);

/** Read the depmod output in `dir` (a lib/modules/VERSION directory). */
export function readModuleIndex(dir: string): ModuleIndex {
  const dep = readIf(join(dir, "modules.dep"));
  if (dep === undefined) throw new ImagesError({ kind: "NoModulesDep", modulesDir: dir });
  const soft = readIf(join(dir, "modules.softdep"));
  const softdeps = soft !== undefined ? parseSoftdeps(soft) : new Map(
    Object.entries(FALLBACK_SOFTDEPS).map(([m, pre]) => [m, { pre: [...pre], post: [] }]),
  );
  const builtin = new Set((readIf(join(dir, "modules.builtin")) ?? "").split("\n").filter((l) => l.trim()).map(moduleName));
  return {
    dir,
    deps: parseModulesDep(dep),
    softdeps,
    aliases: parseAliases(readIf(join(dir, "modules.alias")) ?? ""),
    builtin,
  };
}

/**
 * The modules to load for `requested`, each after everything it needs: soft "pre"
 * dependencies, then hard dependencies, then the module, then soft "post" ones.
 * Built-in drivers are skipped; an unknown name is an error; an unresolvable soft
 * dependency is skipped (it is soft).
 */
export function resolveModules(index: ModuleIndex, requested: readonly string[]): KernelModule[] {
  const order: KernelModule[] = [];
  const seen = new Set<string>();

  const lookup = (nameOrAlias: string): string | undefined => {
    const n = moduleName(nameOrAlias);
    if (index.deps.has(n)) return n;
    return index.aliases.get(nameOrAlias)?.find((m) => index.deps.has(m));
  };

  const visit = (name: string): void => {
    if (seen.has(name)) return;
    seen.add(name);
    const entry = index.deps.get(name)!;
    const soft = index.softdeps.get(name);
    for (const s of soft?.pre ?? []) {
      const m = lookup(s);
      if (m !== undefined) visit(m);
    }
    for (const d of entry.deps) {
      if (!index.deps.has(d)) throw new ImagesError({ kind: "UnknownModule", module: d, modulesDir: index.dir });
      visit(d);
    }
    order.push({ name, path: entry.path });
    for (const s of soft?.post ?? []) {
      const m = lookup(s);
      if (m !== undefined) visit(m);
    }
  };

  for (const r of requested) {
    const n = moduleName(r.trim());
    if (n === "") continue;
    if (!index.deps.has(n) && index.builtin.has(n)) continue;
    const m = lookup(r.trim());
    if (m === undefined) throw new ImagesError({ kind: "UnknownModule", module: r, modulesDir: index.dir });
    visit(m);
  }
  return order;
}

/**
 * modules.dep for an initramfs that carries only `mods`: each line lists everything
 * the module needs, soft "pre" dependencies included (busybox's modprobe does not read
 * modules.softdep), in depmod's order: the last one is loaded first.
 */
export function trimModulesDep(index: ModuleIndex, mods: readonly KernelModule[]): string {
  const lines: string[] = [];
  for (const m of mods) {
    const all = resolveModules(index, [m.name]);
    const deps = all.slice(0, all.findIndex((d) => d.name === m.name)).reverse().map((d) => d.path);
    lines.push(`${m.path}:${deps.length ? " " + deps.join(" ") : ""}`);
  }
  return lines.join("\n") + "\n";
}

/** modules.alias lines whose module is in `mods` (for modprobe by alias: devices, "fs-ext4", "crypto-crc32c"). */
export function trimModulesAlias(index: ModuleIndex, mods: readonly KernelModule[]): string {
  const keep = new Set(mods.map((m) => m.name));
  const lines: string[] = [];
  for (const [alias, names] of index.aliases) {
    for (const n of names) if (keep.has(n)) lines.push(`alias ${alias} ${n}`);
  }
  return lines.map((l) => l + "\n").join("");
}
