// A program on a pseudo-terminal, driven as a person would: util-linux `script` gives it
// a real pty (so readline edits lines, completes on Tab, and raw mode works), the test
// types into it and waits for what it prints, `expect`-style.
import { type ChildProcess, spawn } from "node:child_process";
import { repoRoot } from "./bulkhead.js";

export class Pty {
  private readonly child: ChildProcess;
  /** Everything printed so far, escape sequences removed. */
  text = "";
  /** Where the next expect() starts looking. */
  private mark = 0;
  private readonly exited: Promise<number | null>;
  private waiters = new Set<() => void>();

  constructor(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, columns = 200) {
    const command = argv.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    this.child = spawn("script", ["-qfec", `stty cols ${columns} rows 50; exec ${command}`, "/dev/null"], { cwd: repoRoot, env, stdio: ["pipe", "pipe", "pipe"] });
    const take = (b: Buffer): void => {
      // eslint-disable-next-line no-control-regex
      this.text += b.toString("latin1").replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "").replace(/\r/g, "");
      for (const w of this.waiters) w();
    };
    this.child.stdout!.on("data", take);
    this.child.stderr!.on("data", take);
    this.exited = new Promise((resolve) => this.child.on("exit", (code) => { for (const w of this.waiters) w(); resolve(code); }));
  }

  /** Type `text` (\r is Enter, \t is Tab, \x1d is Ctrl-]). */
  type(text: string): void {
    this.child.stdin!.write(text);
  }

  /** Wait until `what` appears after the last match; returns the text from there up to and including it (a RegExp: its match). */
  expect(what: string | RegExp, timeoutMs: number): Promise<RegExpExecArray> {
    const re = typeof what === "string" ? new RegExp(what.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : what;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const m = re.exec(this.text.slice(this.mark));
        if (!m) return false;
        this.mark += m.index + m[0].length;
        resolve(m);
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${re}; the last output:\n${this.text.slice(-3000)}`));
      }, timeoutMs);
      const waiter = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
        } else if (this.child.exitCode !== null) {
          clearTimeout(timer);
          this.waiters.delete(waiter);
          reject(new Error(`the program exited (${this.child.exitCode}) before printing ${re}; the last output:\n${this.text.slice(-3000)}`));
        }
      };
      this.waiters.add(waiter);
    });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** The exit status, waiting at most `timeoutMs` (then it is killed). */
  async exit(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.kill(), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  kill(): void {
    this.child.kill("SIGKILL");
  }
}
