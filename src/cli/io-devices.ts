// `bulkhead run`'s network and console-port options, at the CLI edge: --netdev, --port
// and --console parsed into typed specs (each mistake a one-line usage error naming the
// option), then into the plan's devices (src/rootos/plan): virtio-net NICs on UDP links
// and one virtio-console, which the one device factory (src/runner/devices.ts) opens.
//
//   --netdev udp,local=HOST:PORT,remote=HOST:PORT[,mac=MAC][,if=…]   one NIC each (eth0, eth1, …)
//   --port name=NAME,socket=PATH|file=PATH|tcp=127.0.0.1:PORT       one named port each, on
//                                                                    one virtio-console whose
//   --console serial|hvc                                              port 0 (hvc0) is the terminal
import { ChardevError } from "../chardev/index.js";
import type { PortHost } from "../chardev/open.js";
import { parseTcpListen } from "../chardev/socket.js";
import { defaultMac, type Endpoint, formatMac, NetError, parseEndpoint, parseMac } from "../net/index.js";
import type { VirtioTransport as Transport, VmDevice } from "../rootos/plan/index.js";
import { checkPortName, MAX_PORTS } from "../virtio/console/index.js";
import { type CliError, usageError } from "./cli-error.js";

export const NETDEV_HELP = "udp,local=HOST:PORT,remote=HOST:PORT[,mac=52:54:00:12:34:56][,if=virtio-pci|virtio-mmio]";
export const PORT_HELP = "name=NAME,socket=PATH|file=PATH|tcp=127.0.0.1:PORT";

export interface NetdevSpec {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly mac: Uint8Array;
  readonly transport: Transport;
  readonly text: string;
}

export interface PortSpec {
  readonly name: string;
  readonly host: PortHost;
  readonly text: string;
}

/** Where the terminal's keys go: the UART (serial, the default) or virtio-console port 0 (hvc0). */
export type ConsoleChoice = "serial" | "hvc";

/** Split QEMU-style `a=b,c=d` (",," is a literal comma) into ordered pairs; a bare word has value undefined. */
export function splitKeyValues(text: string): Array<[string, string | undefined]> {
  const items: string[] = [];
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] !== ",") cur += text[i];
    else if (text[i + 1] === ",") { cur += ","; i++; }
    else { items.push(cur); cur = ""; }
  }
  items.push(cur);
  return items.map((it) => {
    const eq = it.indexOf("=");
    return eq < 0 ? [it, undefined] : [it.slice(0, eq), it.slice(eq + 1)];
  });
}

/** Pairs into a map, refusing unknown and repeated keys. */
function keyMap(pairs: Array<[string, string | undefined]>, known: readonly string[], bad: (why: string) => CliError): Map<string, string> {
  const kv = new Map<string, string>();
  for (const [k, v] of pairs) {
    if (v === undefined) throw bad(k === "" ? "an empty item" : `'${k}' is not key=value`);
    if (!known.includes(k)) throw bad(`unknown key '${k}'`);
    if (kv.has(k)) throw bad(`${k}= given twice`);
    kv.set(k, v);
  }
  return kv;
}

function transportOf(v: string | undefined, bad: (why: string) => CliError): Transport {
  const t = v === undefined || v === "virtio" ? "virtio-pci" : v;
  if (t !== "virtio-pci" && t !== "virtio-mmio") throw bad(`if=${v} is not virtio-pci or virtio-mmio`);
  return t;
}

/** One --netdev; `index` picks the default MAC (52:54:00:12:34:56 + index, as QEMU's NICs). */
export function parseNetdev(text: string, index: number): NetdevSpec {
  const bad = (why: string) => usageError(`run: --netdev ${text}: ${why} (expected ${NETDEV_HELP})`);
  const [first, ...rest] = splitKeyValues(text);
  if (first![1] !== undefined || first![0] !== "udp") throw bad(first![0] === "" ? "the backend type is missing" : `'${first![0]}${first![1] !== undefined ? "=" + first![1] : ""}' is not a backend type (udp)`);
  const kv = keyMap(rest, ["local", "remote", "mac", "if"], bad);
  const addr = (key: "local" | "remote"): Endpoint => {
    const v = kv.get(key);
    if (v === undefined) throw bad(`${key}= is missing`);
    try {
      return parseEndpoint(v, `${key}=`);
    } catch (e) {
      if (e instanceof NetError) throw bad(e.message);
      throw e;
    }
  };
  const local = addr("local"), remote = addr("remote");
  if (local.family !== remote.family) throw bad("local= and remote= are not the same IP version");
  if (local.host === remote.host && local.port === remote.port) throw bad("local= and remote= are the same address (the frames would come back to this NIC)");
  let mac = defaultMac(index);
  const m = kv.get("mac");
  if (m !== undefined) {
    try {
      mac = parseMac(m);
    } catch (e) {
      if (e instanceof NetError) throw bad(e.message);
      throw e;
    }
  }
  return { local, remote, mac, transport: transportOf(kv.get("if"), bad), text };
}

/** One --port. */
export function parsePort(text: string): PortSpec {
  const bad = (why: string) => usageError(`run: --port ${text}: ${why} (expected ${PORT_HELP})`);
  const kv = keyMap(splitKeyValues(text), ["name", "socket", "file", "tcp"], bad);
  const name = kv.get("name");
  if (name === undefined) throw bad("name= is missing");
  const why = checkPortName(name);
  if (why) throw bad(`name '${name}' ${why}`);
  const ends = (["socket", "file", "tcp"] as const).filter((k) => kv.has(k));
  if (ends.length !== 1) throw bad(ends.length === 0 ? "give its host end: socket=, file= or tcp=" : `give one host end, not ${ends.map((k) => k + "=").join(" and ")}`);
  const v = kv.get(ends[0]!)!;
  if (v === "") throw bad(`${ends[0]}= is empty`);
  let host: PortHost;
  if (ends[0] === "tcp") {
    try {
      host = parseTcpListen(v);
    } catch (e) {
      if (e instanceof ChardevError) throw bad(e.message);
      throw e;
    }
  } else {
    host = ends[0] === "socket" ? { kind: "unix", path: v } : { kind: "file", path: v };
  }
  return { name, host, text };
}

/** All --port options: names unique, not too many for one device. */
export function parsePorts(texts: readonly string[]): PortSpec[] {
  const specs = texts.map(parsePort);
  const seen = new Set<string>();
  for (const s of specs) {
    if (seen.has(s.name)) throw usageError(`run: --port ${s.text}: another --port is named '${s.name}' already`);
    seen.add(s.name);
  }
  if (specs.length > MAX_PORTS - 1) throw usageError(`run: --port: ${specs.length} ports, at most ${MAX_PORTS - 1} (one console device)`);
  return specs;
}

/** All --netdev options: one NIC each, MACs unique. */
export function parseNetdevs(texts: readonly string[]): NetdevSpec[] {
  const specs = texts.map((t, i) => parseNetdev(t, i));
  const seen = new Map<string, string>();
  for (const s of specs) {
    const mac = formatMac(s.mac);
    if (seen.has(mac)) throw usageError(`run: --netdev ${s.text}: MAC ${mac} is the MAC of --netdev ${seen.get(mac)} too (give each mac=)`);
    seen.set(mac, s.text);
  }
  return specs;
}

export function parseConsole(text: string | undefined): ConsoleChoice {
  const v = text ?? "serial";
  if (v !== "serial" && v !== "hvc") throw usageError(`run: --console must be serial or hvc, not '${v}'`);
  return v;
}

/** A --netdev as a plan device: a NIC on its own UDP link (as a board NIC passed through). */
export function netdevPlan(spec: NetdevSpec, index: number): VmDevice {
  return {
    kind: "passthrough-nic", name: `netdev${index}`, host: { kind: "udp", local: spec.local, remote: spec.remote },
    mac: formatMac(spec.mac), transport: spec.transport,
  };
}

/**
 * The virtio-console of --port and --console hvc, or undefined when neither is given.
 * Port 0 (hvc0) is unnamed and kept by the host: its output goes to the terminal, and
 * with --console hvc the terminal's keys go to it.
 */
export function consolePlan(ports: readonly PortSpec[], console: ConsoleChoice): VmDevice | undefined {
  if (ports.length === 0 && console !== "hvc") return undefined;
  return { kind: "console", ports: [{ name: "" }, ...ports.map((p) => ({ name: p.name, host: p.host }))] };
}
