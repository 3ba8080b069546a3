// Where the boot images go in guest RAM, and putting them there. The placement follows
// QEMU's hw/riscv/boot.c (riscv_calc_kernel_start_addr, riscv_load_initrd,
// riscv_compute_fdt_addr) so that firmware and kernels built for `-M virt` find what
// they expect:
//
//   RAM base ─┬─ firmware (firmware mode: OpenSBI at RAM base)
//             ├─ kernel   (2 MiB aligned: RAM base + text_offset, or after the firmware)
//             │   ...
//             ├─ initrd   (kernel + min(RAM/2, 128 MiB); else as high as fits below the fdt)
//             │   ...
//             ├─ fdt      (2 MiB aligned, at the top of RAM below the 3 GiB physical line)
//   RAM end ──┘
//
// Planning is pure (sizes in, addresses out) so it is tested without a machine; loading
// copies the images into a GuestRam.
import { BootError, hex, mib } from "./boot-error.js";
import { type ElfInfo, elfExtent, isElf, parseElf, physicalEntry } from "./elf.js";
import { guessWhatItIs, isLinuxImage, type LinuxImageHeader, parseLinuxImage } from "./linux-image.js";
import { type GuestRam, placeInRam } from "./ram.js";

/**
 * direct: the host answers SBI; a Linux Image (or S-mode ELF) starts in S-mode.
 * firmware: M-mode firmware (OpenSBI) at RAM base, then the kernel.
 * bare: an M-mode program (ELF) and nothing else, like `qemu -bios none -kernel x.elf`.
 */
export type BootMode = "direct" | "firmware" | "bare";

/** A file to load: its name (for messages) and contents. */
export interface ImageFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type KernelFormat =
  | { readonly kind: "linux-image"; readonly header: LinuxImageHeader }
  | { readonly kind: "elf"; readonly info: ElfInfo }
  | { readonly kind: "raw" };

/** A kernel (or firmware) whose format is known. */
export interface IdentifiedImage extends ImageFile {
  readonly format: KernelFormat;
}

export const KERNEL_ALIGN = 2n << 20n; // rv64: 2 MiB (a PMD), riscv_calc_kernel_start_addr
export const FDT_ALIGN = 2n << 20n;
const PAGE = 4096n;
const INITRD_MAX_OFFSET = 128n << 20n;
/** QEMU keeps the fdt below this physical address so 32-bit code can reach it. */
const FDT_CEILING = 3n << 30n;
/**
 * RAM a Linux kernel needs beyond its image, initrd and fdt to get through early boot:
 * Debian's 6.12 panics in sparse_init (a 32 MiB memblock allocation) with 64 MiB of RAM
 * and boots to a shell with 96 MiB. Checked only for Linux Images, which say what they are.
 */
export const LINUX_MIN_FREE_BYTES = 48n << 20n;
/** Where S-mode payloads go when they say nothing (fw_jump's FW_JUMP_ADDR offset). */
const DEFAULT_TEXT_OFFSET = 0x20_0000n;
/** The largest RAM a VM can have, 3.5 GiB: the hart keeps its state and decoded code below RAM in one 4 GiB wasm memory. */
export const MAX_RAM_BYTES = 0xE000_0000n;

/**
 * Decide what a kernel file is. ELF and Linux Image are recognised by their headers; a
 * raw binary only when `raw` is set (otherwise an unrecognised file is an error, because
 * loading a random file as code fails much later and much more confusingly).
 */
export function identifyKernel(file: ImageFile, mode: BootMode, raw = false): IdentifiedImage {
  if (raw) return { ...file, format: { kind: "raw" } };
  if (isElf(file.bytes)) return { ...file, format: { kind: "elf", info: parseElf(file.bytes, file.name) } };
  if (isLinuxImage(file.bytes)) {
    if (mode === "bare") {
      throw new BootError(
        "WrongImageForMode",
        `${file.name} is a Linux kernel Image, which needs an SBI: boot it with --bios builtin (the default) or with OpenSBI (--bios fw_dynamic.bin)`,
      );
    }
    return { ...file, format: { kind: "linux-image", header: parseLinuxImage(file.bytes, file.name) } };
  }
  const what = mode === "bare" ? "an ELF program" : "a RISC-V Linux kernel Image or an ELF";
  throw new BootError("NotLinuxImage", `${file.name} is not ${what}${guessWhatItIs(file.bytes)}; load it as a raw binary with --raw-kernel`);
}

/** Decide what a firmware file is: an ELF, or else a raw binary (fw_dynamic.bin). */
export function identifyFirmware(file: ImageFile): IdentifiedImage {
  if (isElf(file.bytes)) return { ...file, format: { kind: "elf", info: parseElf(file.bytes, file.name) } };
  if (isLinuxImage(file.bytes)) {
    throw new BootError("WrongImageForMode", `${file.name} is a Linux kernel Image, not firmware: pass it with --kernel`);
  }
  return { ...file, format: { kind: "raw" } };
}

export interface Range {
  readonly start: bigint;
  /** Exclusive. */
  readonly end: bigint;
}

export interface BootPlan {
  readonly firmware?: Range & { readonly entry: bigint };
  readonly kernel?: Range & { readonly entry: bigint };
  readonly initrd?: Range;
  /** `end` is the end of the space reserved for the fdt (the fdt may grow up to it). */
  readonly fdt: Range;
}

export interface PlanInput {
  readonly mode: BootMode;
  readonly ramBase: bigint;
  readonly ramBytes: bigint;
  readonly firmware?: IdentifiedImage;
  readonly kernel?: IdentifiedImage;
  readonly initrdBytes?: number;
  readonly fdtBytes: number;
}

const alignUp = (v: bigint, a: bigint): bigint => ((v + a - 1n) / a) * a;
const alignDown = (v: bigint, a: bigint): bigint => (v / a) * a;
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);

/** [start, end) and entry of an image placed at `at` (ELF: at its own addresses). */
function extentOf(img: IdentifiedImage, at: bigint): Range & { entry: bigint } {
  const f = img.format;
  if (f.kind === "elf") {
    const { low, high } = elfExtent(f.info);
    return { start: low, end: high, entry: physicalEntry(f.info) };
  }
  const len = BigInt(img.bytes.length);
  const size = f.kind === "linux-image" ? max(f.header.imageSize, len) : len;
  return { start: at, end: at + size, entry: at };
}

/**
 * Compute where everything goes. Throws BootError MemoryTooSmall, with a suggested
 * size, when kernel + initrd + fdt do not fit, and WrongImageForMode / OutsideRam for
 * images that cannot be placed at all.
 */
export function planBoot(input: PlanInput): BootPlan {
  const plan = tryPlan(input);
  if (typeof plan !== "string") return plan;
  const parts = [
    input.firmware && `firmware (${mib(input.firmware.bytes.length)})`,
    input.kernel && `kernel (${mib(input.kernel.bytes.length)})`,
    input.initrdBytes !== undefined && `initrd (${mib(input.initrdBytes)})`,
    "device tree",
  ].filter(Boolean);
  throw new BootError(
    "MemoryTooSmall",
    `memory ${mib(input.ramBytes)} is too small for ${parts.join(" + ")} (${plan}): use --memory ${suggestMemory(input)}`,
  );
}

/**
 * A --memory value (e.g. "256M") for which the images fit with room to spare: the
 * smallest power of two that is at least twice what they occupy and that plans.
 */
export function suggestMemory(input: PlanInput): string {
  const footprint = BigInt((input.firmware?.bytes.length ?? 0) + (input.kernel?.bytes.length ?? 0) + (input.initrdBytes ?? 0) + input.fdtBytes);
  for (let m = 16n << 20n; m <= MAX_RAM_BYTES; m *= 2n) {
    if (m >= 2n * footprint && typeof tryPlan({ ...input, ramBytes: m }) !== "string") return formatSize(m);
  }
  return formatSize(MAX_RAM_BYTES);
}

/** 512M, 2G, 4095M: a size as --memory takes it. */
export function formatSize(bytes: bigint): string {
  return bytes % (1n << 30n) === 0n ? `${bytes >> 30n}G` : `${bytes >> 20n}M`;
}

/** The plan, or a short reason why it does not fit. */
function tryPlan(input: PlanInput): BootPlan | string {
  const { ramBase, ramBytes } = input;
  const ramEnd = ramBase + ramBytes;
  const outside = (what: string, r: Range): never => {
    throw new BootError(
      "OutsideRam",
      `${what} [${hex(r.start)}, ${hex(r.end)}) lies outside RAM [${hex(ramBase)}, ${hex(ramEnd)}): link it for the virt machine's RAM at ${hex(ramBase)}`,
    );
  };

  let firmware: (Range & { entry: bigint }) | undefined;
  if (input.mode === "firmware") {
    if (!input.firmware) throw new Error("firmware mode needs a firmware image");
    firmware = extentOf(input.firmware, ramBase);
    if (firmware.start < ramBase) outside(input.firmware.name, firmware);
    if (firmware.end > ramEnd) return "the firmware alone fills RAM";
  }

  let kernel: (Range & { entry: bigint }) | undefined;
  if (input.kernel) {
    const f = input.kernel.format;
    let at = ramBase;
    if (f.kind === "linux-image") at = alignUp(ramBase + f.header.textOffset, KERNEL_ALIGN);
    else if (f.kind === "raw" && input.mode === "direct") at = ramBase + DEFAULT_TEXT_OFFSET;
    if (firmware && f.kind !== "elf") at = alignUp(max(at, firmware.end), KERNEL_ALIGN);
    kernel = extentOf(input.kernel, at);
    if (kernel.start < ramBase || kernel.start >= ramEnd) outside(input.kernel.name, kernel);
    if (kernel.end > ramEnd) return "the kernel does not fit";
    if (firmware && kernel.start < firmware.end && firmware.start < kernel.end) {
      throw new BootError("OutsideRam", `${input.kernel.name} [${hex(kernel.start)}, ${hex(kernel.end)}) overlaps the firmware [${hex(firmware.start)}, ${hex(firmware.end)})`);
    }
  } else if (input.mode !== "firmware") {
    throw new Error(`${input.mode} mode needs a kernel`);
  }

  const top = ramBase < FDT_CEILING ? min(ramEnd, FDT_CEILING) : ramEnd;
  const fdtStart = alignDown(top - BigInt(input.fdtBytes), FDT_ALIGN);
  const used = max(kernel?.end ?? ramBase, firmware?.end ?? ramBase);
  if (fdtStart < used || fdtStart < ramBase) return "no room left for the device tree";

  let initrd: Range | undefined;
  if (input.initrdBytes !== undefined) {
    const size = BigInt(input.initrdBytes);
    const base = kernel?.start ?? firmware?.end ?? ramBase;
    const low = alignUp(base + min(ramBytes / 2n, INITRD_MAX_OFFSET), PAGE);
    const high = alignDown(fdtStart - size, PAGE);
    if (low >= used && low + size <= fdtStart) initrd = { start: low, end: low + size };
    else if (high >= alignUp(used, PAGE)) initrd = { start: high, end: high + size };
    else return "no room left for the initrd";
  }

  if (input.kernel?.format.kind === "linux-image") {
    const free = ramEnd - kernel!.end - (initrd ? initrd.end - initrd.start : 0n) - (top - fdtStart);
    if (free < LINUX_MIN_FREE_BYTES) return `Linux needs about ${LINUX_MIN_FREE_BYTES >> 20n} MiB free besides them`;
  }

  return { firmware, kernel, initrd, fdt: { start: fdtStart, end: top } };
}

/** The images to copy once a plan is made. */
export interface BootImages {
  readonly firmware?: IdentifiedImage;
  readonly kernel?: IdentifiedImage;
  readonly initrd?: ImageFile;
  readonly fdt: Uint8Array;
}

/** Copy firmware, kernel, initrd and fdt into RAM where `plan` says. */
export function loadBoot(ram: GuestRam, plan: BootPlan, images: BootImages): void {
  if (images.firmware && plan.firmware) loadImage(ram, images.firmware, plan.firmware.start);
  if (images.kernel && plan.kernel) loadImage(ram, images.kernel, plan.kernel.start);
  if (images.initrd && plan.initrd) placeInRam(ram, plan.initrd.start, images.initrd.bytes, images.initrd.name);
  if (BigInt(images.fdt.length) > plan.fdt.end - plan.fdt.start) {
    throw new BootError("FdtTooLarge", `the device tree (${images.fdt.length} bytes) outgrew its ${plan.fdt.end - plan.fdt.start} bytes`);
  }
  placeInRam(ram, plan.fdt.start, images.fdt, "device tree");
}

/** Load one identified image: ELF segments at their addresses, anything else at `at`. */
export function loadImage(ram: GuestRam, img: IdentifiedImage, at: bigint): void {
  const f = img.format;
  if (f.kind === "elf") {
    for (const [i, s] of f.info.segments.entries()) {
      placeInRam(ram, s.paddr, img.bytes.subarray(s.offset, s.offset + s.filesz), `${img.name} segment ${i}`, Number(s.memsz));
    }
    return;
  }
  const memLen = f.kind === "linux-image" ? Math.max(Number(f.header.imageSize), img.bytes.length) : img.bytes.length;
  placeInRam(ram, at, img.bytes, img.name, memLen);
}
