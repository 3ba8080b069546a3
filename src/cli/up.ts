// `bulkhead up [FILE]`: bring a whole system up from its description. Check it (as
// validate does; nothing starts if anything is wrong), create the board disks it asks
// for, start the supervisor and the management API, boot every autostart VM, then open
// the RootOS shell, or with --headless run as a service until SIGTERM or SIGINT, which
// shut every VM down (SysRq power-off, then hard after a time-out).
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { type ApiServer, DEFAULT_API_ADDRESS, parseApiAddress, startApi } from "../api/index.js";
import { cachedImages } from "../images/store.js";
import { createMissingDisks } from "../rootos/board/disks.js";
import { DEFAULT_SYSTEM, DescriptionEditor, DescriptionError, formatIssue, parseDuration } from "../rootos/description/index.js";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, defaultEventLogPath, defaultStateDir, formatLogEntry, Supervisor } from "../rootos/supervisor/index.js";
import { runWords } from "../rootos/commands/index.js";
import { runShell, splitWords } from "../shell/shell.js";
import { CliError, usageError } from "./cli-error.js";

export const UP_HELP = `usage: bulkhead up [options] [FILE]

Bring up the system FILE describes (YAML; reference: docs/system-description.md;
default: examples/mixed-criticality.yaml): check it as 'bulkhead validate' does (nothing
starts when anything is wrong), create the board disks it marks create: true, boot
every VM with autostart, and open the RootOS shell (type help there). Each VM runs in
a thread of its own, with only its own memory and devices.

options:
  --headless           no shell: run as a service, print events as lines on stdout;
                       SIGTERM or SIGINT shuts every VM down and exits
  --api ADDR:PORT      where the management API listens (HTTP and WebSocket; default
                       127.0.0.1:7730), with the web dashboard at http://ADDR:PORT/
                       (docs/dashboard.md); --api off: no API
  --token TOKEN        the API's bearer token (default: $BULKHEAD_TOKEN); required when
                       ADDR is not a loopback address
  --log FILE           the event log (JSON lines; default ${relative(process.cwd(), defaultEventLogPath()) || defaultEventLogPath()})
  --shutdown-timeout DURATION
                       how long a VM has to power off when the RootOS shuts down before it
                       is stopped hard (default ${DEFAULT_SHUTDOWN_TIMEOUT_MS / 1000}s)
  --no-fetch           do not fetch Debian's images; report them missing if not cached
  --gdb-system PORT    the system debug port on 127.0.0.1:PORT (0: a free one): one gdb
                       session on every running VM, each a process (docs/debugging.md)
  -h, --help           show this help

In the shell, 'console VM' joins the terminal to a VM's console; Ctrl-] detaches.
'quit' (or Ctrl-D) stops every VM and exits. From another terminal or a script,
'bulkhead ctl COMMAND' runs the same commands against this RootOS.
`;

const OPTIONS = {
  headless: { type: "boolean" }, api: { type: "string" }, token: { type: "string" }, log: { type: "string" },
  "shutdown-timeout": { type: "string" }, "no-fetch": { type: "boolean" }, "gdb-system": { type: "string" }, help: { type: "boolean", short: "h" },
} as const;


export async function upCommand(argv: readonly string[]): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    throw usageError(`up: ${(e as Error).message.split("\n")[0]} (see bulkhead up --help)`);
  }
  if (values.help) {
    process.stdout.write(UP_HELP);
    return 0;
  }
  if (positionals.length > 1) throw usageError(`up: one description at a time, not ${positionals.length} (see bulkhead up --help)`);
  const shutdownMs = values["shutdown-timeout"] === undefined ? DEFAULT_SHUTDOWN_TIMEOUT_MS : parseTimeout(values["shutdown-timeout"]);
  const file = positionals[0] ?? relative(process.cwd(), DEFAULT_SYSTEM);
  const gdbSystem = values["gdb-system"];
  if (gdbSystem !== undefined && (!/^\d{1,5}$/.test(gdbSystem) || Number(gdbSystem) > 65535)) {
    throw usageError(`up: --gdb-system takes a TCP port (0..65535; 0 picks a free one), not "${gdbSystem}"`);
  }

  let editor: DescriptionEditor;
  try {
    editor = await DescriptionEditor.open(file, values["no-fetch"] ? { debianImages: async () => cachedImages() } : {});
  } catch (e) {
    if (!(e instanceof DescriptionError)) throw e;
    for (const i of e.issues) process.stderr.write(`${formatIssue(e.file, i)}\n`);
    throw new CliError(`${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}; nothing was started`);
  }
  // The API's address is checked before anything starts; it listens once the supervisor exists.
  const api = values.api === "off" ? undefined : parseApiAddress(values.api ?? DEFAULT_API_ADDRESS);
  const plan = editor.loaded.plan;
  for (const made of createMissingDisks(plan.board)) process.stderr.write(`bulkhead: created board disk ${made}\n`);

  // Test hook (docs/upgrades.md): pause this many ms after each 64 KiB written to a slot, so a test can kill the RootOS mid-write.
  const slowSlots = Number(process.env.BULKHEAD_TEST_SLOW_SLOT_WRITE ?? 0);
  const sup: Supervisor = new Supervisor(plan, {
    editor, eventLog: values.log ?? defaultEventLogPath(), uploadDir: join(defaultStateDir(), "uploads"), shutdownTimeoutMs: shutdownMs, ...(slowSlots > 0 ? { slotWriteDelayMs: slowSlots } : {}),
    // gdb's `monitor CMD` on a VM's port: a shell command line.
    monitor: async (line) => (await runWords(sup, splitWords(line))).text,
  });
  let server: ApiServer | undefined;
  const token = (values.token ?? process.env["BULKHEAD_TOKEN"]) || undefined;
  if (api) {
    try {
      server = await startApi(sup, { ...api, ...(token !== undefined ? { token } : {}) });
    } catch (e) {
      await sup.close();
      throw e;
    }
  }
  const headless = values.headless === true;
  if (headless) {
    // What the supervisor logged while it started (a slot recovered after a power loss), then every new event.
    for (const e of sup.log()) process.stdout.write(`${formatLogEntry(e)}\n`);
    sup.onEvent((e) => process.stdout.write(`${formatLogEntry(e)}\n`));
  }
  process.stderr.write(`bulkhead: board '${plan.board.name}', ${plan.vms.length} VM${plan.vms.length === 1 ? "" : "s"} from ${file}; event log ${sup.events.path ?? "(memory)"}\n`);
  if (server) {
    process.stderr.write(`bulkhead: API on http://${server.address} (bulkhead ctl --api ${server.address} COMMAND)\n`);
    // The token is not printed (terminals and service logs keep what they show): the page asks for it, or takes #token=.
    process.stderr.write(`bulkhead: dashboard on http://${server.address}/${token === undefined ? "" : " (add #token=TOKEN to the URL, or enter it in the page)"}\n`);
  }

  const results = await sup.up();
  for (const r of results) process.stderr.write(`bulkhead: ${r.vm}: ${r.ok ? "started" : `did not start: ${r.error}`}\n`);
  if (gdbSystem !== undefined) {
    try {
      const port = await sup.openSystemPort(Number(gdbSystem));
      process.stderr.write(`bulkhead: gdb system port on 127.0.0.1:${port} (every VM a process: gdb-multiarch -ex 'target remote :${port}')\n`);
    } catch (e) {
      await server?.close();
      await sup.close();
      throw new CliError(`up: --gdb-system: ${(e as Error).message}`);
    }
  }

  if (headless) await untilSignal();
  else await runShell(sup, { input: process.stdin, output: process.stdout, historyFile: join(defaultStateDir(), "history") });
  process.stderr.write("bulkhead: shutting the system down\n");
  if (headless) await shutdownAll(sup, shutdownMs);
  await server?.close();
  await sup.close();
  return 0;
}

/** Resolves at the first SIGTERM or SIGINT; a second one exits at once. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const alive = setInterval(() => {}, 1 << 30); // a service waits even when no VM runs
    const once = (): void => {
      clearInterval(alive);
      process.off("SIGTERM", once).off("SIGINT", once);
      const hard = (): never => process.exit(130);
      process.once("SIGTERM", hard).once("SIGINT", hard);
      resolve();
    };
    process.on("SIGTERM", once).on("SIGINT", once);
  });
}

/** Ask every running VM to power off, together; each is stopped hard after the time-out. */
async function shutdownAll(sup: Supervisor, timeoutMs: number): Promise<void> {
  const running = sup.list().filter((v) => v.state === "running");
  await Promise.allSettled(running.map((v) => sup.shutdown(v.name, timeoutMs)));
}

function parseTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw usageError(`up: --shutdown-timeout ${text}: not a duration (write e.g. 500ms, 10s or 2m)`);
  return ms;
}
