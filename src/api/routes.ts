// The HTTP API's one table of routes (docs/api.md, checked against it by a test): method
// and path to what runs. Every route that acts or reads is a route a row of the RootOS
// command table (rootos/commands) declares, its arguments parsed from the request by the
// row's own parameter types (params.ts), so the API, the shell and `bulkhead ctl` cannot
// drift apart. POST /v1/commands takes a command line as words, as the shell does;
// /metrics and the events WebSocket are the resources that are not commands.
import { COMMANDS, paramsOf, runWords, type Command, type CommandRoute } from "../rootos/commands/index.js";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import { openStream } from "./console.js";
import { ApiError } from "./errors.js";
import { openEvents } from "./events.js";
import type { ApiRequest, SocketSession } from "./session.js";
import { metricsText, METRICS_CONTENT_TYPE } from "./metrics.js";
import { argsFromRequest, checkBody, WORDS_PARAMS } from "./params.js";


export type HttpReply = { readonly json: unknown } | { readonly text: string; readonly contentType: string };


export type Route =
  | {
    readonly kind: "http";
    readonly method: "GET" | "POST" | "PUT";
    readonly path: string;
    /** The command row it runs, if any. */
    readonly command?: string;
    /** Read the body: as JSON, or as bytes (a bundle), at most MAX_BODY_BYTES unless bytes. */
    readonly body?: "json" | "bytes";
    /** The JSON may come as the `json` part of a multipart/form-data body with files (form.ts). */
    readonly files?: boolean;
    handle(sup: Supervisor, req: ApiRequest): Promise<HttpReply>;
  }
  | { readonly kind: "socket"; readonly path: string; readonly command?: string; open(sup: Supervisor, req: ApiRequest): Promise<SocketSession> };

/** The route `r` of the row `c`. */
function commandRoute(c: Command, r: CommandRoute): Route {
  if (r.method === "WebSocket") return { kind: "socket", path: r.path, command: c.name, open: (sup, req) => openStream(sup, c, req) };
  const method = r.method;
  const body = paramsOf(c, "bytes").length > 0 ? "bytes" : method === "GET" ? undefined : "json";
  const files = body === "json" && paramsOf(c, "value").some(([, p]) => p.files);
  return {
    kind: "http", method, path: r.path, command: c.name, ...(body ? { body } : {}), ...(files ? { files } : {}),
    async handle(sup, req) {
      const res = await c.run(sup, await argsFromRequest(c, method, req) as never);
      return { json: r.answer === "result" ? { data: res.data, text: res.text } : res.data };
    },
  };
}

/** POST /v1/commands {"words": ["pause", "linux1"]}: any command of the table as the shell's words; answers {data, text}. */
async function anyCommand(sup: Supervisor, req: ApiRequest): Promise<HttpReply> {
  const { words } = checkBody("/v1/commands", Object.entries(WORDS_PARAMS), req.body);
  const { data, text } = await runWords(sup, words as string[]);
  return { json: { data, text } };
}

export const ROUTES: readonly Route[] = [
  ...COMMANDS.flatMap((c) => c.routes.map((r) => commandRoute(c, r))),
  { kind: "http", method: "POST", path: "/v1/commands", body: "json", handle: anyCommand },
  { kind: "http", method: "GET", path: "/metrics", handle: async (sup) => ({ text: await metricsText(sup), contentType: METRICS_CONTENT_TYPE }) },
  { kind: "socket", path: "/v1/events", open: async (sup) => openEvents(sup) },
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

export type { ApiRequest, SocketSession } from "./session.js";
