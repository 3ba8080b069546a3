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
import { checkDescription, probePath, type Probe } from "./check.js";
import { convertDescription } from "./convert.js";
import { DescriptionError, describe, formatPath, type DescriptionIssue } from "./errors.js";
import { parseYaml, type RawIssue } from "./parse.js";
import { checkShape } from "./shape.js";
import type { Draft, SystemDescription } from "./types.js";

/** The system `bulkhead up` and `bulkhead validate` use when given no file. */
export const DEFAULT_SYSTEM = fileURLToPath(new URL("../../../../examples/mixed-criticality.yaml", import.meta.url));

export interface LoadOptions {
  /**
   * Debian's images, asked for only when the description names one (debian:kernel, ...).
   * Default: src/images ensureImages(), which fetches them on first use, as `bulkhead run` does.
   */
  readonly debianImages?: () => Promise<CachedImages>;
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
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "missing" : code === "EISDIR" ? "directory" : "unreadable";
    throw new DescriptionError(file, [issue({ path: [], problem: { kind: "FileMissing", what: "system description", path: resolve(file), why } })]);
  }
  return loadSystemText(text, file, opts);
}

/** As loadSystem, for text already read; relative paths in it are relative to `file`'s directory. */
export async function loadSystemText(text: string, file: string, opts: LoadOptions = {}): Promise<LoadedSystem> {
  const abs = resolve(file);
  const parsed = parseYaml(text);
  const fail = (raw: readonly RawIssue[]): never => {
    const issues = raw.map((r) => issue(r, parsed.lineOf(r.path)));
    throw new DescriptionError(file, sortIssues(issues));
  };
  if (parsed.issues.length > 0) fail(parsed.issues);

  const shape = checkShape(parsed.value);
  const { draft, issues: valueIssues } = convertDescription(parsed.value, abs, dirname(abs));
  let debian: CachedImages | { error: string } | undefined;
  if (namesDebianImage(draft)) {
    try {
      debian = await (opts.debianImages ?? defaultDebianImages)();
    } catch (e) {
      debian = { error: (e as Error).message };
    }
  }
  const gpts = new Map<string, { size: number; gpt: GptTable } | { error: string }>();
  const gpt = (path: string): GptTable | { error: string } => {
    let t = gpts.get(path);
    if (t === undefined) gpts.set(path, (t = readImageGpt(path)));
    return "error" in t ? t : t.gpt;
  };
  const checks = checkDescription(draft, { probe: opts.probe ?? probePath, gpt, ...(debian ? { debian } : {}), ...(opts.missingDisksOk ? { missingDisksOk: true } : {}) });
  const all = [...shape, ...valueIssues, ...checks];
  if (all.length > 0) fail(all);

  // No issue: the schema and the checks guarantee every part of the draft is there.
  const description = deepFreeze(draft as SystemDescription);
  const images = new Map<string, { size: number; gpt: GptTable }>();
  for (const [path, t] of gpts) if (!("error" in t)) images.set(path, t);
  const plan = derivePlan(description, {
    ...(debian && !("error" in debian) ? { debian } : {}),
    existingImages: images,
    ...(opts.isElf ? { isElf: opts.isElf } : {}),
  });
  return { description, plan };
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

/**
 * Check a description built or changed in code (the shell's assign, unassign and create
 * start from the running system's description) with the same checks as a file gets, and
 * plan it. Rejects with DescriptionError whose paths refer to the description's structure
 * (`vms[3].cores[0]`), without lines. `debian` must be given when it names cached images.
 */
export function planDescription(d: SystemDescription, opts: { readonly debian?: CachedImages } & Pick<LoadOptions, "probe" | "isElf"> = {}): LoadedSystem {
  const gpts = new Map<string, { size: number; gpt: GptTable } | { error: string }>();
  const gpt = (path: string): GptTable | { error: string } => {
    let t = gpts.get(path);
    if (t === undefined) gpts.set(path, (t = readImageGpt(path)));
    return "error" in t ? t : t.gpt;
  };
  const debian = opts.debian ?? (namesDebianImage(d) ? { error: "Debian's images were not given" } : undefined);
  const issues = checkDescription(d, { probe: opts.probe ?? probePath, gpt, ...(debian ? { debian } : {}) });
  if (issues.length > 0) throw new DescriptionError(d.file, issues.map((r) => issue(r)));
  const images = new Map<string, { size: number; gpt: GptTable }>();
  for (const [path, t] of gpts) if (!("error" in t)) images.set(path, t);
  const description = deepFreeze(d);
  const plan = derivePlan(description, {
    ...(opts.debian ? { debian: opts.debian } : {}),
    existingImages: images,
    ...(opts.isElf ? { isElf: opts.isElf } : {}),
  });
  return { description, plan };
}

async function defaultDebianImages(): Promise<CachedImages> {
  const images = await import("../../images/index.js");
  return images.ensureImages();
}

function namesDebianImage(d: Draft<SystemDescription>): boolean {
  const boots = (d.vms ?? []).flatMap((vm) => {
    const b = vm?.boot;
    if (!b) return [];
    return b.kind === "kernel" ? [b.kernel, b.initrd, typeof b.firmware === "object" ? b.firmware : undefined] : [b.firmware, b.bootloader];
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
