// WebSocket /v1/events: every new event-log entry, as it is recorded, one JSON message
// each (the same object as a line of the log file; rootos/supervisor/event-log.ts).
import type { WebSocket } from "ws";
import type { Supervisor } from "../rootos/supervisor/supervisor.js";
import type { SocketSession } from "./session.js";

export function openEvents(sup: Supervisor): SocketSession {
  return {
    connected(ws: WebSocket) {
      const unsubscribe = sup.onEvent((entry) => ws.send(JSON.stringify(entry)));
      ws.on("close", unsubscribe);
    },
    abandon() {},
  };
}
