// The system description's one error type, and every message it can carry, in one place.
// A check finds a Problem (what is wrong, as data) at a path in the file; describe() turns
// it into words that say what is wrong and, where it is not obvious, how to fix it.
import { formatBytesExact } from "../../machine/size.js";

/** Where in the description: `vms[1].devices[0].partition`. */
export type PathSegment = string | number;

/** What is wrong, as data; describe() has the words. */
export type Problem =
  // the text and its shape (YAML parser, JSON Schema)
  | { readonly kind: "Yaml"; readonly message: string }
  | { readonly kind: "UnknownKey"; readonly key: string; readonly known: readonly string[] }
  | { readonly kind: "MissingKey"; readonly key: string; readonly hint?: string }
  | { readonly kind: "WrongType"; readonly expected: readonly string[]; readonly got: string }
  | { readonly kind: "NotOneOf"; readonly value: unknown; readonly allowed: readonly unknown[] }
  | { readonly kind: "BadFormat"; readonly format: Format; readonly value: unknown }
  | { readonly kind: "OutOfRange"; readonly value: number; readonly min?: number; readonly max?: number }
  | { readonly kind: "ListLength"; readonly count: number; readonly min?: number; readonly max?: number; readonly what: string }
  | { readonly kind: "RepeatedItem"; readonly value: unknown }
  | { readonly kind: "ThrottleChoice" }
  | { readonly kind: "DeviceKind" }
  | { readonly kind: "NotWith"; readonly key: string; readonly other: string; readonly why: string }
  | { readonly kind: "Schema"; readonly message: string }
  // values the schema cannot judge
  | { readonly kind: "BadEndpoint"; readonly message: string }
  | { readonly kind: "BadMac"; readonly message: string }
  | { readonly kind: "SizeRange"; readonly what: string; readonly bytes: number; readonly min?: number; readonly max?: number }
  | { readonly kind: "SizeAlign"; readonly what: string; readonly bytes: number; readonly align: number }
  | { readonly kind: "Percent"; readonly value: number }
  | { readonly kind: "Backoff"; readonly initialMs: number; readonly maxMs: number }
  // names and references
  | { readonly kind: "Duplicate"; readonly what: string; readonly name: string; readonly first: string }
  | { readonly kind: "Unknown"; readonly what: string; readonly name: string; readonly known: readonly string[] }
  | { readonly kind: "FileMissing"; readonly what: string; readonly path: string; readonly why: "missing" | "directory" | "unreadable" }
  | { readonly kind: "DirMissing"; readonly what: string; readonly path: string }
  | { readonly kind: "DebianImages"; readonly ref: string; readonly message: string }
  // the partitioning
  | { readonly kind: "CoreMissing"; readonly core: number; readonly boardCores: number }
  | { readonly kind: "CoreTaken"; readonly core: number; readonly vm: string }
  | { readonly kind: "MemoryOverlap"; readonly start: number; readonly end: number; readonly vm: string }
  | { readonly kind: "MemoryOutside"; readonly start: number; readonly end: number; readonly board: number }
  | { readonly kind: "MemoryExhausted"; readonly need: number; readonly board: number }
  | { readonly kind: "MemoryNoRoom"; readonly size: number; readonly largestFree: number }
  | { readonly kind: "DeviceTaken"; readonly device: string; readonly by: string }
  | { readonly kind: "PartitionShared"; readonly partition: string; readonly vm: string; readonly thisWrites: boolean }
  | { readonly kind: "PartitionTwice"; readonly partition: string }
  | { readonly kind: "HostTaken"; readonly host: string; readonly by: string }
  | { readonly kind: "MacTaken"; readonly mac: string; readonly by: string }
  | { readonly kind: "SerialTwice"; readonly first: string }
  | { readonly kind: "DisplayTwice"; readonly first: string }
  | { readonly kind: "DisplayMode"; readonly why: string }
  | { readonly kind: "DiskTooSmall"; readonly size: number; readonly need: number }
  | { readonly kind: "DiskNoGpt"; readonly path: string; readonly why: string }
  | { readonly kind: "PartitionNotInImage"; readonly partition: string; readonly image: string; readonly have: readonly string[] }
  | { readonly kind: "PartitionSizeDiffers"; readonly partition: string; readonly inImage: number; readonly described: number }
  // boot and security
  | { readonly kind: "UnsignedWithSecureBoot" }
  | { readonly kind: "UnsignedImages"; readonly secureBoot: boolean }
  | { readonly kind: "BadKey"; readonly path: string; readonly why: string }
  | { readonly kind: "BadBundle"; readonly path: string; readonly why: string }
  | { readonly kind: "BundleNoKeys" }
  | { readonly kind: "BundleRoles"; readonly roles: readonly string[]; readonly why: string }
  | { readonly kind: "SecureBootNoKeys" }
  | { readonly kind: "BootDiskNotBlock"; readonly partition: string }
  | { readonly kind: "BareInitrd" }
  | { readonly kind: "StagedFirmware"; readonly value: string }
  // A/B slots and upgrades
  | { readonly kind: "SlotsPartitionUsed"; readonly partition: string; readonly vm: string }
  | { readonly kind: "SlotsTooSmall"; readonly partition: string; readonly size: number; readonly slotSize: number; readonly vms: readonly string[]; readonly need: number }
  | { readonly kind: "UpgradeNoSlots" }
  | { readonly kind: "UpgradePortHost"; readonly port: string }
  | { readonly kind: "UpgradeTargetNotBundle"; readonly vm: string }
  // the RootOS persistent partition
  | { readonly kind: "PersistWritable"; readonly partition: string; readonly vm: string }
  | { readonly kind: "PersistTooSmall"; readonly partition: string; readonly size: number; readonly min: number }
  | { readonly kind: "PersistIsSlots"; readonly partition: string };

/** Formats the schema names (its definitions), for BadFormat. */
export type Format = "size" | "duration" | "name" | "portHost" | "mac" | "percent" | "offset" | "file" | "debianPackage" | "kernelModule";

const FORMAT_TEXT: Record<Format, string> = {
  size: "is not a size with a unit (write e.g. 512M or 2G)",
  duration: "is not a duration (write e.g. 500ms, 5s or 2m)",
  name: "is not a name (letters, digits, '.', '_' or '-', starting with a letter or digit, at most 32 characters)",
  portHost: "is not a host end (stdio, file:PATH, unix:PATH or tcp:PORT)",
  mac: "is not a MAC address (six hex bytes, e.g. 52:54:00:12:34:56)",
  percent: "is not a percentage (write e.g. 25%)",
  offset: "is not an offset (a size such as 1G, or a number such as 0x4000_0000)",
  file: "is not a file name",
  debianPackage: "is not a Debian package name (lower-case letters, digits, '+', '-' and '.', as in nftables)",
  kernelModule: "is not a kernel module name (as in nf_tables)",
};

/** 0x8000_0000, as the memory map is written. */
export const hex = (n: number): string => `0x${n.toString(16).padStart(8, "0").replace(/\B(?=(?:[0-9a-f]{4})+$)/g, "_")}`;
const q = (v: unknown): string => (typeof v === "string" ? `'${v}'` : JSON.stringify(v));
const list = (xs: readonly unknown[]): string => xs.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(", ");
const size = formatBytesExact;
const SINGULAR: Record<string, string> = { cores: "core", VMs: "VM", partitions: "partition", ports: "port", entries: "entry" };

/** The closest of `known` to `word`, if it is close enough to be a typo. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(up + 1, row[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length]!;
}

function unknownName(what: string, name: string, known: readonly string[]): string {
  if (known.length === 0) return `there is no ${what} '${name}' (none is described)`;
  const near = closest(name, known);
  return `there is no ${what} '${name}'${near !== undefined ? ` (did you mean '${near}'?)` : ""}; known: ${list(known)}`;
}

/** The words for a problem. */
export function describe(p: Problem): string {
  switch (p.kind) {
    case "Yaml": return p.message;
    case "UnknownKey": {
      const near = closest(p.key, p.known);
      return `unknown key '${p.key}'${near !== undefined ? ` (did you mean '${near}'?)` : ""}; expected one of: ${list(p.known)}`;
    }
    case "MissingKey": return `'${p.key}' is required${p.hint !== undefined ? ` (${p.hint})` : ""}`;
    case "WrongType": return `expected ${p.expected.map((t) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`)).join(" or ")}, not ${p.got}`;
    case "NotOneOf": return `${q(p.value)} is not one of: ${list(p.allowed)}`;
    case "BadFormat": return `${q(p.value)} ${FORMAT_TEXT[p.format]}`;
    case "OutOfRange":
      return p.min !== undefined && p.max !== undefined ? `${p.value} is not from ${p.min} to ${p.max}`
        : p.min !== undefined ? `${p.value} is less than ${p.min}` : `${p.value} is more than ${p.max}`;
    case "ListLength": {
      const n = (k: number): string => `${k} ${k === 1 ? (SINGULAR[p.what] ?? p.what) : p.what}`;
      return p.min !== undefined && p.count < p.min ? `needs at least ${n(p.min)}` : `has ${n(p.count)}; at most ${p.max ?? 0} are allowed`;
    }
    case "RepeatedItem": return `${q(p.value)} is listed twice`;
    case "ThrottleChoice": return "a throttle is either { mips: N } or { share: N% }, exactly one of them";
    case "DeviceKind": return "a device is either 'passthrough: NAME' (a board NIC, serial port or display) or 'virtio: console|block|nic|rng|share'";
    case "NotWith": return `'${p.key}' does not go with '${p.other}' (${p.why})`;
    case "Schema": return p.message;
    case "BadEndpoint": return p.message;
    case "BadMac": return p.message;
    case "SizeRange":
      return p.min !== undefined && p.bytes < p.min ? `${p.what} ${size(p.bytes)} is too small (at least ${size(p.min)})`
        : `${p.what} ${size(p.bytes)} is too large (at most ${size(p.max ?? 0)})`;
    case "SizeAlign": return `${p.what} ${p.bytes} bytes is not a multiple of ${size(p.align)}`;
    case "Percent": return `a share of ${p.value}% is not from 1% to 100%`;
    case "Backoff": return `the longest delay (${p.maxMs} ms) is shorter than the first (${p.initialMs} ms)`;
    case "Duplicate": return `${p.what} '${p.name}' is described twice (first at ${p.first}); names must be unique`;
    case "Unknown": return unknownName(p.what, p.name, p.known);
    case "FileMissing": {
      const why = p.why === "missing" ? "does not exist" : p.why === "directory" ? "is a directory, not a file" : "cannot be read";
      return `${p.what} ${p.path} ${why} (relative paths are from the description's directory)`;
    }
    case "DirMissing": return `${p.what}: the directory ${p.path} does not exist`;
    case "DebianImages": return `${p.ref} is not available: ${p.message}`;
    case "CoreMissing":
      return `core ${p.core} does not exist: the board has ${p.boardCores === 1 ? "core 0" : `cores 0-${p.boardCores - 1}`}`;
    case "CoreTaken": return `core ${p.core} is also given to vm '${p.vm}' (a core belongs to one VM)`;
    case "MemoryOverlap": return `board memory ${hex(p.start)}-${hex(p.end - 1)} is also given to vm '${p.vm}'`;
    case "MemoryOutside": return `board memory ${hex(p.start)}-${hex(p.end - 1)} is beyond the board's ${size(p.board)}`;
    case "MemoryExhausted": return `the VMs need ${size(p.need)} of memory in all; the board has ${size(p.board)}`;
    case "MemoryNoRoom":
      return `no free range of board memory holds ${size(p.size)} (the largest free one is ${p.largestFree === 0 ? "empty" : size(p.largestFree)})`;
    case "DeviceTaken": return `${p.device} is also given to ${p.by} (a pass-through device belongs to one VM)`;
    case "PartitionShared":
      return p.thisWrites
        ? `partition '${p.partition}' is also given to vm '${p.vm}'; a partition a VM writes is that VM's alone (make every share readonly: true)`
        : `partition '${p.partition}' is writable by vm '${p.vm}'; a partition a VM writes is that VM's alone (make every share readonly: true)`;
    case "PartitionTwice": return `partition '${p.partition}' is given to this VM twice`;
    case "HostTaken": return `${p.host} is also the host end of ${p.by}`;
    case "MacTaken": return `MAC address ${p.mac} is also used by ${p.by}`;
    case "SerialTwice": return `a VM has one UART: the serial port at ${p.first} is already passed through to it`;
    case "DisplayMode": return `the virtio-gpu cannot offer this mode: ${p.why}`;
    case "DisplayTwice": return `a VM has one screen: the display at ${p.first} is already passed through to it`;
    case "DiskTooSmall": return `${size(p.size)} is too small: the partitions and GPT need ${size(p.need)}`;
    case "DiskNoGpt":
      return `the image ${p.path} has no usable GPT (${p.why}); partition it (sgdisk, parted), or remove it and set create: true`;
    case "PartitionNotInImage":
      return `the image ${p.image} has no partition named '${p.partition}'${p.have.length > 0 ? ` (it has: ${list(p.have)})` : " (its GPT is empty)"}`;
    case "PartitionSizeDiffers":
      return `partition '${p.partition}' is ${size(p.inImage)} in the image, not ${size(p.described)} as described`;
    case "UnsignedWithSecureBoot": return "unsigned images are not allowed: the board has secure_boot: true";
    case "SecureBootNoKeys": return "secure_boot needs at least one key in board.trusted_keys";
    case "UnsignedImages":
      return `${p.secureBoot ? "the board has secure_boot: true" : "unsigned: refused"}, and these are loose (unsigned) files: `
        + "sign them into a bundle (bulkhead image sign --target VM ...) and boot it with boot: { bundle: FILE }";
    case "BadKey": return `key file ${p.path} ${p.why}`;
    case "BadBundle": return `${p.path}: ${p.why}`;
    case "BundleNoKeys": return "a bundle is verified against board.trusted_keys, and none is listed (add the public key it was signed with)";
    case "BundleRoles": return `the bundle holds ${list(p.roles)}: ${p.why}`;
    case "BootDiskNotBlock":
      return `partition '${p.partition}' is not one of this VM's block devices (add { virtio: block, partition: ${p.partition} } to its devices)`;
    case "BareInitrd": return "firmware: none runs the kernel ELF in M-mode with no firmware; it takes no initrd";
    case "StagedFirmware":
      return `a staged boot needs a firmware file (OpenSBI, e.g. debian:opensbi) to start the bootloader, not '${p.value}'`;
    case "SlotsPartitionUsed":
      return `partition '${p.partition}' holds the RootOS's A/B slots; it cannot also be a device of vm '${p.vm}'`;
    case "SlotsTooSmall":
      return `partition '${p.partition}' (${size(p.size)}) is too small for two ${size(p.slotSize)} slots for each of ${list(p.vms)} and the boot-control area: it needs ${size(p.need)} (grow it or make slot_size smaller)`;
    case "PersistWritable": return `partition '${p.partition}' is the RootOS's persistent partition; vm '${p.vm}' may have it only read-only (add readonly: true)`;
    case "PersistTooSmall": return `partition '${p.partition}' (${size(p.size)}) is too small for the RootOS's event log: it needs at least ${size(p.min)}`;
    case "PersistIsSlots": return `partition '${p.partition}' holds the RootOS's A/B slots; the persistent partition must be another one`;
    case "UpgradeNoSlots": return "upgrades are written to A/B slots, and the board has none: add board.slots: { partition: NAME, slot_size: SIZE }";
    case "UpgradePortHost": return `console port '${p.port}' has a host end; the upgrade port must be one the RootOS keeps (remove its host)`;
    case "UpgradeTargetNotBundle": return `vm '${p.vm}' does not boot a signed bundle, so it has no slots to upgrade (boot: { bundle: FILE })`;
  }
}

/** One thing wrong with a description, where it is. */
export interface DescriptionIssue {
  /** `vms[1].devices[0].partition`; "" for the whole file. */
  readonly path: string;
  /** 1-based line in the YAML, when known. */
  readonly line?: number;
  readonly problem: Problem;
  readonly message: string;
}

/** `vms[1].devices[0].partition` from its segments. */
export function formatPath(segments: readonly PathSegment[]): string {
  let out = "";
  for (const s of segments) out += typeof s === "number" ? `[${s}]` : out === "" ? s : `.${s}`;
  return out;
}

/** `FILE:LINE: PATH: MESSAGE`, the line a compiler would print. */
export function formatIssue(file: string, i: DescriptionIssue): string {
  return `${file}${i.line !== undefined ? `:${i.line}` : ""}: ${i.path === "" ? "" : `${i.path}: `}${i.message}`;
}

/**
 * The system description module's error: everything wrong with one description, all at
 * once, in file order. `message` is the first issue and a count; formatIssue() each line.
 */
export class DescriptionError extends Error {
  override readonly name = "DescriptionError";
  constructor(
    /** The description file as the user named it. */
    readonly file: string,
    readonly issues: readonly DescriptionIssue[],
  ) {
    super(
      issues.length === 0 ? `${file}: invalid system description`
        : `${formatIssue(file, issues[0]!)}${issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""}; run bulkhead validate ${file})` : ""}`,
    );
  }
}
