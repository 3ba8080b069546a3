// A VM's virtio devices, placed on the virt machine: virtio-pci functions on the PCIe host
// bridge (ECAM 0x3000_0000, window 0x4000_0000, INTx → PLIC 32..35; slots 1, 2, ... in
// configuration order) and virtio-mmio devices in the slots at 0x1000_1000 (IRQ 1..8, in
// configuration order). Only what is configured is a device: with no virtio-pci device
// there is no host bridge, on the bus or in the device tree; the mmio slots left empty
// answer as QEMU virt's do ("no device", no state) and are not in the tree.
import { FdtNode, type VirtPhandles } from "../boot/fdt.js";
import type { Plic } from "./plic/index.js";
import { PciHost } from "../pci/host.js";
import type { DeviceEnv, VirtioDevice, VirtioDeviceConfig } from "../virtio/device.js";
import type { GuestMemory } from "../virtio/guest-memory.js";
import type { VirtioCore } from "../virtio/transport/core.js";
import { EmptyVirtioMmioSlot, VirtioMmio } from "../virtio/transport/mmio.js";
import { VirtioPci } from "../virtio/transport/pci.js";
import type { Bus } from "./bus.js";
import { IRQ, MEMMAP, VIRTIO_MMIO_SLOTS } from "../platform/memmap.js";

/** One placed device: where it is, its model, its transport state (status, errors). */
export interface PlacedDevice {
  readonly device: VirtioDevice;
  readonly core: VirtioCore;
  /** "pci 00:01.0" or "mmio 0x10001000 irq 1". */
  readonly where: string;
}

export interface PlacedDevices {
  readonly devices: readonly PlacedDevice[];
  /** The PCIe host bridge, when any device is on PCI. */
  readonly pci: PciHost | undefined;
  /** Their device tree nodes under /soc: the pci host, then the virtio_mmio slots in use. */
  socNodes(ph: VirtPhandles): FdtNode[];
}

export interface PlaceContext {
  readonly bus: Bus;
  readonly plic: Plic;
  readonly mem: GuestMemory;
  readonly env: DeviceEnv;
}

/** Build each configured device and map its transport. Limits are checked by the caller's config check. */
export function placeVirtioDevices(configs: readonly VirtioDeviceConfig[], c: PlaceContext): PlacedDevices {
  const devices: PlacedDevice[] = [];
  const mmioSlots: number[] = [];
  let pci: PciHost | undefined;
  const log = (line: string) => c.env.log(line);
  for (const cfg of configs) {
    const device = cfg.create(c.env);
    if (cfg.transport === "virtio-pci") {
      pci ??= newPciHost(c);
      const fn = new VirtioPci(device, c.mem, log);
      const { slot, intx } = pci.plug(fn);
      fn.attach(intx);
      devices.push({ device, core: fn.core, where: `pci 00:${slot.toString(16).padStart(2, "0")}.0` });
    } else {
      const i = mmioSlots.length;
      if (i >= VIRTIO_MMIO_SLOTS) throw new RangeError(`more than ${VIRTIO_MMIO_SLOTS} virtio-mmio devices`);
      const base = MEMMAP.virtioMmio.base + BigInt(i) * MEMMAP.virtioMmio.size;
      const t = new VirtioMmio(device, c.mem, c.plic.line(IRQ.virtioMmio0 + i), log);
      c.bus.map(base, MEMMAP.virtioMmio.size, t);
      mmioSlots.push(i);
      devices.push({ device, core: t.core, where: `mmio 0x${base.toString(16)} irq ${IRQ.virtioMmio0 + i}` });
    }
  }
  const empty = new EmptyVirtioMmioSlot();
  for (let i = mmioSlots.length; i < VIRTIO_MMIO_SLOTS; i++) {
    c.bus.map(MEMMAP.virtioMmio.base + BigInt(i) * MEMMAP.virtioMmio.size, MEMMAP.virtioMmio.size, empty);
  }
  return {
    devices,
    pci,
    socNodes: (ph) => [
      ...(pci ? [pci.fdtNode(ph.plic, IRQ.pcieIntx0)] : []),
      ...mmioSlots.map((i) => {
        const base = MEMMAP.virtioMmio.base + BigInt(i) * MEMMAP.virtioMmio.size;
        return new FdtNode(`virtio_mmio@${base.toString(16)}`)
          .u32("interrupts", IRQ.virtioMmio0 + i).u32("interrupt-parent", ph.plic)
          .reg({ base, size: MEMMAP.virtioMmio.size }).string("compatible", "virtio,mmio");
      }),
    ],
  };
}

function newPciHost(c: PlaceContext): PciHost {
  const host = new PciHost([0, 1, 2, 3].map((i) => c.plic.line(IRQ.pcieIntx0 + i)), MEMMAP.pcieEcam, MEMMAP.pcieMmio);
  c.bus.map(MEMMAP.pcieEcam.base, MEMMAP.pcieEcam.size, host.ecam);
  c.bus.map(MEMMAP.pcieMmio.base, MEMMAP.pcieMmio.size, host.window);
  return host;
}
