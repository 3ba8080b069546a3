// The shape checks: schema/system.schema.json (JSON Schema draft-07, the same file
// editors use for completion) run by ajv, its errors turned into Problems at paths.
// Everything the schema can say (unknown keys, wrong types, missing keys, enums, formats)
// is said here and only here; check.ts judges what a schema cannot (references, sharing).
import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import type { Format, PathSegment, Problem } from "./errors.js";
import type { RawIssue } from "./parse.js";

/** The schema file: in the repository at schema/system.schema.json (from dist/src/rootos/description/ too). */
export const SCHEMA_URL = new URL("../../../../schema/system.schema.json", import.meta.url);

interface SchemaObject {
  readonly properties?: Record<string, unknown>;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly definitions?: Record<string, unknown>;
}

let compiled: { validate: ValidateFunction; schema: SchemaObject } | undefined;

function compile(): { validate: ValidateFunction; schema: SchemaObject } {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(SCHEMA_URL, "utf8")) as SchemaObject;
  // strictRequired off: `if: { required: [bootloader] }` names a key defined beside the `if`, not in it.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
  compiled = { validate: ajv.compile(schema), schema };
  return compiled;
}

/** Every shape problem in `value`, each at its path. */
export function checkShape(value: unknown): RawIssue[] {
  const { validate, schema } = compile();
  if (validate(value)) return [];
  const issues: RawIssue[] = [];
  const seen = new Set<string>();
  for (const e of validate.errors ?? []) {
    const issue = translate(e, schema);
    if (!issue) continue;
    const key = JSON.stringify(issue);
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(issue);
  }
  return issues;
}

function pathOf(instancePath: string): PathSegment[] {
  if (instancePath === "") return [];
  return instancePath.slice(1).split("/").map((s) => {
    const t = s.replace(/~1/g, "/").replace(/~0/g, "~");
    return /^\d+$/.test(t) ? Number(t) : t;
  });
}

const TYPE_WORDS: Record<string, string> = {
  integer: "whole number", number: "number", string: "string", boolean: "boolean (true or false)",
  object: "mapping (key: value)", array: "list", null: "null",
};

/** What a YAML value is, for "expected a list, not ...". */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return "nothing (an empty value)";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `the string '${v}'`;
  if (typeof v === "boolean") return `${v}`;
  return `the number ${String(v)}`;
}

/** What a list holds, for "needs at least 1 core". */
function itemWords(path: readonly PathSegment[]): string {
  const last = path[path.length - 1];
  const words: Record<string, string> = { cores: "cores", vms: "VMs", partitions: "partitions", ports: "ports" };
  return (typeof last === "string" ? words[last] : undefined) ?? "entries";
}

function formatOf(parent: unknown, schema: SchemaObject): Format | undefined {
  for (const [name, def] of Object.entries(schema.definitions ?? {})) if (def === parent) return name as Format;
  return undefined;
}

function translate(e: ErrorObject, schema: SchemaObject): RawIssue | undefined {
  const path = pathOf(e.instancePath);
  const parent = e.parentSchema as SchemaObject | undefined;
  const at = (p: Problem, extra: PathSegment[] = []): RawIssue => ({ path: [...path, ...extra], problem: p });
  const last = path[path.length - 1];
  const grand = path[path.length - 2];
  switch (e.keyword) {
    case "if": return undefined; // the branch's own errors say what is wrong
    case "required": {
      const key = (e.params as { missingProperty: string }).missingProperty;
      if (key === "virtio" && grand === "devices") return at({ kind: "DeviceKind" });
      const hint = last === "boot" && key === "kernel" ? "a boot is { kernel, initrd, append, firmware }, { firmware, bootloader, disk } or { bundle }"
        : last === "boot" ? "a staged boot needs firmware, bootloader and disk" : undefined;
      return at({ kind: "MissingKey", key, ...(hint !== undefined ? { hint } : {}) }, [key]);
    }
    case "additionalProperties": {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const known = Object.entries(parent?.properties ?? {}).filter(([, s]) => s !== false).map(([k]) => k);
      return at({ kind: "UnknownKey", key, known }, [key]);
    }
    case "false schema": {
      if (last === "virtio") return at({ kind: "NotWith", key: "virtio", other: "passthrough", why: "a device is one or the other" });
      const key = String(last);
      if (e.schemaPath.startsWith("#/then/")) return at({ kind: "NotWith", key, other: "bundle", why: "the signed bundle holds the images, and its signature covers them" });
      if (key === "key" || key === "min_version") return at({ kind: "NotWith", key, other: "loose files", why: "it applies to a signed bundle: boot: { bundle: FILE }" });
      return at({ kind: "NotWith", key, other: "bootloader", why: "in a staged boot the firmware starts the bootloader, which loads the kernel from its disk" });
    }
    case "type": {
      const types = Array.isArray(e.schema) ? (e.schema as string[]) : [e.schema as string];
      return at({ kind: "WrongType", expected: types.map((t) => TYPE_WORDS[t] ?? t), got: describeValue(e.data) });
    }
    case "enum": return at({ kind: "NotOneOf", value: e.data, allowed: e.schema as unknown[] });
    case "pattern":
    case "minLength": {
      const format = formatOf(parent, schema);
      return format ? at({ kind: "BadFormat", format, value: e.data }) : at({ kind: "Schema", message: e.message ?? "bad value" });
    }
    case "minimum":
    case "maximum":
    case "exclusiveMinimum": {
      const min = parent?.minimum ?? parent?.exclusiveMinimum;
      return at({ kind: "OutOfRange", value: e.data as number, ...(min !== undefined ? { min } : {}), ...(parent?.maximum !== undefined ? { max: parent.maximum } : {}) });
    }
    case "minItems":
    case "maxItems": {
      const limit = (e.params as { limit: number }).limit;
      return at({ kind: "ListLength", count: (e.data as unknown[]).length, what: itemWords(path), ...(e.keyword === "minItems" ? { min: limit } : { max: limit }) });
    }
    case "uniqueItems": {
      const { i, j } = e.params as { i: number; j: number };
      const later = Math.max(i, j); // point at the repetition, not the first
      return at({ kind: "RepeatedItem", value: (e.data as unknown[])[later] }, [later]);
    }
    case "minProperties":
    case "maxProperties":
      return at({ kind: "ThrottleChoice" });
    default:
      return at({ kind: "Schema", message: e.message ?? e.keyword });
  }
}
