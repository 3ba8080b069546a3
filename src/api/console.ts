// A stream command's WebSocket (the `console` row: /v1/vms/{vm}/console[?port=NAME]): the
// guest's output (the scroll-back first) goes out as binary messages; every message in,
// binary or text, is input for the guest. Closing the socket detaches; the attachment
// survives restarts of the VM, as the shell's does (Supervisor.attachConsole).
import type { WebSocket } from "ws";
import type { Command } from "../rootos/commands/index.js";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import { argsFromRequest } from "./params.js";
import type { ApiRequest, SocketSession } from "./session.js";

/** A client this far behind on the console is dropped rather than buffered without end. */
export const CONSOLE_BACKLOG_BYTES = 4 << 20;

/** Run the row now (a bad VM or port throws before the upgrade); output waits for the socket. */
export async function openStream(sup: Supervisor, c: Command, req: ApiRequest): Promise<SocketSession> {
  let ws: WebSocket | undefined;
  const early: Uint8Array[] = [];
  const send = (socket: WebSocket, bytes: Uint8Array): void => {
    if (socket.bufferedAmount > CONSOLE_BACKLOG_BYTES) socket.close(1008, "console client too slow: output was piling up");
    else socket.send(bytes, { binary: true });
  };
  const sink = { write: (bytes: Uint8Array) => (ws ? send(ws, bytes) : early.push(bytes.slice())) };
  const { attachment } = await c.run(sup, await argsFromRequest(c, "GET", req, { stream: sink }) as never);
  if (!attachment) throw new Error(`the ${c.name} command attached nothing`);
  return {
    connected(socket) {
      ws = socket;
      for (const bytes of early.splice(0)) send(socket, bytes);
      // A copy: the worker gets the bytes, not ws's whole receive buffer.
      socket.on("message", (data: Buffer) => attachment.send(new Uint8Array(data)));
      socket.on("close", () => attachment.detach());
    },
    abandon: () => attachment.detach(),
  };
}
