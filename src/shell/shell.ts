// The RootOS shell that `bulkhead up` opens: a line editor (node:readline: history kept
// across runs, Tab completion of commands, VM names and ports, `help` for every command)
// over the RootOS's one command table (rootos/commands), plus what only a terminal can
// do: a stream command (`console VM [PORT]`) joins the terminal to a VM's console until
// the detach key, Ctrl-] (as telnet and virsh), and `quit`. Events of note (state
// changes, faults, restarts) are printed above the prompt as they happen.
import { appendFileSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { writeFile } from "node:fs/promises";
import { createInterface, type Interface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { COMMANDS, findCommand, paramsOf, runWords, usageOf } from "../rootos/commands/index.js";
import { formatLogEntry, type LogEntry } from "../rootos/supervisor/event-log.js";
import type { Supervisor } from "../rootos/supervisor/index.js";

/** Ctrl-]: leaves `console` (here and in `bulkhead ctl console`), as telnet's and virsh's escape. */
export const DETACH_BYTE = 0x1d;
export const PROMPT = "bulkhead> ";
const HISTORY_LINES = 1000;

export interface ShellOptions {
  readonly input: Readable & { isTTY?: boolean; setRawMode?(raw: boolean): unknown };
  readonly output: Writable;
  /** Where history is kept between runs; undefined: not kept. */
  readonly historyFile?: string;
}

/** What the shell itself knows besides the command table. */
const BUILTINS = [
  { name: "help", usage: "help [COMMAND]", help: "the commands, or one in full" },
  { name: "quit", usage: "quit", help: "stop every VM (hard) and leave bulkhead up (also: exit, Ctrl-D)" },
] as const;

/** A stream command (its row has a stream parameter): the terminal joins it. */
const isStream = (name: string): boolean => COMMANDS.some((c) => c.name === name && paramsOf(c, "stream").length > 0);

const NOTABLE = new Set(["state", "fault", "restart", "check"]);

/**
 * Run the shell until `quit`, `exit` or end of input; resolves then (the caller shuts the
 * system down). Command errors are printed and the shell goes on.
 */
export function runShell(sup: Supervisor, opts: ShellOptions): Promise<void> {
  return new Shell(sup, opts).run();
}

class Shell {
  private rl: Interface | undefined;
  private history: string[];
  private attached = false;
  private done!: () => void;

  constructor(private readonly sup: Supervisor, private readonly opts: ShellOptions) {
    this.history = readHistory(opts.historyFile);
  }

  run(): Promise<void> {
    const finished = new Promise<void>((resolve) => (this.done = resolve));
    const unsubscribe = this.sup.onEvent((e) => this.event(e));
    this.say(`type help for the commands, Tab completes; console VM attaches, Ctrl-] detaches`);
    this.open();
    return finished.finally(unsubscribe);
  }

  /** A fresh line editor (one is closed while a console is attached, so it cannot read keys meant for the guest). */
  private open(): void {
    const rl = createInterface({
      input: this.opts.input, output: this.opts.output, prompt: PROMPT,
      completer: (line: string) => this.complete(line), history: this.history, historySize: HISTORY_LINES,
      terminal: this.opts.input.isTTY === true,
    });
    this.rl = rl;
    rl.on("history", (h: string[]) => (this.history = h));
    let busy = Promise.resolve();
    rl.on("line", (line) => {
      busy = busy.then(() => this.line(line));
    });
    rl.on("close", () => {
      if (this.rl !== rl) return; // closed to attach a console
      this.rl = undefined;
      void busy.then(() => this.done());
    });
    rl.prompt();
  }

  private async line(line: string): Promise<void> {
    const rl = this.rl;
    if (!rl) return;
    let words: string[];
    try {
      words = splitWords(line);
    } catch (e) {
      this.say(`error: ${(e as Error).message}`);
      rl.prompt();
      return;
    }
    if (words.length > 0 && this.opts.historyFile) appendHistory(this.opts.historyFile, line);
    const [name, ...args] = words;
    if (name === undefined) {
      rl.prompt();
      return;
    }
    if (name === "quit" || name === "exit") {
      rl.close();
      return;
    }
    if (isStream(name)) {
      if (await this.attach(words)) return;
    } else {
      try {
        if (name === "help") this.say(helpText(args));
        else {
          const r = await runWords(this.sup, words);
          if (r.file?.to !== undefined) await writeFile(r.file.to, r.file.bytes);
          this.say(r.text);
        }
      } catch (e) {
        this.say(`error: ${(e as Error).message}`);
      }
    }
    rl.prompt();
  }

  /** A stream command (`console VM [PORT]`): true when attached (the prompt comes back on detach). */
  private async attach(words: readonly string[]): Promise<boolean> {
    const out = this.opts.output;
    // The scroll-back comes at attach; it is held until the banner is out, so it follows it.
    let held: Uint8Array[] | undefined = [];
    let result;
    try {
      result = await runWords(this.sup, words, { stream: { write: (b) => (held ? held.push(b.slice()) : out.write(b)) } });
    } catch (e) {
      this.say(`error: ${(e as Error).message}`);
      return false;
    }
    const attachment = result.attachment!;
    this.say(result.text);
    for (const b of held) out.write(b);
    held = undefined;
    this.attached = true;
    const rl = this.rl!;
    this.rl = undefined;
    rl.close();
    const input = this.opts.input;
    input.setRawMode?.(true);
    const onData = (chunk: Buffer): void => {
      const at = chunk.indexOf(DETACH_BYTE);
      if (at < 0) return attachment.send(chunk);
      if (at > 0) attachment.send(chunk.subarray(0, at));
      input.off("data", onData);
      input.setRawMode?.(false);
      input.pause();
      attachment.detach();
      this.attached = false;
      this.say(`\n[detached from ${words[1]}]`);
      this.open();
    };
    input.on("data", onData);
    input.resume();
    return true;
  }

  private event(e: LogEntry): void {
    if (!NOTABLE.has(e.kind) || this.attached) return;
    const rl = this.rl;
    const line = `[${formatLogEntry(e)}]\n`;
    if (!rl || this.opts.input.isTTY !== true) {
      this.opts.output.write(line);
      return;
    }
    // Above the prompt, then the prompt and what was being typed again.
    this.opts.output.write(`\r\x1b[K${line}`);
    rl.prompt(true);
  }

  private say(text: string): void {
    if (text !== "") this.opts.output.write(`${text}\n`);
  }

  private complete(line: string): [string[], string] {
    const words = line.split(/\s+/);
    const last = words[words.length - 1] ?? "";
    const names = [...COMMANDS.map((c) => c.name), ...BUILTINS.map((b) => b.name), "exit"];
    let choices: readonly string[];
    if (words.length === 1) choices = names;
    else if (words[0] === "help") choices = words.length === 2 ? names : [];
    else {
      // The positional parameter this word would fill, and any optional choice (which may stand anywhere).
      const c = COMMANDS.find((x) => x.name === words[0]);
      const positional = Object.values(c?.params ?? {}).filter((p) => !p.flag && p.source !== "stream");
      const at = positional[words.length - 2] ?? positional.find((p) => p.rest);
      const before = words.slice(1, -1);
      const anywhere = positional.filter((p) => p !== at && p.optional && p.choices);
      choices = [...new Set([at, ...anywhere].flatMap((p) => p?.complete?.(this.sup, before) ?? []))];
    }
    const hits = choices.filter((c) => c.startsWith(last)).map((c) => `${c} `);
    return [hits, last];
  }
}

/** `help`: every command, one line each; `help NAME`: that one, with its parameters. */
export function helpText(args: readonly string[]): string {
  // What the terminal does (help, console, quit) first, then the commands every front end has.
  const row = (c: (typeof COMMANDS)[number]) => ({ name: c.name, usage: usageOf(c), help: c.help });
  const all = [BUILTINS[0], ...COMMANDS.filter((c) => isStream(c.name)).map(row), BUILTINS[1], ...COMMANDS.filter((c) => !isStream(c.name)).map(row)];
  if (args.length === 0) {
    const width = Math.max(...all.map((c) => c.usage.length));
    return all.map((c) => `  ${c.usage.padEnd(width)}  ${c.help}`).join("\n");
  }
  const builtin = BUILTINS.find((x) => x.name === args[0]);
  if (builtin) return `${builtin.usage}\n  ${builtin.help}`;
  const c = findCommand(args[0]!); // throws UnknownCommand
  const params = Object.values(c.params).filter((p) => p.source !== "stream").map((p) => `    ${(p.flag ? `${p.flag} ${p.metavar}` : p.metavar).padEnd(14)} ${p.help}`);
  return [usageOf(c), `  ${c.help}`, ...params].join("\n");
}

/** A line as words: blanks separate, '…' and "…" quote (a backslash escapes in "…" and outside). */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (/\s/.test(ch)) {
      if (word !== undefined) words.push(word), (word = undefined);
    } else if (ch === "'" || ch === '"') {
      const end = findClosing(line, i + 1, ch);
      if (end < 0) throw new Error(`unclosed ${ch} in: ${line}`);
      word = (word ?? "") + (ch === '"' ? line.slice(i + 1, end).replace(/\\(.)/g, "$1") : line.slice(i + 1, end));
      i = end;
    } else if (ch === "\\" && i + 1 < line.length) {
      word = (word ?? "") + line[++i];
    } else word = (word ?? "") + ch;
  }
  if (word !== undefined) words.push(word);
  return words;
}

function findClosing(line: string, from: number, quote: string): number {
  for (let i = from; i < line.length; i++) {
    if (quote === '"' && line[i] === "\\") i++;
    else if (line[i] === quote) return i;
  }
  return -1;
}

function readHistory(file: string | undefined): string[] {
  if (!file) return [];
  try {
    // readline wants the newest first.
    return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").slice(-HISTORY_LINES).reverse();
  } catch {
    return [];
  }
}

function appendHistory(file: string, line: string): void {
  try {
    mkdirSync(dirname(file), { recursive: true });
    appendFileSync(file, `${line.replace(/\n/g, " ")}\n`);
  } catch {
    // History is a convenience: a read-only home must not break the shell.
  }
}
