// virtio input device (virtio-input): its numbers. Spec: Virtio 1.2 §5.8 (config space
// §5.8.4, eventq and statusq §5.8.6), events as Linux's evdev (include/uapi/linux/input.h,
// input-event-codes.h). virt: on the PCIe bus (00:NN.0, 1af4:1052, class input); Linux:
// virtio_input, one /dev/input/eventN per device with evdev. Two profiles: a keyboard and
// an absolute tablet (the pointer of a screen the host shows). Events come from the host.

/** struct virtio_input_config (§5.8.4): u8 select, u8 subsel, u8 size, u8 reserved[5], union u[128]. */
export const VIRTIO_INPUT_CFG_SELECT = 0;
export const VIRTIO_INPUT_CFG_SUBSEL = 1;
export const VIRTIO_INPUT_CFG_SIZE_FIELD = 2;
export const VIRTIO_INPUT_CFG_UNION = 8;
export const VIRTIO_INPUT_CFG_SIZE = 136;

/** enum virtio_input_config_select. */
export const VIRTIO_INPUT_CFG_UNSET = 0x00;
export const VIRTIO_INPUT_CFG_ID_NAME = 0x01;
export const VIRTIO_INPUT_CFG_ID_SERIAL = 0x02;
export const VIRTIO_INPUT_CFG_ID_DEVIDS = 0x03;
export const VIRTIO_INPUT_CFG_PROP_BITS = 0x10;
export const VIRTIO_INPUT_CFG_EV_BITS = 0x11;
export const VIRTIO_INPUT_CFG_ABS_INFO = 0x12;

/** struct virtio_input_event: le16 type, le16 code, le32 value. */
export const VIRTIO_INPUT_EVENT_SIZE = 8;

/** Event types and codes (input-event-codes.h). */
export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_REL = 0x02;
export const EV_ABS = 0x03;
export const EV_LED = 0x11;
export const SYN_REPORT = 0;
export const REL_WHEEL = 0x08;
export const ABS_X = 0x00;
export const ABS_Y = 0x01;
export const BTN_LEFT = 0x110;
export const BTN_RIGHT = 0x111;
export const BTN_MIDDLE = 0x112;
export const LED_NUML = 0;
export const LED_CAPSL = 1;
export const LED_SCROLLL = 2;
/** BUS_VIRTUAL (input.h), the bus of ID_DEVIDS. */
export const BUS_VIRTUAL = 0x06;
/** The tablet's axes run 0..TABLET_MAX on both sides of the screen, whatever its size (as QEMU's). */
export const TABLET_MAX = 0x7fff;
/** Keyboard key codes offered: KEY_ESC (1) up to KEY_MICMUTE (248). */
export const KEYBOARD_MAX_KEY = 248;

/** One evdev event. */
export interface InputEvent {
  readonly type: number;
  readonly code: number;
  /** Signed 32-bit: key 1 down, 0 up, 2 repeat; an axis position; a wheel step. */
  readonly value: number;
}

/** struct virtio_input_absinfo. */
export interface AbsInfo { readonly min: number; readonly max: number; readonly fuzz: number; readonly flat: number; readonly res: number }

/** What a device says it is and can send (the config space's answers). */
export interface InputProfile {
  readonly name: string;
  readonly serial: string;
  /** ID_DEVIDS: bustype, vendor, product, version. */
  readonly ids: readonly [number, number, number, number];
  /** INPUT_PROP_* bits. */
  readonly props: readonly number[];
  /** EV_BITS: event type → the codes it sends. */
  readonly events: ReadonlyMap<number, readonly number[]>;
  /** ABS_INFO: axis → its range. */
  readonly abs: ReadonlyMap<number, AbsInfo>;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export const KEYBOARD_PROFILE: InputProfile = {
  name: "Bulkhead Virtio Keyboard",
  serial: "bulkhead-kbd0",
  ids: [BUS_VIRTUAL, 0x0627, 0x0001, 0x0001],
  props: [],
  events: new Map([[EV_KEY, range(1, KEYBOARD_MAX_KEY)], [EV_LED, [LED_NUML, LED_CAPSL, LED_SCROLLL]]]),
  abs: new Map(),
};

export const TABLET_PROFILE: InputProfile = {
  name: "Bulkhead Virtio Tablet",
  serial: "bulkhead-tablet0",
  ids: [BUS_VIRTUAL, 0x0627, 0x0003, 0x0001],
  props: [],
  events: new Map([[EV_KEY, [BTN_LEFT, BTN_RIGHT, BTN_MIDDLE]], [EV_REL, [REL_WHEEL]], [EV_ABS, [ABS_X, ABS_Y]]]),
  abs: new Map([[ABS_X, { min: 0, max: TABLET_MAX, fuzz: 0, flat: 0, res: 0 }], [ABS_Y, { min: 0, max: TABLET_MAX, fuzz: 0, flat: 0, res: 0 }]]),
};
