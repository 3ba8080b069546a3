// Step-by-step progress for long commands. On a terminal each step is one line redrawn
// in place (a bar when the amount of work is known); otherwise each step prints a plain
// line when it starts and one when it ends, so logs stay readable.
//
//   [4/8] downloading 4 packages [##########..........]  58.1/115.5 MB
//   [4/8] downloading 4 packages: 115.5 MB (2.4 s)

/** Where progress goes: process.stderr, or a fake in tests. */
export interface ProgressOut {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const REDRAW_MS = 100;

export class Progress {
  private n = 0;
  constructor(private readonly total: number, private readonly out: ProgressOut = process.stderr) {}

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Start the next numbered step. */
  step(label: string): Step {
    this.n++;
    return new Step(`[${this.n}/${this.total}] ${label}`, this.out);
  }

  /** A line that is not a step (a note, a result). */
  note(text: string): void {
    this.out.write(text + "\n");
  }
}

export class Step {
  private readonly start = Date.now();
  private lastDraw = 0;
  private drawn = false;

  constructor(private readonly label: string, private readonly out: ProgressOut) {
    if (out.isTTY) this.draw(`${label} ...`, true);
    else out.write(`${label} ...\n`);
  }

  /** Show what is happening now (terminal only; throttled). */
  update(detail: string): void {
    if (this.out.isTTY) this.draw(`${this.label} ... ${detail}`);
  }

  /** Show a bar for `done` of `total` units (terminal only; throttled). */
  bar(done: number, total: number, detail = ""): void {
    if (!this.out.isTTY || total <= 0) return;
    const width = 20;
    const filled = Math.max(0, Math.min(width, Math.round((done / total) * width)));
    this.draw(`${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${detail}`);
  }

  /** End the step with a result. */
  done(detail = ""): void {
    this.finish(`${this.label}: ${detail || "done"} (${formatSeconds(Date.now() - this.start)})`);
  }

  /** End the step as failed (the caller prints the error). */
  fail(): void {
    this.finish(`${this.label}: failed after ${formatSeconds(Date.now() - this.start)}`);
  }

  private finish(line: string): void {
    // The final line stays on screen: written whole (it may wrap), never cut.
    this.out.write(this.out.isTTY ? `\r\x1b[K${line}\n` : line + "\n");
  }

  private draw(line: string, force = false): void {
    if (!force) {
      const now = Date.now();
      if (this.drawn && now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      this.drawn = true;
    }
    // A redrawn line must not wrap, or \r would return to its last row only.
    const cols = this.out.columns || 100;
    const text = line.length >= cols ? line.slice(0, cols - 1) : line;
    this.out.write(`\r\x1b[K${text}`);
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function formatBytes(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}
