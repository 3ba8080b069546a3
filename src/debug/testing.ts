// A fake DebugTarget for the stub's tests: harts with registers, a flat memory at 0x1000,
// and a record of what the stub asked for.
import type { DebugTarget, StopEvent, WatchKind } from "./target.js";

export class FakeTarget implements DebugTarget {
  readonly harts: number;
  onStop: ((e: StopEvent) => void) | undefined;
  readonly regs: bigint[][];
  readonly mem = new Uint8Array(0x1000);
  readonly memBase = 0x1000n;
  readonly breaks = new Set<bigint>();
  readonly watches: { addr: bigint; len: number; kind: WatchKind }[] = [];
  readonly calls: string[] = [];

  constructor(harts = 2) {
    this.harts = harts;
    this.regs = Array.from({ length: harts }, (_, h) => Array.from({ length: 66 }, (_, r) => BigInt(h * 0x100 + r)));
  }
  readRegister(h: number, r: number): bigint | undefined { return r === 0 ? 0n : this.regs[h]?.[r]; }
  writeRegister(h: number, r: number, v: bigint): boolean {
    if (!this.regs[h] || r >= this.regs[h].length) return false;
    if (r !== 0) this.regs[h][r] = v;
    return true;
  }
  readMemory(_h: number, addr: bigint, len: number): Uint8Array {
    const off = Number(addr - this.memBase);
    if (addr < this.memBase || off >= this.mem.length) return new Uint8Array(0);
    return this.mem.slice(off, Math.min(off + len, this.mem.length));
  }
  writeMemory(_h: number, addr: bigint, bytes: Uint8Array): number {
    const off = Number(addr - this.memBase);
    if (addr < this.memBase || off >= this.mem.length) return 0;
    const n = Math.min(bytes.length, this.mem.length - off);
    this.mem.set(bytes.subarray(0, n), off);
    return n;
  }
  insertBreakpoint(a: bigint): boolean { this.breaks.add(a); return true; }
  removeBreakpoint(a: bigint): boolean { return this.breaks.delete(a); }
  insertWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean { this.watches.push({ addr, len, kind }); return true; }
  removeWatchpoint(addr: bigint, len: number, kind: WatchKind): boolean {
    const i = this.watches.findIndex((w) => w.addr === addr && w.len === len && w.kind === kind);
    if (i >= 0) this.watches.splice(i, 1);
    return i >= 0;
  }
  resume(): void { this.calls.push("resume"); }
  step(h: number): void { this.calls.push(`step ${h}`); this.onStop?.({ kind: "step", hart: h }); }
  interrupt(): void { this.calls.push("interrupt"); this.onStop?.({ kind: "interrupt", hart: 0 }); }
  describeHart(h: number): string { return h === 0 ? "running" : "stopped"; }
  detach(): void { this.calls.push("detach"); }
  kill(): void { this.calls.push("kill"); }
  monitor(cmd: string): string { return `ran ${cmd}`; }
}
