// The EDID the virtio-gpu scanout answers GET_EDID with: one 128-byte EDID 1.4 base block
// (VESA E-EDID Release A rev. 2, §3) whose preferred detailed timing is the configured mode,
// timed by VESA CVT 1.2 reduced blanking (§3.5, "CVT-RB") at 60 Hz. Linux's DRM takes the
// first detailed timing of a 1.4 block as the preferred mode, so this is the mode fbcon gets.
import type { DisplayMode } from "./spec.js";

/** A detailed timing: pixel clock in kHz, active, blanking and sync in pixels and lines. */
export interface Timing {
  readonly clockKhz: number;
  readonly hActive: number;
  readonly hBlank: number;
  readonly hFront: number;
  readonly hSync: number;
  readonly vActive: number;
  readonly vBlank: number;
  readonly vFront: number;
  readonly vSync: number;
}

/** CVT reduced-blanking (version 1) timing of `mode` at 60 Hz. */
export function cvtReducedBlanking(mode: DisplayMode): Timing {
  const REFRESH = 60, MIN_VBLANK_US = 460, H_BLANK = 160, H_SYNC = 32, H_FRONT = 48, V_FRONT = 3, MIN_V_BACK = 6, CLOCK_STEP_MHZ = 0.25;
  const { width: w, height: h } = mode;
  // The vertical sync width names the aspect ratio (CVT §3.2).
  const vSync = w * 3 === h * 4 ? 4 : w * 9 === h * 16 ? 5 : w * 10 === h * 16 ? 6 : w * 4 === h * 5 || w * 9 === h * 15 ? 7 : 10;
  const hPeriodUs = (1e6 / REFRESH - MIN_VBLANK_US) / h;
  const vBlank = Math.max(Math.floor(MIN_VBLANK_US / hPeriodUs) + 1, V_FRONT + vSync + MIN_V_BACK);
  const clockMhz = CLOCK_STEP_MHZ * Math.floor((REFRESH * (h + vBlank) * (w + H_BLANK)) / 1e6 / CLOCK_STEP_MHZ);
  return { clockKhz: Math.round(clockMhz * 1000), hActive: w, hBlank: H_BLANK, hFront: H_FRONT, hSync: H_SYNC, vActive: h, vBlank, vFront: V_FRONT, vSync };
}

const EDID_HEADER = [0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00];
/** sRGB primaries and white point (IEC 61966-2-1), as EDID's 10-bit fractions. */
const SRGB = { rx: 0.64, ry: 0.33, gx: 0.3, gy: 0.6, bx: 0.15, by: 0.06, wx: 0.3127, wy: 0.329 };
/** Physical size as a 96 dpi screen would have it. */
const MM_PER_PIXEL = 25.4 / 96;

/** The EDID block for a scanout showing `mode`: the manufacturer "BLK", product "Bulkhead". */
export function buildEdid(mode: DisplayMode, name = "Bulkhead"): Uint8Array {
  const e = new Uint8Array(128);
  e.set(EDID_HEADER, 0);
  const mfg = ("BLK".charCodeAt(0) - 64) << 10 | ("BLK".charCodeAt(1) - 64) << 5 | ("BLK".charCodeAt(2) - 64);
  e[8] = mfg >> 8; e[9] = mfg & 0xff; // big-endian, unlike the rest
  e[10] = 0x01; e[11] = 0x00; // product code
  e[16] = 0xff; // no week: the year is the model year
  e[17] = 2026 - 1990;
  e[18] = 1; e[19] = 4; // EDID 1.4
  e[20] = 0x80 | (2 << 4); // digital input, 8 bits per primary
  const wMm = Math.round(mode.width * MM_PER_PIXEL), hMm = Math.round(mode.height * MM_PER_PIXEL);
  e[21] = Math.round(wMm / 10); e[22] = Math.round(hMm / 10);
  e[23] = 120; // gamma 2.2
  e[24] = 0x06; // sRGB default colour space; the preferred timing is the native mode; RGB 4:4:4
  const f = (v: number) => Math.round(v * 1024);
  const c = [f(SRGB.rx), f(SRGB.ry), f(SRGB.gx), f(SRGB.gy), f(SRGB.bx), f(SRGB.by), f(SRGB.wx), f(SRGB.wy)];
  e[25] = (c[0]! & 3) << 6 | (c[1]! & 3) << 4 | (c[2]! & 3) << 2 | (c[3]! & 3);
  e[26] = (c[4]! & 3) << 6 | (c[5]! & 3) << 4 | (c[6]! & 3) << 2 | (c[7]! & 3);
  c.forEach((v, i) => { e[27 + i] = v >> 2; });
  // 35..37 established timings: none. 38..53 standard timings: all unused (0x01 0x01).
  for (let i = 38; i < 54; i++) e[i] = 0x01;

  const t = cvtReducedBlanking(mode);
  e.set(detailedTiming(t, wMm, hMm), 54);
  e.set(rangeLimits(t), 72);
  e.set(textDescriptor(0xfc, name), 90);
  e.set([0, 0, 0, 0x10], 108); // dummy descriptor
  e[126] = 0; // no extension blocks
  e[127] = (256 - (e.subarray(0, 127).reduce((s, b) => s + b, 0) & 0xff)) & 0xff;
  return e;
}

/** An 18-byte detailed timing descriptor (E-EDID §3.10.2). */
function detailedTiming(t: Timing, wMm: number, hMm: number): Uint8Array {
  const d = new Uint8Array(18);
  const clock = Math.round(t.clockKhz / 10);
  d[0] = clock & 0xff; d[1] = clock >> 8;
  d[2] = t.hActive & 0xff; d[3] = t.hBlank & 0xff; d[4] = (t.hActive >> 8) << 4 | (t.hBlank >> 8);
  d[5] = t.vActive & 0xff; d[6] = t.vBlank & 0xff; d[7] = (t.vActive >> 8) << 4 | (t.vBlank >> 8);
  d[8] = t.hFront & 0xff; d[9] = t.hSync & 0xff;
  d[10] = (t.vFront & 0xf) << 4 | (t.vSync & 0xf);
  d[11] = (t.hFront >> 8) << 6 | (t.hSync >> 8) << 4 | (t.vFront >> 4) << 2 | (t.vSync >> 4);
  d[12] = wMm & 0xff; d[13] = hMm & 0xff; d[14] = (wMm >> 8) << 4 | (hMm >> 8);
  d[17] = 0x18 | 0x02; // digital separate sync; CVT-RB: +hsync, -vsync
  return d;
}

/** The display range limits descriptor (0xFD): a range that holds the one mode, no formula for others. */
function rangeLimits(t: Timing): Uint8Array {
  const htotal = t.hActive + t.hBlank;
  const hKhz = (t.clockKhz / htotal);
  const d = new Uint8Array(18);
  d.set([0, 0, 0, 0xfd, 0]);
  d[5] = 50; d[6] = 75; // vertical Hz
  d[7] = Math.max(1, Math.floor(hKhz) - 10); d[8] = Math.min(255, Math.ceil(hKhz) + 10); // horizontal kHz
  d[9] = Math.ceil(t.clockKhz / 10_000); // pixel clock, 10 MHz units
  d[10] = 0x01; // range limits only
  d[11] = 0x0a;
  d.fill(0x20, 12);
  return d;
}

/** A text descriptor (0xFC monitor name, 0xFF serial): up to 13 characters, LF, then spaces. */
function textDescriptor(tag: number, text: string): Uint8Array {
  const d = new Uint8Array(18);
  d.set([0, 0, 0, tag, 0]);
  const s = text.slice(0, 13);
  for (let i = 0; i < 13; i++) d[5 + i] = i < s.length ? s.charCodeAt(i) & 0x7f : i === s.length ? 0x0a : 0x20;
  return d;
}
