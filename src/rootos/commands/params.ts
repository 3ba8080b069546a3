// The parameter types of the RootOS command rows (table.ts): a VM name, a duration, a
// size, an unsigned 64-bit value, a choice, a speed cap, KEY=VALUE fields, a device,
// a count, bytes, a stream. Each type says once how it is written as shell words (the
// shell, `bulkhead ctl`, URL paths and queries: text) and as JSON (an API body, checked
// by the JSON schema it gives: src/api/params.ts), and turns either into the same typed
// value, so the front ends cannot parse a parameter two ways. A word or value it refuses
// is a ParamError; words.ts and the API name the command and the parameter around it.
import { readFile, stat } from "node:fs/promises";
import { parseSize } from "../../machine/size.js";
import { parseDuration as parseDurationWord } from "../description/convert.js";
import { wordsToData } from "../description/edit.js";
import type { Throttle } from "../plan/index.js";
import type { ConsoleSink, Supervisor } from "../supervisor/supervisor.js";
import { MAX_UPLOAD_IMAGE_BYTES, Upload } from "../supervisor/uploads.js";

/** A word or JSON value a parameter refuses: `why`, about `argument` (the text as given). */
export class ParamError extends Error {
  constructor(readonly argument: string, readonly why: string) {
    super(`${argument}: ${why}`);
  }
}

/** Where a parameter's value comes from besides words and JSON. */
export type ParamSource =
  /** One word (or `rest`: every word left); JSON per `schema`. */
  | "value"
  /** Bytes: in the shell a file on this host; over HTTP the request body (application/octet-stream). */
  | "bytes"
  /** The front end's own channel (a terminal, a WebSocket): neither words nor JSON. */
  | "stream";

export interface Param<T = unknown, Opt extends boolean = boolean> {
  /** What it is, for help and docs/api.md: `vm`, `duration`, ... */
  readonly type: string;
  readonly source: ParamSource;
  /** How a usage line writes it: `VM`, `TIMEOUT`, `KEY=VALUE…`. */
  readonly metavar: string;
  readonly help: string;
  readonly optional: Opt;
  /** Takes every word left in the shell (KEY=VALUE…). */
  readonly rest?: boolean;
  /**
   * KEY=@FILE values are files that come with the command (an Upload): in words, read where
   * the words are parsed (the shell's host, or `bulkhead ctl`'s); over HTTP, the parts of a
   * multipart/form-data body that its JSON names as "@PART".
   */
  readonly files?: boolean;
  /** Given in the shell as `FLAG VALUE` (`-n 20`), anywhere on the line. */
  readonly flag?: string;
  /** A choice's words: in the shell a word that is one of them fills this parameter, wherever it stands. */
  readonly choices?: readonly string[];
  /** The JSON schema of its JSON form (source "value"). */
  readonly schema?: Readonly<Record<string, unknown>>;
  /** What its value must be, in words: "a duration: a whole number of ms, or text such as \"10s\"". */
  readonly expect: string;
  /** A JSON value for examples in errors: `{"cap": "50"}`. */
  readonly example?: unknown;
  /** Its words as the value. ParamError when they are not one. */
  fromWords(words: readonly string[]): T | Promise<T>;
  /**
   * Its HTTP form as the value: the JSON value (already valid for `schema`), or a bytes
   * parameter's body. `files`: a multipart body's file parts, for a `files` parameter to
   * take (and delete) the ones it names. ParamError when it is not one.
   */
  fromJson(value: unknown, files?: Map<string, Upload>): T;
  /** Shell completion: the words it may be, given the words before it. */
  complete?(sup: Supervisor, before: readonly string[]): readonly string[];
}

/** A row's parameters by name, in the order the shell takes them. */
export type Params = Readonly<Record<string, Param>>;

/** What a row's `run` receives: each parameter's typed value (undefined when an optional one is not given). */
export type Args<P extends Params> = {
  readonly [K in keyof P]: P[K] extends Param<infer T, infer O> ? (O extends true ? T | undefined : T) : never;
};

/** What every parameter may be told besides its help. */
interface Options<Opt extends boolean> {
  readonly optional?: Opt;
  readonly metavar?: string;
}

type Base<T> = Omit<Param<T, boolean>, "optional" | "help" | "metavar" | "source"> & { readonly metavar: string; readonly source?: ParamSource };

function param<T, Opt extends boolean = false>(base: Base<T>, help: string, opts: Options<Opt> & { readonly flag?: string } = {}): Param<T, Opt> {
  return { source: "value", ...base, help, optional: (opts.optional ?? false) as Opt, ...(opts.metavar ? { metavar: opts.metavar } : {}), ...(opts.flag ? { flag: opts.flag } : {}) };
}

const one = (words: readonly string[]): string => words[0]!;

/** Text (a JSON string) read as a word would be: the two forms cannot differ. */
function textForm<T>(fromWord: (w: string) => T): (v: unknown) => T {
  return (v) => fromWord(typeof v === "string" ? v : String(v));
}

/** A VM of the system, by name (whether it exists is the supervisor's to say: NoSuchVm). */
export function vm<Opt extends boolean = false>(help = "the VM", opts: Options<Opt> = {}): Param<string, NoInfer<Opt>> {
  return param({
    type: "vm", metavar: "VM", expect: "a VM's name", example: "linux1", schema: { type: "string", minLength: 1 },
    fromWords: one, fromJson: (v) => v as string, complete: (sup) => sup.names(),
  }, help, opts);
}

/** A name for something new (a VM `create` makes). */
export function name<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<string, NoInfer<Opt>> {
  return param({ type: "name", metavar: "NAME", expect: "a name", example: "rt2", schema: { type: "string", minLength: 1 }, fromWords: one, fromJson: (v) => v as string }, help, opts);
}

/** A console port of the VM named by the `vm` parameter before it (completion lists the RootOS's). */
export function port<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<string, NoInfer<Opt>> {
  return param({
    type: "port", metavar: "PORT", expect: "a console port's name", example: "hvc1", schema: { type: "string", minLength: 1 },
    fromWords: one, fromJson: (v) => v as string, complete: (sup, before) => (before[0] !== undefined ? sup.consolePorts(before[0]) : []),
  }, help, opts);
}

/** `500ms`, `10s`, `2m`, or a plain number of ms. */
export function parseDuration(text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) : parseDurationWord(text);
  if (ms === undefined) throw new ParamError(text, "not a duration (write e.g. 500ms, 10s or 2m)");
  return ms;
}

/** A time in ms: `500ms`, `10s`, `2m`, a plain number of ms; JSON: a number of ms, or the same text. */
export function duration<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<number, NoInfer<Opt>> {
  return param({
    type: "duration", metavar: "DURATION", expect: "a duration: a whole number of ms, or text such as \"10s\"", example: "10s",
    schema: { type: ["integer", "string"], minimum: 0 }, fromWords: (w) => parseDuration(one(w)), fromJson: textForm(parseDuration),
  }, help, opts);
}

/** A size in bytes: `4096`, `64K`, `16M`, `1G`; JSON: a number of bytes, or the same text. */
export function size<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<number, NoInfer<Opt>> {
  const parse = (text: string): number => {
    const bytes = /^\d+$/.test(text.trim()) ? Number(text) : parseSize(text, undefined);
    if (bytes === undefined || !Number.isSafeInteger(bytes)) throw new ParamError(text, "not a size (write bytes, or with a unit: 64K, 16M, 1G)");
    return bytes;
  };
  return param({
    type: "size", metavar: "SIZE", expect: "a size: a whole number of bytes, or text such as \"16M\"", example: "16M",
    schema: { type: ["integer", "string"], minimum: 0 }, fromWords: (w) => parse(one(w)), fromJson: textForm(parse),
  }, help, opts);
}

const U64_MAX = (1n << 64n) - 1n;

/** `0x8020_0000`, `0b101`, `4096`: an unsigned 64-bit value as a bigint, never through a JS number (which holds 53 bits). */
export function parseU64(text: string): bigint {
  const t = text.trim().replace(/_/g, "");
  if (!/^(?:0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(t)) throw new ParamError(text, "not an unsigned number (write decimal, or hex as 0x8020_0000)");
  const v = BigInt(t);
  if (v > U64_MAX) throw new ParamError(text, "does not fit in 64 bits");
  return v;
}

/** An address or other 64-bit value; JSON: the same text, or a number up to 2^53 (larger ones are not exact in JSON). */
export function u64<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<bigint, NoInfer<Opt>> {
  return param({
    type: "u64", metavar: "ADDR", expect: "an unsigned 64-bit number: text such as \"0x80200000\", or a whole number below 2^53", example: "0x80200000",
    schema: { anyOf: [{ type: "string", minLength: 1 }, { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER }] },
    fromWords: (w) => parseU64(one(w)), fromJson: (v) => (typeof v === "number" ? BigInt(v) : parseU64(v as string)),
  }, help, opts);
}

/** One of `choices`; `what` names one ("a kind of entry") and `plural` them all ("the kinds"), for errors. */
export function choice<C extends string, Opt extends boolean = false>(choices: readonly C[], what: string, plural: string, help: string, opts: Options<Opt> = {}): Param<C, NoInfer<Opt>> {
  const parse = (w: string): C => {
    if (!(choices as readonly string[]).includes(w)) throw new ParamError(w, `not ${what} (${plural} are: ${choices.join(", ")})`);
    return w as C;
  };
  return param({
    type: "choice", metavar: "CHOICE", choices, expect: `one of ${choices.map((c) => `"${c}"`).join(", ")}`, example: choices[0],
    schema: { type: "string" }, fromWords: (w) => parse(one(w)), fromJson: (v) => parse(v as string), complete: () => choices,
  }, help, opts);
}

/** `50`, `50mips`: MIPS; `25%`: a share of one host core; `off`/`none`: no cap. */
export function parseThrottle(text: string): Throttle | undefined {
  const t = text.trim().toLowerCase();
  if (t === "off" || t === "none") return undefined;
  let m = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (m) return { kind: "share", percent: Number(m[1]) };
  m = /^(\d+(?:\.\d+)?)\s*(?:mips)?$/.exec(t);
  if (m) return { kind: "mips", mips: Number(m[1]) };
  throw new ParamError(text, "not a cap: write MIPS (e.g. 50), a share of a core (e.g. 25%), or off");
}

/** A speed cap: MIPS, a share of a core, or none (undefined). JSON: the same text, or a number of MIPS. */
export function cap<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<Throttle | undefined, NoInfer<Opt>> {
  return param({
    type: "cap", metavar: "MIPS|PERCENT%|off", expect: "a cap: a number of MIPS, or text such as \"50\", \"25%\" or \"off\"", example: "50",
    schema: { type: ["string", "number"] }, fromWords: (w) => parseThrottle(one(w)), fromJson: textForm(parseThrottle), complete: () => ["off"],
  }, help, opts);
}

/** A TCP port to listen on (0: a free one), or `off`. JSON: the number, or the same text. */
export function tcpPort<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<number | "off", NoInfer<Opt>> {
  const parse = (text: string): number | "off" => {
    const t = text.trim().toLowerCase();
    if (t === "off") return "off";
    if (!/^\d{1,5}$/.test(t) || Number(t) > 65535) throw new ParamError(text, "not a TCP port (0 to 65535; 0 picks a free one) or off");
    return Number(t);
  };
  return param({
    type: "tcp-port", metavar: "PORT|off", expect: "a TCP port (0..65535, 0: a free one), or \"off\"", example: 1234,
    schema: { type: ["integer", "string"] }, fromWords: (w) => parse(one(w)), fromJson: textForm(parse), complete: () => ["off"],
  }, help, opts);
}

/** KEY=VALUE words as the description's data (description/edit.ts), as the YAML would have it. */
function fieldsOf(words: readonly string[]): Record<string, unknown> {
  try {
    return wordsToData(words);
  } catch (e) {
    throw new ParamError(words.join(" "), (e as Error).message);
  }
}

/**
 * A mapping written as in the system description: KEY=VALUE words (`virtio=block
 * partition=data`); JSON: the object. With `files`, KEY=@FILE is that file's bytes.
 */
export function fields<Opt extends boolean = false>(help: string, example: Record<string, unknown>, opts: Options<Opt> & { readonly files?: boolean } = {}): Param<Record<string, unknown>, NoInfer<Opt>> {
  const files = opts.files === true;
  return param({
    type: "fields", metavar: "KEY=VALUE…", rest: true, expect: "an object of the description's keys", example,
    schema: { type: "object", minProperties: 1 }, ...(files ? { files } : {}),
    fromWords: files ? fieldsWithFiles : fieldsOf,
    fromJson: (v, parts) => (files && parts ? withParts(v, parts) : v) as Record<string, unknown>,
  }, help, opts);
}

/** KEY=VALUE words, each KEY=@FILE read from the file (at most MAX_UPLOAD_IMAGE_BYTES). */
async function fieldsWithFiles(words: readonly string[]): Promise<Record<string, unknown>> {
  const given = new Map<number, unknown>();
  for (const [i, w] of words.entries()) {
    const m = /^[^=]+=@(.*)$/s.exec(w);
    if (m) given.set(i, await readUpload(m[1]!, w));
  }
  try {
    return wordsToData(words, given);
  } catch (e) {
    throw new ParamError(words.join(" "), (e as Error).message);
  }
}

async function readUpload(path: string, word: string): Promise<Upload> {
  if (path === "") throw new ParamError(word, "name a file after the @");
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new ParamError(word, "is a directory");
    if (st.size > MAX_UPLOAD_IMAGE_BYTES) throw new ParamError(word, `${st.size} bytes, more than the ${MAX_UPLOAD_IMAGE_BYTES >> 20} MiB a boot image may have`);
    return new Upload(new Uint8Array(await readFile(path)), path);
  } catch (e) {
    if (e instanceof ParamError) throw e;
    throw new ParamError(word, fileProblem(e));
  }
}

/** `v` with each string "@PART" replaced by that file part (taken from `parts`). */
function withParts(v: unknown, parts: Map<string, Upload>): unknown {
  if (typeof v === "string" && v.startsWith("@")) {
    const up = parts.get(v.slice(1));
    if (!up) throw new ParamError(v, `no file part '${v.slice(1)}' was sent with the request (parts: ${[...parts.keys()].join(", ") || "none"})`);
    parts.delete(v.slice(1));
    return up;
  }
  if (typeof v !== "object" || v === null) return v;
  if (Array.isArray(v)) return v.map((x) => withParts(x, parts));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, withParts(x, parts)]));
}

function fileProblem(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
}

/** One of a VM's devices: its number in `info VM`, or fields that pick it (`partition=data`); JSON: the number or the object. */
export function device<Opt extends boolean = false>(help: string, opts: Options<Opt> = {}): Param<number | Record<string, unknown>, NoInfer<Opt>> {
  return param({
    type: "device", metavar: "N|KEY=VALUE…", rest: true, expect: "a device's number (0, 1, ...) or an object of fields that pick it", example: { partition: "data" },
    schema: { anyOf: [{ type: "integer", minimum: 0 }, { type: "object", minProperties: 1 }] },
    fromWords: (w) => (w.length === 1 && /^\d+$/.test(w[0]!) ? Number(w[0]) : fieldsOf(w)), fromJson: (v) => v as number | Record<string, unknown>,
  }, help, opts);
}

/** A whole number of things (`what`: "a number of entries"), in the shell after `flag`. */
export function count<Opt extends boolean = false>(what: string, help: string, opts: Options<Opt> & { readonly flag?: string } = {}): Param<number, NoInfer<Opt>> {
  const parse = (w: string): number => {
    if (!/^\d+$/.test(w)) throw new ParamError(w, `not ${what}`);
    return Number(w);
  };
  return param({
    type: "count", metavar: "N", expect: what, example: 20, schema: { type: "integer", minimum: 0 },
    fromWords: (w) => parse(one(w)), fromJson: (v) => v as number,
  }, help, opts);
}

/** Bytes and where they came from (a file's name, "api"), for the event log. */
export interface Bytes {
  readonly bytes: Uint8Array;
  readonly from: string;
}

/** Bytes: in the shell a file on the host it runs on, read whole; over HTTP the request body. */
export function bytes<Opt extends boolean = false>(what: string, help: string, opts: Options<Opt> = {}): Param<Bytes, NoInfer<Opt>> {
  return param({
    type: "bytes", source: "bytes", metavar: "FILE", expect: what,
    async fromWords(w) {
      try {
        return { bytes: new Uint8Array(await readFile(one(w))), from: one(w) };
      } catch (e) {
        throw new ParamError(one(w), fileProblem(e));
      }
    },
    fromJson(v) {
      const b = v as Uint8Array;
      if (b.length === 0) throw new ParamError("(empty body)", `send ${what} as the body (application/octet-stream)`);
      return { bytes: b, from: "api" };
    },
  }, help, opts);
}

/** The front end's channel to a console: where the guest's output goes (input and detach go through the attachment `run` returns). */
export function stream(help: string): Param<ConsoleSink, false> {
  return param({
    type: "stream", source: "stream", metavar: "", expect: "an interactive channel (a terminal, or the route's WebSocket)",
    fromWords: () => { throw new ParamError("(no terminal)", "it is interactive: run it in the RootOS shell, or open its WebSocket (bulkhead ctl does)"); },
    fromJson: () => { throw new ParamError("(no terminal)", "it is interactive: open its WebSocket (bulkhead ctl does)"); },
  }, help);
}
