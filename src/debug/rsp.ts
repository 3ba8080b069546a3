// GDB Remote Serial Protocol framing (GDB manual, appendix E "Remote Protocol": E.1
// Overview, E.11 Packet Acknowledgment). A packet is `$payload#xx`, xx the modulo-256 sum
// of the payload bytes in two hex digits; `}` escapes `$ # } *` as the byte XOR 0x20; a
// reply may run-length encode (`X*n`: X repeated n - 29 more times). Between packets the
// debugger sends `+`/`-` acks and a bare 0x03 for an interrupt (Ctrl-C).
// Pure: bytes in, events out. The debugger is untrusted: any byte sequence is an event
// or ignored, never an exception.

/** Largest payload the stub accepts (advertised as PacketSize in qSupported). */
export const MAX_PACKET = 0x4000;

export type RspEvent =
  /** A well-formed packet; `data` is unescaped (binary-safe, latin1 string of bytes). */
  | { readonly kind: "packet"; readonly data: string }
  /** A packet whose checksum does not match: in ack mode the stub answers `-`. */
  | { readonly kind: "bad-checksum" }
  /** A packet longer than MAX_PACKET: its bytes were dropped; the stub answers an error. */
  | { readonly kind: "too-long" }
  | { readonly kind: "ack" }
  | { readonly kind: "nack" }
  | { readonly kind: "interrupt" };

const enum State { Idle, Body, Escape, Sum1, Sum2 }

/** Splits the debugger's byte stream into events; keeps a partial packet between feeds. */
export class PacketReader {
  private state = State.Idle;
  private body: number[] = [];
  private sum = 0;
  private overflow = false;
  private given = 0;

  /** Feed bytes as they arrive; returns the events they complete, in order. */
  feed(bytes: Uint8Array): RspEvent[] {
    const out: RspEvent[] = [];
    for (const b of bytes) {
      switch (this.state) {
        case State.Idle:
          if (b === 0x24 /* $ */) this.start();
          else if (b === 0x2b /* + */) out.push({ kind: "ack" });
          else if (b === 0x2d /* - */) out.push({ kind: "nack" });
          else if (b === 0x03) out.push({ kind: "interrupt" });
          break; // anything else between packets is noise
        case State.Body:
          if (b === 0x24) { this.start(); break; } // a new packet restarts a truncated one
          if (b === 0x23 /* # */) { this.state = State.Sum1; break; }
          this.sum = (this.sum + b) & 0xff;
          if (b === 0x7d /* } */) { this.state = State.Escape; break; }
          this.push(b);
          break;
        case State.Escape:
          this.sum = (this.sum + b) & 0xff;
          this.push(b ^ 0x20);
          this.state = State.Body;
          break;
        case State.Sum1: {
          const v = hexDigit(b);
          if (v < 0) { this.state = State.Idle; out.push({ kind: "bad-checksum" }); break; }
          this.given = v << 4;
          this.state = State.Sum2;
          break;
        }
        case State.Sum2: {
          const v = hexDigit(b);
          this.state = State.Idle;
          if (v < 0 || (this.given | v) !== this.sum) out.push({ kind: "bad-checksum" });
          else if (this.overflow) out.push({ kind: "too-long" });
          else out.push({ kind: "packet", data: String.fromCharCode(...this.body) });
          this.body = [];
          break;
        }
      }
    }
    return out;
  }

  private start(): void {
    this.state = State.Body;
    this.body = [];
    this.sum = 0;
    this.overflow = false;
  }

  private push(b: number): void {
    if (this.body.length < MAX_PACKET) this.body.push(b);
    else this.overflow = true;
  }
}

function hexDigit(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  return -1;
}

/**
 * Frame a reply: escape what must be, run-length encode runs of 4 or more (a register
 * file of zeros shrinks to a few bytes), append the checksum. `runs` false: no
 * run-length encoding (a packet to a stub, which takes it only in replies).
 */
export function encodePacket(payload: string, runs = true): Buffer {
  let body = "";
  for (let i = 0; i < payload.length; ) {
    const c = payload[i];
    let run = 1;
    while (i + run < payload.length && payload[i + run] === c && run < 98) run++;
    const lit = escape(c);
    // n = run - 1 repeats, sent as the character n + 29; 6 (#) and 7 ($) are not allowed.
    if (runs && run >= 4 && lit.length === 1) {
      let n = run - 1;
      if (n === 6 || n === 7) n = 5;
      body += lit + "*" + String.fromCharCode(n + 29);
      i += n + 1;
    } else {
      body += lit;
      i++;
    }
  }
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum = (sum + body.charCodeAt(i)) & 0xff;
  return Buffer.from(`$${body}#${sum.toString(16).padStart(2, "0")}`, "latin1");
}

function escape(c: string): string {
  return c === "$" || c === "#" || c === "}" || c === "*" ? "}" + String.fromCharCode(c.charCodeAt(0) ^ 0x20) : c;
}

/** Undo encodePacket's run-length encoding (for tests and the fake debugger). */
export function expandRuns(body: string): string {
  let out = "";
  for (let i = 0; i < body.length; i++) {
    if (body[i] === "*" && out.length > 0 && i + 1 < body.length) {
      out += out[out.length - 1].repeat(body.charCodeAt(i + 1) - 29);
      i++;
    } else out += body[i];
  }
  return out;
}

/** Bytes as lower-case hex, two digits each. */
export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Hex digits to bytes; undefined when the text is not an even number of hex digits. */
export function fromHex(text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return Uint8Array.from(Buffer.from(text, "hex"));
}

/** A 64-bit value as gdb sends register contents: little-endian bytes in hex. */
export function le64Hex(v: bigint): string {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, v));
  return b.toString("hex");
}

/** Parse little-endian hex register contents of 1..8 bytes; undefined when malformed. */
export function parseLeHex(text: string): bigint | undefined {
  const bytes = fromHex(text);
  if (!bytes || bytes.length === 0 || bytes.length > 8) return undefined;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** A hex number as gdb writes addresses and lengths (big-endian digits); undefined unless 1..16 hex digits. */
export function parseHexNumber(text: string): bigint | undefined {
  return /^[0-9a-fA-F]{1,16}$/.test(text) ? BigInt("0x" + text) : undefined;
}
