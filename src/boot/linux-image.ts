// The RISC-V Linux `Image` header. Spec: Linux Documentation/arch/riscv/boot-image-header.rst.
// An EFI-stub build (Debian's vmlinuz) starts with "MZ" in code0 and keeps the same
// header; the PE/COFF header it points to (res3) is ignored here.
//
//   0x00 u32 code0        0x04 u32 code1        0x08 u64 text_offset
//   0x10 u64 image_size   0x18 u64 flags        0x20 u32 version
//   0x24 u32 res1         0x28 u64 res2         0x30 u64 magic  "RISCV\0\0\0" (deprecated)
//   0x38 u32 magic2 "RSC\x05"                   0x3c u32 res3 (PE header offset)
import { BootError } from "./boot-error.js";

export const IMAGE_HEADER_SIZE = 64;
const MAGIC = [0x52, 0x49, 0x53, 0x43, 0x56, 0, 0, 0]; // "RISCV\0\0\0"
const MAGIC2 = [0x52, 0x53, 0x43, 0x05]; // "RSC\x05"

export interface LinuxImageHeader {
  /** Load offset from the start of RAM (2 MiB for rv64 S-mode kernels). */
  readonly textOffset: bigint;
  /** Effective size, bss included; 0 in headers older than version 0.2. */
  readonly imageSize: bigint;
  readonly flags: bigint;
  readonly version: { readonly major: number; readonly minor: number };
  /** The file is an EFI-stub (PE/COFF) build: code0 starts with "MZ". */
  readonly efiStub: boolean;
}

function matches(bytes: Uint8Array, at: number, magic: readonly number[]): boolean {
  return magic.every((b, i) => bytes[at + i] === b);
}

/** True when `bytes` carries the RISC-V Image magic (either the deprecated or the current one). */
export function isLinuxImage(bytes: Uint8Array): boolean {
  return bytes.length >= IMAGE_HEADER_SIZE && (matches(bytes, 0x38, MAGIC2) || matches(bytes, 0x30, MAGIC));
}

/**
 * Parse the Image header. Throws BootError NotLinuxImage with a hint for the usual
 * mistakes (a compressed vmlinuz, an initramfs, an arm64/x86 kernel).
 */
export function parseLinuxImage(bytes: Uint8Array, name: string): LinuxImageHeader {
  if (bytes.length < IMAGE_HEADER_SIZE) {
    throw new BootError("ImageTruncated", `${name} is too short (${bytes.length} bytes) to be a Linux kernel Image`);
  }
  if (!isLinuxImage(bytes)) throw new BootError("NotLinuxImage", `${name} is not a RISC-V Linux kernel Image${guessWhatItIs(bytes)}`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const flags = dv.getBigUint64(0x18, true);
  if (flags & 1n) throw new BootError("ImageEndian", `${name} is a big-endian kernel; the harts are little-endian`);
  const version = dv.getUint32(0x20, true);
  return {
    textOffset: dv.getBigUint64(0x08, true),
    imageSize: dv.getBigUint64(0x10, true),
    flags,
    version: { major: version >>> 16, minor: version & 0xffff },
    efiStub: bytes[0] === 0x4d && bytes[1] === 0x5a,
  };
}

/** A hint (" (it looks like ...)") for a file that is not an Image, or "". */
export function guessWhatItIs(bytes: Uint8Array): string {
  const ascii = (at: number, s: string): boolean => bytes.length >= at + s.length && [...s].every((c, i) => bytes[at + i] === c.charCodeAt(0));
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return " (it is gzip-compressed: decompress it first, e.g. zcat vmlinuz > Image)";
  if (ascii(0, "\x28\xb5\x2f\xfd")) return " (it is zstd-compressed: decompress it first)";
  if (ascii(0, "070701") || ascii(0, "070702")) return " (it looks like an initramfs (cpio): pass it with --initrd)";
  if (ascii(0, "\xd0\x0d\xfe\xed")) return " (it is a device tree blob)";
  if (ascii(0, "\x7fELF")) return " (it is an ELF file)";
  if (ascii(0x38, "ARM\x64")) return " (it is an arm64 kernel)";
  if (ascii(0x202, "HdrS")) return " (it is an x86 kernel)";
  if (bytes[0] === 0x4d && bytes[1] === 0x5a) return " (it is a PE/EFI file without the RISC-V Image header)";
  return "";
}
