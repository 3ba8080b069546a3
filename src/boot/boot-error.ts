// The one error type of src/boot: every way an image can be unloadable, each message
// saying what is wrong and how to fix it. The CLI prints `bulkhead: <message>`.

export type BootErrorKind =
  | "NotElf"
  | "ElfClass"
  | "ElfEndian"
  | "ElfMachine"
  | "ElfType"
  | "ElfTruncated"
  | "ElfNoSegments"
  | "ElfUnsupported"
  | "NotLinuxImage"
  | "ImageTruncated"
  | "ImageEndian"
  | "WrongImageForMode"
  | "OutsideRam"
  | "MemoryTooSmall"
  | "FdtTooLarge";

export class BootError extends Error {
  constructor(
    readonly kind: BootErrorKind,
    message: string,
  ) {
    super(message);
    this.name = "BootError";
  }
}

/** `0x80200000` style, for messages. */
export function hex(v: bigint | number): string {
  return "0x" + v.toString(16);
}

/** Bytes as MiB for messages: "31 MiB", "0.5 MiB". */
export function mib(bytes: bigint | number): string {
  const m = Number(bytes) / (1 << 20);
  return `${m >= 10 || Number.isInteger(m) ? Math.ceil(m) : m.toFixed(1)} MiB`;
}
