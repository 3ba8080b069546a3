// Shared by the whole-machine tests (test/boot) and the benchmark (test/perf): where the
// repository is, Debian's images (fetched on first use, as CI starts from an empty
// cache), and programs run as child processes with a deadline, their output captured.
import { spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// compiled to dist/test/support/bulkhead.js: the repository root is three levels up
export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const cli = join(repoRoot, "bin", "bulkhead");

/** The cached Debian images, fetched on first use (CI starts from an empty cache). */
export { ensureImages } from "../../src/images/index.js";

export interface SpawnOptions {
  /** Kill the process (SIGKILL) after this long; the result says timedOut. */
  readonly timeoutMs: number;
  /** Stop the process (SIGTERM) as soon as its stdout contains this text. */
  readonly until?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Working directory; default the repository root. */
  readonly cwd?: string;
  /** Written to stdin at once, which is then closed (default: stdin is closed from the start). */
  readonly input?: string;
}

export interface ProcessRun {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time from spawn to exit, ms. */
  readonly ms: number;
  /** Wall time from spawn to the first appearance of `until` on stdout, ms. */
  readonly untilMs?: number;
  readonly timedOut: boolean;
}

/** Run `cmd` from the repository root, stdin closed (or opts.input), stdout and stderr captured. */
export function runProcess(cmd: string, args: readonly string[], opts: SpawnOptions): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: opts.cwd ?? repoRoot, stdio: "pipe", env: opts.env ?? process.env });
    child.stdin.on("error", () => {}); // a child that exits without reading its input
    child.stdin.end(opts.input ?? "");
    let stdout = "";
    let stderr = "";
    let untilMs: number | undefined;
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      // Look only where the text can newly appear: the new chunk and the tail before it.
      const from = Math.max(0, stdout.length - (opts.until?.length ?? 0));
      stdout += d;
      if (opts.until !== undefined && untilMs === undefined && stdout.indexOf(opts.until, from) >= 0) {
        untilMs = performance.now() - started;
        child.kill("SIGTERM");
      }
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    const timer = setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, opts.timeoutMs);
    child.on("error", (e) => { clearTimeout(timer); reject(e); });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, ms: performance.now() - started, timedOut, ...(untilMs !== undefined ? { untilMs } : {}) });
    });
  });
}

/** `bin/bulkhead ARGS` with this Node. */
export function runBulkhead(args: readonly string[], opts: SpawnOptions): Promise<ProcessRun> {
  return runProcess(process.execPath, [cli, ...args], opts);
}

/** `n` UDP ports on 127.0.0.1 that were free a moment ago (for --netdev udp links). */
export async function freeUdpPorts(n: number): Promise<number[]> {
  const socks = await Promise.all(Array.from({ length: n }, () => new Promise<ReturnType<typeof createSocket>>((res) => {
    const s = createSocket("udp4");
    s.bind(0, "127.0.0.1", () => res(s));
  })));
  const ports = socks.map((s) => s.address().port);
  await Promise.all(socks.map((s) => new Promise<void>((res) => s.close(() => res()))));
  return ports;
}

/** The last `n` lines of `text`. */
export function tail(text: string, n = 40): string {
  const lines = text.replace(/\r/g, "").trimEnd().split("\n");
  return (lines.length > n ? [`[... ${lines.length - n} lines before]`, ...lines.slice(-n)] : lines).join("\n");
}

/** How a run ended, in words: "exit status 1 after 0.5 s", "killed by SIGTERM after 3.0 s", "timed out after 120.0 s". */
export function howEnded(r: ProcessRun): string {
  const after = `after ${(r.ms / 1000).toFixed(1)} s`;
  if (r.timedOut) return `timed out ${after} (killed)`;
  return `${r.signal ? `killed by ${r.signal}` : `exit status ${r.status}`} ${after}`;
}

/** A failure report: how the run ended and the tail of both streams. */
export function describeRun(what: string, r: ProcessRun): string {
  return `${what}: ${howEnded(r)}\n` +
    `--- stdout (tail)\n${tail(r.stdout)}\n--- stderr (tail)\n${tail(r.stderr, 15)}`;
}
