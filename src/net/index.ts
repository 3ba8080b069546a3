// Host network backends: the narrow port a virtual NIC (src/virtio/net) sends and
// receives Ethernet frames through, and its implementations: a UDP socket carrying one
// frame per datagram (udp.ts, QEMU's `-netdev socket,udp=…,localaddr=…`) and a port of
// an in-process learning switch (switch.ts, the RootOS virtual network).
//
// Frames are whole Ethernet frames, destination MAC first, without preamble, FCS or
// any virtio header. Devices never import this folder's implementations, only the type.

/**
 * One end of a link. `send` never blocks; a lossy link (UDP) may drop. A link that pushes
 * back (a ring to the RootOS switch) refuses a frame when full and calls `whenWritable`'s
 * callback once it has room. Frames from the link go to the one receiver installed with
 * `receive`, in order, between run slices; a receiver that returns false did not take the
 * frame (its queue is full): the link keeps it and offers it again after `resume()`.
 *
 *   open ──send/receive──▶ open ──close()──▶ closed (send drops, nothing arrives)
 */
export interface NetBackend {
  /** What it is, for messages: "udp 127.0.0.1:5000->127.0.0.1:5001", "switch port 2". */
  readonly label: string;
  /**
   * Put one frame on the link: true when taken (or dropped by a lossy link), false when
   * the link is full (only a backend with whenWritable). The backend copies what it keeps.
   */
  send(frame: Uint8Array): boolean;
  /** Call `then` once when a refused send may succeed. */
  whenWritable?(then: () => void): void;
  /** Install the receiver (replacing any before). A frame handed to it is the receiver's to keep, read-only. */
  receive(handler: (frame: Uint8Array) => boolean | void): void;
  /** The receiver has room again after refusing a frame. */
  resume?(): void;
  /** Release the host resource; idempotent. */
  close(): void;
}

/** Smallest frame worth passing on: two MACs and an EtherType. */
export const ETH_HLEN = 14;
/** Largest frame a backend carries (a UDP datagram's payload limit; QEMU takes up to 69632). */
export const MAX_FRAME = 65507;

/** A MAC address as 6 bytes. */
export type Mac = Uint8Array;

/** Why a backend could not be set up. Messages say what is wrong and how to fix it. */
export type NetErrorInfo =
  | { kind: "BadAddress"; what: string; text: string; why: string }
  | { kind: "BadMac"; text: string; why: string }
  | { kind: "Bind"; address: string; code: string; message: string };

function describe(e: NetErrorInfo): string {
  switch (e.kind) {
    case "BadAddress":
      return `${e.what} '${e.text}' is not HOST:PORT: ${e.why}`;
    case "BadMac":
      return `mac '${e.text}' ${e.why} (write it as 52:54:00:12:34:56)`;
    case "Bind":
      return e.code === "EADDRINUSE" ? `cannot bind ${e.address}: the address is in use (another VM or program has it; pick another port)`
        : e.code === "EADDRNOTAVAIL" ? `cannot bind ${e.address}: no such local address on this host`
        : `cannot bind ${e.address}: ${e.message}`;
  }
}

/** The error of src/net: `info.kind` for code, `message` for people. */
export class NetError extends Error {
  override readonly name = "NetError";
  constructor(readonly info: NetErrorInfo) {
    super(describe(info));
  }
}

/** An IP endpoint. `host` is an address literal (no name lookups: they would block or race at start). */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly family: "udp4" | "udp6";
}

/**
 * Parse `HOST:PORT` as QEMU writes it: an IPv4 literal, `[IPv6]` or `localhost`
 * (127.0.0.1). `allowAnyPort` admits port 0 (bind: the system picks).
 */
export function parseEndpoint(text: string, what: string, allowAnyPort = false): Endpoint {
  const bad = (why: string): never => { throw new NetError({ kind: "BadAddress", what, text, why }); };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d+)$/.exec(text);
  if (!m) return bad("expected an address and a port, e.g. 127.0.0.1:5000 or [::1]:5000");
  const port = Number(m[3]);
  if (!(port <= 65535) || (port === 0 && !allowAnyPort)) bad(`port ${m[3]} is not from 1 to 65535`);
  if (m[1] !== undefined) {
    if (!isIPv6(m[1])) bad(`${m[1]} is not an IPv6 address`);
    return { host: m[1], port, family: "udp6" };
  }
  const host = m[2] === "localhost" ? "127.0.0.1" : m[2]!;
  if (!isIPv4(host)) bad(`${host} is not an IPv4 address (names are not looked up; use 127.0.0.1 or [::1])`);
  return { host, port, family: "udp4" };
}

export function formatEndpoint(e: Endpoint): string {
  return e.family === "udp6" ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
}

function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIPv6(s: string): boolean {
  // Enough to refuse typos; the socket layer has the last word.
  return /^[0-9a-fA-F:.]+$/.test(s) && s.includes(":") && (s.match(/::/g) ?? []).length <= 1;
}

/** Parse `52:54:00:12:34:56` (or with `-`). A multicast address cannot be a NIC's own. */
export function parseMac(text: string): Mac {
  const m = /^([0-9a-f]{2})([:-])([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})\2([0-9a-f]{2})$/i.exec(text);
  if (!m) throw new NetError({ kind: "BadMac", text, why: "is not six hex bytes" });
  const mac = Uint8Array.from([m[1], m[3], m[4], m[5], m[6], m[7]].map((h) => parseInt(h!, 16)));
  if (mac[0]! & 1) throw new NetError({ kind: "BadMac", text, why: "is a multicast address (the first byte is odd)" });
  if (mac.every((b) => b === 0)) throw new NetError({ kind: "BadMac", text, why: "is all zeros" });
  return mac;
}

export function formatMac(mac: Uint8Array, at = 0): string {
  return Array.from(mac.subarray(at, at + 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** QEMU's default NIC address for the `n`th NIC (52:54:00:12:34:56+n), locally administered. */
export function defaultMac(n: number): Mac {
  return Uint8Array.of(0x52, 0x54, 0x00, 0x12, 0x34, (0x56 + n) & 0xff);
}
