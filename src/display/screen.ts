// The host's copy of a VM's screen: the one scanout as an RGBA frame, kept up to date from
// damage (ScanoutSink: each RESOURCE_FLUSH brings only its rectangle), for screenshots
// and for viewers that join late. Viewers hear of changes, not frames: a rectangle, or a
// new size; they read the pixels they need from the frame when they send.
import type { CursorState, Rect, ScanoutSink } from "../virtio/gpu/index.js";
import { encodePng } from "./png.js";

/** What a viewer hears: a damaged rectangle, or a new size (the whole frame is new then). */
export type ScreenChange = { readonly kind: "damage"; readonly rect: Rect } | { readonly kind: "resize"; readonly width: number; readonly height: number };

export class Screen implements ScanoutSink {
  width = 0;
  height = 0;
  /** RGBA, width*height*4 bytes; black where the guest drew nothing. */
  frame: Uint8Array = new Uint8Array(0);
  cursorState: CursorState | undefined;
  private readonly viewers = new Set<(c: ScreenChange) => void>();

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.frame = blank(width, height);
    for (const v of this.viewers) v({ kind: "resize", width, height });
  }

  damage(rect: Rect, rgba: Uint8Array): void {
    // The device clips to the scanout; clip again so a late resize cannot tear the frame.
    const w = Math.min(rect.width, this.width - rect.x), h = Math.min(rect.height, this.height - rect.y);
    if (w <= 0 || h <= 0) return;
    for (let y = 0; y < h; y++) {
      this.frame.set(rgba.subarray(y * rect.width * 4, (y * rect.width + w) * 4), ((rect.y + y) * this.width + rect.x) * 4);
    }
    const clipped = { x: rect.x, y: rect.y, width: w, height: h };
    for (const v of this.viewers) v({ kind: "damage", rect: clipped });
  }

  cursor(state: CursorState): void { this.cursorState = state; }

  /** Follow changes until the returned function is called. */
  watch(viewer: (c: ScreenChange) => void): () => void {
    this.viewers.add(viewer);
    return () => { this.viewers.delete(viewer); };
  }

  /** `rect`'s pixels, copied out of the frame, rows of rect.width*4 bytes. */
  pixels(rect: Rect): Uint8Array {
    const out = new Uint8Array(rect.width * rect.height * 4);
    for (let y = 0; y < rect.height; y++) {
      const at = ((rect.y + y) * this.width + rect.x) * 4;
      out.set(this.frame.subarray(at, at + rect.width * 4), y * rect.width * 4);
    }
    return out;
  }

  /** The frame as a PNG; a screen the guest has not turned on is one black pixel. */
  png(): Buffer {
    return this.width === 0 ? encodePng(1, 1, Uint8Array.of(0, 0, 0, 255)) : encodePng(this.width, this.height, this.frame);
  }
}

function blank(width: number, height: number): Uint8Array {
  const f = new Uint8Array(width * height * 4);
  for (let i = 3; i < f.length; i += 4) f[i] = 255;
  return f;
}

/** A scanout change as a message between threads (the VM's worker to the RootOS). */
export type ScreenUpdate =
  | { readonly op: "resize"; readonly width: number; readonly height: number }
  | { readonly op: "damage"; readonly rect: Rect; readonly rgba: Uint8Array }
  | { readonly op: "cursor"; readonly state: CursorState };

/** A ScanoutSink that posts each change (the damaged pixels copied, once) for a Screen elsewhere. */
export function forwardingSink(post: (u: ScreenUpdate) => void): ScanoutSink {
  return {
    resize: (width, height) => post({ op: "resize", width, height }),
    damage: (rect, rgba) => post({ op: "damage", rect, rgba: rgba.slice() }),
    cursor: (state) => post({ op: "cursor", state }),
  };
}

/** Apply a forwarded change to the screen. */
export function applyUpdate(screen: Screen, u: ScreenUpdate): void {
  if (u.op === "resize") screen.resize(u.width, u.height);
  else if (u.op === "damage") screen.damage(u.rect, u.rgba);
  else screen.cursor(u.state);
}
