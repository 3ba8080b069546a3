// WebSocket /v1/vms/{vm}/screen: a VM's display for a viewer (the dashboard's canvas). The
// screen's protocol is src/display/socket.ts (the size, then damaged rectangles; keys and
// the pointer back, into the VM's virtio keyboard and tablet); the API's Host, Origin and
// token checks apply as to every socket (server.ts). The Screen outlives the VM's resets,
// so a viewer stays connected across them.
import { serveScreen } from "../display/socket.js";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import type { SocketSession } from "./session.js";

/** BadArgument (a 400 before the upgrade) when the VM has no display. */
export function openScreen(sup: Supervisor, vm: string): SocketSession {
  const screen = sup.screen(vm, "screen");
  return {
    connected: (ws) => serveScreen(ws, screen, (p) => sup.displayInput(vm, p)),
    abandon: () => {},
  };
}
