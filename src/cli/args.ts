// Option parsing for the verbs that take --options (node:util parseArgs), with its errors
// turned into one-line usage errors that name the command and where its help is.
import { parseArgs } from "node:util";
import { usageError } from "./cli-error.js";

export type OptionSpec = Record<string, { type: "boolean" | "string"; short?: string; multiple?: boolean }>;
export interface ParsedArgs { values: Record<string, string | boolean | string[] | boolean[] | undefined>; positionals: string[] }

/** Parse `args` for `command` ("image sign"); undefined when --help was asked for (and `help` was printed). */
export function parseOptions(command: string, args: readonly string[], options: OptionSpec, help: string, out: { write(s: string): unknown }): ParsedArgs | undefined {
  let r: ParsedArgs;
  try {
    r = parseArgs({ args: [...args], options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  } catch (e) {
    const msg = (e as Error).message;
    const code = (e as { code?: string }).code;
    const name = /'([^']+)'/.exec(msg)?.[1];
    const opt = /--[\w-]+/.exec(msg)?.[0];
    const why = code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? `unknown option '${name ?? msg}'`
      : code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && opt ? `option '${opt}' ${/does not take/.test(msg) ? "takes no value" : "needs a value"}`
      : msg.split("\n")[0]!;
    throw usageError(`${command}: ${why} (see bulkhead ${command} --help)`);
  }
  if (r.values.help) {
    out.write(help);
    return undefined;
  }
  return r;
}
