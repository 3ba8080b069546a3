// Who may use the API. On a loopback address the host's own users are trusted, as with
// any local daemon socket; anywhere else a token is required. With a token, every
// request (WebSocket upgrades and /metrics too) must carry `Authorization: Bearer TOKEN`.
// A browser's WebSocket cannot send that header, so a WebSocket may instead offer the
// token as a subprotocol, `bulkhead.bearer.` and the token in base64url, beside the
// subprotocol `bulkhead`, which the server picks (never the token's: it is not echoed).
// A token in the URL would be written to logs; a subprotocol is a header, as the other.
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

/** 127.0.0.0/8, ::1 and localhost: addresses only this host reaches. */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** The subprotocol the API's WebSockets answer with when a client offers it. */
export const SOCKET_PROTOCOL = "bulkhead";
/** The subprotocol that carries the token: this, then the token in base64url. */
export const TOKEN_PROTOCOL_PREFIX = "bulkhead.bearer.";

/** The token the request offers: the Authorization header's, or a WebSocket subprotocol's. */
function offeredToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  if (m) return m[1]!;
  for (const p of (req.headers["sec-websocket-protocol"] ?? "").split(",")) {
    const t = p.trim();
    if (t.startsWith(TOKEN_PROTOCOL_PREFIX)) return Buffer.from(t.slice(TOKEN_PROTOCOL_PREFIX.length), "base64url").toString("utf8");
  }
  return undefined;
}

/** Unauthorized unless the request carries the token. Compared in constant time (of digests, so the length leaks nothing either). */
export function authorize(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) return;
  const offered = offeredToken(req);
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (offered === undefined || !timingSafeEqual(digest(offered), digest(token))) throw new ApiError({ kind: "Unauthorized" });
}
