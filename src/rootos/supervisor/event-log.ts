// The RootOS event log: every state change, check, fault and command, with a timestamp,
// appended to a file the RootOS owns (JSON Lines: one object per line, so `tail -f`,
// `grep` and `jq` work on it) and kept in memory for `log`, the API and subscribers.
//
//   {"seq":12,"time":"2026-11-26T22:51:03.512Z","kind":"state","vm":"linux1","message":"running -> paused (command pause)","from":"running","to":"paused"}
//
// Writes are synchronous appends: an entry is on disk (in the page cache) before the
// action it records returns, and a RootOS that dies leaves every entry up to its end.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { errnoText, RootosError } from "./errors.js";

/**
 * state: a VM moved in its lifecycle; command: an operator's command and its outcome;
 * check: a check the RootOS made (images, plan, watchdog channel); fault: something went
 * wrong in a VM (panic, watchdog expiry, device fault, thread death); restart: the policy
 * acted; info: anything else worth keeping (a guest reboot, a shutdown time-out).
 */
export type LogKind = "state" | "command" | "check" | "fault" | "restart" | "info" | "console";

export interface LogEntry {
  readonly seq: number;
  /** ISO 8601, UTC, ms. */
  readonly time: string;
  readonly kind: LogKind;
  /** The VM it is about; absent for the system. */
  readonly vm?: string;
  /** One line for people. */
  readonly message: string;
  /** Facts for programs (e.g. from/to of a state change). */
  readonly [key: string]: unknown;
}

export interface LogQuery {
  readonly vm?: string;
  readonly kind?: LogKind;
  /** Entries with seq greater than this. */
  readonly after?: number;
  /** The last `limit` matching entries. */
  readonly limit?: number;
}

/** The RootOS's state directory: $XDG_STATE_HOME/bulkhead (~/.local/state/bulkhead): the event log, the shell's history, uploads. */
export function defaultStateDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), ".local", "state"), "bulkhead");
}

/** Where the RootOS keeps its event log by default: $XDG_STATE_HOME/bulkhead/events.log (~/.local/state/...). */
export function defaultEventLogPath(): string {
  return join(defaultStateDir(), "events.log");
}

export class EventLog {
  private readonly entries: LogEntry[] = [];
  private seq = 0;
  private fd: number | undefined;
  private readonly listeners = new Set<(e: LogEntry) => void>();

  /**
   * `path`: the file to append to (its directory is created); null keeps the log in memory
   * only. `keep`: entries kept in memory.
   */
  constructor(readonly path: string | null, private readonly keep = 10_000, private readonly clock: () => Date = () => new Date()) {
    if (path === null) return;
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, "a");
    } catch (e) {
      throw new RootosError({ kind: "EventLog", path, why: errnoText(e) });
    }
  }

  record(kind: LogKind, vm: string | undefined, message: string, facts: Record<string, unknown> = {}): LogEntry {
    const entry: LogEntry = { seq: ++this.seq, time: this.clock().toISOString(), kind, ...(vm !== undefined ? { vm } : {}), message, ...facts };
    this.entries.push(entry);
    if (this.entries.length > this.keep) this.entries.splice(0, this.entries.length - this.keep);
    if (this.fd !== undefined) {
      try {
        writeSync(this.fd, JSON.stringify(entry) + "\n");
      } catch (e) {
        // The disk filled up or went away: keep running (the VMs matter more than the log) and say so once.
        process.emitWarning(`bulkhead: event log ${this.path}: ${errnoText(e)}; logging to memory only from now`);
        this.closeFile();
      }
    }
    for (const l of this.listeners) {
      try { l(entry); } catch { /* a subscriber's problem is not the log's */ }
    }
    return entry;
  }

  query(q: LogQuery = {}): LogEntry[] {
    const out = this.entries.filter((e) => (q.vm === undefined || e.vm === q.vm) && (q.kind === undefined || e.kind === q.kind) && (q.after === undefined || e.seq > q.after));
    return q.limit !== undefined ? out.slice(-q.limit) : out;
  }

  /** Call `listener` for every new entry; returns the unsubscribe function. */
  subscribe(listener: (e: LogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closeFile();
    this.listeners.clear();
  }

  private closeFile(): void {
    if (this.fd !== undefined) {
      try { closeSync(this.fd); } catch { /* already gone */ }
      this.fd = undefined;
    }
  }
}

/** One entry as a line for people: `2026-11-26T22:51:03.512Z  linux1       state    running -> paused (command pause)`. */
export function formatLogEntry(e: LogEntry): string {
  return `${e.time}  ${(e.vm ?? "-").padEnd(12)} ${e.kind.padEnd(8)} ${e.message}`;
}
