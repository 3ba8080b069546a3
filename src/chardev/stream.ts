// A port whose host end is a pair of streams: stdio (`stdioPort()`), or any
// Readable/Writable (a pipe, a test's PassThrough). Connected from the start; the end of
// input is not a disconnection (output still goes somewhere).
import type { Readable, Writable } from "node:stream";
import type { PortBackend, PortEvents } from "./index.js";

export class StreamPort implements PortBackend {
  readonly connected = true;
  private events: PortEvents | undefined;
  private closed = false;
  private readonly onData = (chunk: Buffer | string): void => {
    const b = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    this.events?.data(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
  };

  constructor(readonly label: string, private readonly output: Writable, private readonly input?: Readable) {}

  attach(events: PortEvents): void {
    this.events = events;
    events.connection(true);
    this.input?.on("data", this.onData);
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.output.write(Buffer.from(bytes));
  }

  pause(): void { this.input?.pause(); }
  resume(): void { if (this.events) this.input?.resume(); }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input?.off("data", this.onData);
    this.input?.pause();
  }
}

/** The process's stdin and stdout (stdout is not ended on close: others write there too). */
export function stdioPort(): StreamPort {
  return new StreamPort("stdio", process.stdout, process.stdin);
}

/**
 * A port whose host end is code: output goes to `output`, input is whatever `push` is
 * given. The terminal of `bulkhead run` is one (its keys pass the Ctrl-A escape filter
 * first, and its output shares stdout with the UART).
 */
export class CallbackPort implements PortBackend {
  readonly connected = true;
  private events: PortEvents | undefined;

  constructor(readonly label: string, private readonly output: (bytes: Uint8Array) => void) {}

  attach(events: PortEvents): void {
    this.events = events;
    events.connection(true);
  }

  /** `bytes` may be a view of guest memory (virtio's zero-copy reader): the callback gets a copy of its own. */
  write(bytes: Uint8Array): void { this.output(bytes.slice()); }
  /** Input from the host side, for the guest. */
  push(bytes: Uint8Array): void { this.events?.data(bytes.slice()); }
  pause(): void {}
  resume(): void {}
  async close(): Promise<void> {}
}
