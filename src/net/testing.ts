// Fakes for tests of code that takes a NetBackend (the virtio-net device).
import type { NetBackend } from "./index.js";

/** A backend that records what is sent and lets the test inject received frames. */
export class FakeNetBackend implements NetBackend {
  readonly label = "fake net";
  readonly sent: Uint8Array[] = [];
  closed = false;
  private handler: ((frame: Uint8Array) => boolean | void) | undefined;

  send(frame: Uint8Array): boolean {
    this.sent.push(frame.slice());
    return true;
  }

  receive(handler: (frame: Uint8Array) => boolean | void): void {
    this.handler = handler;
  }

  close(): void {
    this.closed = true;
  }

  /** A frame arrives from the link (dropped when no receiver is installed, as a real link); the receiver's answer (false: refused). */
  inject(frame: Uint8Array): boolean | void {
    return this.handler?.(frame);
  }
}

/** An Ethernet frame: dst, src, EtherType, payload. */
export function ethFrame(dst: string, src: string, payload: Uint8Array | string = "", type = 0x88b5): Uint8Array {
  const mac = (s: string) => s.split(":").map((h) => parseInt(h, 16));
  const body = typeof payload === "string" ? new TextEncoder().encode(payload) : payload;
  return Uint8Array.from([...mac(dst), ...mac(src), type >> 8, type & 0xff, ...body]);
}
