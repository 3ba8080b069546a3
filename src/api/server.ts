// The RootOS's management API (docs/api.md): HTTP and WebSockets on one port, by default
// 127.0.0.1:7730, answering from the route table (routes.ts). JSON in and out; every
// error is one JSON object {error, kind, ...} with a status that says whose fault it is.
// A request that fails changes nothing: the command table checks before it acts.
//
// Browsers: any web page may send this API a request (a "simple" POST goes out without a
// preflight) or open a WebSocket to it, and a page served from a name rebound to
// 127.0.0.1 (DNS rebinding) reads the answers. So the API answers only a Host that is an
// address it listens on, and refuses a request whose Origin is not its own; programs
// (ctl, curl, scripts) send no Origin and are not affected (guard.ts). The dashboard's
// page, served at / (web.ts), is of the API's own origin.
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import { DEFAULT_API_HOST, DEFAULT_API_PORT, formatAddress } from "./address.js";
import { authorize, isLoopback, SOCKET_PROTOCOL } from "./auth.js";
import { checkBrowser, checkBodySize, servedNames } from "./guard.js";
import { ApiError, errorReply } from "./errors.js";
import { isForm, parseForm } from "./form.js";
import { matchRoute, type HttpReply, type Route, type SocketSession } from "./routes.js";
import { isWebPath, webFile } from "./web.js";

/** Request bodies are commands: small. */
export const MAX_BODY_BYTES = 64 * 1024;
/** An uploaded bundle (POST /v1/vms/{vm}/upgrade; the VM's slot size bounds it further), or a form with files (POST /v1/vms). */
export const MAX_UPLOAD_BYTES = 1 << 30;
/** The largest WebSocket message taken (console input: a paste). */
export const MAX_MESSAGE_BYTES = 1 << 20;

export interface ApiOptions {
  /** Default 127.0.0.1. Any other than a loopback address needs a token. */
  readonly host?: string;
  /** Default 7730; 0 picks a free port. */
  readonly port?: number;
  /** Required of every request as `Authorization: Bearer TOKEN`. */
  readonly token?: string;
}

export interface ApiServer {
  /** `HOST:PORT` it listens on (`[::1]:7730` for IPv6): what `bulkhead ctl --api` takes. */
  readonly address: string;
  /** Stop listening and close every connection and WebSocket (consoles detach). */
  close(): Promise<void>;
}

/** Start the API for `sup`. Rejects with ApiError (TokenRequired, Listen) and listens on nothing then. */
export async function startApi(sup: Supervisor, opts: ApiOptions = {}): Promise<ApiServer> {
  const host = opts.host ?? DEFAULT_API_HOST;
  const port = opts.port ?? DEFAULT_API_PORT;
  const token = opts.token === "" ? undefined : opts.token;
  if (token === undefined && !isLoopback(host)) throw new ApiError({ kind: "TokenRequired", host });

  // A client that offers subprotocols (the dashboard: its token travels as one, auth.ts) gets `bulkhead` or none.
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, handleProtocols: (offered) => (offered.has(SOCKET_PROTOCOL) ? SOCKET_PROTOCOL : false) });
  // The names it answers to, known once it listens (port 0 picks the port).
  let names: readonly string[] = [];
  const guard = { token, names: () => names };
  const server = createServer((req, res) => void answer(sup, guard, req, res));
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => void upgrade(sup, guard, sockets, req, socket, head));

  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why = e.code === "EADDRINUSE" ? "the address is in use (another bulkhead up? pick another port)"
        : e.code === "EADDRNOTAVAIL" ? "this host has no such address" : e.code === "EACCES" ? "permission denied (ports below 1024 need privileges)" : e.message;
      reject(new ApiError({ kind: "Listen", address: formatAddress(host, port), why }));
    });
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  const address = typeof bound === "object" && bound !== null ? formatAddress(bound.address, bound.port) : formatAddress(host, port);
  names = servedNames(host, typeof bound === "object" && bound !== null ? bound : { address: host, port });
  return {
    address,
    close: async () => {
      for (const ws of sockets.clients) ws.close(1001, "bulkhead up is shutting down");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      for (const ws of sockets.clients) ws.terminate();
    },
  };
}

/** What every request is checked against before its route runs. */
interface Guard {
  readonly token: string | undefined;
  names(): readonly string[];
}

async function answer(sup: Supervisor, guard: Guard, req: IncomingMessage, res: ServerResponse): Promise<void> {
  try {
    checkBrowser(req, guard.names());
    const url = new URL(req.url ?? "/", "http://api");
    if (isWebPath(url.pathname)) {
      // The dashboard's files, without the token (web.ts says why).
      const file = await webFile(req.method ?? "GET", url.pathname);
      res.writeHead(200, file.headers);
      res.end(req.method === "HEAD" ? undefined : file.body);
      return;
    }
    authorize(req, guard.token);
    const { route, params } = matchRoute(req.method ?? "GET", url.pathname, false);
    const http = route as Extract<Route, { kind: "http" }>;
    const form = isForm(req.headers["content-type"]);
    if (form && !http.files) throw new ApiError({ kind: "BadBody", why: `${http.path} takes ${http.body === "bytes" ? "the bytes themselves (application/octet-stream)" : "JSON"}, not multipart/form-data` });
    checkBodySize(req, http.body === "bytes" || form ? MAX_UPLOAD_BYTES : MAX_BODY_BYTES);
    if (form) {
      const { json, files } = await parseForm(await readBody(req, MAX_UPLOAD_BYTES), req.headers["content-type"]!, MAX_BODY_BYTES);
      reply(res, 200, await http.handle(sup, { params, query: url.searchParams, body: json, files }));
      return;
    }
    const body = http.body === "json" ? await readJson(req) : http.body === "bytes" ? await readBody(req, MAX_UPLOAD_BYTES) : undefined;
    reply(res, 200, await http.handle(sup, { params, query: url.searchParams, body }));
  } catch (e) {
    if (res.headersSent) { res.destroy(); return; }
    const { status, body, headers } = failure(e);
    reply(res, status, { json: body }, headers);
  }
}

function reply(res: ServerResponse, status: number, r: HttpReply, headers: Record<string, string> = {}): void {
  const [type, text] = "json" in r ? ["application/json; charset=utf-8", `${JSON.stringify(r.json, null, 2)}\n`] : [r.contentType, r.text];
  res.writeHead(status, { "Content-Type": type, "Content-Length": Buffer.byteLength(text), "Cache-Control": "no-store", ...headers });
  res.end(text);
}

/** An error's status, JSON body and headers; anything not ours is a bug, answered 500 with its message. */
function failure(e: unknown): { status: number; body: Record<string, unknown>; headers: Record<string, string> } {
  const r = errorReply(e) ?? { status: 500, body: { error: `internal error: ${(e as Error)?.message ?? String(e)}`, kind: "Internal" } };
  const headers: Record<string, string> = {};
  if (e instanceof ApiError && e.info.kind === "MethodNotAllowed") headers["Allow"] = e.info.allowed.join(", ");
  if (e instanceof ApiError && e.info.kind === "Unauthorized") headers["WWW-Authenticate"] = 'Bearer realm="bulkhead"';
  if (e instanceof ApiError && e.info.kind === "UpgradeRequired") headers["Upgrade"] = "websocket";
  return { ...r, headers };
}

/** The body's bytes, at most `limit` (BodyTooLarge beyond). */
async function readBody(req: IncomingMessage, limit: number): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new ApiError({ kind: "BodyTooLarge", limit });
    chunks.push(chunk);
  }
  return new Uint8Array(Buffer.concat(chunks));
}

/** The body as JSON; undefined when empty. BadBody saying what is wrong with it. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = Buffer.from(await readBody(req, MAX_BODY_BYTES)).toString("utf8");
  if (text.trim() === "") return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ApiError({ kind: "BadBody", why: `not JSON: ${(e as Error).message}` });
  }
}

async function upgrade(sup: Supervisor, guard: Guard, sockets: WebSocketServer, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  let session: SocketSession;
  try {
    checkBrowser(req, guard.names());
    authorize(req, guard.token);
    const url = new URL(req.url ?? "/", "http://api");
    const { route, params } = matchRoute(req.method ?? "GET", url.pathname, true);
    session = await (route as Extract<Route, { kind: "socket" }>).open(sup, { params, query: url.searchParams, body: undefined });
  } catch (e) {
    // Refused before the upgrade: a plain HTTP answer, so the client sees the status and why.
    const { status, body, headers } = failure(e);
    const text = `${JSON.stringify(body)}\n`;
    const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ""}`, "Content-Type: application/json; charset=utf-8", `Content-Length: ${Buffer.byteLength(text)}`, "Connection: close",
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.end(`${head.join("\r\n")}\r\n\r\n${text}`);
    return;
  }
  if (socket.destroyed) {
    session.abandon(); // the client went while the session was made
    return;
  }
  let connected = false;
  // ws answers a malformed handshake itself and never calls back: let go of the session then.
  socket.once("close", () => { if (!connected) session.abandon(); });
  sockets.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    connected = true;
    session.connected(ws);
  });
}
