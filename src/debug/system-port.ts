// The system debug port (`bulkhead up --gdb-system PORT`): one gdb session on the whole
// system, every VM a process (GDB manual, E.4 "multiprocess extensions": thread ids
// `pPID.TID`), as QEMU shows CPU clusters: pid = the VM's place in the description + 1,
// tid = hart + 1. All-stop across the system: when one VM stops (a breakpoint, a
// watchpoint, a step, Ctrl-C), every other VM of the session is stopped too, before gdb
// hears of it; a resume runs the processes gdb names (`set schedule-multiple on`: all).
//
// It multiplexes, it does not re-implement: each VM's own stub (stub.ts, in the VM's
// thread) answers the packets about that VM, sent plain (thread ids without the process)
// over the same session the VM's own port uses; this file answers the process-level
// packets (qSupported, qfThreadInfo, qC, ?, vAttach, D;PID, vKill) and rewrites thread
// ids both ways. Loopback only, one debugger at a time. A VM whose own port has a
// debugger attached is not in the session; VMs started later are not either.
//
//   gdb ──packets──▶ here ──plain packets──▶ VM p's stub (in its thread) ──replies──▶ here ──▶ gdb
import net from "node:net";
import { encodePacket, expandRuns, fromHex, MAX_PACKET, PacketReader, toHex } from "./rsp.js";
import { TARGET_XML } from "./target-xml.js";

/** A VM as the system port sees it. */
export interface SystemVm {
  readonly vm: string;
  /** Its place in the description, from 0: its pid is pid0 + 1. */
  readonly pid0: number;
  readonly harts: number;
  /** Open a session on its stub (the stub stops it); bytes come back through `output`. Rejects when it cannot. */
  open(output: (bytes: Uint8Array) => void, ended: () => void): Promise<{ input(bytes: Uint8Array): void; close(): void }>;
}

/** One VM in the session: its stub's packets, read as they come. */
class Member {
  readonly reader = new PacketReader();
  private waiters: ((reply: string) => void)[] = [];
  running = false;
  gone = false;
  /** A stop reply that came while it ran (to the port's stopped()). */
  onStop: ((reply: string) => void) | undefined;
  /** `O` output of a monitor command: to gdb as it comes. */
  onOutput: ((packet: string) => void) | undefined;
  link: { input(bytes: Uint8Array): void; close(): void } | undefined;

  constructor(readonly pid: number, readonly vm: string, readonly harts: number) {}

  fromStub(bytes: Uint8Array): void {
    for (const ev of this.reader.feed(bytes)) {
      if (ev.kind !== "packet") continue;
      const p = expandRuns(ev.data);
      if (p.startsWith("O") && p !== "OK" && this.waiters.length > 0) { this.onOutput?.(p); continue; }
      const w = this.waiters.shift();
      if (w) w(p);
      else if (this.running) { this.running = false; this.onStop?.(p); }
    }
  }

  /** Send a packet, resolve with the stub's reply. */
  ask(payload: string): Promise<string> {
    if (this.gone) return Promise.resolve("E01");
    return new Promise((res) => { this.waiters.push(res); this.link?.input(encodePacket(payload, false)); });
  }

  /** Send a resume (its reply is the next stop). */
  resume(payload: string): Promise<string> {
    this.running = true;
    return new Promise((res) => { this.onStop = res; this.link?.input(encodePacket(payload, false)); });
  }

  interrupt(): void { if (this.running) this.link?.input(Uint8Array.of(0x03)); }

  ended(): void {
    this.gone = true;
    for (const w of this.waiters.splice(0)) w("E01");
    if (this.running) { this.running = false; this.onStop?.("W00"); }
  }
}

const hex = (n: number): string => n.toString(16);

export class SystemGdbPort {
  private readonly server: net.Server;
  private active: net.Socket | undefined;

  private constructor(private readonly vms: () => readonly SystemVm[], private readonly log: (line: string) => void) {
    this.server = net.createServer((s) => this.connected(s));
  }

  /** Listen on 127.0.0.1:`port` (0: a free one). */
  static async open(port: number, vms: () => readonly SystemVm[], log: (line: string) => void): Promise<SystemGdbPort> {
    const p = new SystemGdbPort(vms, log);
    await new Promise<void>((res, rej) => {
      p.server.once("error", rej);
      p.server.listen(port, "127.0.0.1", () => { p.server.off("error", rej); res(); });
    });
    p.server.on("error", (e) => log(`gdb system port: ${e.message}`));
    return p;
  }

  get port(): number { return (this.server.address() as net.AddressInfo).port; }

  close(): void {
    this.active?.destroy();
    this.server.close();
  }

  private connected(s: net.Socket): void {
    const who = `${s.remoteAddress}:${s.remotePort}`;
    if (this.active) {
      this.log(`gdb system port: refused ${who}: a debugger is already attached`);
      s.end(encodePacket("E.another debugger is attached to the system port"));
      return;
    }
    this.active = s;
    s.setNoDelay(true);
    const session = new Session((b) => { if (!s.destroyed) s.write(b); }, () => s.end(), this.vms(), (line) => this.log(`gdb system port: ${line}`));
    this.log(`gdb system port: ${who} attached`);
    s.on("data", (d: Buffer) => session.receive(Uint8Array.from(d)));
    s.on("error", () => s.destroy());
    s.on("close", () => {
      if (this.active === s) this.active = undefined;
      session.close();
      this.log(`gdb system port: ${who} detached`);
    });
  }
}

/** One debugger's session on the system port. */
class Session {
  private readonly reader = new PacketReader();
  private noAck = false;
  private readonly members: Member[] = [];
  private readonly ready: Promise<void>;
  /** Packets are answered one at a time, in order; Ctrl-C goes past the queue. */
  private queue: Promise<void> = Promise.resolve();
  private running = false;
  private closed = false;
  /** The general (Hg) and continue (Hc) threads: pid and tid (0: any). */
  private g = { pid: 1, tid: 1 };
  private c = { pid: 1, tid: 1 };
  private last = "S05";

  constructor(private readonly send: (b: Buffer) => void, private readonly end: () => void, vms: readonly SystemVm[], private readonly log: (line: string) => void) {
    this.ready = this.join(vms);
  }

  receive(bytes: Uint8Array): void {
    for (const ev of this.reader.feed(bytes)) {
      if (this.closed) return;
      switch (ev.kind) {
        case "interrupt": if (this.running) for (const m of this.members) m.interrupt(); break;
        case "bad-checksum": if (!this.noAck) this.send(Buffer.from("-")); break;
        case "too-long": this.ack(); this.queued(async () => "E01"); break;
        case "packet": { this.ack(); const p = ev.data; this.queued(() => this.answer(p)); break; }
        default: break;
      }
    }
  }

  /** The debugger left: every VM runs on with no breakpoint left behind. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const m of this.members) m.link?.close();
  }

  private async join(vms: readonly SystemVm[]): Promise<void> {
    for (const v of vms) {
      const m = new Member(v.pid0 + 1, v.vm, v.harts);
      try {
        m.link = await v.open((b) => m.fromStub(b), () => m.ended());
      } catch (e) {
        this.log(`${v.vm} is not in the session: ${(e as Error).message}`);
        continue;
      }
      this.members.push(m);
      await m.ask("QStartNoAckMode"); // (the stub's acks before it are not packets: the reader skips them)
    }
    const first = this.members[0];
    if (first) this.g = this.c = { pid: first.pid, tid: 1 };
    this.last = first ? `T05thread:p${hex(first.pid)}.1;` : "W00";
  }

  private ack(): void { if (!this.noAck) this.send(Buffer.from("+")); }
  private reply(p: string): void { this.send(encodePacket(p)); }

  private queued(f: () => Promise<string | undefined>): void {
    this.queue = this.queue.then(async () => {
      await this.ready;
      if (this.closed) return;
      let r: string | undefined;
      try {
        r = await f();
      } catch {
        r = "E01"; // our bug, not the debugger's: an error reply, never a crash
      }
      if (r !== undefined && !this.closed) this.reply(r);
    });
  }

  private member(pid: number): Member | undefined { return this.members.find((m) => m.pid === pid && !m.gone); }

  /** `pP.T`, `pP`, `P.T`-less forms: pid (0 any, -1 all) and tid (0 any, -1 all). */
  private tid(s: string): { pid: number; tid: number } | undefined {
    const m = /^p(-1|[0-9a-fA-F]+)(?:\.(-1|[0-9a-fA-F]+))?$/.exec(s);
    if (m) return { pid: m[1] === "-1" ? -1 : parseInt(m[1]!, 16), tid: m[2] === undefined ? -1 : m[2] === "-1" ? -1 : parseInt(m[2], 16) };
    if (/^(-1|[0-9a-fA-F]{1,8})$/.test(s)) return { pid: this.g.pid, tid: s === "-1" ? -1 : parseInt(s, 16) };
    return undefined;
  }

  /** A stub's stop reply with process ids: `thread:T;` → `thread:pP.T;`, `W00` → `W00;process:P`. */
  private rewrite(m: Member, reply: string): string {
    if (/^[WX][0-9a-fA-F]{2}$/.test(reply)) return `${reply};process:${hex(m.pid)}`;
    return reply.replace(/thread:([0-9a-fA-F]+);/, (_, t: string) => `thread:p${hex(m.pid)}.${t};`);
  }

  private async answer(p: string): Promise<string | undefined> {
    if (this.running) return "E16";
    const g = this.member(this.g.pid);
    switch (p[0]) {
      case "?": return this.last;
      case "g": case "G": case "p": case "P": case "m": case "M": case "X": case "Z": case "z":
        return g ? g.ask(p) : "E01";
      case "H": {
        const t = this.tid(p.slice(2));
        if (!t || (p[1] !== "g" && p[1] !== "c")) return "E16";
        const pid = t.pid > 0 ? t.pid : this.g.pid;
        const m = this.member(pid);
        if (!m) return "E01";
        const sel = { pid, tid: t.tid > 0 ? t.tid : 0 };
        if (p[1] === "g") this.g = sel; else this.c = sel;
        return sel.tid > 0 ? m.ask(`H${p[1]}${hex(sel.tid)}`) : "OK";
      }
      case "T": {
        const t = this.tid(p.slice(1));
        const m = t ? this.member(t.pid) : undefined;
        return m && t!.tid >= 1 && t!.tid <= m.harts ? "OK" : "E01";
      }
      case "c": case "s": {
        const m = this.member(this.c.pid);
        if (!m) return "E01";
        const tid = this.c.tid > 0 ? this.c.tid : 1;
        return this.resume(new Map([[m, p[0] === "s" ? `vCont;s:${hex(tid)}` : "vCont;c"]]));
      }
      case "v": return this.vPacket(p);
      case "D": {
        const pid = p.startsWith("D;") ? parseInt(p.slice(2), 16) : -1;
        const gone = pid === -1 ? [...this.members] : this.members.filter((m) => m.pid === pid);
        if (gone.length === 0) return "E01";
        for (const m of gone) { await m.ask("D"); m.link?.close(); m.gone = true; }
        if (this.members.every((m) => m.gone)) { this.reply("OK"); this.closed = true; this.end(); return undefined; }
        return "OK";
      }
      case "k": this.close(); this.end(); return undefined; // the system is not the debugger's to kill: detach
      case "q": case "Q": return this.query(p);
      default: return "";
    }
  }

  private async query(p: string): Promise<string | undefined> {
    if (p.startsWith("qSupported")) return `PacketSize=${hex(MAX_PACKET)};qXfer:features:read+;vContSupported+;QStartNoAckMode+;multiprocess+`;
    if (p === "QStartNoAckMode") { this.reply("OK"); this.noAck = true; return undefined; }
    if (p === "qfThreadInfo") {
      const ids = this.members.filter((m) => !m.gone).flatMap((m) => Array.from({ length: m.harts }, (_, h) => `p${hex(m.pid)}.${hex(h + 1)}`));
      return ids.length ? `m${ids.join(",")}` : "l";
    }
    if (p === "qsThreadInfo") return "l";
    if (p === "qC") return `QCp${hex(this.g.pid)}.${hex(this.g.tid || 1)}`;
    if (p.startsWith("qAttached")) return "1";
    if (p.startsWith("qThreadExtraInfo,")) {
      const t = this.tid(p.slice(17));
      const m = t ? this.member(t.pid) : undefined;
      if (!m || !t || t.tid < 1) return "E16";
      const r = await m.ask(`qThreadExtraInfo,${hex(t.tid)}`);
      const text = fromHex(r);
      return text ? toHex(Buffer.from(`${m.vm}: ${Buffer.from(text).toString()}`)) : r;
    }
    if (p.startsWith("qXfer:features:read:")) {
      const x = /^qXfer:features:read:([\w.-]+):([0-9a-fA-F]{1,8}),([0-9a-fA-F]{1,8})$/.exec(p);
      const doc = x ? TARGET_XML.get(x[1]!) : undefined;
      if (!x || doc === undefined) return "E00";
      const off = parseInt(x[2]!, 16), len = Math.min(parseInt(x[3]!, 16), MAX_PACKET - 16);
      return (off + len >= doc.length ? "l" : "m") + doc.slice(off, off + len);
    }
    if (p.startsWith("qRcmd,")) {
      const m = this.member(this.g.pid);
      if (!m) return "E01";
      m.onOutput = (o) => this.reply(o);
      try { return await m.ask(p); } finally { m.onOutput = undefined; }
    }
    return "";
  }

  private async vPacket(p: string): Promise<string | undefined> {
    if (p === "vCont?") return "vCont;c;C;s;S";
    if (p.startsWith("vAttach;")) {
      const m = this.member(parseInt(p.slice(8), 16));
      return m ? `T05thread:p${hex(m.pid)}.1;` : "E01";
    }
    if (p.startsWith("vKill;")) {
      const m = this.member(parseInt(p.slice(6), 16));
      if (!m) return "E01";
      await m.ask("D"); // the system is not the debugger's to kill: that VM is detached, and runs on
      m.link?.close();
      m.gone = true;
      return "OK";
    }
    if (!p.startsWith("vCont;")) return "";
    // The first action naming a thread wins (E.4 vCont); a VM gets `vCont;s:T` (that hart
    // steps, its others stay) or `vCont;c`; a VM no action names stays stopped.
    const plan = new Map<Member, string>();
    for (const action of p.slice(6).split(";")) {
      const [act, tidText] = action.split(":");
      if (!/^([cs]|[CS][0-9a-fA-F]{2})$/.test(act ?? "")) return "E16";
      const t = tidText === undefined ? { pid: -1, tid: -1 } : this.tid(tidText);
      if (!t) return "E16";
      const step = act![0]!.toLowerCase() === "s";
      for (const m of this.members) {
        if (m.gone || plan.has(m) || (t.pid !== -1 && t.pid !== m.pid)) continue;
        if (step && t.tid > 0) plan.set(m, `vCont;s:${hex(t.tid)}`);
        else if (step) plan.set(m, `vCont;s:${hex(this.c.pid === m.pid && this.c.tid > 0 ? this.c.tid : 1)}`);
        else plan.set(m, "vCont;c");
      }
    }
    if (plan.size === 0) return "E16";
    return this.resume(plan);
  }

  /** Resume these VMs; the first to stop stops the others, and its stop is gdb's reply. */
  private async resume(plan: Map<Member, string>): Promise<string> {
    this.running = true;
    const stops = [...plan].map(([m, packet]) => m.resume(packet).then((reply) => ({ m, reply })));
    const first = await Promise.race(stops);
    for (const m of plan.keys()) m.interrupt();
    await Promise.all(stops);
    this.running = false;
    const { m, reply } = first;
    this.last = this.rewrite(m, reply);
    const tid = /thread:p[0-9a-f]+\.([0-9a-f]+);/.exec(this.last)?.[1];
    if (tid) this.g = this.c = { pid: m.pid, tid: parseInt(tid, 16) };
    if (reply.startsWith("W") || reply.startsWith("X")) m.gone = true;
    return this.last;
  }
}
