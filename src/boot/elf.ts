// ELF64 loader for RISC-V programs (bare-metal tests, firmware ELFs, vmlinux).
// Spec: System V ABI gABI ch. 4 (ELF header, program header) and the RISC-V ELF psABI
// (e_machine EM_RISCV = 243, e_flags). Loads PT_LOAD segments at their physical
// addresses (p_paddr), as QEMU's load_elf does, and zeroes p_memsz - p_filesz (bss).
import { BootError, hex } from "./boot-error.js";
import { type GuestRam, inRam, placeInRam, ramEnd } from "./ram.js";

export const EM_RISCV = 243;
export const PT_LOAD = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const ELFDATA2LSB = 1;
const EF_RISCV_RVE = 0x8;
const EHDR_SIZE = 64;
const PHDR_SIZE = 56;

export interface ElfSegment {
  readonly offset: number;
  readonly vaddr: bigint;
  readonly paddr: bigint;
  readonly filesz: number;
  readonly memsz: bigint;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  readonly flags: number;
}

export interface ElfInfo {
  readonly type: "exec" | "dyn";
  readonly entry: bigint;
  readonly flags: number;
  /** PT_LOAD segments with a non-zero p_memsz, in file order. */
  readonly segments: readonly ElfSegment[];
}

export interface LoadedElf {
  /** Physical entry address (e_entry, translated through its segment when vaddr != paddr). */
  readonly entry: bigint;
  /** Lowest and highest (exclusive) physical address written. */
  readonly low: bigint;
  readonly high: bigint;
}

/** True when `bytes` starts with the ELF magic. */
export function isElf(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x7f && bytes[1] === 0x45 && bytes[2] === 0x4c && bytes[3] === 0x46;
}

/** Parse and check the headers of a RISC-V ELF64 file; `name` is used in messages. */
export function parseElf(bytes: Uint8Array, name: string): ElfInfo {
  if (!isElf(bytes)) throw new BootError("NotElf", `${name} is not an ELF file`);
  if (bytes.length < EHDR_SIZE) throw new BootError("ElfTruncated", `${name}: truncated ELF header (${bytes.length} bytes)`);
  const cls = bytes[4];
  if (cls === ELFCLASS32) {
    throw new BootError("ElfClass", `${name} is a 32-bit ELF; Bulkhead's harts are RV64: build it for rv64 (e.g. -march=rv64gc -mabi=lp64d)`);
  }
  if (cls !== ELFCLASS64) throw new BootError("ElfClass", `${name}: unknown ELF class ${cls}`);
  if (bytes[5] !== ELFDATA2LSB) throw new BootError("ElfEndian", `${name} is a big-endian ELF; RISC-V is little-endian`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = dv.getUint16(16, true);
  const machine = dv.getUint16(18, true);
  if (machine !== EM_RISCV) {
    throw new BootError("ElfMachine", `${name} is an ELF for machine ${machine} (${machineName(machine)}), not RISC-V (${EM_RISCV})`);
  }
  if (type !== ET_EXEC && type !== ET_DYN) {
    throw new BootError("ElfType", `${name} is an ELF of type ${type} (${type === 1 ? "relocatable object: link it first" : "not an executable"}), not an executable`);
  }
  const entry = dv.getBigUint64(24, true);
  const phoff = dv.getBigUint64(32, true);
  const flags = dv.getUint32(48, true);
  const phentsize = dv.getUint16(54, true);
  const phnum = dv.getUint16(56, true);
  if (flags & EF_RISCV_RVE) throw new BootError("ElfUnsupported", `${name} is built for RV64E (16 registers); the harts implement RV64GC`);
  if (phnum > 0 && phentsize < PHDR_SIZE) throw new BootError("ElfTruncated", `${name}: program header entries are ${phentsize} bytes, expected ${PHDR_SIZE}`);
  if (phoff + BigInt(phnum * phentsize) > BigInt(bytes.length)) {
    throw new BootError("ElfTruncated", `${name}: program headers run past the end of the file (truncated download?)`);
  }
  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = Number(phoff) + i * phentsize;
    if (dv.getUint32(p, true) !== PT_LOAD) continue;
    const offset = dv.getBigUint64(p + 8, true);
    const filesz = dv.getBigUint64(p + 32, true);
    const memsz = dv.getBigUint64(p + 40, true);
    if (memsz === 0n) continue;
    if (filesz > memsz) throw new BootError("ElfTruncated", `${name}: segment ${i} has p_filesz > p_memsz`);
    if (offset + filesz > BigInt(bytes.length)) {
      throw new BootError("ElfTruncated", `${name}: segment ${i} runs past the end of the file (truncated download?)`);
    }
    segments.push({
      offset: Number(offset),
      vaddr: dv.getBigUint64(p + 16, true),
      paddr: dv.getBigUint64(p + 24, true),
      filesz: Number(filesz),
      memsz,
      flags: dv.getUint32(p + 4, true),
    });
  }
  if (segments.length === 0) throw new BootError("ElfNoSegments", `${name}: no loadable (PT_LOAD) segments`);
  return { type: type === ET_EXEC ? "exec" : "dyn", entry, flags, segments };
}

/** The physical address of the entry point: e_entry mapped through the segment holding it. */
export function physicalEntry(info: ElfInfo): bigint {
  for (const s of info.segments) {
    if (info.entry >= s.vaddr && info.entry < s.vaddr + s.memsz) return info.entry - s.vaddr + s.paddr;
  }
  return info.entry;
}

/** The physical range [low, high) the segments occupy. */
export function elfExtent(info: ElfInfo): { low: bigint; high: bigint } {
  let low = BigInt.asUintN(64, -1n);
  let high = 0n;
  for (const s of info.segments) {
    if (s.paddr < low) low = s.paddr;
    if (s.paddr + s.memsz > high) high = s.paddr + s.memsz;
  }
  return { low, high };
}

/**
 * Load a RISC-V ELF64 into guest RAM: every PT_LOAD segment at p_paddr, bss zeroed.
 * Throws BootError (not an ELF, wrong class or machine, a segment outside RAM).
 */
export function loadElf(ram: GuestRam, bytes: Uint8Array, name: string): LoadedElf {
  const info = parseElf(bytes, name);
  info.segments.forEach((s, i) => {
    if (!inRam(ram, s.paddr, s.memsz)) {
      throw new BootError(
        "OutsideRam",
        `${name}: segment ${i} [${hex(s.paddr)}, ${hex(s.paddr + s.memsz)}) lies outside RAM [${hex(ram.base)}, ${hex(ramEnd(ram))}): ` +
          (s.paddr >= ram.base && s.paddr < ramEnd(ram) ? "give the VM more memory (--memory)" : `link it for the virt machine's RAM at ${hex(ram.base)}`),
      );
    }
  });
  for (const [i, s] of info.segments.entries()) {
    placeInRam(ram, s.paddr, bytes.subarray(s.offset, s.offset + s.filesz), `${name} segment ${i}`, Number(s.memsz));
  }
  return { entry: physicalEntry(info), ...elfExtent(info) };
}

function machineName(m: number): string {
  const names: Record<number, string> = { 3: "x86", 8: "MIPS", 20: "PowerPC", 21: "PowerPC64", 40: "ARM", 62: "x86-64", 183: "AArch64", 258: "LoongArch" };
  return names[m] ?? "unknown";
}
