// bulkhead's entry point: pick the verb from the verb table, run it, and turn every
// error into one line on stderr and an exit status. A user mistake never shows a stack
// trace; BULKHEAD_DEBUG=1 shows them for everything.
import { BootError } from "../boot/boot-error.js";
import { MachineError } from "../machine/machine.js";
import { CliError } from "./cli-error.js";
import { findVerb, VERBS } from "./verbs.js";

export const USAGE = `usage: bulkhead <command> [options]

Bulkhead runs RISC-V (RV64GC) virtual machines, emulated in TypeScript and WebAssembly.

commands:
${VERBS.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`).join("\n")}

Run 'bulkhead <command> --help' for a command's options.
Set BULKHEAD_DEBUG=1 to see stack traces.
`;

/** Run bulkhead with `argv` (the arguments after the program name); resolves to the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  // A reader that went away (`bulkhead run | head`) ends us quietly, as it does cat.
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE") throw e;
    process.exit(0);
  });
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "--help" || verb === "-h" || verb === "help") {
    const topic = verb === "help" ? rest[0] : undefined;
    const cmd = topic === undefined ? undefined : findVerb(topic);
    process.stdout.write(cmd ? cmd.help : USAGE);
    return verb === undefined ? 2 : 0;
  }
  const cmd = findVerb(verb);
  if (!cmd) {
    process.stderr.write(`bulkhead: unknown command '${verb}' (see bulkhead --help)\n`);
    return 2;
  }
  try {
    return await cmd.run(rest);
  } catch (e) {
    return reportError(e);
  }
}

/** One line for the user; a stack only for our own bugs or with BULKHEAD_DEBUG=1. */
export function reportError(e: unknown): number {
  const debug = process.env["BULKHEAD_DEBUG"] === "1";
  const err = e instanceof Error ? e : new Error(String(e));
  const userError = err instanceof CliError || err instanceof BootError || err instanceof MachineError || err.name === "ImagesError" || err.name === "ApiError" || isFsError(err);
  process.stderr.write(`bulkhead: ${userError ? err.message : `internal error: ${err.message}`}\n`);
  if (debug) process.stderr.write(`${err.stack ?? ""}\n`);
  else if (!userError) process.stderr.write("bulkhead: this is a bug; run again with BULKHEAD_DEBUG=1 for the stack trace\n");
  return err instanceof CliError ? err.status : 1;
}

function isFsError(e: Error): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return typeof code === "string" && /^E[A-Z]+$/.test(code) && "syscall" in e;
}
