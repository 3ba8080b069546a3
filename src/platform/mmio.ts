// The ports between a memory-mapped device and the machine it sits in: the leaf every
// device, the PCI host and the virtio transports import, so none of them imports the
// machine (layers only call downward: ARCHITECTURE.md). Devices never do host I/O
// themselves; the machine (or a test) hands them these.

export type AccessSize = 1 | 2 | 4 | 8;

/** A memory-mapped device. Offsets are relative to the device's base. */
export interface MmioDevice {
  /** Short name for logs and errors, e.g. "uart0". */
  readonly label: string;
  /** A guest load. Return undefined to signal an access fault (e.g. an unsupported width). */
  read(offset: number, size: AccessSize): bigint | undefined;
  /** A guest store. Return false to signal an access fault. */
  write(offset: number, size: AccessSize, value: bigint): boolean;
}

/**
 * One level-triggered interrupt wire from a device to the interrupt controller.
 * The PLIC's `line(source)` returns one; a device calls `set` whenever its output
 * level may have changed (repeating the same level is allowed and cheap).
 */
export interface IrqLine {
  set(level: boolean): void;
}

/** Where a device's output bytes go (a UART's transmitter, for example). */
export type ByteSink = (byte: number) => void;
