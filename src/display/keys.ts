// Browser key names to Linux key codes: KeyboardEvent.code values (W3C UI Events
// KeyboardEvent code Values, the physical key, whatever the layout) to the KEY_* numbers
// of Linux's input-event-codes.h that the virtio keyboard sends. One table, used by
// every front end that takes keys (the screen WebSocket, the shell's sendkey).
const LETTERS = "QWERTYUIOP ASDFGHJKL ZXCVBNM";
const LETTER_CODES = [16, 30, 44]; // KEY_Q, KEY_A, KEY_Z start each row

function table(): Map<string, number> {
  const m = new Map<string, number>();
  LETTERS.split(" ").forEach((row, r) => [...row].forEach((ch, i) => m.set(`Key${ch}`, LETTER_CODES[r]! + i)));
  "1234567890".split("").forEach((d, i) => m.set(`Digit${d}`, 2 + i));
  const named: Array<[string, number]> = [
    ["Escape", 1], ["Minus", 12], ["Equal", 13], ["Backspace", 14], ["Tab", 15], ["BracketLeft", 26], ["BracketRight", 27],
    ["Enter", 28], ["ControlLeft", 29], ["Semicolon", 39], ["Quote", 40], ["Backquote", 41], ["ShiftLeft", 42], ["Backslash", 43],
    ["Comma", 51], ["Period", 52], ["Slash", 53], ["ShiftRight", 54], ["NumpadMultiply", 55], ["AltLeft", 56], ["Space", 57],
    ["CapsLock", 58], ["NumLock", 69], ["ScrollLock", 70], ["Numpad7", 71], ["Numpad8", 72], ["Numpad9", 73], ["NumpadSubtract", 74],
    ["Numpad4", 75], ["Numpad5", 76], ["Numpad6", 77], ["NumpadAdd", 78], ["Numpad1", 79], ["Numpad2", 80], ["Numpad3", 81],
    ["Numpad0", 82], ["NumpadDecimal", 83], ["IntlBackslash", 86], ["F11", 87], ["F12", 88], ["NumpadEnter", 96], ["ControlRight", 97],
    ["NumpadDivide", 98], ["PrintScreen", 99], ["AltRight", 100], ["Home", 102], ["ArrowUp", 103], ["PageUp", 104], ["ArrowLeft", 105],
    ["ArrowRight", 106], ["End", 107], ["ArrowDown", 108], ["PageDown", 109], ["Insert", 110], ["Delete", 111], ["Pause", 119],
    ["MetaLeft", 125], ["MetaRight", 126], ["ContextMenu", 127],
  ];
  for (const [k, v] of named) m.set(k, v);
  for (let i = 1; i <= 10; i++) m.set(`F${i}`, 58 + i);
  return m;
}

/** KeyboardEvent.code → Linux key code. */
export const KEY_CODES: ReadonlyMap<string, number> = table();

/** The Linux key code of a KeyboardEvent.code, or undefined for a key the keyboard does not have. */
export function linuxKey(code: string): number | undefined {
  return KEY_CODES.get(code);
}
