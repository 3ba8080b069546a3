// `bulkhead ctl`: one command against a running `bulkhead up`, through its HTTP API
// (src/api, docs/api.md): the RootOS commands of the shell (POST /v1/commands), a VM's
// console and the event stream (WebSockets). What a command's parameters are comes from
// the RootOS command table: bytes are read here (a file where ctl runs) and sent to the
// row's route, a stream command opens the row's WebSocket. This file parses arguments
// and drives the terminal; the client is src/api/client.ts.
import type WebSocket from "ws";
import { DEFAULT_API_ADDRESS, formatAddress, parseApiAddress } from "../api/address.js";
import { openSocket, postBytes, postCommand, postForm, routeUrl, type ApiTarget } from "../api/client.js";
import { assignWords, COMMANDS, convert, paramsOf, usageOf, type Bytes, type Command } from "../rootos/commands/index.js";
import { RootosError } from "../rootos/supervisor/errors.js";
import { Upload } from "../rootos/supervisor/uploads.js";
import { DETACH_BYTE } from "../shell/shell.js";
import { formatLogEntry, type LogEntry } from "../rootos/supervisor/event-log.js";
import { CliError, usageError } from "./cli-error.js";


export const CTL_HELP = `usage: bulkhead ctl [options] COMMAND [ARGS...]

Run one command against a running 'bulkhead up', through its management API
(docs/api.md), and print what it answers; exit status 0, or 1 with the RootOS's message.

options (before COMMAND):
  --api HOST:PORT  where 'bulkhead up' listens (default ${DEFAULT_API_ADDRESS}; a port alone
                   means 127.0.0.1)
  --token TOKEN    the API's token, when it has one (default: $BULKHEAD_TOKEN)
  --json           print the answer's data as JSON (events: one JSON object per line)
  -h, --help       this text

commands (the RootOS shell's):
${COMMANDS.map((c) => `  ${usageOf(c).padEnd(32)} ${c.help}`).join("\n")}
  ${"events".padEnd(32)} print every event-log entry as it happens, until interrupted

'console' puts the terminal in raw mode; Ctrl-] detaches (also in piped input, which
detaches at its end too). 'upgrade VM BUNDLE-FILE' reads the bundle here and sends it
(POST /v1/vms/VM/upgrade), so the file need not be on the RootOS's host; so does
'create NAME … kernel=@FILE [initrd=@FILE]' with each @FILE (POST /v1/vms, a form), which
the RootOS keeps in its state directory for the VM.

examples:
  bulkhead ctl list
  bulkhead ctl pause linux1
  bulkhead ctl --json stats linux1
  bulkhead ctl log linux1 state -n 20
  bulkhead ctl upgrade linux1 linux1-v2.bundle
  bulkhead ctl create dev cores=1 memory=256M kernel=@./Image initrd=@./initrd.gz append="console=ttyS0"
  bulkhead ctl --api 192.0.2.7:7730 --token "$TOKEN" console linux1
`;

interface CtlOptions {
  readonly target: ApiTarget;
  readonly json: boolean;
  readonly words: readonly string[];
}

/** Options until the first word that is not one; the rest is the command, untouched (`log -n 5`). */
export function parseCtlArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): CtlOptions | "help" {
  let address = DEFAULT_API_ADDRESS, token = env["BULKHEAD_TOKEN"] || undefined, json = false;
  let i = 0;
  const value = (name: string, inline: string | undefined): string => {
    const v = inline ?? argv[++i];
    if (v === undefined || v === "") throw usageError(`ctl: ${name} needs a value (see bulkhead ctl --help)`);
    return v;
  };
  for (; i < argv.length && argv[i]!.startsWith("-"); i++) {
    const [name, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    if (name === "-h" || name === "--help") return "help";
    else if (name === "--json") json = true;
    else if (name === "--api") address = value(name, inline);
    else if (name === "--token") token = value(name, inline);
    else throw usageError(`ctl: unknown option '${name}' (see bulkhead ctl --help)`);
  }
  const words = argv.slice(i);
  if (words.length === 0) throw usageError("ctl: no command given (see bulkhead ctl --help)");
  let parsed: { host: string; port: number };
  try { parsed = parseApiAddress(address); } catch (e) { throw usageError(`ctl: ${(e as Error).message}`); }
  return { target: { address: formatAddress(parsed.host, parsed.port), ...(token !== undefined ? { token } : {}) }, json, words };
}

/** `bulkhead ctl`. */
export async function ctlCommand(argv: readonly string[]): Promise<number> {
  const opts = parseCtlArgs(argv);
  if (opts === "help" || (opts.words.length === 1 && opts.words[0] === "help")) {
    process.stdout.write(CTL_HELP);
    return 0;
  }
  const [verb, ...args] = opts.words;
  if (verb === "events") {
    if (args.length > 0) throw usageError("ctl: usage: events");
    const print = (data: Buffer): void => {
      const text = data.toString("utf8");
      process.stdout.write(`${opts.json ? text : formatLogEntry(JSON.parse(text) as LogEntry)}\n`);
    };
    const ws = await openSocket(opts.target, "/v1/events", print);
    process.stderr.write("bulkhead: streaming events (Ctrl-C stops)\n");
    return closed(ws);
  }
  const c = COMMANDS.find((x) => x.name === verb);
  if (c && paramsOf(c, "stream").length > 0) {
    const given = await local(() => assignWords(c, args));
    const path = routeUrl(c, c.routes.find((r) => r.method === "WebSocket")!, given);
    // The guest's output waits for the banner, so it follows it (the scroll-back comes with the upgrade).
    let held: Buffer[] | undefined = [];
    const ws = await openSocket(opts.target, path, (data) => (held ? held.push(data) : process.stdout.write(data)));
    const session = consoleSession(ws, given.get("vm")?.[0] ?? c.name);
    for (const data of held) process.stdout.write(data);
    held = undefined;
    return session;
  }
  const bytes = c ? paramsOf(c, "bytes")[0] : undefined;
  const files = c ? paramsOf(c, "value").find(([, p]) => p.files) : undefined;
  // Bytes and KEY=@FILE are read here, where the user named the file, and sent whole: the RootOS may be on another host.
  const { data, text } = c && bytes
    ? await sendBytes(opts.target, c, bytes[0], args)
    : c && files && args.some((w) => /^[^=]+=@/.test(w))
      ? await sendFiles(opts.target, c, files[0], args)
      : await postCommand(opts.target, opts.words);
  const out = opts.json ? JSON.stringify(data, null, 2) : text;
  if (out !== "") process.stdout.write(`${out}\n`);
  return 0;
}

/** `c`'s words with its bytes parameter `name` read from the file they name, POSTed to its route. */
async function sendBytes(target: ApiTarget, c: Command, name: string, args: readonly string[]) {
  const given = await local(() => assignWords(c, args));
  const file = await local(() => convert(c.name, name, () => c.params[name]!.fromWords(given.get(name)!)));
  return postBytes(target, routeUrl(c, c.routes.find((r) => r.method === "POST")!, given), (file as Bytes).bytes);
}

/**
 * `c`'s words with its files parameter `name` parsed here (each KEY=@FILE read from this
 * host), POSTed to its route as a form: the files as parts, named "@fN" in the JSON; the
 * other parameters in the path and query, as words.
 */
async function sendFiles(target: ApiTarget, c: Command, name: string, args: readonly string[]) {
  const given = await local(() => assignWords(c, args));
  const value = await local(() => convert(c.name, name, () => c.params[name]!.fromWords(given.get(name)!)));
  given.delete(name);
  const parts = new Map<string, Upload>();
  const named = (v: unknown): unknown => {
    if (v instanceof Upload) {
      const part = `f${parts.size}`;
      parts.set(part, v);
      return `@${part}`;
    }
    if (Array.isArray(v)) return v.map(named);
    return typeof v === "object" && v !== null ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, named(x)])) : v;
  };
  return postForm(target, routeUrl(c, c.routes.find((r) => r.method === "POST")!, given), { [name]: named(value) }, parts);
}

/** What ctl parses itself fails as the RootOS would say it, prefixed `ctl:`. */
async function local<T>(parse: () => T | Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (e) {
    if (e instanceof RootosError) throw new CliError(`ctl: ${e.message}`);
    throw e;
  }
}

/** The terminal on a VM's console until Ctrl-], the end of piped input, or the server closing. */
function consoleSession(ws: WebSocket, vm: string): Promise<number> {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  process.stderr.write(`bulkhead: connected to ${vm}'s console; Ctrl-] detaches\n`);
  if (tty) stdin.setRawMode(true);
  const restore = (): void => { if (tty) stdin.setRawMode(false); };
  process.on("exit", restore);
  const detach = (): void => { ws.close(1000, "detached"); };
  const onData = (chunk: Buffer): void => {
    const at = chunk.indexOf(DETACH_BYTE);
    if (at < 0) { ws.send(chunk); return; }
    if (at > 0) ws.send(chunk.subarray(0, at));
    detach();
  };
  stdin.on("data", onData);
  stdin.on("end", detach);
  stdin.resume();
  return closed(ws).then((status) => {
    stdin.off("data", onData);
    stdin.off("end", detach);
    stdin.pause();
    restore();
    process.off("exit", restore);
    if (tty) process.stderr.write("\r\n");
    return status;
  });
}

/** Resolves when the socket closes: 0 for a detach or an orderly shutdown, 1 (with why) otherwise. */
function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.on("error", () => { /* the close that follows says it */ });
    ws.on("close", (code: number, reason: Buffer) => {
      if (code === 1000) return resolve(0);
      const why = reason.length ? reason.toString("utf8") : code === 1006 ? "the connection was lost" : `code ${code}`;
      process.stderr.write(`bulkhead: the API closed the connection: ${why}\n`);
      resolve(code === 1001 ? 0 : 1);
    });
  });
}
