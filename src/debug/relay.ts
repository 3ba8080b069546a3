// A VM's GDB port under the supervisor (`debug: { gdb: PORT }`, `gdb VM PORT`): the TCP
// listener lives in the RootOS, the stub in the VM's worker thread (vm-debug.ts), and this
// relays bytes between them unread.
//
// Why the socket is here and the stub there: the stub reads and writes the machine
// synchronously, at an instruction boundary, in the thread that runs it, so what gdb sees
// is exact (no copy of state, no race with a running hart). The RootOS parses none of what
// a debugger sends, so a hostile or broken debugger can at worst fault that one VM's
// thread, which the supervisor already survives. And the RootOS, whose event loop is free
// while the VM's thread is inside a slice, pokes the VM for every chunk it relays: gdb's
// Ctrl-C stops a running VM within a turn (20 k instructions), not a 5 M-instruction slice
// later. The listener outlives the VM's threads: a restarted VM is debugged on the same port.
//
// Loopback only. One debugger at a time: a second one is told so and closed.
import net from "node:net";
import { encodePacket } from "./rsp.js";

/** The VM's side of a session: its running thread, or undefined when it has none. */
export interface RelayLink {
  /** Open a session on the VM's stub (it stops the VM); rejects with why it is refused. */
  open(): Promise<void>;
  input(bytes: Uint8Array): void;
  /** The debugger went away. */
  close(): void;
}

export class GdbRelay {
  private active: net.Socket | undefined;
  /** The session's link, once open() resolved. */
  private session: RelayLink | undefined;
  private readonly server: net.Server;

  private constructor(private readonly link: () => RelayLink | undefined, private readonly log: (line: string) => void) {
    this.server = net.createServer((s) => this.connected(s));
  }

  /** Listen on 127.0.0.1:`port` (0: a free one); rejects with the listen error (EADDRINUSE…). */
  static async open(port: number, link: () => RelayLink | undefined, log: (line: string) => void): Promise<GdbRelay> {
    const r = new GdbRelay(link, log);
    await new Promise<void>((res, rej) => {
      r.server.once("error", rej);
      r.server.listen(port, "127.0.0.1", () => { r.server.off("error", rej); res(); });
    });
    r.server.on("error", (e) => log(`gdb port: ${e.message}`));
    return r;
  }

  get port(): number { return (this.server.address() as net.AddressInfo).port; }
  get attached(): boolean { return this.session !== undefined; }

  /** Bytes from the VM's stub for the debugger. */
  output(bytes: Uint8Array): void {
    if (this.session && this.active && !this.active.destroyed) this.active.write(bytes);
  }

  /** The stub ended the session (detach, kill, the VM's machine ended) or the VM's thread ended. */
  endSession(): void {
    const s = this.active;
    this.session = undefined;
    this.active = undefined;
    s?.end();
  }

  /** Stop listening and drop the debugger (the VM runs on, without breakpoints). */
  close(): void {
    const session = this.session;
    this.endSession();
    session?.close();
    this.server.close();
  }

  private connected(s: net.Socket): void {
    const who = `${s.remoteAddress}:${s.remotePort}`;
    const refuse = (why: string): void => {
      this.log(`gdb: refused ${who}: ${why}`);
      s.end(encodePacket(`E.${why}`));
    };
    if (this.active) { refuse("another debugger is attached to this VM"); return; }
    const link = this.link();
    if (!link) { refuse("the VM is not running (start it, then attach)"); return; }
    this.active = s;
    s.setNoDelay(true);
    // What gdb sends before the stub is there waits for it, in order.
    const early: Uint8Array[] = [];
    s.on("data", (d: Buffer) => {
      if (this.active !== s) return;
      if (this.session) this.session.input(Uint8Array.from(d));
      else early.push(Uint8Array.from(d));
    });
    s.on("error", () => s.destroy());
    s.on("close", () => {
      if (this.active !== s) return;
      const session = this.session;
      this.active = undefined;
      this.session = undefined;
      session?.close();
      this.log(`gdb: ${who} detached`);
    });
    link.open().then(() => {
      if (this.active !== s) { link.close(); return; } // it left before the stub was there
      this.session = link;
      this.log(`gdb: ${who} attached`);
      for (const d of early.splice(0)) link.input(d);
    }, (e: Error) => {
      if (this.active !== s) return;
      this.active = undefined;
      refuse(e.message);
    });
  }
}
