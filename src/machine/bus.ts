// The machine's MMIO bus: the only owner of the physical address map outside RAM.
// Devices (platform/mmio.ts's MmioDevice) see offsets relative to their base, never
// absolute addresses. The hart reaches the bus only on its slow path (a load or store
// that misses RAM).
import type { AccessSize, MmioDevice } from "../platform/mmio.js";

export class BusError extends Error {
  constructor(
    readonly kind: "Overlap" | "EmptyRange",
    message: string,
  ) {
    super(message);
    this.name = "BusError";
  }
}

interface Mapping { base: bigint; end: bigint; dev: MmioDevice }

/** Maps physical ranges to devices. Ranges may not overlap or be empty. */
export class Bus {
  private maps: Mapping[] = [];
  private last: Mapping | undefined;

  /** Place `dev` at [base, base+size). Throws BusError on overlap or a zero size. */
  map(base: bigint, size: bigint, dev: MmioDevice): void {
    if (size <= 0n) throw new BusError("EmptyRange", `${dev.label}: empty range at 0x${base.toString(16)}`);
    const end = base + size;
    for (const m of this.maps) {
      if (base < m.end && m.base < end) {
        throw new BusError("Overlap", `${dev.label} [0x${base.toString(16)}, 0x${end.toString(16)}) overlaps ${m.dev.label}`);
      }
    }
    this.maps.push({ base, end, dev });
    this.maps.sort((a, b) => (a.base < b.base ? -1 : 1));
  }

  private find(addr: bigint): Mapping | undefined {
    const l = this.last;
    if (l && addr >= l.base && addr < l.end) return l;
    for (const m of this.maps) {
      if (addr >= m.base && addr < m.end) return (this.last = m);
    }
    return undefined;
  }

  /** A load; undefined means no device answers (an access fault for the hart). */
  read(addr: bigint, size: AccessSize): bigint | undefined {
    const m = this.find(addr);
    if (!m || addr + BigInt(size) > m.end) return undefined;
    return m.dev.read(Number(addr - m.base), size);
  }

  /** A store; false means no device takes it (an access fault for the hart). */
  write(addr: bigint, size: AccessSize, value: bigint): boolean {
    const m = this.find(addr);
    if (!m || addr + BigInt(size) > m.end) return false;
    return m.dev.write(Number(addr - m.base), size, value);
  }

  /** The current map, for `info mtree`-style listings and tests. */
  regions(): ReadonlyArray<{ base: bigint; size: bigint; label: string }> {
    return this.maps.map((m) => ({ base: m.base, size: m.end - m.base, label: m.dev.label }));
  }
}
