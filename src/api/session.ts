// A WebSocket route's server side (the console and events sockets). Its own module so that
// routes.ts, which names the sockets, and the sockets, which implement this, import it and
// not each other.
import type { WebSocket } from "ws";

/** A WebSocket's server side, made before the upgrade (so a bad VM is an HTTP error) and connected after it. */
export interface SocketSession {
  connected(ws: WebSocket): void;
  /** The upgrade did not happen: let go of what open() took. */
  abandon(): void;
}
