// A screen over a WebSocket: the viewer gets the size and the whole frame when it connects,
// then only what changed. Damage is gathered into one rectangle and sent at most every
// FRAME_INTERVAL_MS, its pixels read from the frame then: a guest repainting a small region
// costs about that region per frame, and a slow viewer gets fewer, larger updates rather
// than a growing queue. Messages (docs/dashboard.md):
//
//   server → viewer  text   {"type":"size","width":W,"height":H}     (connect, and each resize)
//                    binary  u32 x, y, width, height (little-endian), then width*height RGBA
//                    text   {"type":"error","error":"why"}            (a message it could not take)
//   viewer → server  text   {"type":"key","code":"KeyA","down":true} | {"type":"pointer","x":..,"y":..,"buttons":1}
//                           | {"type":"wheel","delta":-1}
import type { WebSocket } from "ws";
import type { Rect } from "../virtio/gpu/index.js";
import { type InputSink, packetOf } from "./input.js";
import type { Screen } from "./screen.js";

export const FRAME_INTERVAL_MS = 33;
/** Past this much unsent data the viewer is behind: wait for it instead of queueing more. */
const MAX_BUFFERED_BYTES = 8 << 20;
const HEADER_BYTES = 16;

/** Serve `screen` to one connected viewer until it closes; its input goes to `input`. */
export function serveScreen(ws: WebSocket, screen: Screen, input: InputSink): void {
  let dirty: Rect | undefined = screen.width > 0 ? { x: 0, y: 0, width: screen.width, height: screen.height } : undefined;
  let timer: NodeJS.Timeout | undefined;
  const sendSize = () => ws.send(JSON.stringify({ type: "size", width: screen.width, height: screen.height }));
  const flush = () => {
    timer = undefined;
    if (!dirty || ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) { schedule(); return; }
    const r = dirty;
    dirty = undefined;
    const msg = Buffer.alloc(HEADER_BYTES + r.width * r.height * 4);
    [r.x, r.y, r.width, r.height].forEach((v, i) => msg.writeUInt32LE(v, 4 * i));
    msg.set(screen.pixels(r), HEADER_BYTES);
    ws.send(msg);
  };
  const schedule = () => { timer ??= setTimeout(flush, FRAME_INTERVAL_MS); };
  const stop = screen.watch((c) => {
    if (c.kind === "resize") {
      sendSize();
      dirty = c.width > 0 ? { x: 0, y: 0, width: c.width, height: c.height } : undefined;
    } else {
      dirty = dirty ? union(dirty, c.rect) : c.rect;
    }
    if (dirty) schedule();
  });
  sendSize();
  if (dirty) schedule();
  ws.on("message", (data, isBinary) => {
    let msg: unknown;
    try {
      msg = isBinary ? undefined : JSON.parse(data.toString());
    } catch {
      msg = undefined;
    }
    const p = packetOf(msg, screen);
    if (typeof p === "string") ws.send(JSON.stringify({ type: "error", error: p }));
    else input(p);
  });
  ws.on("close", () => {
    stop();
    if (timer) clearTimeout(timer);
  });
}

function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x), y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}
