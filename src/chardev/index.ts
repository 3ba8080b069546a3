// Host ends of byte-stream ports (QEMU's "chardevs"): the narrow port a virtio-console
// port (src/virtio/console) reaches the host through, and its implementations: a
// stream pair such as stdio (stream.ts), a file that output is appended to (file.ts), and
// a listening Unix socket or loopback TCP socket taking one client at a time (socket.ts).
// Devices import only the types here.

/** What a backend tells the device it is attached to. */
export interface PortEvents {
  /** Bytes from the host end, for the guest. The device may keep `bytes`. */
  data(bytes: Uint8Array): void;
  /** A host end connected (a client arrived) or went away. */
  connection(open: boolean): void;
}

/**
 * The host end of one port. Output to a host end that is not connected is dropped, as on
 * a serial line with nothing plugged in (a guest driver that honours the port's "host
 * connected" state does not write then).
 *
 *   listening ──client connects──▶ connected ──client leaves──▶ listening
 *        └───────────────── close() ──────────────────▶ closed
 * (a file or stdio is connected from the start until closed)
 */
export interface PortBackend {
  /** What it is, for messages: "socket /tmp/x.sock", "tcp 127.0.0.1:4555", "file out.log". */
  readonly label: string;
  /** A host end is there now. */
  readonly connected: boolean;
  /** Start delivering events to `events`; nothing is read from the host before this. */
  attach(events: PortEvents): void;
  /** Bytes from the guest to the host end (copied if kept); dropped when not connected. */
  write(bytes: Uint8Array): void;
  /** Flow control: stop reading host input (the guest has no room), and start again. */
  pause(): void;
  resume(): void;
  /** Release the host resources (a listening socket's file included); idempotent. */
  close(): Promise<void>;
}

/** Why a host end could not be opened. Messages say what is wrong and how to fix it. */
export type ChardevErrorInfo =
  | { kind: "Open"; what: string; path: string; code: string; message: string }
  | { kind: "NotASocket"; path: string }
  | { kind: "SocketInUse"; path: string }
  | { kind: "PathTooLong"; path: string; max: number }
  | { kind: "BadTcpAddress"; text: string; why: string };

function describe(e: ChardevErrorInfo): string {
  switch (e.kind) {
    case "Open": {
      const why = e.code === "ENOENT" ? "no such directory"
        : e.code === "EACCES" || e.code === "EPERM" ? "permission denied"
        : e.code === "EISDIR" ? "is a directory"
        : e.code === "EADDRINUSE" ? "the address is in use (another program listens there; pick another)"
        : e.code === "ENOTDIR" ? "a part of the path is not a directory"
        : e.message;
      return `${e.what} ${e.path}: ${why}`;
    }
    case "NotASocket":
      return `socket ${e.path}: the path exists and is not a socket (remove it or pick another path)`;
    case "SocketInUse":
      return `socket ${e.path}: another program is listening on it (stop it or pick another path)`;
    case "PathTooLong":
      return `socket ${e.path}: the path is longer than the ${e.max} bytes a Unix socket address holds (use a shorter one)`;
    case "BadTcpAddress":
      return `tcp '${e.text}': ${e.why}`;
  }
}

/** The error of src/chardev: `info.kind` for code, `message` for people. */
export class ChardevError extends Error {
  override readonly name = "ChardevError";
  constructor(readonly info: ChardevErrorInfo) {
    super(describe(info));
  }
}

/** A Node errno error as ChardevError Open. */
export function openError(what: string, path: string, e: unknown): ChardevError {
  const err = e as NodeJS.ErrnoException;
  return new ChardevError({ kind: "Open", what, path, code: err.code ?? "", message: err.message ?? String(e) });
}
