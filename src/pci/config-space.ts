// A PCI function's configuration space, header type 0. Spec: PCI Local Bus 3.0 §6.1
// (header), §6.2.5 (base address registers and their sizing), §6.7 (capabilities list);
// PCIe Base 4.0 §7.2.2 (ECAM: 4 KiB per function; the extended space reads 0 here: no
// extended capabilities). Register names as Linux include/uapi/linux/pci_regs.h.
// Bytes are stored as the guest sees them; a write mask per byte says which bits a write
// may change, which is all BAR sizing needs (write all-ones, read back ~(size-1) | flags).

export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;

export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_PARITY = 0x40;
export const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_INTX_DISABLE = 0x400;
export const PCI_STATUS_INTERRUPT = 0x08;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
export const PCI_CAP_ID_VNDR = 0x09;

/** Conventional config space; offsets 0x100..0xfff (PCIe extended) read 0. */
export const PCI_CONFIG_SIZE = 0x100;
export const PCIE_CONFIG_SIZE = 0x1000;
const FIRST_CAP = 0x40;

export interface PciIdentity {
  readonly vendor: number;
  readonly device: number;
  readonly revision?: number;
  /** Base class, subclass, prog-if: 0x010000 is a SCSI mass storage controller, 0x060000 a host bridge. */
  readonly classCode: number;
  readonly subsystemVendor?: number;
  readonly subsystemId?: number;
  /** 1 = INTA# .. 4 = INTD#, 0 = no legacy interrupt. */
  readonly interruptPin?: number;
}

/** A memory BAR. `size` is a power of 2, at least 16 bytes; a 64-bit BAR also takes index+1. */
export interface BarSpec {
  readonly index: number;
  readonly size: number;
  readonly is64: boolean;
  readonly prefetchable?: boolean;
}

/** One function's 256-byte config space (header type 0) with its capability list. */
export class ConfigSpace {
  readonly bytes = new Uint8Array(PCI_CONFIG_SIZE);
  private readonly wmask = new Uint8Array(PCI_CONFIG_SIZE);
  private readonly dv = new DataView(this.bytes.buffer);
  private lastCap = 0;
  private capEnd = FIRST_CAP;
  readonly bars: readonly BarSpec[];

  constructor(id: PciIdentity, bars: readonly BarSpec[] = []) {
    const dv = this.dv;
    dv.setUint16(PCI_VENDOR_ID, id.vendor, true);
    dv.setUint16(PCI_DEVICE_ID, id.device, true);
    this.bytes[PCI_REVISION_ID] = id.revision ?? 0;
    this.bytes[PCI_CLASS_PROG] = id.classCode & 0xff;
    dv.setUint16(PCI_CLASS_PROG + 1, id.classCode >> 8, true);
    this.bytes[PCI_HEADER_TYPE] = 0;
    dv.setUint16(PCI_SUBSYSTEM_VENDOR_ID, id.subsystemVendor ?? 0, true);
    dv.setUint16(PCI_SUBSYSTEM_ID, id.subsystemId ?? 0, true);
    this.bytes[PCI_INTERRUPT_PIN] = id.interruptPin ?? 0;
    this.mask16(PCI_COMMAND, PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
    this.wmask[PCI_CACHE_LINE_SIZE] = 0xff;
    this.wmask[PCI_LATENCY_TIMER] = 0xff;
    this.wmask[PCI_INTERRUPT_LINE] = 0xff;
    for (const b of bars) {
      const used = b.is64 ? 2 : 1;
      if (!(b.index >= 0 && b.index + used <= 6) || b.size < 16 || (b.size & (b.size - 1)) !== 0 || b.size > 2 ** 31) {
        throw new RangeError(`BAR ${b.index}: bad index or size ${b.size} (a power of 2 from 16 bytes to 2 GiB)`);
      }
      const off = PCI_BASE_ADDRESS_0 + 4 * b.index;
      if (this.wmask[off] || dv.getUint32(off, true)) throw new RangeError(`BAR ${b.index} overlaps another BAR`);
      dv.setUint32(off, (b.is64 ? PCI_BASE_ADDRESS_MEM_TYPE_64 : 0) | (b.prefetchable ? PCI_BASE_ADDRESS_MEM_PREFETCH : 0), true);
      this.mask32(off, ~(b.size - 1) & ~0xf);
      if (b.is64) this.mask32(off + 4, 0xffff_ffff);
    }
    this.bars = bars;
  }

  /** A guest config read: `size` bytes at `offset`, little-endian. */
  read(offset: number, size: number): number {
    if (offset >= PCI_CONFIG_SIZE) return 0;
    let v = 0;
    for (let i = size - 1; i >= 0; i--) v = v * 256 + (this.bytes[offset + i] ?? 0);
    return v;
  }

  /** A guest config write: only the writable bits change. */
  write(offset: number, size: number, value: number): void {
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o >= PCI_CONFIG_SIZE) return;
      const m = this.wmask[o]!, b = Math.floor(value / 2 ** (8 * i)) & 0xff;
      this.bytes[o] = (this.bytes[o]! & ~m) | (b & m);
    }
  }

  get command(): number { return this.dv.getUint16(PCI_COMMAND, true); }

  /** The address BAR `index` decodes at, or undefined while memory decoding is off. */
  barAddress(index: number): number | undefined {
    if (!(this.command & PCI_COMMAND_MEMORY)) return undefined;
    const b = this.bars.find((x) => x.index === index);
    if (!b) return undefined;
    const off = PCI_BASE_ADDRESS_0 + 4 * index;
    const low = this.dv.getUint32(off, true) & ~0xf;
    return (b.is64 ? this.dv.getUint32(off + 4, true) * 2 ** 32 : 0) + (low >>> 0);
  }

  /** The interrupt status bit (PCI_STATUS_INTERRUPT), as the device's INTx request. */
  setInterruptStatus(on: boolean): void {
    this.bytes[PCI_STATUS] = on ? this.bytes[PCI_STATUS]! | PCI_STATUS_INTERRUPT : this.bytes[PCI_STATUS]! & ~PCI_STATUS_INTERRUPT;
  }

  /**
   * Append a capability (`id`, then `body` after the id and next bytes) to the list;
   * returns its offset. `writable` marks body bytes the guest may write (all bits).
   */
  addCapability(id: number, body: Uint8Array, writable: ReadonlyArray<[number, number]> = []): number {
    const off = this.capEnd;
    const len = 2 + body.length;
    if (off + len > PCI_CONFIG_SIZE) throw new RangeError("PCI capabilities do not fit in config space");
    this.bytes[off] = id;
    this.bytes.set(body, off + 2);
    for (const [start, n] of writable) this.wmask.fill(0xff, off + 2 + start, off + 2 + start + n);
    if (this.lastCap === 0) {
      this.bytes[PCI_CAPABILITY_LIST] = off;
      this.bytes[PCI_STATUS] = this.bytes[PCI_STATUS]! | PCI_STATUS_CAP_LIST;
    } else {
      this.bytes[this.lastCap + 1] = off;
    }
    this.lastCap = off;
    this.capEnd = (off + len + 3) & ~3;
    return off;
  }

  private mask16(off: number, m: number): void { this.wmask[off] = m & 0xff; this.wmask[off + 1] = (m >> 8) & 0xff; }
  private mask32(off: number, m: number): void { for (let i = 0; i < 4; i++) this.wmask[off + i] = (m >>> (8 * i)) & 0xff; }
}
