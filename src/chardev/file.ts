// A port whose host end is a file: guest output is appended, nothing is read (a log).
// The file is opened (created if need be) at once, so a bad path fails before any VM starts.
import { createWriteStream, openSync, type WriteStream } from "node:fs";
import { openError, type PortBackend, type PortEvents } from "./index.js";

export class FilePort implements PortBackend {
  readonly label: string;
  readonly connected = true;
  private readonly out: WriteStream;
  private closed = false;

  /** Throws ChardevError Open when the file cannot be opened for appending. */
  constructor(readonly path: string) {
    this.label = `file ${path}`;
    let fd: number;
    try {
      fd = openSync(path, "a");
    } catch (e) {
      throw openError("file", path, e);
    }
    // Writes are queued in order and done off the VM's path; close() waits for them.
    this.out = createWriteStream("", { fd, autoClose: true });
    this.out.on("error", () => { /* a full disk loses log output, not the VM */ });
  }

  attach(events: PortEvents): void {
    events.connection(true);
  }

  write(bytes: Uint8Array): void {
    if (!this.closed) this.out.write(Buffer.from(bytes));
  }

  pause(): void {}
  resume(): void {}

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((res) => this.out.end(() => res()));
  }
}
