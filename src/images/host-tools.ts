// The host tools src/images runs (apt-get, apt-cache, dpkg-deb, depmod, mke2fs), found
// where Debian puts them, and run with their output fed to a progress step.

import { spawn } from "node:child_process";
import { accessSync, constants as fsc, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { ImagesError } from "./errors.js";
import type { Step } from "./progress.js";

export interface FetchTools { aptGet: string; aptCache: string; dpkgDeb: string; depmod: string }

/** Look up an executable in PATH, then the sbin directories (depmod lives in /sbin, often not on a user's PATH). */
export function findTool(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? "").split(delimiter).filter((d) => d), "/usr/sbin", "/sbin"];
  for (const d of dirs) {
    const p = join(d, name);
    try {
      accessSync(p, fsc.X_OK);
      if (statSync(p).isFile()) return p;
    } catch { /* next */ }
  }
  return undefined;
}

/** All host tools `fetch` needs, checked before any download. */
export function findFetchTools(env: NodeJS.ProcessEnv = process.env): FetchTools {
  const aptGet = findTool("apt-get", env);
  const aptCache = findTool("apt-cache", env);
  if (aptGet === undefined || aptCache === undefined) throw new ImagesError({ kind: "NoApt" });
  const dpkgDeb = findTool("dpkg-deb", env);
  if (dpkgDeb === undefined) throw new ImagesError({ kind: "ToolMissing", tool: "dpkg-deb", pkg: "dpkg" });
  const depmod = findTool("depmod", env);
  if (depmod === undefined) throw new ImagesError({ kind: "ToolMissing", tool: "depmod", pkg: "kmod" });
  return { aptGet, aptCache, dpkgDeb, depmod };
}

/** Runs host commands (apt, dpkg-deb, depmod), feeding their output to the current step on a terminal. */
export class HostRunner {
  constructor(private readonly env: NodeJS.ProcessEnv, private readonly verbose: boolean, private readonly tty: boolean) {}

  run(step: Step, cmd: string, args: string[], o: { cwd?: string; quietUpdates?: boolean } = {}): Promise<string> {
    const shown = `${cmd.slice(cmd.lastIndexOf("/") + 1)} ${args.join(" ")}`;
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, {
        cwd: o.cwd, env: { ...this.env, LC_ALL: "C", DEBIAN_FRONTEND: "noninteractive" }, stdio: ["ignore", "pipe", "pipe"],
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      const started = Date.now();
      const tick = this.tty && !o.quietUpdates
        ? setInterval(() => step.update(`${((Date.now() - started) / 1000).toFixed(0)} s`), 500) : undefined;
      child.stdout.on("data", (b: Buffer) => {
        out.push(b);
        if (this.verbose) process.stderr.write(b);
      });
      child.stderr.on("data", (b: Buffer) => {
        err.push(b);
        if (this.verbose) process.stderr.write(b);
      });
      child.on("error", (e) => {
        if (tick) clearInterval(tick);
        step.fail();
        reject(new ImagesError({ kind: "CommandFailed", command: shown, status: null, output: e.message }));
      });
      child.on("close", (status) => {
        if (tick) clearInterval(tick);
        const stdout = Buffer.concat(out).toString("utf8");
        if (status === 0) return resolve(stdout);
        step.fail();
        const text = (Buffer.concat(err).toString("utf8") + "\n" + stdout).split("\n")
          .filter((l) => /^(E:|W:|dpkg-deb|depmod)/.test(l) || l.toLowerCase().includes("error"));
        reject(new ImagesError({ kind: "CommandFailed", command: shown, status, output: text.slice(-4).join(" | ") }));
      });
    });
  }
}
