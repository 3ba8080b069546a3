// Changes to a running system's description: the shell's `assign`, `unassign` and
// `create`. Each edits the description as plain data (what its YAML parses to) and checks
// the result whole, with every check `bulkhead validate` makes, so a change the file
// could not express or the board could not hold is refused the same way, with the same
// paths (`vms[1].devices[3].partition`). Nothing changes until the caller commits.
import { isAbsolute, resolve } from "node:path";
import { parse as parseYamlScalar } from "yaml";
import { loadSystemData, readSystemFile, type LoadedSystem, type LoadOptions } from "./load.js";

type Data = Record<string, unknown>;

/** A checked change: the system it makes, applied to the editor by commit(). */
export interface Edit {
  readonly loaded: LoadedSystem;
  readonly plan: LoadedSystem["plan"];
  /** What changed, in words, for the event log. */
  readonly summary: string;
  commit(): void;
}

/** Why an edit is refused before any check runs (a VM or device that is not there, a bad word). */
export class EditError extends Error {}

/** Boot keys given to `create` as top-level words, the way `bulkhead run` takes them. */
const BOOT_KEYS = ["kernel", "initrd", "append", "firmware", "bootloader", "disk", "bundle"];
/** Boot keys that name a host file (made absolute against the caller's directory; `create` may upload them). */
export const FILE_KEYS: readonly string[] = ["kernel", "initrd", "firmware", "bootloader", "bundle"];

export class DescriptionEditor {
  private constructor(
    readonly file: string,
    private data: Data,
    private current: LoadedSystem,
    private readonly opts: LoadOptions,
  ) {}

  /** Load `file` (as loadSystem) and keep its data for edits. */
  static async open(file: string, opts: LoadOptions = {}): Promise<DescriptionEditor> {
    const parsed = readSystemFile(file);
    const loaded = await loadSystemData(parsed.value, file, opts, parsed.lineOf);
    // It loaded, so the data is a mapping.
    return new DescriptionEditor(file, parsed.value as Data, loaded, opts);
  }

  get loaded(): LoadedSystem { return this.current; }

  /** Give VM one more device, written as in the description: `{ virtio: block, partition: data }`. */
  async assign(vm: string, device: Data): Promise<Edit> {
    const next = structuredClone(this.data);
    const v = vmData(next, vm);
    v.devices = [...(Array.isArray(v.devices) ? v.devices : []), device];
    return this.check(next, `assigned ${describeDevice(device)} to ${vm}`);
  }

  /** Take a device from VM: by its index in the VM's device list, or by fields it has (`partition: data`). */
  async unassign(vm: string, which: number | Data): Promise<Edit> {
    const next = structuredClone(this.data);
    const v = vmData(next, vm);
    const devices = Array.isArray(v.devices) ? (v.devices as Data[]) : [];
    let index: number;
    if (typeof which === "number") {
      if (!Number.isInteger(which) || which < 0 || which >= devices.length) {
        throw new EditError(`vm '${vm}' has no device ${which} (it has ${devices.length}: ${listDevices(devices)})`);
      }
      index = which;
    } else {
      const hits = devices.flatMap((d, i) => (Object.entries(which).every(([k, x]) => d[k] === x) ? [i] : []));
      if (hits.length !== 1) {
        const what = Object.entries(which).map(([k, x]) => `${k}=${String(x)}`).join(" ");
        throw new EditError(hits.length === 0
          ? `vm '${vm}' has no device with ${what} (it has: ${listDevices(devices)})`
          : `${hits.length} devices of vm '${vm}' have ${what}: name one by its number (${listDevices(devices)})`);
      }
      index = hits[0]!;
    }
    const [gone] = devices.splice(index, 1);
    v.devices = devices;
    return this.check(next, `unassigned ${describeDevice(gone!)} from ${vm}`);
  }

  /**
   * A new VM from free cores and memory: `vm` as in the description, except that `cores`
   * may be a count (the lowest free cores are taken) and boot keys may sit at the top
   * (`kernel`, `initrd`, `append`, `firmware`, …). Relative file paths are taken from `cwd`.
   * It is not started (autostart is for `bulkhead up`).
   */
  async create(vm: Data, cwd: string): Promise<Edit> {
    const next = structuredClone(this.data);
    const spec: Data = { ...vm };
    if (typeof spec.name !== "string") throw new EditError("create: the new VM needs a name");
    if (typeof spec.cores === "number") {
      const free = this.current.plan.board.freeCores;
      if (!Number.isInteger(spec.cores) || spec.cores < 1) throw new EditError(`create: cores=${spec.cores}: give a number of cores (1 or more) or a list of board cores`);
      if (spec.cores > free.length) {
        throw new EditError(`create: ${spec.cores} core(s) asked for, but ${free.length === 0 ? "no board core is free" : `only ${free.length} are free (${free.join(", ")})`}`);
      }
      spec.cores = free.slice(0, spec.cores);
    }
    const boot: Data = typeof spec.boot === "object" && spec.boot !== null ? { ...(spec.boot as Data) } : {};
    for (const k of BOOT_KEYS) {
      if (k in spec) { boot[k] = spec[k]; delete spec[k]; }
    }
    for (const k of FILE_KEYS) {
      const f = boot[k];
      if (typeof f === "string" && !/^(debian:|none$|builtin$)/.test(f) && !isAbsolute(f)) boot[k] = resolve(cwd, f);
    }
    if (Object.keys(boot).length > 0) spec.boot = boot;
    spec.autostart = false;
    const vms = Array.isArray(next.vms) ? next.vms : [];
    next.vms = [...vms, spec];
    return this.check(next, `created vm ${spec.name}`);
  }

  private async check(next: Data, summary: string): Promise<Edit> {
    const loaded = await loadSystemData(next, this.file, this.opts);
    return { loaded, plan: loaded.plan, summary, commit: () => { this.data = next; this.current = loaded; } };
  }
}

function vmData(d: Data, name: string): Data {
  const vms = (Array.isArray(d.vms) ? d.vms : []) as Data[];
  const v = vms.find((x) => x?.name === name);
  if (!v) throw new EditError(`no vm '${name}' (the VMs: ${vms.map((x) => x.name).join(", ")})`);
  return v;
}

function describeDevice(d: Data): string {
  return Object.entries(d).map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`).join(", ");
}

function listDevices(devices: readonly Data[]): string {
  return devices.length === 0 ? "none" : devices.map((d, i) => `${i}: ${describeDevice(d)}`).join("; ");
}

/**
 * `key=value` words as a mapping, values read as YAML (`readonly=true` is a boolean,
 * `ports=[a,b]` a list, `cores=2` a number); `boot.kernel=x` nests. `given`: the value
 * of the word at an index, instead of its text (a file read for `kernel=@FILE`).
 */
export function wordsToData(words: readonly string[], given: ReadonlyMap<number, unknown> = new Map()): Data {
  const out: Data = {};
  for (const [i, w] of words.entries()) {
    const eq = w.indexOf("=");
    if (eq <= 0) throw new EditError(`'${w}' is not KEY=VALUE`);
    const keys = w.slice(0, eq).split(".");
    let value: unknown = given.get(i);
    if (!given.has(i)) {
      try {
        value = parseYamlScalar(w.slice(eq + 1), { version: "1.2" });
      } catch (e) {
        throw new EditError(`'${w}': the value is not valid YAML (${(e as Error).message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")})`);
      }
    }
    let at = out;
    for (const k of keys.slice(0, -1)) {
      const inner = at[k];
      at = (at[k] = typeof inner === "object" && inner !== null ? inner : {}) as Data;
    }
    const last = keys[keys.length - 1]!;
    if (last in at) throw new EditError(`'${w}': ${keys.join(".")} is given twice`);
    at[last] = value ?? "";
  }
  return out;
}
