// A request as a command row's typed arguments (rootos/commands): the path's `{name}`
// segments and the query are text, parsed as the shell parses a word; a JSON body is
// checked by one JSON schema made from the row's parameters (ajv), each error naming the
// field, then parsed by the same parameter types; a bytes parameter is the body itself.
// The value errors are the shell's (BadArgument, naming the parameter); the body's shape
// errors are BadBody, the query's BadQuery, each with the field's name as `param`.
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { convert, paramsOf, type Command, type Param, type Params, type Supplied } from "../rootos/commands/index.js";
import { ApiError } from "./errors.js";
import type { ApiRequest } from "./session.js";

const ajv = new Ajv({ strict: true, allowUnionTypes: true });
/** Validators by command and fields: made once each. */
const compiled = new Map<string, ValidateFunction>();

/** The JSON schema of a body that carries `params`: an object of exactly those fields. */
export function bodySchema(params: readonly (readonly [string, Param])[]): Record<string, unknown> {
  return {
    type: "object",
    properties: Object.fromEntries(params.map(([n, p]) => [n, p.schema ?? {}])),
    required: params.filter(([, p]) => !p.optional).map(([n]) => n),
    additionalProperties: false,
  };
}

/** JSON as people write it in examples: `{"words": ["pause", "linux1"]}`. */
export function formatExample(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatExample).join(", ")}]`;
  if (typeof v === "object" && v !== null) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${formatExample(x)}`).join(", ")}}`;
  return JSON.stringify(v);
}

/** What was sent in a field, for "must be ..., not ...". */
function sent(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

/** `body`'s fields for `params` (what: the command, for errors), checked against their schema; BadBody naming the field otherwise. */
export function checkBody(what: string, params: readonly (readonly [string, Param])[], body: unknown): Record<string, unknown> {
  const key = `${what}(${params.map(([n]) => n).join(",")})`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile(bodySchema(params));
    compiled.set(key, validate);
  }
  const example = formatExample(Object.fromEntries(params.filter(([, p]) => !p.optional || params.length === 1).map(([n, p]) => [n, p.example])));
  if (body === undefined && params.some(([, p]) => !p.optional)) throw new ApiError({ kind: "BadBody", why: `expected a JSON object such as ${example}` });
  const value = body === undefined ? {} : body;
  if (validate(value)) return value as Record<string, unknown>;
  throw new ApiError({ kind: "BadBody", ...shapeError(what, params, value, validate.errors![0]!, example) });
}

function shapeError(what: string, params: readonly (readonly [string, Param])[], value: unknown, e: ErrorObject, example: string): { why: string; param?: string } {
  if (e.instancePath === "" && e.keyword === "type") return { why: `expected a JSON object such as ${example}` };
  if (e.keyword === "required") {
    const field = (e.params as { missingProperty: string }).missingProperty;
    return { param: field, why: `'${field}' is missing: send ${example}` };
  }
  if (e.keyword === "additionalProperties") {
    const field = (e.params as { additionalProperty: string }).additionalProperty;
    return { param: field, why: `'${field}' is not a parameter of ${what} (${params.length ? `it takes: ${params.map(([n]) => n).join(", ")}` : "it takes none"})` };
  }
  const field = decodeURIComponent(e.instancePath.split("/")[1]!.replace(/~1/g, "/").replace(/~0/g, "~"));
  const p = params.find(([n]) => n === field)![1];
  return { param: field, why: `'${field}' must be ${p.expect}, not ${sent((value as Record<string, unknown>)[field])}` };
}

/** The request as `c`'s typed arguments: path, query and body as the route takes them. Errors name the parameter. */
export async function argsFromRequest(c: Command, method: string, req: ApiRequest, supplied: Supplied = {}): Promise<Record<string, unknown>> {
  const args: Record<string, unknown> = {};
  const text = async (name: string, value: string): Promise<void> => {
    args[name] = await convert(c.name, name, () => c.params[name]!.fromWords([value]));
  };
  for (const [name, value] of Object.entries(req.params)) await text(name, value);
  const values = paramsOf(c, "value").filter(([n]) => !(n in req.params));
  for (const [name, value] of req.query) {
    const p = c.params[name];
    if (!p || p.source !== "value" || p.rest || name in req.params) {
      const takes = values.filter(([, q]) => !q.rest).map(([n]) => n);
      throw new ApiError({ kind: "BadQuery", param: name, why: `'${name}' is not a query parameter of ${c.name} (${takes.length ? `it takes: ${takes.join(", ")}` : "it takes none"})` });
    }
    if (name in args) throw new ApiError({ kind: "BadQuery", param: name, why: `'${name}' is given twice` });
    await text(name, value);
  }
  const bytes = paramsOf(c, "bytes")[0];
  if (bytes) args[bytes[0]] = await convert(c.name, bytes[0], () => bytes[1].fromJson(req.body));
  else if (method === "POST" || method === "PUT") {
    const inBody = values.filter(([n]) => !(n in args));
    const body = checkBody(c.name, inBody, req.body);
    // A form's file parts, for the parameters that take files; each must be named by one.
    const files = req.files ? new Map(req.files) : undefined;
    for (const [name, p] of inBody) if (name in body) args[name] = await convert(c.name, name, () => p.fromJson(body[name], p.files ? files : undefined));
    if (files && files.size > 0) throw new ApiError({ kind: "BadBody", param: [...files.keys()][0]!, why: `the file part '${[...files.keys()][0]}' is named by no field (name it "@${[...files.keys()][0]}")` });
  } else {
    for (const [name, p] of values) if (!p.optional && !(name in args)) throw new ApiError({ kind: "BadQuery", param: name, why: `'${name}' is missing: add ?${name}=${String(p.example)}` });
  }
  const s = paramsOf(c, "stream")[0];
  if (s) args[s[0]] = supplied.stream ?? (await convert(c.name, s[0], () => s[1].fromJson(undefined)));
  return args;
}

/** For POST /v1/commands: its one field, `words`. */
export const WORDS_PARAMS: Params = {
  words: {
    type: "words", source: "value", metavar: "WORDS", help: "a command line as words", optional: false,
    schema: { type: "array", items: { type: "string" }, minItems: 1 },
    expect: 'a non-empty array of strings, e.g. ["pause", "linux1"]', example: ["pause", "linux1"],
    fromWords: (w) => w, fromJson: (v) => v,
  },
};
