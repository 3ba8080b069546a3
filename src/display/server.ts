// `bulkhead run --display`'s viewer end: one screen on a loopback HTTP port, with
// GET /screen.png (a screenshot) and the WebSocket /screen (socket.ts). The management
// API serves the same two for the VMs of `bulkhead up` (docs/api.md).
import { createServer } from "node:http";
import { WebSocketServer } from "ws";
import { formatAddress } from "../api/address.js";
import { type InputSink } from "./input.js";
import type { Screen } from "./screen.js";
import { serveScreen } from "./socket.js";

/** Where a server listens. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/** `[HOST:]PORT` (HOST 127.0.0.1 unless named, [v6] in brackets; PORT 0: any free one); the error names `option`. */
export function parseListen(option: string, text: string): ListenAddress {
  const i = text.lastIndexOf(":");
  const host = i < 0 ? "127.0.0.1" : text.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const port = i < 0 ? text : text.slice(i + 1);
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65535) throw new RangeError(`${option} takes [HOST:]PORT with PORT 0..65535, not "${text}"`);
  if (host === "") throw new RangeError(`${option} "${text}": the host before ":" is empty`);
  return { host, port: Number(port) };
}

export interface DisplayServer {
  /** HOST:PORT it listens on. */
  readonly address: string;
  close(): Promise<void>;
}

/** Listen on host:port (0: any free port). Rejects with the listen error's message. */
export async function startDisplayServer(screen: Screen, input: InputSink, host: string, port: number): Promise<DisplayServer> {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://display").pathname;
    if (req.method === "GET" && path === "/screen.png") {
      const png = screen.png();
      res.writeHead(200, { "Content-Type": "image/png", "Content-Length": png.length, "Cache-Control": "no-store" });
      res.end(png);
      return;
    }
    res.writeHead(404, { "Content-Type": "text/plain" }).end("GET /screen.png, or a WebSocket at /screen\n");
  });
  server.on("upgrade", (req, socket, head) => {
    if (new URL(req.url ?? "/", "http://display").pathname !== "/screen") { socket.end("HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n"); return; }
    sockets.handleUpgrade(req, socket, head, (ws) => serveScreen(ws, screen, input));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address();
  return {
    address: typeof bound === "object" && bound !== null ? formatAddress(bound.address, bound.port) : formatAddress(host, port),
    close: async () => {
      for (const ws of sockets.clients) ws.terminate();
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
