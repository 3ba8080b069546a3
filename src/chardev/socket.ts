// A port whose host end is a listening socket: a Unix socket path, or a TCP port on
// 127.0.0.1 (never another address: a console port is a way into the guest, and must
// not be offered to the network). One client at a time, as QEMU's `server=on`
// chardev; a second client is closed at once while the first is there. Each client
// that comes and goes is a connection(true)/connection(false) for the device.
import { existsSync, lstatSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { connect, createServer, type Server, type Socket } from "node:net";
import { ChardevError, openError, type PortBackend, type PortEvents } from "./index.js";

/** Longest Unix socket path Linux takes (sun_path is 108 bytes with its NUL). */
export const MAX_UNIX_PATH = 107;
/** Guest output queued for a client that does not read, beyond which more is dropped. */
export const MAX_PENDING_OUTPUT = 1 << 20;

/** Where to listen: a Unix socket path, or 127.0.0.1 and a port (0: the system picks). */
export type ListenAddress = { readonly kind: "unix"; readonly path: string } | { readonly kind: "tcp"; readonly port: number };

/** `127.0.0.1:PORT` (or `localhost:PORT`); anything else is refused with the reason. */
export function parseTcpListen(text: string): ListenAddress {
  const m = /^(.*):(\d+)$/.exec(text);
  if (!m) throw new ChardevError({ kind: "BadTcpAddress", text, why: "expected 127.0.0.1:PORT" });
  if (m[1] !== "127.0.0.1" && m[1] !== "localhost") {
    throw new ChardevError({ kind: "BadTcpAddress", text, why: "a console port listens on 127.0.0.1 only (it would let anyone who reaches this host into the guest)" });
  }
  const port = Number(m[2]);
  if (!(port >= 1 && port <= 65535)) throw new ChardevError({ kind: "BadTcpAddress", text, why: `port ${m[2]} is not from 1 to 65535` });
  return { kind: "tcp", port };
}

/** Listen at `addr`; resolves once listening, rejects with a ChardevError. */
export async function listenPort(addr: ListenAddress): Promise<SocketPort> {
  if (addr.kind === "unix") await clearStaleSocket(addr.path);
  const server = createServer({ pauseOnConnect: true, allowHalfOpen: false });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e) => reject(openError(addr.kind === "unix" ? "socket" : "tcp", addr.kind === "unix" ? addr.path : `127.0.0.1:${addr.port}`, e)));
    if (addr.kind === "unix") server.listen(addr.path, resolve);
    else server.listen(addr.port, "127.0.0.1", resolve);
  });
  return new SocketPort(server, addr);
}

/**
 * A socket file left by a VM that is gone is removed; a path that is not a socket, or a
 * socket someone still listens on, is an error (never delete what is not ours to delete).
 */
async function clearStaleSocket(path: string): Promise<void> {
  if (Buffer.byteLength(path) > MAX_UNIX_PATH) throw new ChardevError({ kind: "PathTooLong", path, max: MAX_UNIX_PATH });
  // Checked here because listen() reports a missing directory as EACCES.
  if (!existsSync(dirname(path))) throw openError("socket", path, Object.assign(new Error("ENOENT"), { code: "ENOENT" }));
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // nothing there: fine
  }
  if (!st.isSocket()) throw new ChardevError({ kind: "NotASocket", path });
  const alive = await new Promise<boolean>((res) => {
    const c = connect(path);
    c.once("connect", () => { c.destroy(); res(true); });
    c.once("error", () => res(false));
  });
  if (alive) throw new ChardevError({ kind: "SocketInUse", path });
  try {
    unlinkSync(path);
  } catch (e) {
    throw openError("socket", path, e);
  }
}

export class SocketPort implements PortBackend {
  readonly label: string;
  /** Clients turned away because one was connected; output dropped for a client that does not read. */
  readonly counters = { refused: 0, droppedBytes: 0 };
  private client: Socket | undefined;
  private events: PortEvents | undefined;
  private paused = false;
  private closed = false;

  constructor(private readonly server: Server, readonly address: ListenAddress) {
    const a = server.address();
    this.label = address.kind === "unix" ? `socket ${address.path}` : `tcp 127.0.0.1:${typeof a === "object" && a ? a.port : address.port}`;
    server.on("connection", (s) => this.onConnection(s));
    server.on("error", () => { /* a failed accept loses that client, not the VM */ });
  }

  /** The TCP port listened on (the system's pick when asked for 0). */
  get port(): number {
    const a = this.server.address();
    return typeof a === "object" && a ? a.port : 0;
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  attach(events: PortEvents): void {
    this.events = events;
    if (this.client) {
      events.connection(true);
      if (!this.paused) this.client.resume();
    }
  }

  write(bytes: Uint8Array): void {
    const c = this.client;
    if (!c) return;
    if (c.writableLength > MAX_PENDING_OUTPUT) {
      this.counters.droppedBytes += bytes.length;
      return;
    }
    c.write(Buffer.from(bytes));
  }

  pause(): void {
    this.paused = true;
    this.client?.pause();
  }

  resume(): void {
    this.paused = false;
    if (this.events) this.client?.resume();
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    this.client?.destroy();
    this.client = undefined;
    return new Promise((res) => this.server.close(() => {
      // Node removes the socket file itself on close; a crash would leave it, which
      // clearStaleSocket handles on the next start.
      if (this.address.kind === "unix" && existsSync(this.address.path)) {
        try { unlinkSync(this.address.path); } catch { /* gone already */ }
      }
      res();
    }));
  }

  private onConnection(s: Socket): void {
    if (this.client || this.closed) {
      this.counters.refused++;
      s.destroy();
      return;
    }
    this.client = s;
    s.setNoDelay(true);
    s.on("data", (chunk: Buffer) => this.events?.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)));
    s.on("error", () => { /* 'close' follows */ });
    s.on("close", () => {
      if (this.client !== s) return;
      this.client = undefined;
      this.events?.connection(false);
    });
    if (this.events) {
      this.events.connection(true);
      if (!this.paused) s.resume();
    }
  }
}
