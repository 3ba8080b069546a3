// What the supervisor reads in a VM's console output: lines, for two signals.
//
// Guest panic (a heuristic): Linux prints "Kernel panic - not syncing: REASON" when it
// panics, and then, with Debian's CONFIG_PANIC_TIMEOUT=0, spins forever with interrupts
// off: the VM is not dead to the emulator, only to its users. The supervisor treats that
// line as a crash. It waits for the end of the report ("---[ end Kernel panic - not
// syncing: … ]---") or PANIC_GRACE_MS, so that the whole report is in the console
// scroll-back, then stops the VM. A guest booted with panic=N reboots by itself instead
// (SBI reset), which is a guest reboot, not a crash. Other kernels' panics are not
// recognised; a guest that prints the text in other contexts (a `dmesg` of an old log)
// would be taken for panicking: that is the price of a text heuristic.
//
// Watchdog kick (the default channel, see watchdog.ts): a console line containing
// WATCHDOG_KICK_TEXT.
//
// Lines are split on LF; CR is dropped; a line longer than MAX_LINE is cut there. Bytes
// are read as Latin-1, which is enough to match the ASCII markers in any encoding.

export const PANIC_TEXT = "Kernel panic - not syncing";
export const PANIC_END_TEXT = "---[ end Kernel panic - not syncing";
/** How long after the panic line the supervisor waits for the end of the report before stopping the VM. */
export const PANIC_GRACE_MS = 1000;
/** The default watchdog channel: a console line containing this text is a kick. */
export const WATCHDOG_KICK_TEXT = "bulkhead-watchdog-kick";
export const MAX_LINE = 4096;

export type ConsoleSignal =
  | { readonly kind: "panic"; readonly line: string }
  | { readonly kind: "panic-end"; readonly line: string }
  | { readonly kind: "kick" };

/** Turns console bytes into lines and the lines into signals. */
export class ConsoleWatch {
  private partial = "";

  constructor(
    private readonly signal: (s: ConsoleSignal) => void,
    private readonly kickText: string | undefined = WATCHDOG_KICK_TEXT,
    /** every whole line, CRs dropped (console_log) */
    private readonly lines?: (line: string) => void,
  ) {}

  push(bytes: Uint8Array): void {
    let text = this.partial + Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
    for (;;) {
      const nl = text.indexOf("\n");
      if (nl < 0) break;
      this.line(text.slice(0, nl));
      text = text.slice(nl + 1);
    }
    while (text.length > MAX_LINE) {
      this.line(text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.partial = text;
  }

  /** Forget a partial line (the VM restarted). */
  reset(): void { this.partial = ""; }

  private line(raw: string): void {
    const line = raw.replace(/\r/g, "");
    this.lines?.(line);
    if (line.includes(PANIC_END_TEXT)) this.signal({ kind: "panic-end", line });
    else if (line.includes(PANIC_TEXT)) this.signal({ kind: "panic", line: line.slice(line.indexOf(PANIC_TEXT)) });
    if (this.kickText !== undefined && line.includes(this.kickText)) this.signal({ kind: "kick" });
  }
}

/** The last `capacity` bytes of a console, for a client that attaches later. */
export class Scrollback {
  private readonly buf: Uint8Array;
  private start = 0;
  private length = 0;

  constructor(readonly capacity = 64 * 1024) {
    this.buf = new Uint8Array(capacity);
  }

  push(bytes: Uint8Array): void {
    const cap = this.capacity;
    const src = bytes.length > cap ? bytes.subarray(bytes.length - cap) : bytes;
    for (let i = 0; i < src.length; i++) this.buf[(this.start + this.length + i) % cap] = src[i]!;
    const total = this.length + src.length;
    if (total > cap) { this.start = (this.start + total - cap) % cap; this.length = cap; } else this.length = total;
  }

  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.buf[(this.start + i) % this.capacity]!;
    return out;
  }

  text(): string { return Buffer.from(this.bytes()).toString("utf8"); }

  clear(): void { this.start = this.length = 0; }
}
