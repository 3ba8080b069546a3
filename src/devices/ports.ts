// The narrow ports through which platform devices reach the rest of the machine.
// Devices never do host I/O themselves; the machine (or a test) hands them these.

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
