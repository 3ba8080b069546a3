import assert from "node:assert/strict";
import { test } from "node:test";
import { PNG } from "pngjs";
import { encodePng } from "./png.js";
import { applyUpdate, forwardingSink, Screen, type ScreenChange, type ScreenUpdate } from "./screen.js";

test("encodePng: pngjs decodes what we encode, pixel for pixel", () => {
  const w = 37, h = 11, rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < rgba.length; i++) rgba[i] = (i * 31 + (i >> 7)) & 0xff;
  const png = PNG.sync.read(encodePng(w, h, rgba));
  assert.deepEqual([png.width, png.height], [w, h]);
  assert.deepEqual(new Uint8Array(png.data), rgba);
  assert.throws(() => encodePng(2, 2, new Uint8Array(15)), RangeError);
});

test("Screen: damage lands in the frame at its place; viewers hear the rectangle; a resize starts black", () => {
  const s = new Screen(), heard: ScreenChange[] = [];
  const stop = s.watch((c) => heard.push(c));
  s.resize(8, 4);
  s.damage({ x: 2, y: 1, width: 2, height: 2 }, Uint8Array.from({ length: 16 }, (_, i) => i + 1));
  assert.deepEqual([...s.pixels({ x: 2, y: 1, width: 2, height: 1 })], [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual([...s.pixels({ x: 3, y: 2, width: 1, height: 1 })], [13, 14, 15, 16]);
  assert.deepEqual([...s.pixels({ x: 0, y: 0, width: 1, height: 1 })], [0, 0, 0, 255]);
  // Past the edge (a late resize): clipped, never written outside the frame.
  s.damage({ x: 7, y: 3, width: 4, height: 4 }, new Uint8Array(64).fill(9));
  assert.deepEqual(heard.map((c) => (c.kind === "resize" ? `resize ${c.width}x${c.height}` : `damage ${c.rect.width}x${c.rect.height}+${c.rect.x}+${c.rect.y}`)), ["resize 8x4", "damage 2x2+2+1", "damage 1x1+7+3"]);
  assert.equal(s.frame.length, 8 * 4 * 4);
  const png = PNG.sync.read(s.png());
  assert.deepEqual([png.width, png.height, png.data[(1 * 8 + 2) * 4]], [8, 4, 1]);
  stop();
  s.resize(0, 0);
  assert.equal(heard.length, 3, "unwatched");
  assert.deepEqual([PNG.sync.read(s.png()).width], [1], "an off screen is one black pixel");
});

test("a forwarding sink copies damage (the device lends its buffer) and applyUpdate replays it", () => {
  const sent: ScreenUpdate[] = [];
  const sink = forwardingSink((u) => sent.push(u));
  const lent = new Uint8Array(4).fill(7);
  sink.resize(2, 2);
  sink.damage({ x: 1, y: 1, width: 1, height: 1 }, lent);
  lent.fill(0);
  const s = new Screen();
  for (const u of sent) applyUpdate(s, u);
  assert.deepEqual([...s.pixels({ x: 1, y: 1, width: 1, height: 1 })], [7, 7, 7, 7]);
});
