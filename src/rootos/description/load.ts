// The edge: a system description file in, a checked SystemDescription and its
// SystemPlan out, or a DescriptionError with every problem found, in file order.
//
//   text ──parse.ts──▶ data ──shape.ts (schema)──┐
//                          └──convert.ts (draft)─┴─check.ts──▶ issues? DescriptionError
//                                                                   : freeze ──▶ derive (../plan)
import { closeSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readGpt, type GptTable } from "../../images/gpt.js";
import type { CachedImages } from "../../images/store.js";
import { deepFreeze, derivePlan, type DeriveEnv } from "../plan/derive.js";
import type { SystemPlan } from "../plan/types.js";
import type { PeekedBundle } from "../../images/bundle.js";
import { checkDescription, peekBundle, probePath, type Probe } from "./check.js";
import { convertDescription } from "./convert.js";
import { DescriptionError, describe, formatPath, type DescriptionIssue, type PathSegment } from "./errors.js";
import { parseYaml, type ParsedYaml, type RawIssue } from "./parse.js";
import { checkShape } from "./shape.js";
import type { Draft, InitramfsRef, SystemDescription } from "./types.js";

/** The system `bulkhead up` and `bulkhead validate` use when given no file. */
export const DEFAULT_SYSTEM = fileURLToPath(new URL("../../../../examples/mixed-criticality.yaml", import.meta.url));

export interface LoadOptions {
  /**
   * Debian's images, asked for only when the description names one (debian:kernel, ...).
   * Default: src/images ensureImages(), which fetches them on first use, as `bulkhead run` does.
   */
  readonly debianImages?: () => Promise<CachedImages>;
  /**
   * Builds the initramfs of an `initrd: { debian: [...] }` and returns its path. Default:
   * src/images ensureBuiltInitramfs(), which fetches and caches what it needs.
   */
  readonly buildInitramfs?: (spec: InitramfsRef) => Promise<string>;
  /** What is at a host path; default: the host's file system. */
  readonly probe?: (path: string) => Probe;
  /** Whether a file is an ELF; default: reads its header (see DeriveEnv). */
  readonly isElf?: DeriveEnv["isElf"];
  /** A missing disk image is no problem even without create: true (bulkhead disk create is making it). */
  readonly missingDisksOk?: boolean;
}

export interface LoadedSystem {
  readonly description: SystemDescription;
  readonly plan: SystemPlan;
}

/** Read, check and plan the description in `file`. Rejects with DescriptionError listing every problem. */
export async function loadSystem(file: string, opts: LoadOptions = {}): Promise<LoadedSystem> {
  const parsed = readSystemFile(file);
  return loadSystemData(parsed.value, file, opts, parsed.lineOf);
}

/** The YAML of the description in `file`, parsed; DescriptionError when it cannot be read or is not YAML. */
export function readSystemFile(file: string): ParsedYaml {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "missing" : code === "EISDIR" ? "directory" : "unreadable";
    throw new DescriptionError(file, [issue({ path: [], problem: { kind: "FileMissing", what: "system description", path: resolve(file), why } })]);
  }
  return parseText(text, file);
}

/** As loadSystem, for text already read; relative paths in it are relative to `file`'s directory. */
export async function loadSystemText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedSystem> {
  const parsed = parseText(text, file);
  return loadSystemData(parsed.value, file, opts, parsed.lineOf);
}

function parseText(text: string, file: string): ParsedYaml {
  const parsed = parseYaml(text);
  if (parsed.issues.length > 0) throw new DescriptionError(file, parsed.issues.map((r) => issue(r)));
  return parsed;
}

/**
 * As loadSystemText, for the description as plain data (what the YAML parses to): the
 * shell's assign, unassign and create edit that data and check it again, whole, with
 * every check a file gets. `lineOf` places issues in the file, when there is one.
 */
export async function loadSystemData(
  value: unknown, file: string, opts: LoadOptions = {}, lineOf: (path: readonly PathSegment[]) => number | undefined = () => undefined,
): Promise<LoadedSystem> {
  const abs = resolve(file);
  const fail = (raw: readonly RawIssue[]): never => {
    const issues = raw.map((r) => issue(r, lineOf(r.path)));
    throw new DescriptionError(file, sortIssues(issues));
  };
  const shape = checkShape(value);
  const { draft, issues: valueIssues } = convertDescription(value, abs, dirname(abs));
  let debian: CachedImages | { error: string } | undefined;
  if (namesDebianImage(draft)) {
    try {
      debian = await (opts.debianImages ?? defaultDebianImages)();
    } catch (e) {
      debian = { error: (e as Error).message };
    }
  }
  const initramfs = new Map<string, string | { error: string }>();
  // Built only for a description of the right shape: building fetches packages.
  for (const ref of shape.length === 0 ? builtInitramfsRefs(draft) : []) {
    if (initramfs.has(ref.ref)) continue;
    try {
      initramfs.set(ref.ref, await (opts.buildInitramfs ?? defaultBuildInitramfs)(ref));
    } catch (e) {
      initramfs.set(ref.ref, { error: (e as Error).message });
    }
  }
  const gpts = new Map<string, { size: number; gpt: GptTable } | { error: string }>();
  const gpt = (path: string): GptTable | { error: string } => {
    let t = gpts.get(path);
    if (t === undefined) gpts.set(path, (t = readImageGpt(path)));
    return "error" in t ? t : t.gpt;
  };
  const bundles = bundleCache();
  const checks = checkDescription(draft, { probe: opts.probe ?? probePath, gpt, bundle: bundles.peek, ...(debian ? { debian } : {}),
    ...(initramfs.size ? { initramfs } : {}), ...(opts.missingDisksOk ? { missingDisksOk: true } : {}) });
  const all = [...shape, ...valueIssues, ...checks];
  if (all.length > 0) fail(all);

  // No issue: the schema and the checks guarantee every part of the draft is there.
  const description = deepFreeze(draft as SystemDescription);
  const images = new Map<string, { size: number; gpt: GptTable }>();
  for (const [path, t] of gpts) if (!("error" in t)) images.set(path, t);
  const plan = derivePlan(description, {
    ...(debian && !("error" in debian) ? { debian } : {}),
    existingImages: images,
    initramfs: new Map([...initramfs].filter((e): e is [string, string] => typeof e[1] === "string")),
    bundles: bundles.read,
    ...(opts.isElf ? { isElf: opts.isElf } : {}),
  });
  return { description, plan };
}

/** Bundle manifests read once for the checks and the plan: `peek` reads (or says why not), `read` holds the readable ones. */
function bundleCache(): { peek(path: string): PeekedBundle | { error: string }; read: Map<string, PeekedBundle> } {
  const tried = new Map<string, PeekedBundle | { error: string }>();
  const read = new Map<string, PeekedBundle>();
  return {
    read,
    peek(path) {
      let t = tried.get(path);
      if (t === undefined) {
        tried.set(path, (t = peekBundle(path)));
        if (!("error" in t)) read.set(path, t);
      }
      return t;
    },
  };
}

/** The GPT of the image at `path`, or why it has none. */
function readImageGpt(path: string): { size: number; gpt: GptTable } | { error: string } {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    const f = fd;
    const read = (offset: number, len: number): Uint8Array => {
      const buf = new Uint8Array(len);
      return buf.subarray(0, readSync(f, buf, 0, len, offset));
    };
    const size = statSync(path).size;
    return { size, gpt: readGpt(read, size, path) };
  } catch (e) {
    const info = (e as { info?: { kind: string; why?: string } }).info;
    return { error: info?.kind === "NotGpt" && info.why !== undefined ? info.why : (e as Error).message };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

async function defaultDebianImages(): Promise<CachedImages> {
  const images = await import("../../images/index.js");
  return images.ensureImages();
}

async function defaultBuildInitramfs(ref: InitramfsRef): Promise<string> {
  const images = await import("../../images/index.js");
  return images.ensureBuiltInitramfs(ref);
}

/** The `initrd: { debian: [...] }` of every VM. */
function builtInitramfsRefs(d: Draft<SystemDescription>): InitramfsRef[] {
  return (d.vms ?? []).flatMap((vm) => {
    const b = vm?.boot;
    return b?.kind === "kernel" && b.initrd?.kind === "initramfs" ? [b.initrd as InitramfsRef] : [];
  });
}

function namesDebianImage(d: Draft<SystemDescription>): boolean {
  const boots = (d.vms ?? []).flatMap((vm) => {
    const b = vm?.boot;
    if (!b) return [];
    return b.kind === "kernel" ? [b.kernel, b.initrd, typeof b.firmware === "object" ? b.firmware : undefined] : b.kind === "staged" ? [b.firmware, b.bootloader] : [];
  });
  const disks = (d.board?.disks ?? []).flatMap((disk) => (disk?.partitions ?? []).flatMap((p) => [p?.extlinux?.kernel, p?.extlinux?.initrd]));
  return [...boots, ...disks].some((r) => r?.kind === "debian");
}

function issue(r: RawIssue, line?: number): DescriptionIssue {
  const at = r.line ?? line;
  return { path: formatPath(r.path), ...(at !== undefined ? { line: at } : {}), problem: r.problem, message: describe(r.problem) };
}

/** File order: by line (issues without one last), then as found. */
function sortIssues(issues: DescriptionIssue[]): DescriptionIssue[] {
  return issues.map((x, i) => [x, i] as const)
    .sort(([a, i], [b, j]) => (a.line ?? Infinity) - (b.line ?? Infinity) || i - j)
    .map(([x]) => x);
}
