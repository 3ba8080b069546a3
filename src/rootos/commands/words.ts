// Shell words into a row's parameters: the RootOS shell's grammar, which `bulkhead ctl`
// and POST /v1/commands share. Parameters are taken in the row's order; an optional one
// may be left out; a `flag` parameter (`-n 20`) may stand anywhere; a word that is one of
// an optional choice's words fills that choice wherever it stands (`log command`, `log
// rt command`); a `rest` parameter takes every word left (KEY=VALUE…).
import type { ConsoleSink } from "../supervisor/supervisor.js";
import { badArgument, convert, usageOf, type Command } from "./command.js";
import type { Param } from "./params.js";

/** What a front end supplies itself: a stream command's channel. */
export interface Supplied {
  readonly stream?: ConsoleSink;
}

/** Which words go to which parameter, before any is parsed: BadArgument when there are too many or too few. */
export function assignWords(c: Command, words: readonly string[]): Map<string, string[]> {
  const entries = Object.entries(c.params);
  const given = new Map<string, string[]>();
  const loose: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const flagged = entries.find(([, p]) => p.flag === w);
    if (!flagged) {
      loose.push(w);
      continue;
    }
    const value = words[++i];
    if (value === undefined) throw badArgument(c.name, flagged[0], w, `${w} needs ${flagged[1].expect}`);
    given.set(flagged[0], [value]);
  }
  const positional = entries.filter(([, p]) => !p.flag && p.source !== "stream");
  const arity = (what: string) => badArgument(c.name, undefined, words.join(" ") || "(nothing)", `${what} (usage: ${usageOf(c)})`);
  let next = 0;
  for (let i = 0; i < loose.length; i++) {
    const w = loose[i]!;
    const chosen = positional.find(([n, p]) => p.optional && p.choices?.includes(w) && !given.has(n));
    if (chosen) {
      given.set(chosen[0], [w]);
      continue;
    }
    while (next < positional.length && given.has(positional[next]![0])) next++;
    const at = positional[next];
    if (!at) throw arity("too many arguments");
    if (at[1].rest) {
      given.set(at[0], loose.slice(i));
      break;
    }
    given.set(at[0], [w]);
  }
  if (positional.some(([n, p]) => !p.optional && !given.has(n))) throw arity("missing arguments");
  return given;
}

/** `words` (after the command's name) as `c`'s typed arguments. Errors are RootosErrors (BadArgument). */
export async function argsFromWords(c: Command, words: readonly string[], supplied: Supplied = {}): Promise<Record<string, unknown>> {
  const given = assignWords(c, words);
  const args: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(c.params) as [string, Param][]) {
    if (p.source === "stream") {
      args[name] = supplied.stream ?? (await convert(c.name, name, () => p.fromWords([])));
      continue;
    }
    const ws = given.get(name);
    if (ws) args[name] = await convert(c.name, name, () => p.fromWords(ws));
  }
  return args;
}
