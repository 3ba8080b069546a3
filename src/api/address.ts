// Where the API listens: its default address and the HOST:PORT text both ends use.
import { ApiError } from "./errors.js";

export const DEFAULT_API_HOST = "127.0.0.1";
export const DEFAULT_API_PORT = 7730;

/** `HOST:PORT`, IPv6 in brackets. */
export function formatAddress(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

export const DEFAULT_API_ADDRESS = formatAddress(DEFAULT_API_HOST, DEFAULT_API_PORT);

/** `HOST:PORT`, `[V6]:PORT` or `PORT` (on 127.0.0.1): the host (no brackets) and port; BadAddress otherwise. */
export function parseApiAddress(text: string): { readonly host: string; readonly port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]:|([^:[\]\s]+):)?(\d{1,5})$/.exec(text.trim());
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) throw new ApiError({ kind: "BadAddress", text });
  return { host: m[1] ?? m[2] ?? DEFAULT_API_HOST, port };
}
