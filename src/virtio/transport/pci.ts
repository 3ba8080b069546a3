// Modern (non-transitional) virtio over PCI. Spec: Virtio 1.2 §4.1 (PCI device discovery
// §4.1.2, capabilities §4.1.4: common cfg, notify, ISR, device cfg, PCI cfg access), INTx
// interrupts (§4.1.5.3-4; no MSI-X: the virt machine's PLIC has no MSI controller). One
// function per device on the machine's PCIe bus (src/pci), its registers in a 64-bit
// memory BAR 4 laid out as QEMU's: common 0x0000, ISR 0x1000, device 0x2000, notify 0x3000.
import type { AccessSize } from "../../platform/mmio.js";
import { ConfigSpace, PCI_CAP_ID_VNDR } from "../../pci/config-space.js";
import type { PciFunction, PciIntx } from "../../pci/host.js";
import type { VirtioDevice } from "../device.js";
import type { GuestMemory } from "../guest-memory.js";
import { VirtioCore } from "./core.js";

export const VIRTIO_PCI_VENDOR_ID = 0x1af4;
/** Modern device IDs are 0x1040 + the virtio device type (spec §4.1.2). */
export const VIRTIO_PCI_DEVICE_ID_BASE = 0x1040;
/** QEMU's subsystem ID; the spec asks only for 0x40 or more on non-transitional devices. */
export const VIRTIO_PCI_SUBSYSTEM_ID = 0x1100;
/** Modern-only devices have revision 1 or more (spec §4.1.2.1). */
export const VIRTIO_PCI_REVISION = 1;

export const VIRTIO_PCI_CAP_COMMON_CFG = 1;
export const VIRTIO_PCI_CAP_NOTIFY_CFG = 2;
export const VIRTIO_PCI_CAP_ISR_CFG = 3;
export const VIRTIO_PCI_CAP_DEVICE_CFG = 4;
export const VIRTIO_PCI_CAP_PCI_CFG = 5;

/** struct virtio_pci_common_cfg offsets (spec §4.1.4.3). */
export const VIRTIO_PCI_COMMON_DFSELECT = 0x00;
export const VIRTIO_PCI_COMMON_DF = 0x04;
export const VIRTIO_PCI_COMMON_GFSELECT = 0x08;
export const VIRTIO_PCI_COMMON_GF = 0x0c;
export const VIRTIO_PCI_COMMON_MSIX = 0x10;
export const VIRTIO_PCI_COMMON_NUMQ = 0x12;
export const VIRTIO_PCI_COMMON_STATUS = 0x14;
export const VIRTIO_PCI_COMMON_CFGGENERATION = 0x15;
export const VIRTIO_PCI_COMMON_Q_SELECT = 0x16;
export const VIRTIO_PCI_COMMON_Q_SIZE = 0x18;
export const VIRTIO_PCI_COMMON_Q_MSIX = 0x1a;
export const VIRTIO_PCI_COMMON_Q_ENABLE = 0x1c;
export const VIRTIO_PCI_COMMON_Q_NOFF = 0x1e;
export const VIRTIO_PCI_COMMON_Q_DESCLO = 0x20;
export const VIRTIO_PCI_COMMON_Q_AVAILLO = 0x28;
export const VIRTIO_PCI_COMMON_Q_USEDLO = 0x30;
export const VIRTIO_PCI_COMMON_SIZE = 0x38;
export const VIRTIO_MSI_NO_VECTOR = 0xffff;

/** The register BAR and its regions. */
export const VIRTIO_PCI_BAR = 4;
export const VIRTIO_PCI_BAR_SIZE = 0x4000;
export const COMMON_OFFSET = 0x0000;
export const ISR_OFFSET = 0x1000;
export const DEVICE_OFFSET = 0x2000;
export const NOTIFY_OFFSET = 0x3000;
/** queue_notify_off of queue q is q; its doorbell is at NOTIFY_OFFSET + q * NOTIFY_MULTIPLIER. */
export const NOTIFY_MULTIPLIER = 4;
const REGION = 0x1000;

/** PCI class codes by virtio device type, as QEMU's (drivers do not look; lspci does). */
const CLASS_BY_TYPE: Readonly<Record<number, number>> = { 1: 0x020000, 2: 0x010000, 3: 0x078000, 4: 0x00ff00 };
const CLASS_OTHER = 0xff0000;

interface Field { off: number; size: number; get(): bigint; set?(v: bigint): void }

/** One virtio device as a PCI function. */
export class VirtioPci implements PciFunction {
  readonly label: string;
  readonly config: ConfigSpace;
  readonly core: VirtioCore;
  private dfSelect = 0;
  private gfSelect = 0;
  private qSelect = 0;
  private readonly fields: Field[];
  /** Config-space offset of the VIRTIO_PCI_CAP_PCI_CFG capability (its window into the BAR). */
  private readonly pciCfgCap: number;
  private intx: PciIntx | undefined;

  /** Plug into a PciHost, then attach() the INTx wire it returns. */
  constructor(device: VirtioDevice, mem: GuestMemory, log?: (line: string) => void) {
    this.label = device.label;
    this.core = new VirtioCore(device, mem, { interrupt: (l) => this.intx?.set(l), ...(log ? { log } : {}) });
    this.config = new ConfigSpace(
      {
        vendor: VIRTIO_PCI_VENDOR_ID, device: VIRTIO_PCI_DEVICE_ID_BASE + device.type, revision: VIRTIO_PCI_REVISION,
        classCode: CLASS_BY_TYPE[device.type] ?? CLASS_OTHER, subsystemVendor: VIRTIO_PCI_VENDOR_ID,
        subsystemId: VIRTIO_PCI_SUBSYSTEM_ID, interruptPin: 1,
      },
      [{ index: VIRTIO_PCI_BAR, size: VIRTIO_PCI_BAR_SIZE, is64: true }],
    );
    const queues = Math.max(1, device.queueSizes.length);
    this.addCap(VIRTIO_PCI_CAP_COMMON_CFG, COMMON_OFFSET, VIRTIO_PCI_COMMON_SIZE);
    this.addCap(VIRTIO_PCI_CAP_ISR_CFG, ISR_OFFSET, 1);
    this.addCap(VIRTIO_PCI_CAP_DEVICE_CFG, DEVICE_OFFSET, Math.max(1, device.config().length));
    this.addCap(VIRTIO_PCI_CAP_NOTIFY_CFG, NOTIFY_OFFSET, queues * NOTIFY_MULTIPLIER, NOTIFY_MULTIPLIER);
    // bar, offset, length and data are the driver's to write (spec §4.1.4.9).
    this.pciCfgCap = this.addCap(VIRTIO_PCI_CAP_PCI_CFG, 0, 0, 0, [[2, 1], [6, 4], [10, 4], [14, 4]]);
    this.fields = this.commonFields();
  }

  /** Connect the INTx wire the PCI host returned from plug(). */
  attach(intx: PciIntx): void { this.intx = intx; }

  barRead(bar: number, offset: number, size: AccessSize): bigint {
    if (bar !== VIRTIO_PCI_BAR) return 0n;
    const region = offset & ~(REGION - 1), off = offset & (REGION - 1);
    switch (region) {
      case COMMON_OFFSET: return this.commonRead(off, size);
      case ISR_OFFSET: {
        if (off !== 0) return 0n;
        // Reading the ISR acknowledges it and lowers INTx (spec §4.1.4.5).
        const v = this.core.interruptStatus;
        this.core.ack(v);
        return BigInt(v);
      }
      case DEVICE_OFFSET: return this.core.readConfig(off, size);
      default: return 0n;
    }
  }

  barWrite(bar: number, offset: number, size: AccessSize, value: bigint): void {
    if (bar !== VIRTIO_PCI_BAR) return;
    const region = offset & ~(REGION - 1), off = offset & (REGION - 1);
    switch (region) {
      case COMMON_OFFSET: this.commonWrite(off, size, value); return;
      case DEVICE_OFFSET: this.core.writeConfig(off, size, value); return;
      case NOTIFY_OFFSET: this.core.notify(Math.floor(off / NOTIFY_MULTIPLIER)); return;
      default: return;
    }
  }

  /** Config space, with the PCI_CFG capability's data window reaching into the BAR. */
  configRead(offset: number, size: number): number {
    const w = this.cfgWindow(offset, size);
    if (w) return Number(this.barRead(w.bar, w.offset, w.length) & 0xffff_ffffn);
    return this.config.read(offset, size);
  }

  configWrite(offset: number, size: number, value: number): void {
    const w = this.cfgWindow(offset, size);
    if (w) this.barWrite(w.bar, w.offset, w.length, BigInt(value >>> 0));
    else this.config.write(offset, size, value);
  }

  /** An access to pci_cfg_data of the given width, decoded from the capability's bar/offset/length. */
  private cfgWindow(offset: number, size: number): { bar: number; offset: number; length: AccessSize } | undefined {
    const data = this.pciCfgCap + 16;
    if (offset !== data) return undefined;
    const bar = this.config.read(this.pciCfgCap + 4, 1);
    const off = this.config.read(this.pciCfgCap + 8, 4), length = this.config.read(this.pciCfgCap + 12, 4);
    if ((length !== 1 && length !== 2 && length !== 4) || size < length || off % length !== 0) return undefined;
    return { bar, offset: off, length };
  }

  private addCap(type: number, offset: number, length: number, extra?: number, writable: ReadonlyArray<[number, number]> = []): number {
    const body = new Uint8Array(extra === undefined ? 14 : 18);
    const dv = new DataView(body.buffer);
    body[0] = 2 + body.length; // cap_len, counting cap_vndr and cap_next
    body[1] = type;
    body[2] = type === VIRTIO_PCI_CAP_PCI_CFG ? 0 : VIRTIO_PCI_BAR;
    dv.setUint32(6, offset, true);
    dv.setUint32(10, length, true);
    if (extra !== undefined) dv.setUint32(14, extra, true);
    return this.config.addCapability(PCI_CAP_ID_VNDR, body, writable);
  }

  private commonFields(): Field[] {
    const c = this.core;
    const q = () => c.queues[this.qSelect];
    /** Queue layout fields may change only while the queue is disabled (spec §4.1.4.3.2). */
    const setup = () => { const vq = q(); return vq && !vq.ready ? vq : undefined; };
    return [
      { off: VIRTIO_PCI_COMMON_DFSELECT, size: 4, get: () => BigInt(this.dfSelect), set: (v) => { this.dfSelect = Number(v); } },
      { off: VIRTIO_PCI_COMMON_DF, size: 4, get: () => BigInt(c.offeredWord(this.dfSelect)) },
      { off: VIRTIO_PCI_COMMON_GFSELECT, size: 4, get: () => BigInt(this.gfSelect), set: (v) => { this.gfSelect = Number(v); } },
      { off: VIRTIO_PCI_COMMON_GF, size: 4, get: () => (c.driverFeatures >> BigInt(32 * Math.min(this.gfSelect, 2))) & 0xffff_ffffn, set: (v) => c.setDriverWord(this.gfSelect, Number(v)) },
      { off: VIRTIO_PCI_COMMON_MSIX, size: 2, get: () => BigInt(VIRTIO_MSI_NO_VECTOR), set: () => {} },
      { off: VIRTIO_PCI_COMMON_NUMQ, size: 2, get: () => BigInt(c.queues.length) },
      { off: VIRTIO_PCI_COMMON_STATUS, size: 1, get: () => BigInt(c.status), set: (v) => c.setStatus(Number(v)) },
      { off: VIRTIO_PCI_COMMON_CFGGENERATION, size: 1, get: () => BigInt(c.configGeneration) },
      { off: VIRTIO_PCI_COMMON_Q_SELECT, size: 2, get: () => BigInt(this.qSelect), set: (v) => { this.qSelect = Number(v); } },
      { off: VIRTIO_PCI_COMMON_Q_SIZE, size: 2, get: () => BigInt(q()?.size ?? 0), set: (v) => { const s = setup(); if (s) s.size = Number(v); } },
      { off: VIRTIO_PCI_COMMON_Q_MSIX, size: 2, get: () => BigInt(VIRTIO_MSI_NO_VECTOR), set: () => {} },
      { off: VIRTIO_PCI_COMMON_Q_ENABLE, size: 2, get: () => (q()?.ready ? 1n : 0n), set: (v) => { if (v & 1n) c.enableQueue(this.qSelect); } },
      { off: VIRTIO_PCI_COMMON_Q_NOFF, size: 2, get: () => BigInt(q() ? this.qSelect : 0) },
      { off: VIRTIO_PCI_COMMON_Q_DESCLO, size: 8, get: () => q()?.desc ?? 0n, set: (v) => { const s = setup(); if (s) s.desc = v; } },
      { off: VIRTIO_PCI_COMMON_Q_AVAILLO, size: 8, get: () => q()?.driver ?? 0n, set: (v) => { const s = setup(); if (s) s.driver = v; } },
      { off: VIRTIO_PCI_COMMON_Q_USEDLO, size: 8, get: () => q()?.device ?? 0n, set: (v) => { const s = setup(); if (s) s.device = v; } },
    ];
  }

  /** Any width at any offset: the bytes of the fields it covers (32-bit halves of the 64-bit ones included). */
  private commonRead(off: number, size: number): bigint {
    let v = 0n;
    for (let i = size - 1; i >= 0; i--) {
      const o = off + i, f = this.fields.find((x) => o >= x.off && o < x.off + x.size);
      v = (v << 8n) | (f ? (f.get() >> BigInt(8 * (o - f.off))) & 0xffn : 0n);
    }
    return v;
  }

  /** Each field the write covers gets its old value with the written bytes replaced. */
  private commonWrite(off: number, size: number, value: bigint): void {
    for (const f of this.fields) {
      if (!f.set || off >= f.off + f.size || off + size <= f.off) continue;
      let v = f.get();
      for (let i = 0; i < size; i++) {
        const o = off + i - f.off;
        if (o < 0 || o >= f.size) continue;
        const byte = (value >> BigInt(8 * i)) & 0xffn;
        v = (v & ~(0xffn << BigInt(8 * o))) | (byte << BigInt(8 * o));
      }
      f.set(v);
    }
  }
}
