// Fakes for tests of code that takes a PortBackend (the virtio-console device).
import type { PortBackend, PortEvents } from "./index.js";

/** A host end the test drives: it records output and injects input and (dis)connection. */
export class FakePort implements PortBackend {
  readonly label: string;
  readonly written: number[] = [];
  connected: boolean;
  paused = false;
  closed = false;
  private events: PortEvents | undefined;

  constructor(label = "fake port", connected = true) {
    this.label = label;
    this.connected = connected;
  }

  attach(events: PortEvents): void {
    this.events = events;
    if (this.connected) events.connection(true);
  }

  write(bytes: Uint8Array): void {
    if (this.connected) this.written.push(...bytes);
  }

  pause(): void { this.paused = true; }
  resume(): void { this.paused = false; }
  async close(): Promise<void> { this.closed = true; }

  /** Host input (as if typed into the socket). */
  type(text: string | Uint8Array): void {
    this.events?.data(typeof text === "string" ? new TextEncoder().encode(text) : text);
  }

  /** A client connects or leaves. */
  setConnected(open: boolean): void {
    this.connected = open;
    this.events?.connection(open);
  }

  /** Output so far as text. */
  text(): string {
    return new TextDecoder().decode(Uint8Array.from(this.written));
  }
}
