// The upgrade port's receiver: reads a signed bundle from the byte stream a VM writes to
// its `upgrade.port` (`cat bundle > /dev/virtio-ports/org.bulkhead.upgrade`) and hands it
// on whole. The stream has no framing but the bundle's own: its header (the first 32
// bytes) gives the total length, so the receiver knows how much to take, and refuses a
// bundle larger than a slot from its header alone, without buffering it. A guest is
// never trusted: bytes that do not start with the bundle magic are refused at once; a
// bundle that stops short is refused after a quiet gap; bytes after a bundle's end (an
// oversized file) make it refused. After a refusal the receiver drops everything until
// the stream has been quiet for the gap, then starts afresh. Every outcome is one line
// back to the sender (`reply`): `ok: …` or `error: …`.
//
//   idle ──first byte──▶ header ──32 bytes, length ok──▶ body ──all bytes──▶ complete
//     ▲                    │ bad magic / header / too big    │ gap: truncated   │ gap: deliver (or oversized)
//     └──── gap ──── discard ◀─────────────────────────────────────────────────────┘
import { BUNDLE_MAGIC, BundleError, bundleLength, HEADER_BYTES } from "../../images/bundle.js";

export interface UpgradeReceiverOptions {
  /** The largest bundle taken: the slot size. */
  readonly maxBytes: number;
  /** Quiet time that ends a bundle, or a refused stream (default 1 s). */
  readonly gapMs?: number;
  /** One line for the sender. */
  reply(line: string): void;
  /** A whole bundle arrived: install it; resolves to the reply (`ok: …`) or rejects with the reason. */
  deliver(bundle: Uint8Array): Promise<string>;
}

type State =
  | { readonly kind: "idle" }
  | { readonly kind: "header"; readonly bytes: number[] }
  | { readonly kind: "body"; readonly buf: Uint8Array; got: number }
  | { readonly kind: "complete"; readonly buf: Uint8Array; extra: number }
  | { readonly kind: "discard" }
  | { readonly kind: "busy"; told: boolean };

const MAGIC = new TextEncoder().encode(BUNDLE_MAGIC);

export class UpgradeReceiver {
  private state: State = { kind: "idle" };
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: UpgradeReceiverOptions) {}

  /** Bytes the guest wrote to the port. */
  push(bytes: Uint8Array): void {
    if (this.state.kind === "busy") {
      // Dropped: one reply per install, however many pieces the bytes come in.
      if (!this.state.told) this.opts.reply("error: an upgrade from this port is being installed; send the next bundle when it has answered");
      this.state.told = true;
      return;
    }
    this.rearm();
    let at = 0;
    while (at < bytes.length) {
      const s: State = this.state;
      switch (s.kind) {
        case "idle":
          this.state = { kind: "header", bytes: [] };
          break;
        case "header": {
          const b = bytes[at++]!;
          if (s.bytes.length < MAGIC.length && b !== MAGIC[s.bytes.length]) return this.refuse("not a bundle (no BHBUNDLE magic at its start; send a file made by bulkhead image sign)");
          s.bytes.push(b);
          if (s.bytes.length < HEADER_BYTES) break;
          let total: number;
          try {
            total = bundleLength(Uint8Array.from(s.bytes));
          } catch (e) {
            if (e instanceof BundleError) return this.refuse(e.message);
            throw e;
          }
          if (total > this.opts.maxBytes) return this.refuse(`oversized bundle: its header says ${total} bytes, more than a slot's ${this.opts.maxBytes}`);
          const buf = new Uint8Array(total);
          buf.set(s.bytes);
          this.state = { kind: "body", buf, got: HEADER_BYTES };
          break;
        }
        case "body": {
          const n = Math.min(bytes.length - at, s.buf.length - s.got);
          s.buf.set(bytes.subarray(at, at + n), s.got);
          s.got += n;
          at += n;
          if (s.got === s.buf.length) this.state = { kind: "complete", buf: s.buf, extra: 0 };
          break;
        }
        case "complete":
          s.extra += bytes.length - at;
          at = bytes.length;
          break;
        case "discard":
          return;
      }
    }
  }

  /** Forget any partial bundle (the VM stopped). */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.state.kind !== "busy") this.state = { kind: "idle" };
  }

  private refuse(why: string): void {
    this.opts.reply(`error: ${why}`);
    this.state = { kind: "discard" };
    this.rearm();
  }

  private rearm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.quiet(), this.opts.gapMs ?? 1000);
    this.timer.unref();
  }

  /** The stream went quiet: a bundle is whole (deliver it), cut short, or followed by stray bytes. */
  private quiet(): void {
    this.timer = undefined;
    const s = this.state;
    switch (s.kind) {
      case "header":
        this.opts.reply(`error: truncated bundle: ${s.bytes.length} bytes, then nothing for ${this.opts.gapMs ?? 1000} ms (a bundle header is ${HEADER_BYTES})`);
        break;
      case "body":
        this.opts.reply(`error: truncated bundle: ${s.got} bytes, its header says ${s.buf.length}`);
        break;
      case "complete":
        if (s.extra > 0) {
          this.opts.reply(`error: oversized bundle: ${s.buf.length + s.extra} bytes, its header says ${s.buf.length} (${s.extra} bytes after its end)`);
          break;
        }
        this.state = { kind: "busy", told: false };
        this.opts.deliver(s.buf).then(
          (line) => this.opts.reply(line),
          (e: Error) => this.opts.reply(`error: ${e.message}`),
        ).finally(() => { this.state = { kind: "idle" }; });
        return;
      case "idle": case "discard": case "busy":
        break;
    }
    this.state = { kind: "idle" };
  }
}
