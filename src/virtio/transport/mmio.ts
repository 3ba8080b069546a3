// virtio-mmio, version 2 (non-legacy). Spec: Virtio 1.2 §4.2.2 (register layout), §4.2.3
// (initialization, notifications). virt: slot i at 0x1000_1000 + i*0x1000, size 0x1000,
// PLIC source 1 + i; device tree node virtio_mmio@ADDR, compatible "virtio,mmio".
import type { AccessSize, MmioDevice, IrqLine } from "../../platform/mmio.js";
import type { VirtioDevice } from "../device.js";
import type { GuestMemory } from "../guest-memory.js";
import { VirtioCore } from "./core.js";

export const VIRTIO_MMIO_MAGIC_VALUE = 0x000;
export const VIRTIO_MMIO_VERSION = 0x004;
export const VIRTIO_MMIO_DEVICE_ID = 0x008;
export const VIRTIO_MMIO_VENDOR_ID = 0x00c;
export const VIRTIO_MMIO_DEVICE_FEATURES = 0x010;
export const VIRTIO_MMIO_DEVICE_FEATURES_SEL = 0x014;
export const VIRTIO_MMIO_DRIVER_FEATURES = 0x020;
export const VIRTIO_MMIO_DRIVER_FEATURES_SEL = 0x024;
export const VIRTIO_MMIO_QUEUE_SEL = 0x030;
export const VIRTIO_MMIO_QUEUE_NUM_MAX = 0x034;
export const VIRTIO_MMIO_QUEUE_NUM = 0x038;
export const VIRTIO_MMIO_QUEUE_READY = 0x044;
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x050;
export const VIRTIO_MMIO_INTERRUPT_STATUS = 0x060;
export const VIRTIO_MMIO_INTERRUPT_ACK = 0x064;
export const VIRTIO_MMIO_STATUS = 0x070;
export const VIRTIO_MMIO_QUEUE_DESC_LOW = 0x080;
export const VIRTIO_MMIO_QUEUE_DESC_HIGH = 0x084;
export const VIRTIO_MMIO_QUEUE_AVAIL_LOW = 0x090;
export const VIRTIO_MMIO_QUEUE_AVAIL_HIGH = 0x094;
export const VIRTIO_MMIO_QUEUE_USED_LOW = 0x0a0;
export const VIRTIO_MMIO_QUEUE_USED_HIGH = 0x0a4;
export const VIRTIO_MMIO_SHM_SEL = 0x0ac;
export const VIRTIO_MMIO_SHM_LEN_LOW = 0x0b0;
export const VIRTIO_MMIO_SHM_LEN_HIGH = 0x0b4;
export const VIRTIO_MMIO_SHM_BASE_LOW = 0x0b8;
export const VIRTIO_MMIO_SHM_BASE_HIGH = 0x0bc;
export const VIRTIO_MMIO_CONFIG_GENERATION = 0x0fc;
export const VIRTIO_MMIO_CONFIG = 0x100;

/** "virt" little-endian. */
export const MAGIC = 0x74726976;
/** Our vendor ID: "BLKH" little-endian (the spec leaves it to the device). */
export const BULKHEAD_VENDOR_ID = 0x484b4c42;

/** One virtio-mmio slot with its device. */
export class VirtioMmio implements MmioDevice {
  readonly label: string;
  readonly core: VirtioCore;
  private deviceSel = 0;
  private driverSel = 0;
  private queueSel = 0;

  constructor(device: VirtioDevice, mem: GuestMemory, irq: IrqLine, log?: (line: string) => void) {
    this.label = device.label;
    this.core = new VirtioCore(device, mem, { interrupt: (l) => irq.set(l), ...(log ? { log } : {}) });
  }

  read(offset: number, size: AccessSize): bigint | undefined {
    if (offset >= VIRTIO_MMIO_CONFIG) return this.core.readConfig(offset - VIRTIO_MMIO_CONFIG, size);
    // Registers are 32-bit (spec §4.2.2.2); anything else reads 0 rather than faulting the guest.
    if (size !== 4 || offset & 3) return 0n;
    return BigInt(this.reg(offset) >>> 0);
  }

  write(offset: number, size: AccessSize, value: bigint): boolean {
    if (offset >= VIRTIO_MMIO_CONFIG) {
      this.core.writeConfig(offset - VIRTIO_MMIO_CONFIG, size, value);
      return true;
    }
    if (size === 4 && !(offset & 3)) this.setReg(offset, Number(value & 0xffff_ffffn));
    return true;
  }

  private reg(off: number): number {
    const c = this.core, vq = c.queues[this.queueSel];
    switch (off) {
      case VIRTIO_MMIO_MAGIC_VALUE: return MAGIC;
      case VIRTIO_MMIO_VERSION: return 2;
      case VIRTIO_MMIO_DEVICE_ID: return c.device.type;
      case VIRTIO_MMIO_VENDOR_ID: return BULKHEAD_VENDOR_ID;
      case VIRTIO_MMIO_DEVICE_FEATURES: return c.offeredWord(this.deviceSel);
      case VIRTIO_MMIO_QUEUE_NUM_MAX: return vq ? vq.maxSize : 0;
      case VIRTIO_MMIO_QUEUE_READY: return vq?.ready ? 1 : 0;
      case VIRTIO_MMIO_INTERRUPT_STATUS: return c.interruptStatus;
      case VIRTIO_MMIO_STATUS: return c.status;
      case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH: return 0xffff_ffff; // no shared memory regions
      case VIRTIO_MMIO_CONFIG_GENERATION: return c.configGeneration;
      default: return 0;
    }
  }

  private setReg(off: number, v: number): void {
    const c = this.core, vq = c.queues[this.queueSel];
    // The queue's layout is fixed while it is enabled (spec §4.2.3.2).
    const setup = vq && !vq.ready ? vq : undefined;
    switch (off) {
      case VIRTIO_MMIO_DEVICE_FEATURES_SEL: this.deviceSel = v; return;
      case VIRTIO_MMIO_DRIVER_FEATURES: c.setDriverWord(this.driverSel, v); return;
      case VIRTIO_MMIO_DRIVER_FEATURES_SEL: this.driverSel = v; return;
      case VIRTIO_MMIO_QUEUE_SEL: this.queueSel = v; return;
      case VIRTIO_MMIO_QUEUE_NUM: if (setup) setup.size = v; return;
      case VIRTIO_MMIO_QUEUE_READY:
        if (v & 1) c.enableQueue(this.queueSel);
        else vq?.reset(); // Linux's vm_del_vq: disabled, and set up afresh next time
        return;
      case VIRTIO_MMIO_QUEUE_NOTIFY: c.notify(v & 0xffff); return;
      case VIRTIO_MMIO_INTERRUPT_ACK: c.ack(v); return;
      case VIRTIO_MMIO_STATUS: c.setStatus(v); return;
      case VIRTIO_MMIO_QUEUE_DESC_LOW: if (setup) setup.desc = lo(setup.desc, v); return;
      case VIRTIO_MMIO_QUEUE_DESC_HIGH: if (setup) setup.desc = hi(setup.desc, v); return;
      case VIRTIO_MMIO_QUEUE_AVAIL_LOW: if (setup) setup.driver = lo(setup.driver, v); return;
      case VIRTIO_MMIO_QUEUE_AVAIL_HIGH: if (setup) setup.driver = hi(setup.driver, v); return;
      case VIRTIO_MMIO_QUEUE_USED_LOW: if (setup) setup.device = lo(setup.device, v); return;
      case VIRTIO_MMIO_QUEUE_USED_HIGH: if (setup) setup.device = hi(setup.device, v); return;
      default: return; // read-only or unknown: ignored
    }
  }
}

/** Replace the low or high 32 bits of a guest's 64-bit address. */
export function lo(addr: bigint, v: number): bigint {
  return (addr & ~0xffff_ffffn) | BigInt(v >>> 0);
}
export function hi(addr: bigint, v: number): bigint {
  return (BigInt(v >>> 0) << 32n) | (addr & 0xffff_ffffn);
}

/**
 * A virtio-mmio slot with no device, as QEMU virt answers one: magic "virt", version 2,
 * device ID 0 (spec §4.2.2.1: "no device", the driver must not go further), our vendor
 * ID; every other register reads 0 and every write is ignored. It has no state, so it
 * leaks nothing: a driver written for QEMU's virt scans the eight slots for its device ID
 * instead of faulting on the first empty one. Not in the device tree.
 */
export class EmptyVirtioMmioSlot implements MmioDevice {
  readonly label = "virtio-mmio (empty)";

  read(offset: number, size: AccessSize): bigint {
    if (size !== 4) return 0n;
    switch (offset) {
      case VIRTIO_MMIO_MAGIC_VALUE: return BigInt(MAGIC);
      case VIRTIO_MMIO_VERSION: return 2n;
      case VIRTIO_MMIO_VENDOR_ID: return BigInt(BULKHEAD_VENDOR_ID);
      default: return 0n;
    }
  }

  write(): boolean { return true; }
}
