// Who may use the API. On a loopback address the host's own users are trusted, as with
// any local daemon socket; anywhere else a token is required. With a token, every
// request (WebSocket upgrades and /metrics too) must carry `Authorization: Bearer TOKEN`.
import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import { ApiError } from "./errors.js";

/** 127.0.0.0/8, ::1 and localhost: addresses only this host reaches. */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}

/** Unauthorized unless the request carries the token. Compared in constant time (of digests, so the length leaks nothing either). */
export function authorize(req: IncomingMessage, token: string | undefined): void {
  if (token === undefined) return;
  const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? "");
  const digest = (s: string) => createHash("sha256").update(s).digest();
  if (!m || !timingSafeEqual(digest(m[1]!), digest(token))) throw new ApiError({ kind: "Unauthorized" });
}
