// The points of a Linux boot that up-bench times on a console, the same for a Bulkhead VM's
// console and QEMU's serial output: the first byte, the kernel's first line, the /init
// banner and the line /init prints before it starts the busybox shell.
import { INIT_BANNER } from "../../src/images/index.js";

export type Mark = "first" | "kernel" | "init" | "shell";

export const MARKS: readonly Mark[] = ["first", "kernel", "init", "shell"];

/** up-system.ts's stdout lines, besides the event log's: "up-bench mark VM MARK", ... */
export const MARK_PREFIX = "up-bench mark ";
export const MODULES_PREFIX = "up-bench modules ";
export const FAILED_PREFIX = "up-bench failed ";

/** What each mark waits for after the first byte. */
const TEXT: Readonly<Record<Exclude<Mark, "first">, string>> = {
  kernel: "Linux version",
  init: INIT_BANNER,
  shell: "starting a shell",
};

/** The line /init prints after loading modules: "bulkhead: modules loaded: a b c". */
const MODULES = /bulkhead: modules loaded: ([^\r\n]*)\r?\n/;

/** Reads one console's output as it comes and says which marks each chunk reached. */
export class ConsoleMarks {
  readonly reached = new Set<Mark>();
  /** The guest's loaded modules, from /init's line (to check two machines load the same drivers). */
  modules: string | undefined;
  private readonly decoder = new TextDecoder();
  /** The text not yet past every mark: new text is searched with a tail of the old. */
  private text = "";

  /** The marks first reached in `chunk`, in boot order. */
  feed(chunk: Uint8Array | string): Mark[] {
    const now: Mark[] = [];
    if (chunk.length === 0) return now;
    if (!this.reached.has("first")) now.push("first");
    const from = Math.max(0, this.text.length - 64);
    this.text += typeof chunk === "string" ? chunk : this.decoder.decode(chunk, { stream: true });
    for (const m of ["kernel", "init", "shell"] as const) {
      if (!this.reached.has(m) && this.text.indexOf(TEXT[m], from) >= 0) now.push(m);
    }
    if (this.modules === undefined) this.modules = MODULES.exec(this.text.slice(Math.max(0, from - 4096)))?.[1]?.trim();
    for (const m of now) this.reached.add(m);
    // Keep only what a later search can still need.
    if (this.reached.has("shell") && this.modules !== undefined) this.text = "";
    else if (this.text.length > 1 << 20) this.text = this.text.slice(-8192);
    return now;
  }
}
