// `bulkhead run`'s --drive, at the CLI edge: parsed into a typed spec (every mistake a
// one-line usage error naming the option), then into the plan's block device (src/rootos/
// plan), which the one device factory (src/runner/devices.ts) opens as for any VM.
import { resolve } from "node:path";
import { type DiskRange, FileDisk } from "../images/disk.js";
import { ImagesError } from "../images/errors.js";
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
  const kv = new Map<string, string>();
  for (const item of splitOptions(text)) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw bad(`'${item}' is not key=value`);
    const key = item.slice(0, eq), value = item.slice(eq + 1);
    if (!["file", "part", "name", "readonly", "if"].includes(key)) throw bad(`unknown key '${key}'`);
    if (kv.has(key)) throw bad(`${key}= given twice`);
    kv.set(key, value);
  }
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
  const ro = kv.get("readonly") ?? "off";
  const onOff: Record<string, boolean> = { on: true, off: false, yes: true, no: false, true: true, false: false };
  if (!(ro in onOff)) throw bad(`readonly=${ro} is not on or off`);
  const iface = kv.get("if") ?? "virtio-pci";
  const transport = iface === "virtio" ? "virtio-pci" : iface;
  if (transport !== "virtio-pci" && transport !== "virtio-mmio") throw bad(`if=${iface} is not virtio-pci or virtio-mmio`);
  return { file, range, readOnly: onOff[ro]!, transport, text };
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
