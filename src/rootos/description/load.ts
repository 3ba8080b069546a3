// The edge: a system description file in, a checked SystemDescription and its
// SystemPlan out, or a DescriptionError with every problem found, in file order.
//
//   text ──parse.ts──▶ data ──shape.ts (schema)──┐
//                          └──convert.ts (draft)─┴─check.ts──▶ issues? DescriptionError
//                                                                   : freeze ──▶ derive (../plan)
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
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
  const checks = checkDescription(draft, { probe: opts.probe ?? probePath, ...(debian ? { debian } : {}) });
  const all = [...shape, ...valueIssues, ...checks];
  if (all.length > 0) fail(all);

  // No issue: the schema and the checks guarantee every part of the draft is there.
  const description = deepFreeze(draft as SystemDescription);
  const plan = derivePlan(description, {
    ...(debian && !("error" in debian) ? { debian } : {}),
    ...(opts.isElf ? { isElf: opts.isElf } : {}),
  });
  return { description, plan };
}

async function defaultDebianImages(): Promise<CachedImages> {
  const images = await import("../../images/index.js");
  return images.ensureImages();
}

function namesDebianImage(d: Draft<SystemDescription>): boolean {
  return (d.vms ?? []).some((vm) => {
    const b = vm?.boot;
    if (!b) return false;
    const refs = b.kind === "kernel" ? [b.kernel, b.initrd, typeof b.firmware === "object" ? b.firmware : undefined] : [b.firmware, b.bootloader];
    return refs.some((r) => r?.kind === "debian");
  });
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
