// The event log as it grows: the newest entries from GET /v1/log, then each new one from
// the events WebSocket. On every (re)connect the log is read again, so what happened while
// the RootOS was away is shown too; entries are kept by seq, once each, in order.
import { api, keepOpen } from "./api.js";
import { h } from "./dom.js";
import type { LogEntry } from "./types.js";

const KEEP = 300;

export class EventLog {
  private readonly seen = new Map<number, HTMLElement>();
  private listeners: ((e: LogEntry) => void)[] = [];

  constructor(private readonly list: HTMLOListElement) {
    keepOpen("/v1/events", (ws) => {
      ws.addEventListener("message", (m) => { if (typeof m.data === "string") this.add(JSON.parse(m.data) as LogEntry, true); });
      ws.addEventListener("open", () => {
        api<LogEntry[]>("GET", "/v1/log?n=200").then((entries) => { for (const e of entries) this.add(e, false); }, () => {});
      });
    });
  }

  /** Called with each new entry from the socket (the page refreshes what it changed). */
  onEntry(f: (e: LogEntry) => void): void { this.listeners.push(f); }

  private add(e: LogEntry, live: boolean): void {
    if (this.seen.has(e.seq)) return;
    const time = new Date(e.time).toLocaleTimeString([], { hour12: false });
    const li = h("li", { class: `ev-${e.kind}`, "data-seq": e.seq }, h("time", { datetime: e.time }, time), " ", h("b", {}, e.vm ?? "system"), " ", e.message);
    // In seq order: after the last entry with a smaller seq.
    const before = [...this.seen.keys()].filter((s) => s > e.seq).sort((a, b) => a - b)[0];
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    this.list.insertBefore(li, before === undefined ? null : this.seen.get(before)!);
    this.seen.set(e.seq, li);
    while (this.seen.size > KEEP) {
      const oldest = Math.min(...this.seen.keys());
      this.seen.get(oldest)!.remove();
      this.seen.delete(oldest);
    }
    if (stick) this.list.scrollTop = this.list.scrollHeight;
    if (live) for (const f of this.listeners) f(e);
  }
}
