// A VM's serial console in xterm.js over the API's console WebSocket: the guest's output
// comes as binary messages (the scroll-back first, on every connect, so the terminal is
// cleared then), and what is typed goes back as bytes. The socket is opened again when it
// closes (a stopped RootOS); the attachment itself lives across restarts of the VM.
// Every key goes to the guest, Tab too; Ctrl+] gives the focus back to the page.
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { keepOpen } from "./api.js";

export class VmConsole {
  readonly element: HTMLDivElement;
  private readonly term: Terminal;
  private readonly fit = new FitAddon();
  private readonly socket: ReturnType<typeof keepOpen>;
  private readonly encoder = new TextEncoder();

  /** `leave`: where Ctrl+] takes the focus (every other key goes to the guest, Tab too). */
  constructor(vm: string, leave: () => void) {
    this.element = document.createElement("div");
    this.element.className = "console";
    this.term = new Terminal({ convertEol: false, scrollback: 5000, fontSize: 13, cursorBlink: true, screenReaderMode: false });
    this.term.loadAddon(this.fit);
    this.term.open(this.element);
    this.term.textarea?.setAttribute("aria-label", `${vm} console`);
    this.socket = keepOpen(`/v1/vms/${encodeURIComponent(vm)}/console`, (ws) => {
      ws.addEventListener("open", () => this.term.reset());
      ws.addEventListener("message", (m) => this.term.write(typeof m.data === "string" ? m.data : new Uint8Array(m.data as ArrayBuffer)));
    });
    this.term.attachCustomKeyEventHandler((e) => {
      if (e.type === "keydown" && e.ctrlKey && e.code === "BracketRight") { leave(); return false; }
      return true;
    });
    this.term.onData((d) => this.socket.current()?.send(this.encoder.encode(d)));
    this.term.onBinary((d) => this.socket.current()?.send(Uint8Array.from(d, (c) => c.charCodeAt(0))));
  }

  /** Fit the terminal to its box (after it is shown or resized). */
  resize(): void {
    if (this.element.offsetParent !== null) this.fit.fit();
  }

  focus(): void { this.term.focus(); }
}
