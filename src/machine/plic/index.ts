// SiFive PLIC. Spec: RISC-V PLIC Specification v1.0.0 (§3 memory map, §9 gateways, §10 claim/complete);
// offsets named as Linux drivers/irqchip/irq-sifive-plic.c. virt: 0x0c00_0000, size 0x60_0000,
// DT compatible "sifive,plic-1.0.0","riscv,plic0", riscv,ndev 95; 2 contexts per hart as QEMU virt:
// context 2h = hart h M-mode (MEIP), context 2h+1 = hart h S-mode (SEIP).
import type { AccessSize, MmioDevice, IrqLine } from "../../platform/mmio.js";
import { PLIC_SOURCES } from "../../platform/memmap.js";

export const PRIORITY_BASE = 0x0;
export const PENDING_BASE = 0x1000;
export const CONTEXT_ENABLE_BASE = 0x2000;
export const CONTEXT_ENABLE_SIZE = 0x80;
export const CONTEXT_BASE = 0x20_0000;
export const CONTEXT_SIZE = 0x1000;
export const CONTEXT_THRESHOLD = 0x0;
export const CONTEXT_CLAIM = 0x4;
/** Priority and threshold are 3 bits wide (0..7), as QEMU virt (VIRT_IRQCHIP_NUM_PRIO_BITS). */
export const PLIC_PRIO_MASK = 7;

/** Drives a hart's external-interrupt input: MEIP for mode "M", SEIP for "S". */
export type HartIrqPort = (hart: number, mode: "M" | "S", level: boolean) => void;

/**
 * Level-triggered PLIC. Per source, the gateway latches a high input into `pending`;
 * a claim moves it to `claimed` (in flight) and no new request is forwarded until the
 * complete; after the complete, an input still high pends again. An input that drops
 * before it is claimed withdraws its request (as QEMU), sparing the guest a spurious claim.
 */
export class Plic implements MmioDevice {
  readonly label = "plic";
  readonly contexts: number;
  private readonly words: number;
  private readonly priority: Uint8Array;
  private readonly input: Uint32Array;
  private readonly pending: Uint32Array;
  private readonly claimed: Uint32Array;
  private readonly enable: Uint32Array; // contexts × words
  private readonly threshold: Uint8Array;
  private readonly out: boolean[];

  /** `sources` counts source 0, which does not exist: sources 1..sources-1 are usable. */
  constructor(readonly harts: number, private readonly port: HartIrqPort, readonly sources: number = PLIC_SOURCES) {
    if (!Number.isInteger(sources) || sources < 2 || sources > 1024) throw new RangeError(`PLIC sources must be 2..1024, got ${sources}`);
    this.contexts = 2 * harts;
    this.words = Math.ceil(sources / 32);
    this.priority = new Uint8Array(sources);
    this.input = new Uint32Array(this.words);
    this.pending = new Uint32Array(this.words);
    this.claimed = new Uint32Array(this.words);
    this.enable = new Uint32Array(this.contexts * this.words);
    this.threshold = new Uint8Array(this.contexts);
    this.out = new Array<boolean>(this.contexts).fill(false);
  }

  /** Everything masked and idle; input levels are the devices' and survive. */
  reset(): void {
    this.priority.fill(0); this.pending.fill(0); this.claimed.fill(0); this.enable.fill(0); this.threshold.fill(0);
    for (let s = 1; s < this.sources; s++) if (this.bit(this.input, s)) this.setBit(this.pending, s, true);
    this.update();
  }

  /** A device's interrupt output changed (or was re-asserted). Source 1..sources-1. */
  setLevel(source: number, level: boolean): void {
    if (!Number.isInteger(source) || source < 1 || source >= this.sources) throw new RangeError(`PLIC source ${source} out of range 1..${this.sources - 1}`);
    this.setBit(this.input, source, level);
    if (this.bit(this.claimed, source)) return; // gateway holds it until complete
    if (this.bit(this.pending, source) === level) return;
    this.setBit(this.pending, source, level);
    this.update();
  }

  /** The wire for one source, to hand to a device. */
  line(source: number): IrqLine {
    if (!Number.isInteger(source) || source < 1 || source >= this.sources) throw new RangeError(`PLIC source ${source} out of range 1..${this.sources - 1}`);
    return { set: (level) => this.setLevel(source, level) };
  }

  read(offset: number, size: AccessSize): bigint | undefined {
    if (size !== 4 || offset & 3) return undefined; // 32-bit registers only (spec §3)
    return BigInt(this.readReg(offset) >>> 0);
  }

  write(offset: number, size: AccessSize, value: bigint): boolean {
    if (size !== 4 || offset & 3) return false;
    this.writeReg(offset, Number(value & 0xffff_ffffn));
    return true;
  }

  private readReg(off: number): number {
    if (off < PENDING_BASE) {
      const s = off >> 2;
      return s < this.sources ? this.priority[s]! : 0;
    }
    if (off < CONTEXT_ENABLE_BASE) {
      const w = (off - PENDING_BASE) >> 2;
      return w < this.words ? this.pending[w]! : 0;
    }
    if (off < CONTEXT_BASE) {
      const ctx = Math.floor((off - CONTEXT_ENABLE_BASE) / CONTEXT_ENABLE_SIZE);
      const w = ((off - CONTEXT_ENABLE_BASE) % CONTEXT_ENABLE_SIZE) >> 2;
      return ctx < this.contexts && w < this.words ? this.enable[ctx * this.words + w]! : 0;
    }
    const ctx = Math.floor((off - CONTEXT_BASE) / CONTEXT_SIZE);
    if (ctx >= this.contexts) return 0;
    switch ((off - CONTEXT_BASE) % CONTEXT_SIZE) {
      case CONTEXT_THRESHOLD: return this.threshold[ctx]!;
      case CONTEXT_CLAIM: return this.claim(ctx);
      default: return 0;
    }
  }

  private writeReg(off: number, v: number): void {
    if (off < PENDING_BASE) {
      const s = off >> 2;
      if (s > 0 && s < this.sources) { this.priority[s] = v & PLIC_PRIO_MASK; this.update(); }
      return;
    }
    if (off < CONTEXT_ENABLE_BASE) return; // pending bits are read-only
    if (off < CONTEXT_BASE) {
      const ctx = Math.floor((off - CONTEXT_ENABLE_BASE) / CONTEXT_ENABLE_SIZE);
      const w = ((off - CONTEXT_ENABLE_BASE) % CONTEXT_ENABLE_SIZE) >> 2;
      if (ctx >= this.contexts || w >= this.words) return;
      // Source 0 does not exist, nor do bits past the last source.
      const valid = (w === 0 ? ~1 : ~0) & (w === this.words - 1 && this.sources % 32 ? (1 << (this.sources % 32)) - 1 : ~0);
      this.enable[ctx * this.words + w] = v & valid;
      this.update();
      return;
    }
    const ctx = Math.floor((off - CONTEXT_BASE) / CONTEXT_SIZE);
    if (ctx >= this.contexts) return;
    switch ((off - CONTEXT_BASE) % CONTEXT_SIZE) {
      case CONTEXT_THRESHOLD: this.threshold[ctx] = v & PLIC_PRIO_MASK; this.update(); return;
      case CONTEXT_CLAIM: this.complete(ctx, v); return;
      default: return;
    }
  }

  /** The best source for a context: highest priority above threshold, ties to the lowest id (spec §8). */
  private best(ctx: number): number {
    let id = 0, prio = this.threshold[ctx]!;
    const base = ctx * this.words;
    for (let w = 0; w < this.words; w++) {
      let m = this.pending[w]! & this.enable[base + w]!;
      while (m) {
        const b = 31 - Math.clz32(m & -m);
        m &= m - 1;
        const s = w * 32 + b;
        if (this.priority[s]! > prio) { prio = this.priority[s]!; id = s; }
      }
    }
    return id;
  }

  private claim(ctx: number): number {
    const id = this.best(ctx);
    if (id) { this.setBit(this.pending, id, false); this.setBit(this.claimed, id, true); this.update(); }
    return id;
  }

  /** Spec §10: a completion for a source not enabled for this context is ignored. */
  private complete(ctx: number, id: number): void {
    if (id < 1 || id >= this.sources) return;
    if (!((this.enable[ctx * this.words + (id >> 5)]! >>> (id & 31)) & 1)) return;
    if (!this.bit(this.claimed, id)) return;
    this.setBit(this.claimed, id, false);
    if (this.bit(this.input, id)) this.setBit(this.pending, id, true);
    this.update();
  }

  private update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.best(ctx) !== 0;
      if (level === this.out[ctx]) continue;
      this.out[ctx] = level;
      this.port(ctx >> 1, ctx & 1 ? "S" : "M", level);
    }
  }

  private bit(a: Uint32Array, s: number): boolean { return ((a[s >> 5]! >>> (s & 31)) & 1) === 1; }
  private setBit(a: Uint32Array, s: number, on: boolean): void {
    if (on) a[s >> 5]! |= 1 << (s & 31); else a[s >> 5]! &= ~(1 << (s & 31));
  }
}
