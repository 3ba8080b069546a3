// WebSocket /v1/vms/{vm}/console[?port=NAME]: a VM's console, bytes both ways. The
// guest's output (the scroll-back first) goes out as binary messages; every message in,
// binary or text, is input for the guest. Closing the socket detaches; the attachment
// survives restarts of the VM, as the shell's does (Supervisor.attachConsole).
import type { WebSocket } from "ws";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import type { SocketSession } from "./session.js";

/** A client this far behind on the console is dropped rather than buffered without end. */
export const CONSOLE_BACKLOG_BYTES = 4 << 20;

/** Attach now (a bad VM or port throws before the upgrade); output waits for the socket. */
export function openConsole(sup: Supervisor, vm: string, port: string | undefined): SocketSession {
  let ws: WebSocket | undefined;
  const early: Uint8Array[] = [];
  const send = (socket: WebSocket, bytes: Uint8Array): void => {
    if (socket.bufferedAmount > CONSOLE_BACKLOG_BYTES) socket.close(1008, "console client too slow: output was piling up");
    else socket.send(bytes, { binary: true });
  };
  const attachment = sup.attachConsole(vm, { write: (bytes) => (ws ? send(ws, bytes) : early.push(bytes.slice())) }, port !== undefined ? { port } : {});
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
