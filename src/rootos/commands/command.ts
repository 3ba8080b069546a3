// What a row of the RootOS command table (table.ts) is: a name, its help, its typed
// parameters (params.ts), the HTTP routes that reach it, and `run`, which receives the
// parameters' typed values. The shell parses words into them (words.ts), the API a path,
// a query and a JSON body (src/api/params.ts); neither turns one into the other.
import { RootosError } from "../supervisor/errors.js";
import type { ConsoleAttachment, Supervisor } from "../supervisor/supervisor.js";
import { ParamError, type Args, type Param, type Params } from "./params.js";

export interface CommandResult {
  /** Plain data: what the API returns. */
  readonly data: unknown;
  /** The same for people: what the shell and `ctl` print. */
  readonly text: string;
  /** A stream command's console attachment: the front end sends input and detaches through it. */
  readonly attachment?: ConsoleAttachment;
  /** A file the command made (a screenshot): a route with answer "file" sends it; the shell and ctl save it to `to`. */
  readonly file?: { readonly bytes: Uint8Array; readonly contentType: string; readonly to?: string };
}

/**
 * An HTTP route onto a row: `{name}` segments of the path are its parameters of that
 * name; the others come from the query (text, as words) or, on POST and PUT, the JSON
 * body; a bytes parameter is the body. A stream row's route is a WebSocket.
 */
export interface CommandRoute {
  readonly method: "GET" | "POST" | "PUT" | "WebSocket";
  readonly path: string;
  /** `data`: the answer is the result's data (the VM routes); `result`: `{data, text}`; `file`: the result's file itself. */
  readonly answer: "data" | "result" | "file";
}

export interface Command<P extends Params = Params> {
  readonly name: string;
  readonly help: string;
  readonly params: P;
  readonly routes: readonly CommandRoute[];
  run(sup: Supervisor, args: Args<P>): Promise<CommandResult>;
}

/** A row, its parameters' types checked against its `run`, for the table's list of rows. */
export function command<P extends Params>(c: Command<P>): Command {
  return c as unknown as Command;
}

/** `"POST /v1/vms/{vm}/pause"` as a route answering the data (`"result"`: data and text). */
export function route(spec: string, answer: CommandRoute["answer"] = "data"): CommandRoute {
  const [method, path] = spec.split(" ") as [CommandRoute["method"], string];
  return { method, path, answer };
}

/** `pause VM`, `log [VM] [KIND] [-n N]`: how the shell writes the row. */
export function usageOf(c: Command): string {
  const parts = Object.values(c.params).flatMap((p: Param) => {
    if (p.source === "stream") return [];
    const word = p.flag ? `${p.flag} ${p.metavar}` : p.metavar;
    return [p.optional ? `[${word}]` : word];
  });
  return [c.name, ...parts].join(" ");
}

/** The parameter the shell, a path or a query gives as text, and the API as JSON. */
export function paramsOf(c: Command, source: Param["source"]): [string, Param][] {
  return Object.entries(c.params).filter(([, p]) => p.source === source);
}

/** BadArgument for `command`'s parameter `param`. */
export function badArgument(command: string, param: string | undefined, argument: string, why: string): RootosError {
  return new RootosError({ kind: "BadArgument", command, argument, why, ...(param !== undefined ? { param } : {}) });
}

/** `parse()`, its ParamError as the BadArgument of `command`'s `param`: the same error from every front end. */
export async function convert<T>(command: string, param: string, parse: () => T | Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (e) {
    if (e instanceof ParamError) throw badArgument(command, param, e.argument, e.why);
    throw e;
  }
}
