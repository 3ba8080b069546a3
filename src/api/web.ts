// GET / and GET /web/FILE: the dashboard (docs/dashboard.md), a page and its bundle that
// scripts/build-web.mjs writes into dist/web from src/web at build time (no CDN: it works
// offline). Served without the token, as a browser opening a URL cannot send one and the
// files hold no secret; everything the page then asks for is an API request under the
// token rule. The Host and Origin checks (guard.ts) hold for these files as for the rest.
//
// The page's CSP lets it load only its own files and talk only to its own origin (its
// WebSockets included), run no inline script, and be framed by no one. Inline styles
// are allowed: xterm.js writes its theme into <style> elements it makes at run time.
import { readdir, readFile } from "node:fs/promises";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { ApiError } from "./errors.js";

/** dist/web, beside dist/src (this module is dist/src/api/web.js). */
export const WEB_DIR = fileURLToPath(new URL("../../web/", import.meta.url));

export const CSP = [
  "default-src 'none'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "connect-src 'self'",
  "img-src 'self' blob: data:", "font-src 'self'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join("; ");

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".png": "image/png", ".svg": "image/svg+xml", ".woff2": "font/woff2",
};

/** A bundle file's name: what esbuild writes (main-HASH.js), nothing with a path in it. */
const FILE_NAME = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9]+)+$/;

export interface WebFile {
  readonly body: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Whether `path` is the dashboard's: `/` or under `/web/`. */
export const isWebPath = (path: string): boolean => path === "/" || path.startsWith("/web/");

/**
 * The file for a GET of `path` (isWebPath). The page revalidates every time (it names
 * the bundle's hashed files); those never change and are cached for a year. NoRoute for
 * a file the bundle does not have, NoDashboard when it was not built.
 */
export async function webFile(method: string, path: string, dir: string = WEB_DIR): Promise<WebFile> {
  if (method !== "GET" && method !== "HEAD") throw new ApiError({ kind: "MethodNotAllowed", method, path, allowed: ["GET"] });
  const name = path === "/" ? "index.html" : path.slice("/web/".length);
  const files = await readdir(dir).catch(() => [] as string[]);
  if (!files.includes("index.html")) throw new ApiError({ kind: "NoDashboard", dir });
  const type = TYPES[extname(name)];
  if (!FILE_NAME.test(name) || !files.includes(name) || type === undefined || (path !== "/" && name === "index.html")) throw new ApiError({ kind: "NoRoute", path });
  const body = await readFile(`${dir}${name}`);
  return {
    body,
    headers: {
      "Content-Type": type, "Content-Length": String(body.length),
      "Cache-Control": name === "index.html" ? "no-cache" : "public, max-age=31536000, immutable",
      "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
      "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Resource-Policy": "same-origin", "X-Frame-Options": "DENY",
    },
  };
}
