// The page's client of the management API (docs/api.md) on its own origin: requests with
// the token when there is one, errors as the API words them, WebSockets that offer the
// token as a subprotocol (a browser's WebSocket cannot send Authorization; src/api/auth.ts).
//
// The token (docs/dashboard.md): on loopback the API needs none. Otherwise the operator
// opens http://HOST:PORT/#token=TOKEN: a fragment never leaves the browser (it is in no
// request, so in no server or proxy log), the page moves it into this tab's
// sessionStorage and takes it out of the address bar and history at once.

const TOKEN_KEY = "bulkhead.token";

/** The API refused: its status, its error kind and message. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly kind: string, message: string) {
    super(message);
  }
}

/** Nothing answered: the RootOS is stopped, or the network is down. */
export class Unreachable extends Error {}

/** Move a `#token=...` fragment into sessionStorage and out of the URL. */
export function takeTokenFromUrl(): void {
  const m = /^#token=(.+)$/.exec(location.hash);
  if (!m) return;
  setToken(decodeURIComponent(m[1]!));
  history.replaceState(null, "", location.pathname + location.search);
}

export const token = (): string | null => sessionStorage.getItem(TOKEN_KEY);
export function setToken(t: string): void {
  if (t === "") sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, t);
}

/** `method path` with a JSON body (or the bytes of a Blob), answered with its JSON. */
export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  const t = token();
  if (t !== null) headers["Authorization"] = `Bearer ${t}`;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) {
    payload = body;
    headers["Content-Type"] = "application/octet-stream";
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers["Content-Type"] = "application/json";
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: payload ?? null, cache: "no-store", credentials: "omit" });
  } catch {
    throw new Unreachable(`the RootOS at ${location.host} does not answer`);
  }
  const text = await res.text().catch(() => "");
  let json: unknown;
  try { json = text === "" ? undefined : JSON.parse(text); } catch { json = undefined; }
  if (!res.ok) {
    const e = (json ?? {}) as { error?: string; kind?: string };
    throw new ApiFailure(res.status, e.kind ?? "Http", e.error ?? `${method} ${path}: HTTP ${res.status}`);
  }
  return json as T;
}

const base64url = (s: string): string =>
  btoa(String.fromCharCode(...new TextEncoder().encode(s))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A WebSocket to `path` on this origin, binary messages as ArrayBuffers. */
export function openSocket(path: string): WebSocket {
  const t = token();
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`,
    t === null ? ["bulkhead"] : ["bulkhead", `bulkhead.bearer.${base64url(t)}`]);
  ws.binaryType = "arraybuffer";
  return ws;
}

/**
 * A WebSocket kept open: opened again 2 s after it closes, until stop(). `open` runs for
 * each new socket (to reset what it shows: a console's scroll-back comes again).
 */
export function keepOpen(path: string, open: (ws: WebSocket) => void): { stop(): void; current(): WebSocket | undefined } {
  let ws: WebSocket | undefined;
  let timer: number | undefined;
  let stopped = false;
  const connect = (): void => {
    timer = undefined;
    ws = openSocket(path);
    ws.addEventListener("close", () => {
      ws = undefined;
      if (!stopped) timer = window.setTimeout(connect, 2000);
    });
    open(ws);
  };
  connect();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      ws?.close();
    },
    current: () => (ws?.readyState === WebSocket.OPEN ? ws : undefined),
  };
}
