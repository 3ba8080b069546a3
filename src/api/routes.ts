// The HTTP API's one table of routes (docs/api.md): method and path to what runs. Every
// /v1 route that acts or reads is a mapping onto a row of the RootOS command table
// (rootos/supervisor/commands.ts), so the API, the shell and `bulkhead ctl` cannot drift
// apart; /metrics and the two WebSockets are the resources that are not commands.
import { formatUpgrade, LOG_KINDS, runCommand } from "../rootos/supervisor/commands.js";
import { RootosError } from "../rootos/supervisor/errors.js";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import { openConsole } from "./console.js";
import { ApiError } from "./errors.js";
import { openEvents } from "./events.js";
import type { SocketSession } from "./session.js";
import { metricsText, METRICS_CONTENT_TYPE } from "./metrics.js";

export interface ApiRequest {
  /** The path's `{name}` segments, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body: JSON (routes with `body: "json"`; undefined when empty), or bytes (`body: "bytes"`). */
  readonly body: unknown;
}

export type HttpReply = { readonly json: unknown } | { readonly text: string; readonly contentType: string };

export type { SocketSession } from "./session.js";

export type Route =
  | {
    readonly kind: "http";
    readonly method: "GET" | "POST" | "PUT";
    readonly path: string;
    /** Read the body: as JSON, or as bytes (a bundle). */
    readonly body?: "json" | "bytes";
    handle(sup: Supervisor, req: ApiRequest): Promise<HttpReply>;
  }
  | { readonly kind: "socket"; readonly path: string; open(sup: Supervisor, req: ApiRequest): SocketSession };

/** A route answering with the data of the command `words(req)`. */
function command(method: "GET" | "POST" | "PUT", path: string, words: (req: ApiRequest) => string[], body?: "json"): Route {
  return { kind: "http", method, path, ...(body ? { body } : {}), handle: async (sup, req) => ({ json: (await runCommand(sup, words(req))).data }) };
}

const vm = (req: ApiRequest): string => req.params["vm"]!;

/** The commands with a route of their own, POST /v1/vms/{vm}/NAME (the others: POST /v1/commands). */
const LIFECYCLE = ["start", "stop", "shutdown", "pause", "resume", "reset"] as const;

/** PUT/POST /v1/vms/{vm}/throttle {"cap": "50" | "25%" | "off"} */
function throttleWords(req: ApiRequest): string[] {
  const cap = field(req.body, "cap", '{"cap": "50"} (MIPS), {"cap": "25%"} (a share of a core) or {"cap": "off"}');
  if (typeof cap !== "string" && typeof cap !== "number") throw new ApiError({ kind: "BadBody", why: `'cap' must be a string or a number, not ${JSON.stringify(cap)}` });
  return ["throttle", vm(req), String(cap)];
}

/** GET /v1/log?vm=&kind=&n= */
function logWords(req: ApiRequest): string[] {
  const q = req.query;
  const kind = q.get("kind"), name = q.get("vm"), n = q.get("n");
  // The log command tells a kind from a VM by the word; a query names which it is.
  if (kind !== null && !(LOG_KINDS as readonly string[]).includes(kind)) {
    throw new RootosError({ kind: "BadArgument", command: "log", argument: kind, why: `not a kind of entry (the kinds are: ${LOG_KINDS.join(", ")})` });
  }
  return ["log", ...(name !== null ? [name] : []), ...(kind !== null ? [kind] : []), ...(n !== null ? ["-n", n] : [])];
}

/** POST /v1/commands {"words": ["pause", "linux1"]}: any command of the table; answers {data, text}. */
async function anyCommand(sup: Supervisor, req: ApiRequest): Promise<HttpReply> {
  const words = field(req.body, "words", '{"words": ["pause", "linux1"]}');
  if (!Array.isArray(words) || words.length === 0 || !words.every((w) => typeof w === "string")) {
    throw new ApiError({ kind: "BadBody", why: `'words' must be a non-empty array of strings, e.g. ["pause", "linux1"], not ${JSON.stringify(words)}` });
  }
  const { data, text } = await runCommand(sup, words as string[]);
  return { json: { data, text } };
}

/**
 * POST /v1/vms/{vm}/upgrade with the signed bundle as the body (application/octet-stream):
 * the `upgrade` command's work, for a client whose bundle is not on the RootOS's host.
 */
async function upgradeUpload(sup: Supervisor, req: ApiRequest): Promise<HttpReply> {
  const bytes = req.body as Uint8Array;
  if (bytes.length === 0) throw new ApiError({ kind: "BadBody", why: "send the signed bundle's bytes as the body (bulkhead ctl upgrade VM FILE does)" });
  const res = await sup.upgrade(vm(req), bytes, "api");
  return { json: { data: res, text: formatUpgrade(res) } };
}

/** `body[name]`; BadBody naming what to send when the body is not an object with it. */
function field(body: unknown, name: string, example: string): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new ApiError({ kind: "BadBody", why: `expected a JSON object such as ${example}` });
  const v = (body as Record<string, unknown>)[name];
  if (v === undefined) throw new ApiError({ kind: "BadBody", why: `'${name}' is missing: send ${example}` });
  return v;
}

export const ROUTES: readonly Route[] = [
  command("GET", "/v1/vms", () => ["list"]),
  command("GET", "/v1/vms/{vm}", (r) => ["info", vm(r)]),
  ...LIFECYCLE.map((c) => command("POST", `/v1/vms/{vm}/${c}`, (r) => {
    const timeout = c === "shutdown" ? r.query.get("timeout") : null;
    return [c, vm(r), ...(timeout !== null ? [timeout] : [])];
  })),
  command("PUT", "/v1/vms/{vm}/throttle", throttleWords, "json"),
  command("POST", "/v1/vms/{vm}/throttle", throttleWords, "json"),
  { kind: "http", method: "POST", path: "/v1/vms/{vm}/upgrade", body: "bytes", handle: upgradeUpload },
  command("GET", "/v1/vms/{vm}/stats", (r) => ["stats", vm(r)]),
  command("GET", "/v1/log", logWords),
  { kind: "http", method: "POST", path: "/v1/commands", body: "json", handle: anyCommand },
  { kind: "http", method: "GET", path: "/metrics", handle: async (sup) => ({ text: await metricsText(sup), contentType: METRICS_CONTENT_TYPE }) },
  { kind: "socket", path: "/v1/vms/{vm}/console", open: (sup, r) => openConsole(sup, vm(r), r.query.get("port") ?? undefined) },
  { kind: "socket", path: "/v1/events", open: (sup) => openEvents(sup) },
];

/**
 * The route for `method` and `path`. A WebSocket upgrade matches only socket routes, a
 * plain request only HTTP ones: NoRoute, MethodNotAllowed or UpgradeRequired otherwise.
 */
export function matchRoute(method: string, path: string, upgrade: boolean, routes: readonly Route[] = ROUTES): { route: Route; params: Record<string, string> } {
  const matches = routes.flatMap((route) => {
    const params = matchPath(route.path, path);
    return params ? [{ route, params }] : [];
  });
  if (upgrade) {
    const m = matches.find((x) => x.route.kind === "socket");
    if (!m || method !== "GET") throw new ApiError({ kind: "NoRoute", path: `${path} (WebSocket)` });
    return m;
  }
  if (matches.length === 0) throw new ApiError({ kind: "NoRoute", path });
  if (matches.some((x) => x.route.kind === "socket")) throw new ApiError({ kind: "UpgradeRequired", path });
  const m = matches.find((x) => x.route.kind === "http" && x.route.method === method);
  if (!m) throw new ApiError({ kind: "MethodNotAllowed", method, path, allowed: matches.map((x) => (x.route.kind === "http" ? x.route.method : "GET")) });
  return m;
}

/** The `{name}` segments of `path` if it has the shape of `pattern`. */
function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split("/"), got = path.split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!, g = got[i]!;
    if (w.startsWith("{")) {
      if (g === "") return undefined;
      try { params[w.slice(1, -1)] = decodeURIComponent(g); } catch { return undefined; }
    } else if (w !== g) return undefined;
  }
  return params;
}
