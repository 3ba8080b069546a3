// The harts of one machine: a TypeScript face over the WebAssembly hot loop in src/hart/.
// The module states its own layout (src/hart/index.ts): where guest RAM and the boot ROM
// sit in its linear memory, how many harts it runs. The host side reads and writes guest
// RAM directly (loaders, virtqueues) and reaches hart state only through the exports,
// never through raw offsets, so the rest of the wasm layout stays private to src/hart.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

interface Layout {
  ramOffset: number;
  ramBase: bigint;
  romOffset: number;
  romBase: bigint;
  romSize: number;
  maxHarts: number;
}

type Global<T> = { value: T };

const wasmPath = fileURLToPath(new URL("../../../build/hart.wasm", import.meta.url) /* from dist/src/machine */);
const compiled = new WebAssembly.Module(readFileSync(wasmPath));

/** The module's layout, read once from an instance that runs nothing (its static data fits one page). */
function readLayout(): Layout {
  const unused = (): never => { throw new Error("the layout probe of the hart module runs no code"); };
  const env = { memory: new WebAssembly.Memory({ initial: 1, maximum: 1 }), mmioRead: unused, mmioWrite: unused, ecall: unused, hostTicks: unused, hostPoked: unused };
  const x = new WebAssembly.Instance(compiled, { env }).exports as unknown as LayoutExports;
  const exits: [number, number][] = [[x.RUN_BUDGET.value, Exit.Budget], [x.RUN_IDLE.value, Exit.Idle], [x.RUN_EXIT.value, Exit.Requested], [x.RUN_DEBUG.value, Exit.Debug]];
  if (exits.some(([a, b]) => a !== b)) throw new Error(`${wasmPath}: run()'s exit codes are not those of cpu.ts's Exit`);
  return {
    ramOffset: x.RAM_OFFSET.value, ramBase: x.RAM_BASE.value, romOffset: x.ROM_OFFSET.value,
    romBase: x.ROM_BASE.value, romSize: x.ROM_SIZE.value, maxHarts: x.MAX_HARTS.value,
  };
}

interface LayoutExports {
  RAM_OFFSET: Global<number>;
  RAM_BASE: Global<bigint>;
  ROM_OFFSET: Global<number>;
  ROM_BASE: Global<bigint>;
  ROM_SIZE: Global<number>;
  MAX_HARTS: Global<number>;
  RUN_BUDGET: Global<number>;
  RUN_IDLE: Global<number>;
  RUN_EXIT: Global<number>;
  RUN_DEBUG: Global<number>;
}

/** Why run() returned (the hart module's RUN_* codes, checked when it loads). */
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

const layout = readLayout();
/** Where guest physical RAM begins (the virt machine's DRAM base). */
export const RAM_BASE = layout.ramBase;
/** Linear-memory offset of guest RAM; everything below is hart state. */
export const RAM_OFFSET = layout.ramOffset;
/** The most harts one machine (one hart module) runs. */
export const MAX_HARTS = layout.maxHarts;
/** mtime frequency, as on QEMU virt (timebase-frequency in the device tree). */
export const TIMEBASE_HZ = 10_000_000;

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
  /**
   * A cell another thread sets (Atomics.store 1) after posting this VM a message that
   * should not wait for the slice to end: run() returns Exit.Requested at the next turn
   * boundary (at most a turn, 20 k instructions, later) and the cell is cleared.
   */
  poke?: Int32Array;
}

interface HartExports extends LayoutExports, Record<StatName, Global<bigint>> {
  memory: WebAssembly.Memory;
  init(harts: number, ramBytes: bigint, virtualTiming: number, instrPerTick: number): void;
  run(budget: bigint): number;
  requestExit(): void;
  getReg(h: number, r: number): bigint;
  setReg(h: number, r: number, v: bigint): void;
  setPc(h: number, v: bigint): void;
  getPc(h: number): bigint;
  getFreg(h: number, r: number): bigint;
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
  setRunning(h: number, on: number): void;
  isRunning(h: number): number;
  setSbiMode(h: number, on: number): void;
  flushTlb(h: number): void;
  getInstret(h: number): bigint;
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
    const words = new DataView(this.memory.buffer);
    const t0 = performance.now();
    const poke = opts.poke;
    const imports = {
      env: {
        memory: this.memory,
        // The value goes to the u64 at linear-memory address dst (the hart's destination).
        mmioRead: (addr: bigint, size: number, dst: number): number => {
          const v = host.mmioRead(BigInt.asUintN(64, addr), size as 1 | 2 | 4 | 8);
          if (v === undefined) return 0;
          words.setBigUint64(dst, v, true);
          return 1;
        },
        mmioWrite: (addr: bigint, size: number, value: bigint): number =>
          (host.mmioWrite(BigInt.asUintN(64, addr), size as 1 | 2 | 4 | 8, BigInt.asUintN(64, value)) ? 1 : 0),
        ecall: (hart: number): number => (host.sbiCall(hart) ? 1 : 0),
        hostTicks: (): number => Math.floor((performance.now() - t0) * (TIMEBASE_HZ / 1000)),
        hostPoked: poke ? (): number => Atomics.exchange(poke, 0, 0) : (): number => 0,
      },
    };
    this.x = new WebAssembly.Instance(compiled, imports).exports as unknown as HartExports;
    this.ram = new Uint8Array(this.memory.buffer, RAM_OFFSET, opts.ramBytes);
    this.x.init(opts.harts, BigInt(opts.ramBytes), opts.timing === "virtual" ? 1 : 0, opts.instructionsPerTick ?? 10);
  }

  /** Run all harts, interleaved, for at most `budget` instructions in total. */
  run(budget: number): Exit { return this.x.run(BigInt(budget)) as Exit; }
  /** Make run() return after the current instruction; safe to call from a host callback. */
  requestExit(): void { this.x.requestExit(); }

  reg(h: number, r: number): bigint { return BigInt.asUintN(64, this.x.getReg(h, r)); }
  setReg(h: number, r: number, v: bigint): void { if (r !== 0) this.x.setReg(h, r, BigInt.asIntN(64, v)); }
  setPc(h: number, v: bigint): void { this.x.setPc(h, BigInt.asIntN(64, v)); }
  pc(h: number): bigint { return BigInt.asUintN(64, this.x.getPc(h)); }
  /** f-register r, NaN-boxed as the hart keeps it. */
  freg(h: number, r: number): bigint { return BigInt.asUintN(64, this.x.getFreg(h, r)); }
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
  /** Write the boot ROM (physical ROM_BASE): the hart keeps it in its own memory, so fetches never leave wasm. */
  loadRom(bytes: Uint8Array): void {
    if (bytes.length > layout.romSize) throw new RangeError(`boot ROM of ${bytes.length} bytes is larger than ${layout.romSize / 1024} KiB`);
    new Uint8Array(this.memory.buffer, layout.romOffset, layout.romSize).fill(0).set(bytes);
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
  rom(): Uint8Array { return new Uint8Array(this.memory.buffer, layout.romOffset, layout.romSize); }
  /** Hot-loop counters for the benchmark: see Stat. */
  stat(which: Stat): bigint { return BigInt.asUintN(64, this.x[STAT_NAMES[which]].value); }
}

/** Counters kept by the hot loop (for `bench`: where the time goes). */
export const enum Stat { TlbMiss = 0, MmioExit = 1, Trap = 2, Interrupt = 3, Decode = 4, CodePage = 5, Executed = 6 }
/** The hart module's exported counter for each Stat. */
const STAT_NAMES = ["statTlbMiss", "statMmio", "statTrap", "statIrq", "statDecode", "statCodePage", "totalInstret"] as const;
type StatName = (typeof STAT_NAMES)[number];
