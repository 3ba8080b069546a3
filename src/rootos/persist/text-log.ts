// The RootOS event log as plain text in the board's persistent partition (board.persist),
// a byte range of a board disk image that a VM may have read-only, where a person reads
// it with stock tools and no Bulkhead code: `tr -d '\000' < /dev/vdb | tail -n 20`,
// `strings /dev/vdb`, `grep -a running /dev/vdb` (docs/supervisor.md).
//
//   range offset   content
//   0              HEADER, one line
//   HEADER.length  one line per event, oldest first, each ending in "\n"
//   end            zero bytes, to the end of the range
//
// Lines are batched: append() queues a line and the batch is written at the end and
// fsynced `coalesceMs` later (or at flush/close), so a burst of events costs one write.
// When a batch does not fit, the log is compacted: the newest whole lines filling at
// most half the space (and at most KEEP_MAX_BYTES) are written just after the header and
// the rest is zeroed, so the text always runs in order from the header to the first zero
// byte. A RootOS that restarts finds its header and continues after the last line; a
// range that does not start with the header is zeroed first. Every write goes through
// one FileDisk over exactly the range, which refuses anything outside it.
import { FileDisk } from "../../images/disk.js";

export const HEADER = "bulkhead RootOS event log: one line per event, oldest first, up to the first zero byte\n";
/** The smallest partition the log takes (description check). */
export const PERSIST_MIN_BYTES = 64 * 1024;
/** What compaction keeps at most, so it never holds a large partition in memory. */
export const KEEP_MAX_BYTES = 8 << 20;
/** Longer lines are cut here (characters), with " [...]". */
export const MAX_LINE_CHARS = 1000;
const CHUNK = 64 * 1024;
const NL = 0x0a;

/** Where the log lives: bytes [offset, offset+size) of `image`. */
export interface TextLogRange {
  readonly image: string;
  readonly offset: number;
  readonly size: number;
}

/** What the range held when the log opened it. */
export type TextLogStart = "new" | "continued" | "cleared";

export interface TextLogOptions {
  /** How long a batch waits for more lines before it is written and synced; default 100 ms. */
  readonly coalesceMs?: number;
  /** A write failed (the host disk went away, or a sparse image's disk filled): the log is closed; the error. */
  readonly onError?: (e: Error) => void;
}

/**
 * One line of text as the log keeps it: control characters (a newline, a zero byte,
 * which would end the log for a reader, an escape sequence from a guest's message) as
 * \xNN, and at most MAX_LINE_CHARS.
 */
export function logLine(text: string): string {
  const cut = text.length > MAX_LINE_CHARS ? `${text.slice(0, MAX_LINE_CHARS)} [...]` : text;
  return cut.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

export class TextLog {
  private disk: FileDisk | undefined;
  /** Where the next line goes (the first zero byte). */
  private end: number;
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly start: TextLogStart;
  private readonly header = new TextEncoder().encode(HEADER);

  /** Open the range read-write and find the log's end (or start a new log). Throws ImagesError when the image cannot be opened. */
  static open(range: TextLogRange, opts: TextLogOptions = {}): TextLog {
    const disk = FileDisk.open(range.image, { range: { kind: "bytes", offset: range.offset, size: range.size }, readOnly: false });
    try {
      return new TextLog(disk, opts);
    } catch (e) {
      disk.close();
      throw e;
    }
  }

  private constructor(disk: FileDisk, private readonly opts: TextLogOptions) {
    this.disk = disk;
    if (disk.size < PERSIST_MIN_BYTES) throw new Error(`TextLog: a range of ${disk.size} bytes is smaller than ${PERSIST_MIN_BYTES}`);
    const head = new Uint8Array(this.header.length);
    disk.read(0, head);
    if (head.every((b, i) => b === this.header[i])) {
      this.start = "continued";
      this.end = this.findEnd();
      // A line torn by a crash (no newline before the zeros) is ended, so the next starts on a line of its own.
      const last = new Uint8Array(1);
      disk.read(this.end - 1, last);
      if (last[0] !== NL && this.end < disk.size) {
        disk.write(this.end, Uint8Array.of(NL));
        this.end++;
      }
    } else {
      this.start = this.zero(0, disk.size) ? "cleared" : "new";
      disk.write(0, this.header);
      this.end = this.header.length;
    }
    disk.flush();
  }

  /** Queue one line (see logLine); it is written within coalesceMs. Ignored once closed. */
  append(text: string): void {
    if (!this.disk) return;
    this.pending.push(logLine(text) + "\n");
    this.timer ??= setTimeout(() => this.flushOrFail(), this.opts.coalesceMs ?? 100).unref();
  }

  /** Write the queued lines and fsync. Throws what the disk throws. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const disk = this.disk;
    if (!disk || this.pending.length === 0) return;
    const batch = new TextEncoder().encode(this.pending.join(""));
    this.pending = [];
    if (this.end + batch.length <= disk.size) {
      disk.write(this.end, batch);
      this.end += batch.length;
    } else {
      this.compact(batch);
    }
    disk.flush();
  }

  /** Write what is queued and close the range. */
  close(): void {
    try {
      this.flush();
    } finally {
      this.disk?.close();
      this.disk = undefined;
    }
  }

  private flushOrFail(): void {
    try {
      this.flush();
    } catch (e) {
      this.disk?.close();
      this.disk = undefined;
      this.pending = [];
      this.opts.onError?.(e as Error);
    }
  }

  /** Rewrite the log as the newest whole lines of (the log, `batch`) that fit the budget, then zeros. */
  private compact(batch: Uint8Array): void {
    const disk = this.disk!;
    const budget = Math.min(Math.floor((disk.size - this.header.length) / 2), KEEP_MAX_BYTES);
    // From one byte before the old lines wanted (the header's newline at the earliest), to see whether they start a line.
    const oldStart = Math.max(this.header.length, this.end - Math.max(0, budget - batch.length)) - 1;
    const all = new Uint8Array(this.end - oldStart + batch.length);
    disk.read(oldStart, all.subarray(0, this.end - oldStart));
    all.set(batch, this.end - oldStart);
    // Keep what follows the first newline that leaves at most `budget` bytes: whole lines only.
    const kept = all.subarray(all.indexOf(NL, Math.max(0, all.length - budget - 1)) + 1);
    disk.write(this.header.length, kept);
    const newEnd = this.header.length + kept.length;
    if (newEnd < this.end) this.zero(newEnd, this.end);
    this.end = newEnd;
  }

  /** The first zero byte after the header (the range's size if there is none). */
  private findEnd(): number {
    const buf = new Uint8Array(CHUNK);
    for (let at = this.header.length; at < this.disk!.size; at += CHUNK) {
      const part = buf.subarray(0, Math.min(CHUNK, this.disk!.size - at));
      this.disk!.read(at, part);
      const z = part.indexOf(0);
      if (z >= 0) return at + z;
    }
    return this.disk!.size;
  }

  /** Zero [from, to), writing only chunks that are not zero already; true if any was not. */
  private zero(from: number, to: number): boolean {
    const buf = new Uint8Array(CHUNK), zeros = new Uint8Array(CHUNK);
    let any = false;
    for (let at = from; at < to; at += CHUNK) {
      const part = buf.subarray(0, Math.min(CHUNK, to - at));
      this.disk!.read(at, part);
      if (part.every((b) => b === 0)) continue;
      any = true;
      this.disk!.write(at, zeros.subarray(0, part.length));
    }
    return any;
  }
}
