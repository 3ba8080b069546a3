// The one address table of the virt machine (QEMU `virt`-compatible, see shared DESIGN.md).
// Every base, size and interrupt number in the project comes from here.

export interface Region { readonly base: bigint; readonly size: bigint }

export const MEMMAP = {
  bootRom: { base: 0x0000_1000n, size: 0x1000n },
  finisher: { base: 0x0010_0000n, size: 0x1000n },
  rtc: { base: 0x0010_1000n, size: 0x1000n },
  clint: { base: 0x0200_0000n, size: 0x1_0000n },
  plic: { base: 0x0c00_0000n, size: 0x60_0000n },
  uart0: { base: 0x1000_0000n, size: 0x100n },
  virtioMmio: { base: 0x1000_1000n, size: 0x1000n }, // slot i at base + i*size, i < 8
  pcieEcam: { base: 0x3000_0000n, size: 0x1000_0000n },
  pcieMmio: { base: 0x4000_0000n, size: 0x4000_0000n },
  ram: { base: 0x8000_0000n, size: 0n }, // size comes from the VM's plan
} as const satisfies Record<string, Region>;

/** PLIC interrupt sources. */
export const IRQ = {
  uart0: 10,
  rtc: 11,
  virtioMmio0: 1, // slot i uses virtioMmio0 + i
  pcieIntx0: 32, // INTA..INTD = 32..35
} as const;

export const VIRTIO_MMIO_SLOTS = 8;
export const PLIC_SOURCES = 96; // as QEMU virt (VIRT_IRQCHIP_NUM_SOURCES)
