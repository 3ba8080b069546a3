// The HMI VM's screen on a canvas, over the API's screen WebSocket (src/display/socket.ts):
// the size as text, then rectangles of RGBA pixels, each drawn where it belongs; keys and
// the pointer on the canvas go back as key, pointer and wheel messages into the VM's
// virtio-input. While the canvas has focus every key goes to the guest, Tab too;
// Ctrl+] gives the focus back to the page (as it detaches a console in the shell).
import { keepOpen } from "./api.js";
import { h } from "./dom.js";

export class VmScreen {
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  private readonly ctx: CanvasRenderingContext2D;
  private readonly socket: ReturnType<typeof keepOpen>;
  private readonly note: HTMLElement;
  private pending: { x: number; y: number; buttons: number } | undefined;

  constructor(vm: string, leave: () => void) {
    this.canvas = h("canvas", { class: "screen", tabindex: 0, width: 640, height: 400, "aria-label": `${vm} screen: keys and the pointer go to the guest; Ctrl+] leaves` });
    this.ctx = this.canvas.getContext("2d")!;
    this.note = h("p", { class: "note" }, "connecting to the screen…");
    this.element = h("div", { class: "screen-box" }, this.canvas, this.note);
    this.socket = keepOpen(`/v1/vms/${encodeURIComponent(vm)}/screen`, (ws) => {
      ws.addEventListener("message", (m) => this.message(m.data as string | ArrayBuffer));
      ws.addEventListener("close", () => { this.note.textContent = "screen disconnected: reconnecting…"; });
    });
    const send = (msg: object): void => { this.socket.current()?.send(JSON.stringify(msg)); };
    const key = (down: boolean) => (e: KeyboardEvent): void => {
      if (down && e.ctrlKey && e.code === "BracketRight") { e.preventDefault(); leave(); return; }
      e.preventDefault();
      send({ type: "key", code: e.code, down, ...(e.repeat ? { repeat: true } : {}) });
    };
    this.canvas.addEventListener("keydown", key(true));
    this.canvas.addEventListener("keyup", key(false));
    const pointer = (e: MouseEvent): void => {
      const r = this.canvas.getBoundingClientRect();
      const x = Math.max(0, Math.min(this.canvas.width - 1, Math.round(((e.clientX - r.left) / r.width) * this.canvas.width)));
      const y = Math.max(0, Math.min(this.canvas.height - 1, Math.round(((e.clientY - r.top) / r.height) * this.canvas.height)));
      // Moves are sent once a frame; a button change at once.
      const flush = this.pending === undefined && e.type === "mousemove";
      this.pending = { x, y, buttons: e.buttons };
      if (e.type !== "mousemove") { send({ type: "pointer", ...this.pending }); this.pending = undefined; }
      else if (flush) requestAnimationFrame(() => { if (this.pending) send({ type: "pointer", ...this.pending }); this.pending = undefined; });
    };
    for (const t of ["mousemove", "mousedown", "mouseup"] as const) this.canvas.addEventListener(t, pointer);
    this.canvas.addEventListener("mousedown", () => this.canvas.focus());
    this.canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    this.canvas.addEventListener("wheel", (e) => { e.preventDefault(); send({ type: "wheel", delta: e.deltaY < 0 ? 1 : -1 }); }, { passive: false });
  }

  private message(data: string | ArrayBuffer): void {
    if (typeof data === "string") {
      const m = JSON.parse(data) as { type: string; width?: number; height?: number; error?: string };
      if (m.type === "size" && m.width !== undefined && m.height !== undefined) {
        this.canvas.width = m.width;
        this.canvas.height = m.height;
        this.note.textContent = m.width === 0 ? "the guest shows nothing yet" : `${m.width}×${m.height}`;
      } else if (m.type === "error") {
        this.note.textContent = `the screen refused input: ${m.error}`;
      }
      return;
    }
    const head = new DataView(data, 0, 16);
    const [x, y, w, hgt] = [0, 4, 8, 12].map((o) => head.getUint32(o, true)) as [number, number, number, number];
    if (w === 0 || hgt === 0 || data.byteLength !== 16 + w * hgt * 4) return;
    this.ctx.putImageData(new ImageData(new Uint8ClampedArray(data, 16), w, hgt), x, y);
  }

  stop(): void { this.socket.stop(); }
}
