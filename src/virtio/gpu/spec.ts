// virtio GPU device (virtio-gpu), 2D only: its numbers and types. Spec: Virtio 1.2 §5.7 (feature
// bits §5.7.3, config §5.7.4, the control and cursor queues §5.7.6). virt: on the PCIe bus
// (00:NN.0, 1af4:1050, class display); Linux: the virtio_gpu DRM driver, with fbcon on
// /dev/fb0 through its fbdev emulation. The device keeps the guest's resources and scanout;
// the host side sees only damage: a ScanoutSink gets each flushed rectangle, as RGBA.

/** Feature bits (§5.7.3). Only EDID is offered: no virgl, no blobs, no UUIDs. */
export const VIRTIO_GPU_F_VIRGL = 0;
export const VIRTIO_GPU_F_EDID = 1;

/** struct virtio_gpu_config (§5.7.4): le32 events_read, events_clear, num_scanouts, num_capsets. */
export const VIRTIO_GPU_CFG_EVENTS_READ = 0;
export const VIRTIO_GPU_CFG_EVENTS_CLEAR = 4;
export const VIRTIO_GPU_CFG_NUM_SCANOUTS = 8;
export const VIRTIO_GPU_CFG_NUM_CAPSETS = 12;
export const VIRTIO_GPU_CFG_SIZE = 16;
export const VIRTIO_GPU_EVENT_DISPLAY = 1;

/** Control and cursor command types, and response types (enum virtio_gpu_ctrl_type, §5.7.6.7). */
export const VIRTIO_GPU_CMD_GET_DISPLAY_INFO = 0x0100;
export const VIRTIO_GPU_CMD_RESOURCE_CREATE_2D = 0x0101;
export const VIRTIO_GPU_CMD_RESOURCE_UNREF = 0x0102;
export const VIRTIO_GPU_CMD_SET_SCANOUT = 0x0103;
export const VIRTIO_GPU_CMD_RESOURCE_FLUSH = 0x0104;
export const VIRTIO_GPU_CMD_TRANSFER_TO_HOST_2D = 0x0105;
export const VIRTIO_GPU_CMD_RESOURCE_ATTACH_BACKING = 0x0106;
export const VIRTIO_GPU_CMD_RESOURCE_DETACH_BACKING = 0x0107;
export const VIRTIO_GPU_CMD_GET_CAPSET_INFO = 0x0108;
export const VIRTIO_GPU_CMD_GET_CAPSET = 0x0109;
export const VIRTIO_GPU_CMD_GET_EDID = 0x010a;
export const VIRTIO_GPU_CMD_UPDATE_CURSOR = 0x0300;
export const VIRTIO_GPU_CMD_MOVE_CURSOR = 0x0301;
export const VIRTIO_GPU_RESP_OK_NODATA = 0x1100;
export const VIRTIO_GPU_RESP_OK_DISPLAY_INFO = 0x1101;
export const VIRTIO_GPU_RESP_OK_EDID = 0x1104;
export const VIRTIO_GPU_RESP_ERR_UNSPEC = 0x1200;
export const VIRTIO_GPU_RESP_ERR_OUT_OF_MEMORY = 0x1201;
export const VIRTIO_GPU_RESP_ERR_INVALID_SCANOUT_ID = 0x1202;
export const VIRTIO_GPU_RESP_ERR_INVALID_RESOURCE_ID = 0x1203;
export const VIRTIO_GPU_RESP_ERR_INVALID_CONTEXT_ID = 0x1204;
export const VIRTIO_GPU_RESP_ERR_INVALID_PARAMETER = 0x1205;

/** struct virtio_gpu_ctrl_hdr flags. */
export const VIRTIO_GPU_FLAG_FENCE = 1;
export const VIRTIO_GPU_FLAG_INFO_RING_IDX = 2;

/** Sizes of the wire structures (§5.7.6.7-8). */
export const VIRTIO_GPU_HDR_SIZE = 24;
export const VIRTIO_GPU_MAX_SCANOUTS = 16;
/** struct virtio_gpu_display_one: rect, le32 enabled, le32 flags. */
export const VIRTIO_GPU_DISPLAY_ONE_SIZE = 24;
/** struct virtio_gpu_resp_edid: hdr, le32 size, le32 padding, u8 edid[1024]. */
export const VIRTIO_GPU_EDID_RESP_SIZE = VIRTIO_GPU_HDR_SIZE + 8 + 1024;
/** struct virtio_gpu_mem_entry: le64 addr, le32 length, le32 padding. */
export const VIRTIO_GPU_MEM_ENTRY_SIZE = 16;

/** enum virtio_gpu_formats: the names list the bytes of a pixel in memory order. */
export const VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM = 1;
export const VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM = 2;
export const VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM = 3;
export const VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM = 4;
export const VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM = 67;
export const VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM = 68;
export const VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM = 121;
export const VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM = 134;

/** Where red, green, blue (and alpha, when the format has it) sit in a 4-byte pixel. */
export interface PixelLayout { readonly r: number; readonly g: number; readonly b: number; readonly a?: number }

/** The formats the device takes, all 32 bits per pixel (Linux uses B8G8R8X8 for XRGB8888). */
export const PIXEL_LAYOUTS: ReadonlyMap<number, PixelLayout> = new Map([
  [VIRTIO_GPU_FORMAT_B8G8R8A8_UNORM, { b: 0, g: 1, r: 2, a: 3 }],
  [VIRTIO_GPU_FORMAT_B8G8R8X8_UNORM, { b: 0, g: 1, r: 2 }],
  [VIRTIO_GPU_FORMAT_A8R8G8B8_UNORM, { a: 0, r: 1, g: 2, b: 3 }],
  [VIRTIO_GPU_FORMAT_X8R8G8B8_UNORM, { r: 1, g: 2, b: 3 }],
  [VIRTIO_GPU_FORMAT_R8G8B8A8_UNORM, { r: 0, g: 1, b: 2, a: 3 }],
  [VIRTIO_GPU_FORMAT_X8B8G8R8_UNORM, { b: 1, g: 2, r: 3 }],
  [VIRTIO_GPU_FORMAT_A8B8G8R8_UNORM, { a: 0, b: 1, g: 2, r: 3 }],
  [VIRTIO_GPU_FORMAT_R8G8B8X8_UNORM, { r: 0, g: 1, b: 2 }],
]);
export const BYTES_PER_PIXEL = 4;

/** A rectangle in pixels (struct virtio_gpu_rect). */
export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** The cursor as the guest set it on the cursor queue: a position and, when shown, its image. */
export interface CursorState {
  readonly x: number;
  readonly y: number;
  readonly hotX: number;
  readonly hotY: number;
  /** RGBA with the guest's alpha; undefined: no cursor image (hidden). */
  readonly image: { readonly width: number; readonly height: number; readonly rgba: Uint8Array } | undefined;
}

/**
 * The host end of the scanout: what a screen needs, and no more. Called synchronously on
 * the VM's thread from the guest's command; none may block.
 */
export interface ScanoutSink {
  /** The scanout now shows a width×height picture (0×0: the guest turned it off); black until damaged. */
  resize(width: number, height: number): void;
  /**
   * A rectangle of the scanout changed (RESOURCE_FLUSH): `rgba` holds its rows, rect.width*4
   * bytes each, opaque. Lent for the call: copy what you keep.
   */
  damage(rect: Rect, rgba: Uint8Array): void;
  /** The guest moved, changed or hid its cursor (the cursor queue). */
  cursor(state: CursorState): void;
}

/** The mode the one scanout offers (the description's display size). */
export interface DisplayMode {
  readonly width: number;
  readonly height: number;
}
export const DEFAULT_DISPLAY_MODE: DisplayMode = { width: 1280, height: 800 };
/** Mode limits: an EDID detailed timing holds up to 4095, and fbcon wants room for a few characters. */
export const MIN_DISPLAY = { width: 320, height: 200 } as const;
export const MAX_DISPLAY = { width: 3840, height: 2160 } as const;

/** Why a display size is not one the device can offer, or undefined when it is. */
export function checkDisplayMode(m: DisplayMode): string | undefined {
  for (const k of ["width", "height"] as const) {
    const v = m[k];
    if (!Number.isInteger(v) || v < MIN_DISPLAY[k] || v > MAX_DISPLAY[k]) return `${k} ${v} is not a whole number from ${MIN_DISPLAY[k]} to ${MAX_DISPLAY[k]}`;
  }
  if (m.width % 8 !== 0) return `width ${m.width} is not a multiple of 8 (a display timing counts in 8-pixel cells)`;
  return undefined;
}
