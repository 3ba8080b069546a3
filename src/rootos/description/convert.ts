// Plain YAML data to a typed Draft<SystemDescription>: defaults filled in, sizes to
// bytes, durations to ms, host paths made absolute, names of cached images recognised.
// It runs even when the shape checks failed, so that one run reports every problem: a
// part with the wrong shape is left out (shape.ts has said why), and the checks of
// check.ts look at what is there.
import { basename, extname, isAbsolute, resolve } from "node:path";
import type { PortHost } from "../../chardev/open.js";
import { parseSize } from "../../machine/size.js";
import { formatMac, NetError, parseEndpoint, parseMac } from "../../net/index.js";
import type { Criticality, PriorityChoice, RestartCause, Timing, WatchdogAction } from "../plan/types.js";
import { DEFAULT_RT_PRIORITY } from "../plan/host.js";
import type { PathSegment, Problem } from "./errors.js";
import type { RawIssue } from "./parse.js";
import {
  DEBIAN_IMAGES, type BootDescription, type DebianImage, type DeviceDescription, type Draft, type FileRef, type InitramfsRef,
  type SystemDescription, type UnsignedPolicy, type VmDescription,
} from "./types.js";

type Obj = Record<string, unknown>;
type Path = readonly PathSegment[];

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);
const list = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
const oneOf = <T extends string>(v: unknown, allowed: readonly T[]): T | undefined =>
  (allowed as readonly unknown[]).includes(v) ? (v as T) : undefined;
/** Only the keys whose values are defined (the description's types use optional keys). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** How long a new image has to come up healthy when the description does not say. */
export const DEFAULT_UPGRADE_DEADLINE_MS = 60_000;

const DURATION_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `5s` → 5000; undefined when not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  return m ? Math.round(Number(m[1]) * DURATION_MS[m[2] as keyof typeof DURATION_MS]) : undefined;
}

/** Reads one description, collecting the problems shape.ts cannot see. */
class Converter {
  readonly issues: RawIssue[] = [];
  constructor(private readonly dir: string) {}

  problem(path: Path, problem: Problem): undefined {
    this.issues.push({ path, problem });
    return undefined;
  }

  size(v: unknown, path: Path): number | undefined {
    if (typeof v !== "string") return undefined;
    const bytes = parseSize(v, undefined);
    if (bytes === undefined && /\d\s*[kmgt]/i.test(v)) return this.problem(path, { kind: "Schema", message: `'${v}' is too large` });
    return bytes;
  }

  duration(v: unknown): number | undefined {
    return typeof v === "string" ? parseDuration(v) : undefined;
  }

  file(v: unknown, path: Path): Exclude<FileRef, InitramfsRef> | undefined {
    if (typeof v !== "string" || v === "") return undefined;
    if (v.startsWith("debian:")) {
      const image = v.slice("debian:".length);
      if (oneOf(image, DEBIAN_IMAGES)) return { kind: "debian", ref: v, image: image as DebianImage };
      return this.problem(path, { kind: "Unknown", what: "cached Debian image", name: v, known: DEBIAN_IMAGES.map((d) => `debian:${d}`) });
    }
    return { kind: "file", ref: v, path: this.abs(v) };
  }

  hostFile(v: unknown, path: Path): (FileRef & { kind: "file" }) | undefined {
    const f = this.file(v, path);
    if (f?.kind === "debian") return this.problem(path, { kind: "Schema", message: `'${f.ref}' is a boot image; a host file is needed here` });
    return f;
  }

  abs(p: string): string {
    return isAbsolute(p) ? p : resolve(this.dir, p);
  }

  portHost(v: unknown, path: Path): PortHost | undefined {
    if (typeof v !== "string") return undefined;
    if (v === "stdio") return { kind: "stdio" };
    const m = /^(file|unix|tcp):(.+)$/.exec(v);
    if (!m) return undefined;
    if (m[1] === "tcp") {
      const port = /^\d+$/.test(m[2]!) ? Number(m[2]) : NaN;
      if (!(port >= 1 && port <= 65535)) return this.problem(path, { kind: "OutOfRange", value: port, min: 1, max: 65535 });
      return { kind: "tcp", port };
    }
    return { kind: m[1] as "file" | "unix", path: this.abs(m[2]!) };
  }

  mac(v: unknown, path: Path): string | undefined {
    if (typeof v !== "string") return undefined;
    try {
      return formatMac(parseMac(v));
    } catch (e) {
      if (e instanceof NetError) return this.problem(path, { kind: "BadMac", message: e.message });
      throw e;
    }
  }

  endpoint(v: unknown, what: string, path: Path) {
    if (typeof v !== "string") return undefined;
    try {
      return parseEndpoint(v, what);
    } catch (e) {
      if (e instanceof NetError) return this.problem(path, { kind: "BadEndpoint", message: e.message });
      throw e;
    }
  }

  /** Memory `at`: a size (1G), a hex or decimal number of bytes. */
  offset(v: unknown, path: Path): number | undefined {
    if (int(v) !== undefined) return v as number;
    if (typeof v !== "string") return undefined;
    const t = v.replace(/_/g, "");
    if (/^0x[0-9a-f]+$/i.test(t)) return Number(BigInt(t)) <= Number.MAX_SAFE_INTEGER ? Number(BigInt(t)) : undefined;
    if (/^\d+$/.test(t)) return Number(t);
    return this.size(v, path);
  }
}

/** The draft of a description read from `file` (absolute), and what is wrong with its values. */
export function convertDescription(value: unknown, file: string, dir: string): { draft: Draft<SystemDescription>; issues: RawIssue[] } {
  const c = new Converter(dir);
  const root = isObj(value) ? value : {};
  const board = isObj(root.board) ? root.board : {};
  const draft: Draft<SystemDescription> = {
    file,
    board: defined({
      name: str(board.name) ?? basename(file, extname(file)),
      cores: int(board.cores),
      memory: c.size(board.memory, ["board", "memory"]),
      hostCpus: Array.isArray(board.host_cpus) ? board.host_cpus.map(int) : undefined,
      secureBoot: bool(board.secure_boot) ?? false,
      trustedKeys: list(board.trusted_keys).map((k, i) =>
        isObj(k) ? defined({ name: str(k.name), file: c.hostFile(k.file, ["board", "trusted_keys", i, "file"]) }) : undefined),
      disks: list(board.disks).map((d, i) => {
        if (!isObj(d)) return undefined;
        const at: Path = ["board", "disks", i];
        return defined({
          name: str(d.name),
          image: c.hostFile(d.image, [...at, "image"]),
          create: bool(d.create) ?? false,
          size: d.size === undefined ? undefined : c.size(d.size, [...at, "size"]),
          partitions: list(d.partitions).map((p, j) => {
            if (!isObj(p)) return undefined;
            const pp: Path = [...at, "partitions", j];
            const x = isObj(p.extlinux) ? p.extlinux : undefined;
            return defined({
              name: str(p.name),
              size: c.size(p.size, [...pp, "size"]),
              extlinux: x && defined({
                kernel: c.file(x.kernel, [...pp, "extlinux", "kernel"]),
                initrd: x.initrd === undefined ? undefined : c.file(x.initrd, [...pp, "extlinux", "initrd"]),
                append: str(x.append),
              }),
            });
          }),
        });
      }),
      slots: isObj(board.slots) ? defined({ partition: str(board.slots.partition), slotSize: c.size(board.slots.slot_size, ["board", "slots", "slot_size"]) }) : undefined,
      persist: isObj(board.persist) ? defined({ partition: str(board.persist.partition) }) : undefined,
      nics: list(board.nics).map((n, i) => {
        if (!isObj(n)) return undefined;
        const at: Path = ["board", "nics", i];
        const udp = isObj(n.udp) ? n.udp : undefined;
        return defined({
          name: str(n.name),
          udp: udp && defined({
            local: c.endpoint(udp.local, "local", [...at, "udp", "local"]),
            remote: c.endpoint(udp.remote, "remote", [...at, "udp", "remote"]),
          }),
          mac: c.mac(n.mac, [...at, "mac"]),
        });
      }),
      serialPorts: list(board.serial_ports).map((s, i) =>
        isObj(s) ? defined({ name: str(s.name), host: c.portHost(s.host, ["board", "serial_ports", i, "host"]) }) : undefined),
    }),
    networks: list(root.networks).map((n) => (isObj(n) ? defined({ name: str(n.name), uplink: str(n.uplink) }) : undefined)),
    vms: list(root.vms).map((v, i) => (isObj(v) ? convertVm(c, v, ["vms", i]) : undefined)),
  };
  return { draft, issues: c.issues };
}

function convertVm(c: Converter, v: Obj, at: Path): Draft<VmDescription> {
  const mem = v.memory;
  const memory = typeof mem === "string" ? { size: c.size(mem, [...at, "memory"]) }
    : isObj(mem) ? defined({ size: c.size(mem.size, [...at, "memory", "size"]), at: mem.at === undefined ? undefined : c.offset(mem.at, [...at, "memory", "at"]) })
    : undefined;
  const throttle = isObj(v.throttle) ? v.throttle : undefined;
  const watchdog = isObj(v.watchdog) ? v.watchdog : undefined;
  const upgrade = isObj(v.upgrade) ? v.upgrade : undefined;
  const debug = isObj(v.debug) ? v.debug : undefined;
  const restart = isObj(v.restart) ? v.restart : {};
  const backoff = isObj(restart.backoff) ? restart.backoff : {};
  let share: number | undefined;
  if (throttle && typeof throttle.share === "string" && /^\d+(\.\d+)?%$/.test(throttle.share)) {
    share = Number(throttle.share.slice(0, -1));
    if (!(share > 0 && share <= 100)) share = c.problem([...at, "throttle", "share"], { kind: "Percent", value: share });
  }
  const initialMs = backoff.initial === undefined ? 1000 : c.duration(backoff.initial);
  const maxMs = backoff.max === undefined ? 60_000 : c.duration(backoff.max);
  if (initialMs !== undefined && maxMs !== undefined && maxMs < initialMs) {
    c.problem([...at, "restart", "backoff", backoff.max === undefined ? "initial" : "max"], { kind: "Backoff", initialMs, maxMs });
  }
  return defined({
    name: str(v.name),
    os: str(v.os) ?? "",
    criticality: v.criticality === undefined ? "general" : oneOf<Criticality>(v.criticality, ["safety", "realtime", "general"]),
    cores: Array.isArray(v.cores) ? v.cores.map(int) : undefined,
    hostCpus: Array.isArray(v.host_cpus) ? v.host_cpus.map(int) : undefined,
    priority: priorityOf(v.priority),
    memory,
    boot: isObj(v.boot) ? convertBoot(c, v.boot, [...at, "boot"]) : undefined,
    devices: list(v.devices).map((d, j) => (isObj(d) ? convertDevice(c, d, [...at, "devices", j]) : undefined)),
    timing: v.timing === undefined ? "realtime" : oneOf<Timing>(v.timing, ["realtime", "virtual"]),
    throttle: throttle === undefined ? undefined
      : typeof throttle.mips === "number" && throttle.mips > 0 && throttle.share === undefined ? { kind: "mips", mips: throttle.mips }
      : share !== undefined && throttle.mips === undefined ? { kind: "share", percent: share }
      : undefined,
    watchdog: watchdog && defined({
      timeoutMs: c.duration(watchdog.timeout),
      action: watchdog.action === undefined ? "restart" : oneOf<WatchdogAction>(watchdog.action, ["restart", "stop", "pause", "log"]),
      port: str(watchdog.port),
    }),
    upgrade: upgrade && defined({
      port: str(upgrade.port),
      targets: Array.isArray(upgrade.targets) ? upgrade.targets.map(str) : undefined,
      deadlineMs: upgrade.deadline === undefined ? DEFAULT_UPGRADE_DEADLINE_MS : c.duration(upgrade.deadline),
    }),
    restart: defined({
      on: restartCauses(restart.on),
      backoff: defined({ initialMs, maxMs, factor: backoff.factor === undefined ? 2 : typeof backoff.factor === "number" && backoff.factor >= 1 ? backoff.factor : undefined }),
    }),
    autostart: bool(v.autostart) ?? true,
    consoleLog: bool(v.console_log) ?? false,
    debug: debug && defined({ gdb: typeof debug.gdb === "number" ? debug.gdb : undefined, hold: bool(debug.hold) ?? false }),
  });
}

/** The schema checked the shape: realtime, normal, a nice value, or { fifo: N }. */
function priorityOf(v: unknown): PriorityChoice | undefined {
  if (v === "realtime") return { kind: "realtime", priority: DEFAULT_RT_PRIORITY };
  if (v === "normal") return { kind: "nice", nice: 0 };
  if (int(v) !== undefined) return { kind: "nice", nice: v as number };
  if (isObj(v) && int(v.fifo) !== undefined) return { kind: "realtime", priority: v.fifo as number };
  return undefined;
}

const CAUSES: readonly RestartCause[] = ["crash", "watchdog", "poweroff"];

function restartCauses(v: unknown): readonly RestartCause[] | undefined {
  if (v === undefined || v === "never") return [];
  if (v === "always") return CAUSES;
  if (typeof v === "string") return oneOf(v, CAUSES) !== undefined ? [v as RestartCause] : undefined;
  if (Array.isArray(v) && v.every((x) => oneOf(x, CAUSES) !== undefined)) return CAUSES.filter((x) => v.includes(x));
  return undefined;
}

function convertBoot(c: Converter, b: Obj, at: Path): Draft<BootDescription> {
  const unsigned = oneOf<UnsignedPolicy>(b.unsigned, ["allowed", "refused"]);
  if (b.bundle !== undefined) {
    return defined({
      kind: "bundle" as const,
      bundle: c.hostFile(b.bundle, [...at, "bundle"]),
      append: str(b.append),
      firmware: b.firmware === undefined ? "builtin" as const : oneOf(b.firmware, ["builtin", "none"] as const),
      disk: str(b.disk),
      key: str(b.key),
      minVersion: int(b.min_version),
    });
  }
  if (b.bootloader !== undefined) {
    const fw = b.firmware;
    const firmware = fw === "builtin" || fw === "none" ? c.problem([...at, "firmware"], { kind: "StagedFirmware", value: fw }) : c.file(fw, [...at, "firmware"]);
    return defined({
      kind: "staged" as const,
      firmware,
      bootloader: c.file(b.bootloader, [...at, "bootloader"]),
      disk: str(b.disk),
      unsigned,
    });
  }
  const fw = b.firmware;
  return defined({
    kind: "kernel" as const,
    kernel: c.file(b.kernel, [...at, "kernel"]),
    initrd: b.initrd === undefined ? undefined
      : isObj(b.initrd) ? builtInitramfs(b.initrd) : c.file(b.initrd, [...at, "initrd"]),
    append: str(b.append),
    firmware: fw === undefined || fw === "builtin" ? "builtin" as const : fw === "none" ? "none" as const : c.file(fw, [...at, "firmware"]),
    unsigned,
  });
}

/** `initrd: { debian, modules, load }`; the schema has checked the names. */
function builtInitramfs(o: Obj): InitramfsRef {
  const names = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === "string");
  const packages = [...new Set(names(o.debian))].sort();
  const modules = o.modules === undefined ? undefined : names(o.modules);
  const load = names(o.load);
  const parts = [
    ...(packages.length ? [`debian: ${packages.join(", ")}`] : []),
    ...(modules !== undefined ? [`modules: ${modules.join(", ") || "none"}`] : []),
    ...(load.length ? [`load: ${load.join(", ")}`] : []),
  ];
  return { kind: "initramfs", ref: `initramfs(${parts.join("; ")})`, packages, ...(modules !== undefined ? { modules } : {}), load };
}

function convertDevice(c: Converter, d: Obj, at: Path): Draft<DeviceDescription> | undefined {
  if (d.passthrough !== undefined) return defined({ kind: "passthrough" as const, name: str(d.passthrough) });
  switch (d.virtio) {
    case "console":
      return {
        kind: "console",
        ports: list(d.ports).map((p, k) =>
          typeof p === "string" ? { name: p }
          : isObj(p) ? defined({ name: str(p.name), host: p.host === undefined ? undefined : c.portHost(p.host, [...at, "ports", k, "host"]) })
          : undefined),
      };
    case "block": return defined({ kind: "block" as const, partition: str(d.partition), readonly: bool(d.readonly) ?? false });
    case "nic": return defined({ kind: "nic" as const, network: str(d.network), mac: d.mac === undefined ? undefined : c.mac(d.mac, [...at, "mac"]) });
    case "rng": return { kind: "rng" };
    case "share": {
      const path = str(d.path);
      // Read-only unless written false: a share in a deployed system is read-only by default.
      return defined({ kind: "share" as const, path: path === undefined ? undefined : c.abs(path), tag: str(d.tag), readonly: bool(d.readonly) ?? true });
    }
    default: return undefined;
  }
}
