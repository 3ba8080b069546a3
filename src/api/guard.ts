// What keeps web pages out of the API (docs/api.md, Access). A browser lets any page send
// a "simple" request (a POST with Content-Type text/plain goes out without a preflight)
// and open a WebSocket anywhere, marking both with the page's Origin; and a page whose
// name its owner rebinds to 127.0.0.1 (DNS rebinding) talks to a loopback API as if it
// were its own, but with its own name in Host. So the API answers only a Host naming an
// address it listens on, and only requests with no Origin (programs: ctl, curl, scripts)
// or its own (a page it serves itself). Bodies are bounded before they are read.
import type { IncomingMessage } from "node:http";
import { networkInterfaces, hostname } from "node:os";
import { formatAddress } from "./address.js";
import { isLoopback } from "./auth.js";
import { ApiError } from "./errors.js";

/** The names loopback is reached by; an API on one loopback address answers to all of them. */
const LOOPBACK_NAMES = ["localhost", "127.0.0.1", "::1"];

const isWildcard = (host: string): boolean => host === "0.0.0.0" || host === "::";

/**
 * The Host values the API answers to, `HOST:PORT` in lower case: the address it was given
 * and the one it is bound to; for loopback, localhost, 127.0.0.1 and [::1]; for 0.0.0.0
 * or ::, every address of this host's interfaces and its host name. On port 80 also
 * without the port (a browser leaves it out).
 */
export function servedNames(host: string, bound: { readonly address: string; readonly port: number }): string[] {
  const hosts = new Set([host, bound.address]);
  if ([...hosts].some(isLoopback) || [...hosts].some(isWildcard)) for (const h of LOOPBACK_NAMES) hosts.add(h);
  if ([...hosts].some(isWildcard)) {
    hosts.add(hostname());
    for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) hosts.add(a.address.replace(/%.*$/, ""));
  }
  const names = [...hosts].filter((h) => !isWildcard(h)).flatMap((h) => {
    const withPort = formatAddress(h, bound.port).toLowerCase();
    return bound.port === 80 ? [withPort, withPort.replace(/:80$/, "")] : [withPort];
  });
  return [...new Set(names)];
}

/** ForeignHost unless Host is one of `names`; ForeignOrigin when an Origin is sent that is not `http://` one of them. */
export function checkBrowser(req: IncomingMessage, names: readonly string[]): void {
  const host = (req.headers.host ?? "").toLowerCase();
  if (!names.includes(host)) throw new ApiError({ kind: "ForeignHost", host: req.headers.host ?? "(none)", allowed: names });
  const origin = req.headers.origin;
  if (origin !== undefined && !names.some((n) => origin.toLowerCase() === `http://${n}`)) throw new ApiError({ kind: "ForeignOrigin", origin });
}

/** BodyTooLarge when the request says its body is over `limit` bytes (a body without a length is counted as it is read). */
export function checkBodySize(req: IncomingMessage, limit: number): void {
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > limit) throw new ApiError({ kind: "BodyTooLarge", limit });
}
