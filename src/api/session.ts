// A request as the routes see it, and a WebSocket route's server side (the console and events
// sockets). Their own module so that routes.ts, which names the sockets and parameters, and
// the modules that implement them, import it and not each other.
import type { WebSocket } from "ws";
import type { Upload } from "../rootos/supervisor/uploads.js";

/** A WebSocket's server side, made before the upgrade (so a bad VM is an HTTP error) and connected after it. */
export interface SocketSession {
  connected(ws: WebSocket): void;
  /** The upgrade did not happen: let go of what open() took. */
  abandon(): void;
}

export interface ApiRequest {
  /** The path's `{name}` segments, decoded. */
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The body: JSON (routes with `body: "json"`; undefined when empty, the `json` part of a form), or bytes (`body: "bytes"`). */
  readonly body: unknown;
  /** A multipart/form-data body's file parts (form.ts), on a route that takes files. */
  readonly files?: ReadonlyMap<string, Upload>;
}
