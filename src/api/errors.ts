// The HTTP API's error type and its messages, in the RootOS's style (rootos/supervisor/
// errors.ts): what is wrong as data (`info.kind`), words that say what and how to fix it
// (`message`), and the HTTP status it answers with. RootosErrors from the command table
// pass through with their own message; `statusOf` gives both their status.
import { RootosError } from "../rootos/supervisor/errors.js";

export type ApiErrorInfo =
  /** No route has this path. */
  | { readonly kind: "NoRoute"; readonly path: string }
  /** The path exists, not with this method. */
  | { readonly kind: "MethodNotAllowed"; readonly method: string; readonly path: string; readonly allowed: readonly string[] }
  /** Missing or wrong bearer token. */
  | { readonly kind: "Unauthorized" }
  /** The request body is not JSON, or not the JSON the route takes; `param`: the field at fault, when one. */
  | { readonly kind: "BadBody"; readonly why: string; readonly param?: string }
  /** A query parameter the route does not take, or one it needs is missing. */
  | { readonly kind: "BadQuery"; readonly why: string; readonly param: string }
  /** A request whose Origin is not the API's own: a page of another site (server.ts). */
  | { readonly kind: "ForeignOrigin"; readonly origin: string }
  /** A request whose Host is not an address the API answers on (DNS rebinding; server.ts). */
  | { readonly kind: "ForeignHost"; readonly host: string; readonly allowed: readonly string[] }
  /** GET / when the dashboard's bundle was not built (npm run build:web). */
  | { readonly kind: "NoDashboard"; readonly dir: string }
  /** The request body is larger than the API reads. */
  | { readonly kind: "BodyTooLarge"; readonly limit: number }
  /** A WebSocket route asked for without a WebSocket upgrade, or the reverse. */
  | { readonly kind: "UpgradeRequired"; readonly path: string }
  /** startApi on an address other machines can reach, without a token. */
  | { readonly kind: "TokenRequired"; readonly host: string }
  /** The server could not listen (address in use, no such address). */
  | { readonly kind: "Listen"; readonly address: string; readonly why: string }
  /** Client: `--api` is not HOST:PORT. */
  | { readonly kind: "BadAddress"; readonly text: string }
  /** Client: nothing listens there. */
  | { readonly kind: "NotListening"; readonly address: string; readonly why: string }
  /** Client: the server refused the request; `error` is its message. */
  | { readonly kind: "Refused"; readonly status: number; readonly error: string; readonly remoteKind: string };

function describe(e: ApiErrorInfo): string {
  switch (e.kind) {
    case "NoRoute":
      return `no such API route: ${e.path} (the routes are in docs/api.md)`;
    case "MethodNotAllowed":
      return `${e.method} is not allowed on ${e.path} (use ${e.allowed.join(" or ")})`;
    case "Unauthorized":
      return "missing or wrong API token: send 'Authorization: Bearer TOKEN' (bulkhead ctl: --token or BULKHEAD_TOKEN)";
    case "BadBody":
      return `bad request body: ${e.why}`;
    case "BadQuery":
      return `bad query: ${e.why}`;
    case "ForeignOrigin":
      return `refused: a request from the web page at ${e.origin}, not from this API's own origin (programs send no Origin header; see docs/api.md, Access)`;
    case "ForeignHost":
      return `refused: Host '${e.host}' is not an address this API answers on (${e.allowed.join(", ")})`;
    case "NoDashboard":
      return `the dashboard is not built (no ${e.dir}index.html): run npm run build`;
    case "BodyTooLarge":
      return `request body larger than ${e.limit} bytes`;
    case "UpgradeRequired":
      return `${e.path} is a WebSocket: connect with a WebSocket client (e.g. bulkhead ctl)`;
    case "TokenRequired":
      return `the API would listen on ${e.host}, which other machines can reach: give it a token (bulkhead up --token, or BULKHEAD_TOKEN), or listen on 127.0.0.1`;
    case "Listen":
      return `the API cannot listen on ${e.address}: ${e.why}`;
    case "BadAddress":
      return `not an API address: '${e.text}' (write HOST:PORT, e.g. 127.0.0.1:7730, or a port)`;
    case "NotListening":
      return `no bulkhead up is listening on ${e.address} (${e.why}): start one with \`bulkhead up\`, or pass --api`;
    case "Refused":
      return e.error;
  }
}

const API_STATUS: { readonly [K in ApiErrorInfo["kind"]]: number } = {
  NoRoute: 404, MethodNotAllowed: 405, Unauthorized: 401, BadBody: 400, BadQuery: 400, ForeignOrigin: 403, ForeignHost: 403, NoDashboard: 404, BodyTooLarge: 413, UpgradeRequired: 426, TokenRequired: 500, Listen: 500,
  BadAddress: 400, NotListening: 502, Refused: 502,
};

/** How a RootosError answers: the request was wrong (4xx), or the system failed to do it (5xx). */
const ROOTOS_STATUS: { readonly [K in RootosError["info"]["kind"]]: number } = {
  NoSuchVm: 404, IllegalTransition: 409, BadArgument: 400, UnknownCommand: 400,
  Refused: 409, NotEditable: 409, Verification: 409, UpgradeRefused: 409, DebugRefused: 409, DebugPort: 409, BootImage: 500, StartFailed: 500, VmGone: 500, EventLog: 500, Closed: 503,
};

/** The HTTP API's error: `info.kind` for code, `message` for people, `status` for HTTP. */
export class ApiError extends Error {
  override readonly name = "ApiError";
  constructor(readonly info: ApiErrorInfo) {
    super(describe(info));
  }
}

/** The status and JSON body an error answers with; undefined for anything else (a bug: 500). */
export function errorReply(e: unknown): { readonly status: number; readonly body: Record<string, unknown> } | undefined {
  if (e instanceof ApiError) return { status: API_STATUS[e.info.kind], body: { error: e.message, ...e.info } };
  if (e instanceof RootosError) return { status: ROOTOS_STATUS[e.info.kind], body: { error: e.message, ...e.info } };
  return undefined;
}
