// `bulkhead run`'s --drive and --virtfs, at the CLI edge: parsed into a typed spec (every mistake a
// one-line usage error naming the option), then into the plan's block device (src/rootos/
// plan), which the one device factory (src/runner/devices.ts) opens as for any VM.
import { resolve } from "node:path";
import { type DiskRange, FileDisk } from "../images/disk.js";
import { ImagesError } from "../images/errors.js";
import { MOUNT_TAG_PATTERN } from "../virtio/9p/index.js";
import type { VirtioTransport as Transport, VmDevice } from "../rootos/plan/index.js";
import { CliError, usageError } from "./cli-error.js";

/** One --drive, parsed. */
export interface DriveSpec {
  readonly file: string;
  readonly range: DiskRange;
  readonly readOnly: boolean;
  readonly transport: Transport;
  /** The option as typed, for messages. */
  readonly text: string;
}

export const DRIVE_HELP =
  "file=PATH[,part=N|name=LABEL][,readonly=on][,if=virtio-pci|virtio-mmio]";

/**
 * Parse `--drive` in QEMU's key=value,... syntax (",," is a literal comma in a value):
 * file= is required; part=N (1-based GPT partition number) or name=LABEL (GPT partition
 * name) picks one partition instead of the whole image; readonly=on|off; if= the transport.
 */
export function parseDrive(text: string): DriveSpec {
  const bad = (why: string) => usageError(`run: --drive ${text}: ${why} (expected ${DRIVE_HELP})`);
  const kv = keyValues(splitOptions(text), ["file", "part", "name", "readonly", "if"], bad);
  const file = kv.get("file");
  if (file === undefined || file === "") throw bad("file= is missing");
  const part = kv.get("part"), name = kv.get("name");
  if (part !== undefined && name !== undefined) throw bad("give part= or name=, not both");
  let range: DiskRange = { kind: "whole" };
  if (part !== undefined) {
    if (!/^[1-9]\d{0,3}$/.test(part)) throw bad(`part=${part} is not a partition number (1, 2, ...)`);
    range = { kind: "partition", number: Number(part) };
  } else if (name !== undefined) {
    if (name === "") throw bad("name= is empty");
    range = { kind: "partition-name", name };
  }
  return { file, range, readOnly: onOff(kv, "readonly", false, bad), transport: transportOf(kv, bad), text };
}

/** One --virtfs, parsed. */
export interface VirtfsSpec {
  readonly path: string;
  readonly tag: string;
  readonly readOnly: boolean;
  readonly transport: Transport;
  readonly text: string;
}

export const VIRTFS_HELP = "local,path=DIR,mount_tag=TAG[,readonly=on][,security_model=none][,if=virtio-pci|virtio-mmio]";

/**
 * Parse `--virtfs` as QEMU's: the `local` driver, path= the host directory, mount_tag= what
 * the guest mounts; the share is writable unless readonly=on (as QEMU's). Files are
 * written as this user whatever the guest's uid (security_model=none, the only model).
 */
export function parseVirtfs(text: string): VirtfsSpec {
  const bad = (why: string) => usageError(`run: --virtfs ${text}: ${why} (expected ${VIRTFS_HELP})`);
  const [driver, ...items] = splitOptions(text);
  if (driver !== "local") throw bad(`the driver must be 'local', not '${driver ?? ""}'`);
  const kv = keyValues(items, ["path", "mount_tag", "readonly", "security_model", "if"], bad);
  const path = kv.get("path"), tag = kv.get("mount_tag");
  if (path === undefined || path === "") throw bad("path= is missing");
  if (tag === undefined) throw bad("mount_tag= is missing");
  if (!MOUNT_TAG_PATTERN.test(tag)) throw bad(`mount_tag=${tag} is not 1 to 64 letters, digits, '.', '_' or '-'`);
  const model = kv.get("security_model") ?? "none";
  if (model !== "none") throw bad(`security_model=${model}: only none (files written as this user) is served`);
  return { path, tag, readOnly: onOff(kv, "readonly", false, bad), transport: transportOf(kv, bad), text };
}

/** key=value items into a map: each key known and given once. */
function keyValues(items: readonly string[], keys: readonly string[], bad: (why: string) => Error): Map<string, string> {
  const kv = new Map<string, string>();
  for (const item of items) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw bad(`'${item}' is not key=value`);
    const key = item.slice(0, eq), value = item.slice(eq + 1);
    if (!keys.includes(key)) throw bad(`unknown key '${key}'`);
    if (kv.has(key)) throw bad(`${key}= given twice`);
    kv.set(key, value);
  }
  return kv;
}

function onOff(kv: Map<string, string>, key: string, dflt: boolean, bad: (why: string) => Error): boolean {
  const v = kv.get(key);
  if (v === undefined) return dflt;
  const values: Record<string, boolean> = { on: true, off: false, yes: true, no: false, true: true, false: false };
  if (!(v in values)) throw bad(`${key}=${v} is not on or off`);
  return values[v]!;
}

function transportOf(kv: Map<string, string>, bad: (why: string) => Error): Transport {
  const iface = kv.get("if") ?? "virtio-pci";
  const transport = iface === "virtio" ? "virtio-pci" : iface;
  if (transport !== "virtio-pci" && transport !== "virtio-mmio") throw bad(`if=${iface} is not virtio-pci or virtio-mmio`);
  return transport;
}

/** Split on commas, ",," being a literal comma (QEMU's escaping). */
function splitOptions(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ",") { cur += text[i]; continue; }
    if (text[i + 1] === ",") { cur += ","; i++; continue; }
    out.push(cur);
    cur = "";
  }
  out.push(cur);
  return out.filter((s, i) => s !== "" || i < out.length - 1);
}

/**
 * A --drive as a plan device: its range found in the image now (a GPT partition by
 * number or name), so the device factory opens exactly those bytes. A missing image, a
 * missing partition or an unreadable GPT is a one-line CliError naming the option.
 */
export function drivePlan(spec: DriveSpec): VmDevice {
  let disk: FileDisk;
  try {
    disk = FileDisk.open(spec.file, { range: spec.range, readOnly: true });
  } catch (e) {
    if (e instanceof ImagesError) throw new CliError(`--drive ${spec.text}: ${e.message}`);
    throw e;
  }
  const { offset, size } = disk;
  disk.close();
  return { kind: "block", image: resolve(spec.file), offset, size, readonly: spec.readOnly, transport: spec.transport };
}

/** A --virtfs as a plan device: the directory made absolute, as a description's path is. */
export function virtfsPlan(spec: VirtfsSpec): VmDevice {
  return { kind: "share", path: resolve(spec.path), tag: spec.tag, readonly: spec.readOnly, transport: spec.transport };
}
