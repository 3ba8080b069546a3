// The GDB stub's TCP listener for one VM: `--gdb [HOST:]PORT`, loopback unless the user
// names another address. One debugger at a time: a second connection is told so and closed.
// A debugger that connects to a running VM stops it (as QEMU's gdbstub does); one that
// leaves, cleanly or not, lets it run on with no breakpoint left behind.
import net from "node:net";
import type { Machine } from "../machine/machine.js";
import { MachineTarget } from "./machine-target.js";
import { GdbStub } from "./stub.js";
import { encodePacket } from "./rsp.js";

export interface GdbListen {
  readonly host: string;
  readonly port: number;
}

/** Parse `[HOST:]PORT`; throws a RangeError naming what is wrong. */
export function parseGdbListen(text: string): GdbListen {
  const i = text.lastIndexOf(":");
  const host = i < 0 ? "127.0.0.1" : text.slice(0, i).replace(/^\[(.*)\]$/, "$1");
  const portText = i < 0 ? text : text.slice(i + 1);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new RangeError(`--gdb takes [HOST:]PORT with PORT 0..65535, not "${text}"`);
  }
  if (host === "") throw new RangeError(`--gdb "${text}": the host before ":" is empty`);
  return { host, port: Number(portText) };
}

export interface GdbServerOptions {
  /** Hold the VM before its first instruction until a debugger continues it (-S). */
  readonly hold: boolean;
  /** `monitor CMD` runs this (a RootOS command line); default: only the stub's own commands. */
  readonly monitor?: (cmd: string) => Promise<string> | string;
  /** Messages for the user (who connected, who was refused). */
  readonly log?: (line: string) => void;
}

export class GdbServer {
  private target: MachineTarget | undefined;
  private active: net.Socket | undefined;
  private readonly server: net.Server;

  private constructor(private readonly machine: Machine, private readonly opts: GdbServerOptions) {
    if (opts.hold) this.target = new MachineTarget(machine, true, opts.monitor);
    this.server = net.createServer((s) => this.connected(s));
  }

  /** Listen; resolves once bound (port 0: see address()). */
  static async open(machine: Machine, listen: GdbListen, opts: GdbServerOptions): Promise<GdbServer> {
    const g = new GdbServer(machine, opts);
    await new Promise<void>((res, rej) => {
      g.server.once("error", rej);
      g.server.listen(listen.port, listen.host, () => { g.server.off("error", rej); res(); });
    });
    return g;
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  /** Stop listening and drop the debugger; the VM runs on. */
  close(): void {
    this.active?.destroy();
    this.server.close();
    if (this.target && !this.active) { this.target.detach(); this.target = undefined; }
  }

  private connected(s: net.Socket): void {
    const who = `${s.remoteAddress}:${s.remotePort}`;
    if (this.active) {
      this.opts.log?.(`gdb: refused ${who}: a debugger is already attached`);
      s.end(encodePacket("E.another debugger is attached to this VM"));
      return;
    }
    this.active = s;
    s.setNoDelay(true);
    const target = this.target ?? new MachineTarget(this.machine, false, this.opts.monitor);
    this.target = target;
    target.interrupt(); // a debugger looks at a stopped VM
    const stub = new GdbStub(target, {
      send: (b) => { if (!s.destroyed) s.write(b); },
      close: () => s.end(),
    });
    this.opts.log?.(`gdb: ${who} attached`);
    s.on("data", (d) => stub.receive(d));
    s.on("error", () => s.destroy());
    s.on("close", () => {
      stub.disconnected();
      this.active = undefined;
      this.target = undefined;
      this.opts.log?.(`gdb: ${who} detached`);
    });
  }
}
