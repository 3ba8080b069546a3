// What a viewer of a screen may send back: keys and the pointer, as JSON messages, turned
// here into evdev packets for the VM's virtio keyboard or tablet. Coordinates arrive in
// screen pixels and leave on the tablet's 0..TABLET_MAX axes, so the guest's pointer lands
// where the viewer pointed whatever the screen's size. Every field is checked: a viewer is
// a browser on the network, and a bad message is answered with why, never half applied.
import {
  ABS_X, ABS_Y, BTN_LEFT, BTN_MIDDLE, BTN_RIGHT, EV_ABS, EV_KEY, EV_REL, type InputEvent, REL_WHEEL, TABLET_MAX,
} from "../virtio/input/index.js";
import { linuxKey } from "./keys.js";

/** A message from a viewer. `code` is a KeyboardEvent.code; `buttons` is MouseEvent.buttons (1 left, 2 right, 4 middle). */
export type ViewerInput =
  | { readonly type: "key"; readonly code: string; readonly down: boolean; readonly repeat?: boolean }
  | { readonly type: "pointer"; readonly x: number; readonly y: number; readonly buttons: number }
  | { readonly type: "wheel"; readonly delta: number };

/** One packet for one of the VM's input devices. */
export interface InputPacket {
  readonly device: "keyboard" | "tablet";
  readonly events: readonly InputEvent[];
}

/** Where packets go: the VM's input devices (false when the guest's driver is not there to take them). */
export type InputSink = (p: InputPacket) => boolean;

/** A viewer's message (parsed JSON) as a packet, or why it is not one. */
export function packetOf(msg: unknown, screen: { width: number; height: number }): InputPacket | string {
  if (typeof msg !== "object" || msg === null) return "a message is a JSON object with a type";
  const m = msg as Record<string, unknown>;
  switch (m["type"]) {
    case "key": {
      if (typeof m["code"] !== "string" || typeof m["down"] !== "boolean") return 'a key message has code (a KeyboardEvent.code such as "KeyA") and down (true or false)';
      const key = linuxKey(m["code"]);
      if (key === undefined) return `no key ${JSON.stringify(m["code"]).slice(0, 40)} on the keyboard`;
      return { device: "keyboard", events: [{ type: EV_KEY, code: key, value: m["down"] ? (m["repeat"] === true ? 2 : 1) : 0 }] };
    }
    case "pointer": {
      const { x, y, buttons } = m;
      if (typeof x !== "number" || typeof y !== "number" || !Number.isFinite(x) || !Number.isFinite(y)) return "a pointer message has x and y, in screen pixels";
      if (!Number.isInteger(buttons) || (buttons as number) < 0) return "a pointer message has buttons, as MouseEvent.buttons";
      if (screen.width === 0) return "the screen is off: there is nowhere to point";
      const axis = (v: number, size: number) => Math.round(Math.min(Math.max(v / Math.max(size - 1, 1), 0), 1) * TABLET_MAX);
      const b = buttons as number;
      return {
        device: "tablet",
        events: [
          { type: EV_ABS, code: ABS_X, value: axis(x, screen.width) }, { type: EV_ABS, code: ABS_Y, value: axis(y, screen.height) },
          { type: EV_KEY, code: BTN_LEFT, value: b & 1 }, { type: EV_KEY, code: BTN_RIGHT, value: (b >> 1) & 1 }, { type: EV_KEY, code: BTN_MIDDLE, value: (b >> 2) & 1 },
        ],
      };
    }
    case "wheel": {
      const d = m["delta"];
      if (!Number.isInteger(d) || Math.abs(d as number) > 100) return "a wheel message has delta, whole steps from -100 to 100 (up is positive)";
      return { device: "tablet", events: [{ type: EV_REL, code: REL_WHEEL, value: d as number }] };
    }
    default:
      return 'type is "key", "pointer" or "wheel"';
  }
}
