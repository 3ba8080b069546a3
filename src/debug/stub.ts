// A GDB stub for one VM: the packets gdb-multiarch sends to QEMU's riscv64 gdbstub (GDB
// manual, appendix E: E.4 Packets, E.3 Stop Reply Packets, E.5 General Query Packets),
// answered against a DebugTarget. Harts are threads, thread id = hart + 1. All-stop:
// when one hart stops, every hart stops.
//
//   stopped ──c, s, vCont──▶ running ──target.onStop──▶ stopped (stop reply sent)
//      │                       │ Ctrl-C: target.interrupt()
//      └──D / k / connection lost: target.detach() / kill()──▶ closed
//
// Everything here is untrusted input: a packet that does not parse gets an error reply
// (E16), a packet too long E01, a bad checksum `-`; nothing a debugger sends throws.
import { PacketReader, encodePacket, toHex, fromHex, le64Hex, parseLeHex, parseHexNumber, MAX_PACKET } from "./rsp.js";
import { TARGET_XML } from "./target-xml.js";
import { REG_PC, type DebugTarget, type StopEvent, type WatchKind } from "./target.js";

const EINVAL = "E16";
const EFAULT = "E0e";
const ETOOLONG = "E01";
const ENOSPC = "E1c";
/** Largest memory read answered at once (hex doubles it; gdb asks again for the rest). */
const MAX_READ = (MAX_PACKET - 16) / 2;

export interface StubOptions {
  /** Send bytes to the debugger. */
  readonly send: (bytes: Buffer) => void;
  /** The debugger is done (D, k): close the connection. */
  readonly close: () => void;
}

export class GdbStub {
  private readonly reader = new PacketReader();
  private noAck = false;
  private running = false;
  /** A monitor command is under way: its reply is the next packet. */
  private busy = false;
  private closed = false;
  /** Hart for g/p/m (Hg) and the one a plain `s` steps (Hc). */
  private gHart = 0;
  private cHart = 0;
  private last: StopEvent;
  private lastReply: Buffer | undefined;
  /** The watchpoints gdb set, so a stop reports the kind it asked for (watch, rwatch, awatch). */
  private readonly watches = new Map<string, WatchKind>();
  /** physical memory for m/M/X (monitor phys on|off). */
  private physical = false;

  constructor(private readonly target: DebugTarget, private readonly opts: StubOptions) {
    this.last = { kind: "interrupt", hart: 0 };
    target.onStop = (e) => this.stopped(e);
  }

  /** The target is stopped when the debugger attaches (QEMU stops the VM on connect too). */
  get isRunning(): boolean { return this.running; }

  /** Bytes from the debugger. */
  receive(bytes: Uint8Array): void {
    for (const ev of this.reader.feed(bytes)) {
      if (this.closed) return;
      switch (ev.kind) {
        case "ack": break;
        case "nack": if (this.lastReply && !this.noAck) this.opts.send(this.lastReply); break;
        case "interrupt": if (this.running) this.target.interrupt(); break;
        case "bad-checksum": if (!this.noAck) this.opts.send(Buffer.from("-")); break;
        case "too-long": this.ack(); this.reply(ETOOLONG); break;
        case "packet": this.ack(); this.handle(ev.data); break;
      }
    }
  }

  /** The connection is gone (the debugger quit or vanished): the VM runs on without breakpoints. */
  disconnected(): void {
    if (this.closed) return;
    this.closed = true;
    this.target.onStop = undefined;
    this.target.detach();
  }

  private ack(): void { if (!this.noAck) this.opts.send(Buffer.from("+")); }

  private reply(payload: string): void {
    this.lastReply = encodePacket(payload);
    this.opts.send(this.lastReply);
  }

  private stopped(e: StopEvent): void {
    if (this.closed) return;
    this.running = false;
    this.last = e;
    if (e.kind !== "exited") this.gHart = this.cHart = e.hart;
    this.reply(this.stopReply(e));
    if (e.kind === "exited") this.finish();
  }

  private finish(): void {
    this.closed = true;
    this.target.onStop = undefined;
    this.opts.close();
  }

  private stopReply(e: StopEvent): string {
    if (e.kind === "exited") return `W${(e.code & 0xff).toString(16).padStart(2, "0")}`;
    let why = "";
    if (e.kind === "watch") {
      const asked = [...this.watches].find(([k]) => BigInt("0x" + k.split(",")[0]) === e.addr)?.[1] ?? e.watch;
      why = `${asked === "write" ? "watch" : asked === "read" ? "rwatch" : "awatch"}:${e.addr.toString(16)};`;
    }
    return `T05${why}thread:${(e.hart + 1).toString(16)};`;
  }

  private handle(p: string): void {
    if (this.running || this.busy) { this.reply(EINVAL); return; } // all-stop: only Ctrl-C while it runs
    const r = this.answer(p);
    if (r !== undefined) this.reply(r);
  }

  /** The reply to one packet, or undefined when it is sent later (a resume) or never (k). */
  private answer(p: string): string | undefined {
    const t = this.target;
    switch (p[0]) {
      case "?": return this.stopReply(this.last);
      case "g": {
        let s = "";
        for (let r = 0; r <= REG_PC; r++) s += this.regHex(this.gHart, r);
        return s;
      }
      case "G": {
        const body = p.slice(1);
        if (body.length !== (REG_PC + 1) * 16) return EINVAL;
        const vals: bigint[] = [];
        for (let r = 0; r <= REG_PC; r++) {
          const v = parseLeHex(body.slice(r * 16, r * 16 + 16));
          if (v === undefined) return EINVAL;
          vals.push(v);
        }
        vals.forEach((v, r) => t.writeRegister(this.gHart, r, v));
        return "OK";
      }
      case "p": {
        const n = parseHexNumber(p.slice(1));
        if (n === undefined || n > 0xffffn) return EINVAL;
        const v = t.readRegister(this.gHart, Number(n));
        return v === undefined ? "E14" : le64Hex(v);
      }
      case "P": {
        const m = /^P([0-9a-fA-F]{1,4})=([0-9a-fA-F]+)$/.exec(p);
        const v = m ? parseLeHex(m[2]) : undefined;
        if (!m || v === undefined) return EINVAL;
        return t.writeRegister(this.gHart, parseInt(m[1], 16), v) ? "OK" : "E14";
      }
      case "m": {
        const a = this.addrLen(p.slice(1));
        if (!a) return EINVAL;
        const bytes = t.readMemory(this.gHart, a.addr, Math.min(a.len, MAX_READ), this.physical);
        return bytes.length === 0 && a.len > 0 ? EFAULT : toHex(bytes);
      }
      case "M": {
        const colon = p.indexOf(":");
        const a = colon > 0 ? this.addrLen(p.slice(1, colon)) : undefined;
        const bytes = a ? fromHex(p.slice(colon + 1)) : undefined;
        if (!a || !bytes || bytes.length !== a.len) return EINVAL;
        return t.writeMemory(this.gHart, a.addr, bytes, this.physical) === bytes.length ? "OK" : EFAULT;
      }
      case "X": {
        const colon = p.indexOf(":");
        const a = colon > 0 ? this.addrLen(p.slice(1, colon)) : undefined;
        if (!a) return EINVAL;
        const bytes = Uint8Array.from(Buffer.from(p.slice(colon + 1), "latin1"));
        if (bytes.length !== a.len) return EINVAL;
        return t.writeMemory(this.gHart, a.addr, bytes, this.physical) === bytes.length ? "OK" : EFAULT;
      }
      case "c": case "C": return this.resume(p, false);
      case "s": case "S": return this.resume(p, true);
      case "H": {
        const h = this.thread(p.slice(2));
        if (h === undefined || (p[1] !== "g" && p[1] !== "c")) return EINVAL;
        if (h >= 0) { if (p[1] === "g") this.gHart = h; else this.cHart = h; }
        return "OK";
      }
      case "T": { const h = this.thread(p.slice(1)); return h !== undefined && h >= 0 ? "OK" : "E01"; }
      case "Z": case "z": return this.breakpoint(p);
      case "D": this.reply("OK"); this.disconnected(); this.finish(); return undefined;
      case "k": this.closed = true; this.target.onStop = undefined; t.kill(); this.opts.close(); return undefined;
      case "v": return this.vPacket(p);
      case "q": case "Q": return this.query(p);
      default: return "";
    }
  }

  private regHex(hart: number, r: number): string {
    const v = this.target.readRegister(hart, r);
    return v === undefined ? "x".repeat(16) : le64Hex(v);
  }

  private addrLen(s: string): { addr: bigint; len: number } | undefined {
    const [a, l, ...rest] = s.split(",");
    const addr = parseHexNumber(a ?? ""), len = parseHexNumber(l ?? "");
    if (addr === undefined || len === undefined || rest.length > 0 || len > BigInt(MAX_PACKET)) return undefined;
    return { addr, len: Number(len) };
  }

  /** A thread id: -1 all, 0 any (both: -1 returned as "no change"), else hart = tid - 1. */
  private thread(s: string): number | undefined {
    if (s === "-1" || s === "0") return -1;
    const n = parseHexNumber(s);
    if (n === undefined || n < 1n || n > BigInt(this.target.harts)) return undefined;
    return Number(n) - 1;
  }

  private resume(p: string, step: boolean): string | undefined {
    // `c ADDR` / `s ADDR` resume at ADDR; C/S carry a signal first (ignored: no signals here).
    let rest = p.slice(1);
    if (p[0] === "C" || p[0] === "S") { const i = rest.indexOf(";"); rest = i < 0 ? "" : rest.slice(i + 1); }
    if (rest !== "") {
      const addr = parseHexNumber(rest);
      if (addr === undefined) return EINVAL;
      this.target.writeRegister(this.cHart, REG_PC, addr);
    }
    this.running = true;
    if (step) this.target.step(this.cHart); else this.target.resume();
    return undefined;
  }

  private vPacket(p: string): string | undefined {
    if (p === "vCont?") return "vCont;c;C;s;S";
    if (!p.startsWith("vCont;")) return ""; // vMustReplyEmpty, vRun, vAttach...: not supported
    // Actions apply to the first thread they name; all-stop, so one step action wins: that
    // hart steps and the others stay stopped.
    let stepHart: number | undefined;
    let any = false;
    for (const action of p.slice(6).split(";")) {
      const [act, tid] = action.split(":");
      if (!/^([cs]|[CS][0-9a-fA-F]{2})$/.test(act ?? "")) return EINVAL;
      const h = tid === undefined ? -1 : this.thread(tid);
      if (h === undefined) return EINVAL;
      if (act[0].toLowerCase() === "s" && stepHart === undefined) stepHart = h < 0 ? this.cHart : h;
      any = true;
    }
    if (!any) return EINVAL;
    this.running = true;
    if (stepHart !== undefined) this.target.step(stepHart); else this.target.resume();
    return undefined;
  }

  private breakpoint(p: string): string {
    const m = /^([Zz])([0-4]),([0-9a-fA-F]{1,16}),([0-9a-fA-F]{1,8})$/.exec(p);
    if (!m) return m === null && /^[Zz][0-4],/.test(p) ? EINVAL : "";
    const insert = m[1] === "Z", type = Number(m[2]), addr = BigInt("0x" + m[3]), len = parseInt(m[4], 16);
    if (type <= 1) {
      if (insert) return this.target.insertBreakpoint(addr) ? "OK" : ENOSPC;
      this.target.removeBreakpoint(addr);
      return "OK";
    }
    if (len < 1 || len > 0x1000) return EINVAL;
    const kind: WatchKind = type === 2 ? "write" : type === 3 ? "read" : "access";
    const key = `${m[3].toLowerCase().replace(/^0+(?=.)/, "")},${len}`;
    if (insert) {
      if (!this.target.insertWatchpoint(addr, len, kind)) return ENOSPC;
      this.watches.set(key, kind);
    } else {
      this.target.removeWatchpoint(addr, len, kind);
      this.watches.delete(key);
    }
    return "OK";
  }

  private query(p: string): string | undefined {
    const t = this.target;
    if (p.startsWith("qSupported")) return `PacketSize=${MAX_PACKET.toString(16)};qXfer:features:read+;vContSupported+;QStartNoAckMode+`;
    if (p === "QStartNoAckMode") { this.reply("OK"); this.noAck = true; return undefined; }
    if (p === "qfThreadInfo") return "m" + Array.from({ length: t.harts }, (_, h) => (h + 1).toString(16)).join(",");
    if (p === "qsThreadInfo") return "l";
    if (p === "qC") return `QC${(this.gHart + 1).toString(16)}`;
    if (p === "qAttached" || p.startsWith("qAttached:")) return "1";
    if (p.startsWith("qThreadExtraInfo,")) {
      const h = this.thread(p.slice(17));
      if (h === undefined || h < 0) return EINVAL;
      return toHex(Buffer.from(`hart ${h} [${t.describeHart(h)}]`));
    }
    if (p.startsWith("qXfer:features:read:")) return this.xfer(p.slice(20));
    if (p.startsWith("qRcmd,")) return this.monitor(p.slice(6));
    return "";
  }

  private xfer(s: string): string {
    const m = /^([\w.-]+):([0-9a-fA-F]{1,8}),([0-9a-fA-F]{1,8})$/.exec(s);
    if (!m) return EINVAL;
    const doc = TARGET_XML.get(m[1]);
    if (doc === undefined) return "E00";
    const off = parseInt(m[2], 16), len = Math.min(parseInt(m[3], 16), MAX_PACKET - 16);
    if (off > doc.length) return EINVAL;
    const part = doc.slice(off, off + len);
    return (off + len >= doc.length ? "l" : "m") + part;
  }

  /** `monitor CMD`: the stub's own commands (phys), else the target's command line. */
  private monitor(hex: string): string | undefined {
    const bytes = fromHex(hex);
    if (!bytes) return EINVAL;
    const cmd = Buffer.from(bytes).toString("utf8").trim();
    const out = (text: string): void => {
      for (let i = 0; i < text.length; i += 512) this.reply("O" + toHex(Buffer.from(text.slice(i, i + 512))));
    };
    if (cmd === "phys on" || cmd === "phys off" || cmd === "phys") {
      if (cmd !== "phys") this.physical = cmd === "phys on";
      out(`memory accesses are ${this.physical ? "physical" : "virtual, through the selected hart's MMU"}\n`);
      return "OK";
    }
    if (cmd === "help" || !this.target.monitor) {
      out("monitor phys on|off: memory accesses physical or virtual (through the selected hart's MMU)\n" +
        (this.target.monitor ? "monitor CMD: any RootOS shell command\n" : ""));
      return "OK";
    }
    const r = this.target.monitor(cmd);
    if (typeof r === "string") { out(r.endsWith("\n") || r === "" ? r : r + "\n"); return "OK"; }
    // The reply waits for the command; gdb waits for it too (nothing else comes meanwhile).
    this.busy = true;
    r.then((text) => { this.busy = false; if (!this.closed) { out(text.endsWith("\n") || text === "" ? text : text + "\n"); this.reply("OK"); } },
      (e: unknown) => { this.busy = false; if (!this.closed) { out(`${e instanceof Error ? e.message : String(e)}\n`); this.reply("E01"); } });
    return undefined;
  }
}
