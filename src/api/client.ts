// The API's client side, for `bulkhead ctl`: run a command (POST /v1/commands, or a
// row's own route with bytes) and open the WebSockets, with the token, turning "nothing
// listens" and the server's refusals into ApiErrors that say what to do.
import { request } from "node:http";
import { basename } from "node:path";
import WebSocket from "ws";
import { findCommand, type Command, type CommandResult, type CommandRoute } from "../rootos/commands/index.js";
import type { Upload } from "../rootos/supervisor/uploads.js";
import { ApiError } from "./errors.js";
import { JSON_PART } from "./form.js";

export interface ApiTarget {
  /** `HOST:PORT`. */
  readonly address: string;
  readonly token?: string;
}

const authHeader = (t: ApiTarget): Record<string, string> => (t.token !== undefined ? { Authorization: `Bearer ${t.token}` } : {});

/** Run `words` on the RootOS: its data and text, or an ApiError (Refused: the RootOS's own message). */
export function postCommand(target: ApiTarget, words: readonly string[]): Promise<CommandResult> {
  return post(target, "/v1/commands", Buffer.from(JSON.stringify({ words })), "application/json");
}

/** Send a signed bundle to upgrade `vm` (the `upgrade` row's route): as `upgrade VM FILE`, with a file this host has. */
export function postBundle(target: ApiTarget, vm: string, bundle: Uint8Array): Promise<CommandResult> {
  const upgrade = findCommand("upgrade");
  return postBytes(target, routeUrl(upgrade, upgrade.routes[0]!, new Map([["vm", [vm]]])), bundle);
}

/** POST `bytes` as the body of `path` (a row's route with a bytes parameter, which answers {data, text}). */
export function postBytes(target: ApiTarget, path: string, bytes: Uint8Array): Promise<CommandResult> {
  return post(target, path, bytes, "application/octet-stream");
}

/**
 * POST a form (form.ts): `json` as its `json` part, and each upload as a file part of its
 * name (the JSON names it "@NAME"), with its file's own name.
 */
export async function postForm(target: ApiTarget, path: string, json: unknown, files: ReadonlyMap<string, Upload>): Promise<CommandResult> {
  const form = new FormData();
  form.set(JSON_PART, JSON.stringify(json));
  for (const [name, up] of files) form.set(name, new Blob([up.bytes as Uint8Array<ArrayBuffer>]), basename(up.name));
  // The encoding undici gives a FormData body, taken whole (node:http sends it: see post()).
  const encoded = new Request("http://form/", { method: "POST", body: form });
  return post(target, path, new Uint8Array(await encoded.arrayBuffer()), encoded.headers.get("content-type")!);
}

/** `r`'s path with `given` (a row's words by parameter, words.ts) in its `{name}` segments and the rest in the query; bytes and streams are not in it. */
export function routeUrl(c: Command, r: CommandRoute, given: ReadonlyMap<string, readonly string[]>): string {
  const query = new URLSearchParams();
  let path = r.path;
  for (const [name, words] of given) {
    if (path.includes(`{${name}}`)) path = path.replace(`{${name}}`, encodeURIComponent(words[0]!));
    else if (c.params[name]?.source === "value") query.set(name, words.join(" "));
  }
  const q = query.toString();
  return q ? `${path}?${q}` : path;
}

function post(target: ApiTarget, path: string, body: Uint8Array, contentType: string): Promise<CommandResult> {
  // node:http rather than fetch: fetch refuses ports on its "bad port" list (6000, 6667, ...).
  return new Promise((resolve, reject) => {
    const req = request(`http://${target.address}${path}`, {
      method: "POST", headers: { "Content-Type": contentType, "Content-Length": body.length, ...authHeader(target) },
    }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => { text += d; }).on("end", () => {
        let json: Record<string, unknown> | undefined;
        try { json = JSON.parse(text) as Record<string, unknown>; } catch { /* not ours: the status says it */ }
        if (res.statusCode === 200 && json) resolve(json as unknown as CommandResult);
        else reject(refused(res.statusCode ?? 0, json));
      }).on("error", reject);
    });
    req.on("error", (e) => reject(notListening(target, e)));
    req.end(body);
  });
}

/**
 * Open the WebSocket at `path` (e.g. /v1/events); resolves once it is open. `onMessage`
 * is set first: the server may send (a console's scroll-back) in the same breath as it accepts.
 */
export function openSocket(target: ApiTarget, path: string, onMessage: (data: Buffer) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://${target.address}${path}`, { headers: authHeader(target) });
    ws.on("message", onMessage);
    ws.once("open", () => { ws.removeAllListeners("error"); resolve(ws); });
    ws.once("error", (e) => reject(notListening(target, e)));
    // The server refused the upgrade: its JSON answer says why.
    ws.once("unexpected-response", (_req, res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (d: string) => { text += d; }).on("end", () => {
        let body: Record<string, unknown> | undefined;
        try { body = JSON.parse(text) as Record<string, unknown>; } catch { /* not ours: the status says it */ }
        reject(refused(res.statusCode ?? 0, body));
        ws.terminate();
      });
    });
  });
}

function refused(status: number, body: Record<string, unknown> | undefined): ApiError {
  const error = typeof body?.["error"] === "string" ? body["error"] : `the API answered ${status} without a reason (is it a bulkhead API?)`;
  return new ApiError({ kind: "Refused", status, error, remoteKind: typeof body?.["kind"] === "string" ? body["kind"] : "" });
}

function notListening(target: ApiTarget, e: unknown): ApiError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ENOTFOUND" ? "no such host" : err.message;
  return new ApiError({ kind: "NotListening", address: target.address, why });
}
