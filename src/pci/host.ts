// The PCIe host bridge of the virt machine: ECAM config access, the MMIO window where
// BARs decode, INTx routing, and its device tree node. Spec: PCIe Base 4.0 §7.2.2 (ECAM),
// PCI-to-PCI Bridge 1.2 §9.1 (the INTx swizzle); DT: Linux
// Documentation/devicetree/bindings/pci/host-generic-pci.yaml, modelled on QEMU 7.2
// hw/riscv/virt.c create_fdt_pcie + hw/pci-host/gpex.c. virt: ECAM 0x3000_0000 (256 buses),
// MMIO window 0x4000_0000..0x7fff_ffff (PCI address = CPU address), INTA..INTD → PLIC 32..35.
// One bus (0). 00:00.0 is the host bridge itself; devices take slots 1, 2, ... in the order
// they are plugged. Linux enumerates the bus and assigns every BAR itself.
import type { IrqLine, AccessSize, MmioDevice } from "../platform/mmio.js";
import { FdtNode } from "../boot/fdt.js";
import type { Region } from "../platform/memmap.js";
import { ConfigSpace, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, PCI_INTERRUPT_PIN } from "./config-space.js";
import { PciError } from "./errors.js";

/** Slots on bus 0 (device numbers 0..31); slot 0 is the host bridge. */
export const PCI_SLOTS = 32;
/** The host bridge's identity: Red Hat's "QEMU PCIe Host bridge" (1b36:0008), which Linux knows needs no driver. */
export const HOST_BRIDGE_VENDOR = 0x1b36;
export const HOST_BRIDGE_DEVICE = 0x0008;
export const PCI_CLASS_BRIDGE_HOST = 0x060000;

/** One PCI function as the host sees it: its config space and its BARs' contents. */
export interface PciFunction {
  readonly label: string;
  readonly config: ConfigSpace;
  /** Config read/write hooks for registers with side effects; default: plain ConfigSpace. */
  configRead?(offset: number, size: number): number;
  configWrite?(offset: number, size: number, value: number): void;
  /** A load inside BAR `bar`, at `offset` from its start. */
  barRead(bar: number, offset: number, size: AccessSize): bigint;
  /** A store inside BAR `bar`. */
  barWrite(bar: number, offset: number, size: AccessSize, value: bigint): void;
}

/** The INTx wire a plugged function raises; the host masks it with INTX_DISABLE and routes it. */
export interface PciIntx extends IrqLine {}

interface Slot {
  fn: PciFunction;
  /** The function's requested INTx level, before INTX_DISABLE. */
  intx: boolean;
  /** What we last drove onto the shared line. */
  driven: boolean;
}

interface Decode { base: number; end: number; slot: Slot; bar: number }

/** The PCIe root complex: bus 0 behind ECAM, a memory window, four INTx lines. */
export class PciHost {
  private readonly slots: Array<Slot | undefined> = new Array<Slot | undefined>(PCI_SLOTS).fill(undefined);
  /** How many functions drive each of INTA..INTD high. */
  private readonly lineCount = [0, 0, 0, 0];
  private decode: Decode[] | undefined;
  private lastHit: Decode | undefined;
  /** Map this at MEMMAP.pcieEcam. */
  readonly ecam: MmioDevice;
  /** Map this at MEMMAP.pcieMmio. */
  readonly window: MmioDevice;

  /**
   * @param lines the PLIC inputs of INTA..INTD (PLIC 32..35 on virt)
   * @param ecamRegion, windowRegion where the two are mapped (for the device tree and decoding)
   */
  constructor(private readonly lines: readonly IrqLine[], readonly ecamRegion: Region, readonly windowRegion: Region) {
    if (lines.length !== 4) throw new RangeError("a PCI host needs four INTx lines");
    this.slots[0] = { fn: new HostBridge(), intx: false, driven: false };
    this.ecam = { label: "pcie-ecam", read: (o, s) => this.ecamRead(o, s), write: (o, s, v) => this.ecamWrite(o, s, v) };
    this.window = { label: "pcie-mmio", read: (o, s) => this.windowRead(o, s), write: (o, s, v) => this.windowWrite(o, s, v) };
  }

  /**
   * Plug a function into the next free slot; returns its device number and the INTx wire
   * to give it. Throws PciError when the bus is full.
   */
  plug(fn: PciFunction): { slot: number; intx: PciIntx } {
    const n = this.slots.findIndex((s) => s === undefined);
    if (n < 0) throw new PciError({ kind: "BusFull", label: fn.label, slots: PCI_SLOTS - 1 });
    const slot: Slot = { fn, intx: false, driven: false };
    this.slots[n] = slot;
    this.decode = undefined;
    return { slot: n, intx: { set: (level) => { slot.intx = level; this.updateIntx(n, slot); } } };
  }

  /** The plugged functions by slot (the host bridge at 0), for listings and tests. */
  functions(): Array<{ slot: number; label: string }> {
    return this.slots.flatMap((s, i) => (s ? [{ slot: i, label: s.fn.label }] : []));
  }

  /** INTx line (0 = INTA) that `pin` (1..4) of `slot` reaches: the standard swizzle, as QEMU's gpex. */
  static swizzle(slot: number, pin: number): number {
    return (slot + pin - 1) % 4;
  }

  /**
   * The host bridge's device tree node (pci@30000000), for /soc. `plic` is the PLIC's
   * phandle; the interrupt-map routes INTA..INTD of slots 0..3 (the mask repeats it for
   * every slot) to PLIC sources `intx0`.. `intx0`+3.
   */
  fdtNode(plic: number, intx0: number): FdtNode {
    const e = this.ecamRegion, w = this.windowRegion;
    const buses = Number(e.size >> 20n);
    const map: number[] = [];
    for (let slot = 0; slot < 4; slot++) {
      for (let pin = 1; pin <= 4; pin++) map.push(slot << 11, 0, 0, pin, plic, intx0 + PciHost.swizzle(slot, pin));
    }
    const hi = (v: bigint) => Number(v >> 32n), lo = (v: bigint) => Number(v & 0xffff_ffffn);
    return new FdtNode(`pci@${e.base.toString(16)}`)
      .u32("interrupt-map-mask", 0x1800, 0, 0, 7)
      .u32("interrupt-map", ...map)
      .u32("#interrupt-cells", 1)
      // 32-bit non-prefetchable memory (space code 0b10), PCI address = CPU address.
      .u32("ranges", 0x0200_0000, hi(w.base), lo(w.base), hi(w.base), lo(w.base), hi(w.size), lo(w.size))
      .reg(e)
      .empty("dma-coherent")
      .u32("bus-range", 0, buses - 1)
      .u32("linux,pci-domain", 0)
      .string("device_type", "pci")
      .string("compatible", "pci-host-ecam-generic")
      .u32("#size-cells", 2)
      .u32("#address-cells", 3);
  }

  private ecamRead(off: number, size: AccessSize): bigint {
    const f = this.target(off, size);
    if (!f) return ones(size);
    const reg = off & 0xfff;
    return BigInt(f.fn.configRead ? f.fn.configRead(reg, size) : f.fn.config.read(reg, size));
  }

  private ecamWrite(off: number, size: AccessSize, value: bigint): boolean {
    const f = this.target(off, size);
    if (!f) return true; // no device: the write goes nowhere (a master abort), not a fault
    const reg = off & 0xfff, v = Number(value & 0xffff_ffffn);
    if (f.fn.configWrite) f.fn.configWrite(reg, size, v);
    else f.fn.config.write(reg, size, v);
    this.decode = undefined; // a BAR or the command register may have changed
    this.lastHit = undefined;
    if (reg <= PCI_COMMAND + 1 && reg + size > PCI_COMMAND) this.updateIntx(this.slotOf(off), f);
    return true;
  }

  /** The function an ECAM offset selects: bus 0, function 0, naturally aligned 1/2/4-byte accesses. */
  private target(off: number, size: AccessSize): Slot | undefined {
    const bus = off >>> 20, fn = (off >>> 12) & 7;
    if (bus !== 0 || fn !== 0 || size === 8 || off % size !== 0) return undefined;
    return this.slots[this.slotOf(off)];
  }

  private slotOf(off: number): number { return (off >>> 15) & 31; }

  private updateIntx(n: number, s: Slot): void {
    const cfg = s.fn.config;
    cfg.setInterruptStatus(s.intx);
    const pin = cfg.read(PCI_INTERRUPT_PIN, 1);
    const level = s.intx && pin >= 1 && pin <= 4 && !(cfg.command & PCI_COMMAND_INTX_DISABLE);
    if (level === s.driven) return;
    s.driven = level;
    const line = PciHost.swizzle(n, pin);
    const before = this.lineCount[line]! > 0;
    this.lineCount[line]! += level ? 1 : -1;
    const after = this.lineCount[line]! > 0;
    if (before !== after) this.lines[line]!.set(after);
  }

  private find(addr: number): Decode | undefined {
    const h = this.lastHit;
    if (h && addr >= h.base && addr < h.end) return h;
    this.decode ??= this.buildDecode();
    for (const d of this.decode) if (addr >= d.base && addr < d.end) return (this.lastHit = d);
    return undefined;
  }

  /** Every enabled BAR that lies inside the window; the first of two overlapping BARs wins. */
  private buildDecode(): Decode[] {
    const out: Decode[] = [];
    const wBase = Number(this.windowRegion.base), wEnd = wBase + Number(this.windowRegion.size);
    for (const slot of this.slots) {
      if (!slot) continue;
      for (const b of slot.fn.config.bars) {
        const base = slot.fn.config.barAddress(b.index);
        if (base === undefined || base < wBase || base + b.size > wEnd) continue;
        out.push({ base, end: base + b.size, slot, bar: b.index });
      }
    }
    return out;
  }

  private windowRead(off: number, size: AccessSize): bigint {
    const addr = Number(this.windowRegion.base) + off;
    const d = this.find(addr);
    if (!d || addr + size > d.end) return ones(size); // nothing decodes it: reads float high
    return d.slot.fn.barRead(d.bar, addr - d.base, size);
  }

  private windowWrite(off: number, size: AccessSize, value: bigint): boolean {
    const addr = Number(this.windowRegion.base) + off;
    const d = this.find(addr);
    if (d && addr + size <= d.end) d.slot.fn.barWrite(d.bar, addr - d.base, size, value);
    return true;
  }
}

/** 00:00.0: the host bridge as a function with a header and nothing else. */
class HostBridge implements PciFunction {
  readonly label = "host-bridge";
  readonly config = new ConfigSpace({ vendor: HOST_BRIDGE_VENDOR, device: HOST_BRIDGE_DEVICE, classCode: PCI_CLASS_BRIDGE_HOST });
  barRead(): bigint { return 0n; }
  barWrite(): void {}
}

function ones(size: AccessSize): bigint {
  return (1n << BigInt(8 * size)) - 1n;
}
