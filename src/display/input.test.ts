import assert from "node:assert/strict";
import { test } from "node:test";
import { ABS_X, ABS_Y, BTN_LEFT, BTN_RIGHT, EV_ABS, EV_KEY, EV_REL, TABLET_MAX } from "../virtio/input/index.js";
import { type InputPacket, packetOf } from "./input.js";
import { KEY_CODES, linuxKey } from "./keys.js";

const screen = { width: 1280, height: 800 };

test("keys: KeyboardEvent.code to Linux key codes", () => {
  assert.deepEqual([linuxKey("KeyA"), linuxKey("KeyQ"), linuxKey("KeyZ"), linuxKey("KeyM"), linuxKey("Digit1"), linuxKey("Digit0")], [30, 16, 44, 50, 2, 11]);
  assert.deepEqual([linuxKey("Enter"), linuxKey("Space"), linuxKey("F1"), linuxKey("F10"), linuxKey("F12"), linuxKey("ArrowUp")], [28, 57, 59, 68, 88, 103]);
  assert.equal(new Set(KEY_CODES.values()).size, KEY_CODES.size, "no two names share a code");
  assert.equal(linuxKey("Hyper"), undefined);
});

test("a key message is one EV_KEY: down 1, repeat 2, up 0", () => {
  assert.deepEqual(packetOf({ type: "key", code: "KeyA", down: true }, screen), { device: "keyboard", events: [{ type: EV_KEY, code: 30, value: 1 }] });
  assert.equal((packetOf({ type: "key", code: "KeyA", down: true, repeat: true }, screen) as InputPacket).events[0]!.value, 2);
  assert.equal((packetOf({ type: "key", code: "KeyA", down: false }, screen) as InputPacket).events[0]!.value, 0);
});

test("a pointer message: screen pixels onto the tablet's axes (corners exact, clamped), the buttons' states", () => {
  const p = packetOf({ type: "pointer", x: 1279, y: 0, buttons: 3 }, screen);
  assert.deepEqual(p, {
    device: "tablet",
    events: [
      { type: EV_ABS, code: ABS_X, value: TABLET_MAX }, { type: EV_ABS, code: ABS_Y, value: 0 },
      { type: EV_KEY, code: BTN_LEFT, value: 1 }, { type: EV_KEY, code: BTN_RIGHT, value: 1 }, { type: EV_KEY, code: 0x112, value: 0 },
    ],
  });
  const far = packetOf({ type: "pointer", x: 5000, y: -3, buttons: 0 }, screen) as InputPacket;
  assert.deepEqual([far.events[0]!.value, far.events[1]!.value], [TABLET_MAX, 0]);
  assert.deepEqual(packetOf({ type: "wheel", delta: -2 }, screen), { device: "tablet", events: [{ type: EV_REL, code: 8, value: -2 }] });
});

test("bad messages say what is wrong", () => {
  const bad: Array<[unknown, RegExp]> = [
    [null, /JSON object/], ["KeyA", /JSON object/], [{ type: "poke" }, /type is/],
    [{ type: "key", code: "KeyA" }, /down/], [{ type: "key", code: "Hyper", down: true }, /no key "Hyper"/],
    [{ type: "pointer", x: "1", y: 2, buttons: 0 }, /x and y/], [{ type: "pointer", x: NaN, y: 2, buttons: 0 }, /x and y/],
    [{ type: "pointer", x: 1, y: 2, buttons: -1 }, /buttons/], [{ type: "wheel", delta: 1.5 }, /whole steps/], [{ type: "wheel", delta: 1e9 }, /whole steps/],
  ];
  for (const [msg, why] of bad) assert.match(packetOf(msg, screen) as string, why, JSON.stringify(msg));
  assert.match(packetOf({ type: "pointer", x: 1, y: 1, buttons: 0 }, { width: 0, height: 0 }) as string, /screen is off/);
});
