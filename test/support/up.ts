// `bulkhead up --headless` as a child process with its own API port, state and log, and
// a VM's serial console over that API: for tests and benchmarks that drive whole systems.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { join } from "node:path";
import type WebSocket from "ws";
import { openSocket } from "../../src/api/client.js";
import { cli } from "./bulkhead.js";

export interface Up {
  readonly api: string;
  readonly child: ChildProcess;
  /** What it printed (the events), stdout and stderr. */
  out(): string;
  /** SIGTERM (the RootOS shuts its VMs down), SIGKILL after 20 s. */
  stop(): Promise<void>;
}

export async function freeTcpPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((res) => s.listen(0, "127.0.0.1", res));
  const port = (s.address() as { port: number }).port;
  await new Promise((res) => s.close(res));
  return port;
}

/** `bulkhead up --headless FILE` in `dir`, which holds its state and event log. */
export async function startUp(file: string, dir: string, name: string): Promise<Up> {
  const api = `127.0.0.1:${await freeTcpPort()}`;
  const child = spawn(process.execPath, [cli, "up", "--headless", "--api", api, "--log", join(dir, `${name}.events.log`), file], {
    cwd: dir, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, XDG_STATE_HOME: join(dir, `${name}.state`) },
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  return {
    api, child, out: () => out,
    stop: () => new Promise<void>((res) => {
      if (child.exitCode !== null || child.signalCode !== null) return res();
      child.once("exit", () => res());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 20_000).unref();
    }),
  };
}

/** A VM's serial console over the API: what it printed (CRs dropped), and commands typed into it. */
export class ApiConsole {
  text = "";
  private ws: WebSocket | undefined;
  constructor(readonly vm: string, private readonly up: Up) {}

  /** Attach, retrying while the API is not up yet. */
  async open(ms: number): Promise<this> {
    const end = Date.now() + ms;
    for (;;) {
      try {
        this.ws = await openSocket({ address: this.up.api }, `/v1/vms/${this.vm}/console`, (d) => { this.text += d.toString("latin1").replace(/\r/g, ""); });
        return this;
      } catch (e) {
        if (Date.now() > end) throw new Error(`${this.vm}'s console did not open: ${(e as Error).message}\n${this.up.out().slice(-3000)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  close(): void { this.ws?.terminate(); }

  async waitFor(re: RegExp, ms: number, from = 0): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = this.text.slice(from).match(re);
      if (m) return m;
      if (Date.now() > end) throw new Error(`no ${re} on ${this.vm}'s console after ${ms} ms:\n${this.text.slice(-3000)}\n--- bulkhead up\n${this.up.out().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Type `cmd` at the shell; resolves with what it printed, then `status=N`. */
  async run(cmd: string, ms = 60_000): Promise<string> {
    if (!this.ws) throw new Error(`${this.vm}'s console is not open`);
    const tag = `done-${Math.random().toString(36).slice(2, 8)}`;
    const from = this.text.length;
    this.ws.send(`${cmd}; echo "${tag}=$?"\n`);
    const m = await this.waitFor(new RegExp(`\\n${tag}=(\\d+)`), ms, from);
    return `${this.text.slice(from, from + m.index!)}\nstatus=${m[1]}`;
  }
}
