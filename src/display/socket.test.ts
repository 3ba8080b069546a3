import assert from "node:assert/strict";
import { createServer } from "node:http";
import { test } from "node:test";
import WebSocket, { WebSocketServer } from "ws";
import type { InputPacket } from "./input.js";
import { Screen } from "./screen.js";
import { FRAME_INTERVAL_MS, serveScreen } from "./socket.js";

/** A screen served on a loopback port, and a viewer connected to it that records what it gets. */
async function serve(screen: Screen) {
  const got: Array<{ text?: unknown; rect?: number[]; bytes?: number }> = [], packets: InputPacket[] = [];
  const wss = new WebSocketServer({ noServer: true });
  const server = createServer();
  server.on("upgrade", (req, sock, head) => wss.handleUpgrade(req, sock, head, (ws) => serveScreen(ws, screen, (p) => { packets.push(p); return true; })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on("message", (d: Buffer, binary) => {
    if (!binary) got.push({ text: JSON.parse(d.toString()) });
    else got.push({ rect: [0, 4, 8, 12].map((o) => d.readUInt32LE(o)), bytes: d.length - 16 });
  });
  await new Promise((r) => ws.once("open", r));
  const close = async () => { ws.close(); wss.close(); server.closeAllConnections(); await new Promise((r) => server.close(r)); };
  return { ws, got, packets, close };
}
const tick = (ms = FRAME_INTERVAL_MS * 3) => new Promise((r) => setTimeout(r, ms));
/** Wait until the viewer has `n` messages (a loaded host may take a while), then a frame interval more. */
async function until(got: readonly unknown[], n: number): Promise<void> {
  for (let i = 0; i < 500 && got.length < n; i++) await tick(20);
  await tick();
}

test("a viewer gets the size and the frame, then only the union of what changed, not the screen", async () => {
  const screen = new Screen();
  screen.resize(640, 400);
  const v = await serve(screen);
  try {
    await until(v.got, 2);
    assert.deepEqual(v.got[0], { text: { type: "size", width: 640, height: 400 } });
    assert.deepEqual(v.got[1], { rect: [0, 0, 640, 400], bytes: 640 * 400 * 4 });
    // Many small repaints within one frame interval: one message, their union.
    for (let i = 0; i < 10; i++) screen.damage({ x: 100 + i, y: 50, width: 10, height: 10 }, new Uint8Array(400).fill(i));
    await until(v.got, 3);
    assert.deepEqual(v.got.slice(2), [{ rect: [100, 50, 19, 10], bytes: 19 * 10 * 4 }]);
    screen.resize(320, 200);
    await until(v.got, 5);
    assert.deepEqual(v.got.slice(3), [{ text: { type: "size", width: 320, height: 200 } }, { rect: [0, 0, 320, 200], bytes: 320 * 200 * 4 }]);
  } finally {
    await v.close();
  }
});

test("input from the viewer becomes packets; a bad message gets an error back and nothing is sent", async () => {
  const screen = new Screen();
  screen.resize(100, 100);
  const v = await serve(screen);
  try {
    v.ws.send(JSON.stringify({ type: "key", code: "Enter", down: true }));
    v.ws.send("not json");
    v.ws.send(JSON.stringify({ type: "key", code: "Nope", down: true }));
    await until(v.got, 4);
    assert.deepEqual(v.packets, [{ device: "keyboard", events: [{ type: 1, code: 28, value: 1 }] }]);
    const errors = v.got.filter((g) => (g.text as { type?: string } | undefined)?.type === "error").map((g) => (g.text as { error: string }).error);
    assert.equal(errors.length, 2);
    assert.match(errors[1]!, /no key "Nope"/);
  } finally {
    await v.close();
  }
});
