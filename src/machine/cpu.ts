// The harts of one machine: a TypeScript face over the WebAssembly hot loop in src/hart/.
// Guest RAM is the instance's linear memory from RAM_OFFSET; the host side reads and
// writes it directly (loaders, virtqueues) and reaches hart state only through the
// exports below, never through raw offsets, so the wasm layout stays private to src/hart.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Where guest physical RAM begins (the virt machine's DRAM base). */
export const RAM_BASE = 0x8000_0000n;
/** Linear-memory offset of guest RAM; everything below is hart state. Mirrors src/hart/layout.ts. */
export const RAM_OFFSET = 0x0500_0000;
/** mtime frequency, as on QEMU virt (timebase-frequency in the device tree). */
export const TIMEBASE_HZ = 10_000_000;
export const MAX_HARTS = 8;

/** Why run() returned. */
export const enum Exit {
  /** The instruction budget is spent; call run() again. */
  Budget = 0,
  /** Every hart is stopped or waits in WFI with nothing pending. */
  Idle = 1,
  /** The host asked to stop (requestExit), e.g. the guest powered off. */
  Requested = 2,
  /** A hart stopped for the debugger (a breakpoint or watchpoint): see debugStop(). */
  Debug = 3,
}

/** Why the harts stopped for the debugger, as the hart reports it. */
export const enum DebugStop { None = 0, Break = 1, WatchWrite = 2, WatchRead = 3 }

/** Privilege levels, as encoded in mstatus.MPP. */
export const enum Priv { U = 0, S = 1, M = 3 }

/** mip bits the platform drives. */
export const enum Irq { SSIP = 1 << 1, MSIP = 1 << 3, STIP = 1 << 5, MTIP = 1 << 7, SEIP = 1 << 9, MEIP = 1 << 11 }

/** What the harts call back for: everything that is not RAM. */
export interface CpuHost {
  /** A load from a physical address outside RAM. Return undefined for an access fault. */
  mmioRead(addr: bigint, size: 1 | 2 | 4 | 8): bigint | undefined;
  /** A store outside RAM. Return false for an access fault. */
  mmioWrite(addr: bigint, size: 1 | 2 | 4 | 8, value: bigint): boolean;
  /** An ECALL from S-mode on a hart in SBI-emulation (direct) mode; true when handled. */
  sbiCall(hart: number): boolean;
}

export interface CpuOptions {
  harts: number;
  ramBytes: number;
  /** virtual: mtime advances with retired instructions, deterministically. realtime: host clock. */
  timing: "realtime" | "virtual";
  /** Instructions per mtime tick in virtual timing (10 => a 100 MIPS virtual CPU at 10 MHz). */
  instructionsPerTick?: number;
}

interface HartExports {
  memory: WebAssembly.Memory;
  init(harts: number, ramBytes: bigint, virtualTiming: number, instrPerTick: number): void;
  run(budget: bigint): number;
  requestExit(): void;
  mmioFault(): void;
  getReg(h: number, r: number): bigint;
  setReg(h: number, r: number, v: bigint): void;
  getFreg(h: number, r: number): bigint;
  getPc(h: number): bigint;
  setPc(h: number, v: bigint): void;
  getPriv(h: number): number;
  setPriv(h: number, p: number): void;
  getCsr(h: number, csr: number): bigint;
  setCsr(h: number, csr: number, v: bigint): void;
  setMipBits(h: number, mask: number, on: number): void;
  getMip(h: number): bigint;
  setTimecmp(h: number, v: bigint): void;
  getTimecmp(h: number): bigint;
  getMtime(): bigint;
  setMtime(v: bigint): void;
  romOffset(): number;
  setRunning(h: number, on: number): void;
  isRunning(h: number): number;
  setSbiMode(h: number, on: number): void;
  flushTlb(h: number): void;
  getInstret(h: number): bigint;
  getStat(which: number): bigint;
  invalidateCode(pa: bigint, len: bigint): void;
  takeLostHart(): number;
  step(h: number): number;
  addBreak(va: bigint): number;
  removeBreak(va: bigint): number;
  addWatch(va: bigint, len: bigint, kind: bigint): number;
  removeWatch(va: bigint, len: bigint, kind: bigint): number;
  debugStopKind(): number;
  debugStopHart(): number;
  debugStopAddr(): bigint;
  csrOk(): number;
}

const wasmPath = fileURLToPath(new URL("../../../build/hart.wasm", import.meta.url) /* from dist/src/machine */);
let compiled: WebAssembly.Module | undefined;

/** One machine's harts and RAM. */
export class Cpu {
  readonly harts: number;
  readonly memory: WebAssembly.Memory;
  private readonly x: HartExports;
  /** Guest RAM as bytes; index 0 is physical RAM_BASE. Re-read after memory growth (never grows today). */
  readonly ram: Uint8Array;

  constructor(opts: CpuOptions, host: CpuHost) {
    if (!Number.isInteger(opts.harts) || opts.harts < 1 || opts.harts > MAX_HARTS) {
      throw new RangeError(`harts must be 1..${MAX_HARTS}, got ${opts.harts}`);
    }
    this.harts = opts.harts;
    const pages = Math.ceil((RAM_OFFSET + opts.ramBytes) / 65536);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
    compiled ??= new WebAssembly.Module(readFileSync(wasmPath));
    const t0 = performance.now();
    let self!: Cpu;
    const imports = {
      env: {
        memory: this.memory,
        mmioRead: (addr: bigint, size: number): bigint => {
          const v = host.mmioRead(BigInt.asUintN(64, addr), size as 1 | 2 | 4 | 8);
          if (v === undefined) { self.x.mmioFault(); return 0n; }
          return v;
        },
        mmioWrite: (addr: bigint, size: number, value: bigint): void => {
          if (!host.mmioWrite(BigInt.asUintN(64, addr), size as 1 | 2 | 4 | 8, BigInt.asUintN(64, value))) self.x.mmioFault();
        },
        ecall: (hart: number): number => (host.sbiCall(hart) ? 1 : 0),
        hostTicks: (): number => Math.floor((performance.now() - t0) * (TIMEBASE_HZ / 1000)),
      },
    };
    const inst = new WebAssembly.Instance(compiled, imports);
    this.x = inst.exports as unknown as HartExports;
    self = this;
    this.ram = new Uint8Array(this.memory.buffer, RAM_OFFSET, opts.ramBytes);
    this.x.init(opts.harts, BigInt(opts.ramBytes), opts.timing === "virtual" ? 1 : 0, opts.instructionsPerTick ?? 10);
  }

  /** Run all harts, interleaved, for at most `budget` instructions in total. */
  run(budget: number): Exit { return this.x.run(BigInt(budget)) as Exit; }
  /** Make run() return after the current instruction; safe to call from a host callback. */
  requestExit(): void { this.x.requestExit(); }

  reg(h: number, r: number): bigint { return BigInt.asUintN(64, this.x.getReg(h, r)); }
  setReg(h: number, r: number, v: bigint): void { if (r !== 0) this.x.setReg(h, r, BigInt.asIntN(64, v)); }
  freg(h: number, r: number): bigint { return BigInt.asUintN(64, this.x.getFreg(h, r)); }
  pc(h: number): bigint { return BigInt.asUintN(64, this.x.getPc(h)); }
  setPc(h: number, v: bigint): void { this.x.setPc(h, BigInt.asIntN(64, v)); }
  priv(h: number): Priv { return this.x.getPriv(h) as Priv; }
  setPriv(h: number, p: Priv): void { this.x.setPriv(h, p); }
  csr(h: number, csr: number): bigint { return BigInt.asUintN(64, this.x.getCsr(h, csr)); }
  setCsr(h: number, csr: number, v: bigint): void { this.x.setCsr(h, csr, BigInt.asIntN(64, v)); }
  /** Raise or lower mip bits (Irq mask) on a hart: PLIC outputs, CLINT msip, SBI timer/IPI. */
  setIrq(h: number, mask: number, on: boolean): void { this.x.setMipBits(h, mask, on ? 1 : 0); }
  mip(h: number): bigint { return BigInt.asUintN(64, this.x.getMip(h)); }
  /** mtimecmp of a hart; in SBI mode its expiry raises STIP instead of MTIP. */
  setTimecmp(h: number, v: bigint): void { this.x.setTimecmp(h, BigInt.asIntN(64, v)); }
  timecmp(h: number): bigint { return BigInt.asUintN(64, this.x.getTimecmp(h)); }
  mtime(): bigint { return BigInt.asUintN(64, this.x.getMtime()); }
  /** Virtual timing only: move mtime forward (to the next deadline when every hart waits). */
  setMtime(v: bigint): void { this.x.setMtime(BigInt.asIntN(64, v)); }
  /** Write the boot ROM (physical 0x1000): the hart keeps it in its own memory, so fetches never leave wasm. */
  loadRom(bytes: Uint8Array): void {
    if (bytes.length > 0x1000) throw new RangeError(`boot ROM of ${bytes.length} bytes is larger than 4 KiB`);
    new Uint8Array(this.memory.buffer, this.x.romOffset(), 0x1000).fill(0).set(bytes);
  }
  /** HSM: a stopped hart executes nothing until started. */
  setRunning(h: number, on: boolean): void { this.x.setRunning(h, on ? 1 : 0); }
  running(h: number): boolean { return this.x.isRunning(h) !== 0; }
  /** Direct boot: S-mode ECALLs go to CpuHost.sbiCall and the timer raises STIP. */
  setSbiMode(h: number, on: boolean): void { this.x.setSbiMode(h, on ? 1 : 0); }
  flushTlb(h: number): void { this.x.flushTlb(h); }
  instret(h: number): bigint { return BigInt.asUintN(64, this.x.getInstret(h)); }
  /** The host wrote guest RAM directly (device DMA): drop any decoded code cached for it. */
  invalidateCode(addr: bigint, len: number): void { this.x.invalidateCode(BigInt.asIntN(64, addr), BigInt(len)); }
  /**
   * The hart whose trap handler faulted on its own first instruction (it is stopped: the
   * guest is lost, as a double fault), or -1. Reading it clears it.
   */
  takeLostHart(): number { return this.x.takeLostHart(); }
  /** Whether the last csr()/setCsr() named a CSR the hart has. */
  csrOk(): boolean { return this.x.csrOk() !== 0; }
  /**
   * Run one instruction on hart h, interrupts held off; a breakpoint at its pc does not
   * stop it. Returns the debug stop it caused (a watchpoint), None, or -1 when the hart is
   * not running.
   */
  step(h: number): DebugStop | -1 { return this.x.step(h) as DebugStop | -1; }
  /** Stop before the instruction at virtual address va, on any hart; false when the table is full. */
  addBreak(va: bigint): boolean { return this.x.addBreak(BigInt.asIntN(64, va)) !== 0; }
  removeBreak(va: bigint): boolean { return this.x.removeBreak(BigInt.asIntN(64, va)) !== 0; }
  /** Stop after an access to [va, va+len): write (1), read (2) or both (3); false when full. */
  addWatch(va: bigint, len: number, kind: 1 | 2 | 3): boolean { return this.x.addWatch(BigInt.asIntN(64, va), BigInt(len), BigInt(kind)) !== 0; }
  removeWatch(va: bigint, len: number, kind: 1 | 2 | 3): boolean { return this.x.removeWatch(BigInt.asIntN(64, va), BigInt(len), BigInt(kind)) !== 0; }
  /** After run() returned Exit.Debug or step() a stop: which hart, why, and the pc or watched address. */
  debugStop(): { kind: DebugStop; hart: number; addr: bigint } {
    return { kind: this.x.debugStopKind() as DebugStop, hart: this.x.debugStopHart(), addr: BigInt.asUintN(64, this.x.debugStopAddr()) };
  }
  /** The boot ROM's bytes as the harts see them (physical 0x1000, 4 KiB). */
  rom(): Uint8Array { return new Uint8Array(this.memory.buffer, this.x.romOffset(), 0x1000); }
  /** Hot-loop counters for the benchmark: see Stat. */
  stat(which: Stat): bigint { return BigInt.asUintN(64, this.x.getStat(which)); }
}

/** Counters kept by the hot loop (for `bench`: where the time goes). */
export const enum Stat { TlbMiss = 0, MmioExit = 1, Trap = 2, Interrupt = 3, Decode = 4, CodePage = 5, Executed = 6 }
