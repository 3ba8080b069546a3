import assert from "node:assert/strict";
import { test } from "node:test";
import { BootError } from "./boot-error.js";
import { formatSize, identifyFirmware, identifyKernel, loadBoot, planBoot } from "./loader.js";
import { makeElf, makeLinuxImage } from "./testing.js";

const RAM = 0x8000_0000n;
const M = 1 << 20;
const MB = 1n << 20n;
const image = (size: number, imageSize = BigInt(size)) => identifyKernel({ name: "Image", bytes: makeLinuxImage({ size, imageSize }) }, "direct");

test("direct: kernel at RAM base + text_offset, initrd at kernel + 128 MiB, fdt 2 MiB aligned at the top", () => {
  const p = planBoot({ mode: "direct", ramBase: RAM, ramBytes: 512n * MB, kernel: image(31 * M, 33n * MB), initrdBytes: 20 * M, fdtBytes: 8192 });
  assert.deepEqual(p.kernel, { start: 0x8020_0000n, end: 0x8020_0000n + 33n * MB, entry: 0x8020_0000n });
  assert.deepEqual(p.initrd, { start: 0x8820_0000n, end: 0x8820_0000n + 20n * MB });
  assert.deepEqual(p.fdt, { start: 0x9fe0_0000n, end: 0xa000_0000n });
});

test("small RAM: initrd at kernel + RAM/2", () => {
  const p = planBoot({ mode: "direct", ramBase: RAM, ramBytes: 128n * MB, kernel: image(31 * M), initrdBytes: 20 * M, fdtBytes: 8192 });
  assert.equal(p.initrd?.start, 0x8420_0000n);
  assert.equal(p.fdt.start, 0x87e0_0000n);
});

test("initrd falls back to just below the fdt when the kernel is larger than RAM/2", () => {
  const raw = identifyKernel({ name: "blob", bytes: new Uint8Array(25 * M) }, "direct", true);
  const p = planBoot({ mode: "direct", ramBase: RAM, ramBytes: 48n * MB, kernel: raw, initrdBytes: 4 * M, fdtBytes: 8192 });
  assert.equal(p.fdt.start, 0x82e0_0000n);
  assert.deepEqual(p.initrd, { start: 0x82a0_0000n, end: 0x82e0_0000n });
});

test("a Linux Image needs working memory beyond its image (Debian's panics in 64 MiB)", () => {
  assert.throws(
    () => planBoot({ mode: "direct", ramBase: RAM, ramBytes: 64n * MB, kernel: image(31 * M), initrdBytes: 2 * M, fdtBytes: 8192 }),
    /memory 64 MiB is too small for kernel \(31 MiB\) \+ initrd \(2 MiB\) \+ device tree \(Linux needs about 48 MiB free besides them\): use --memory 128M$/,
  );
  assert.ok(planBoot({ mode: "direct", ramBase: RAM, ramBytes: 96n * MB, kernel: image(31 * M), initrdBytes: 2 * M, fdtBytes: 8192 }));
});

test("the fdt stays below the 3 GiB physical line with large RAM", () => {
  const p = planBoot({ mode: "direct", ramBase: RAM, ramBytes: 4095n * MB, kernel: image(M), fdtBytes: 8192 });
  assert.equal(p.fdt.start, 0xbfe0_0000n);
  assert.equal(p.fdt.end, 0xc000_0000n);
});

test("too small: names the sizes and suggests a --memory", () => {
  assert.throws(
    () => planBoot({ mode: "direct", ramBase: RAM, ramBytes: 64n * MB, kernel: image(31 * M), initrdBytes: 40 * M, fdtBytes: 8192 }),
    (e: unknown) =>
      e instanceof BootError && e.kind === "MemoryTooSmall" &&
      /^memory 64 MiB is too small for kernel \(31 MiB\) \+ initrd \(40 MiB\) \+ device tree \(.*\): use --memory 256M$/.test(e.message),
  );
  assert.throws(
    () => planBoot({ mode: "direct", ramBase: RAM, ramBytes: 16n * MB, kernel: image(31 * M), fdtBytes: 8192 }),
    /kernel \(31 MiB\) \+ device tree \(the kernel does not fit\): use --memory 128M/,
  );
});

test("firmware: OpenSBI at RAM base, kernel at the next 2 MiB boundary", () => {
  const fw = identifyFirmware({ name: "fw_dynamic.bin", bytes: new Uint8Array(300 * 1024) });
  assert.equal(fw.format.kind, "raw");
  const p = planBoot({ mode: "firmware", ramBase: RAM, ramBytes: 512n * MB, firmware: fw, kernel: image(31 * M), fdtBytes: 8192 });
  assert.deepEqual(p.firmware, { start: RAM, end: RAM + 300n * 1024n, entry: RAM });
  assert.equal(p.kernel?.start, 0x8020_0000n);
  const big = identifyFirmware({ name: "fw.bin", bytes: new Uint8Array(3 * M) });
  assert.equal(planBoot({ mode: "firmware", ramBase: RAM, ramBytes: 512n * MB, firmware: big, kernel: image(M), fdtBytes: 8192 }).kernel?.start, 0x8040_0000n);
  assert.throws(() => identifyFirmware({ name: "Image", bytes: makeLinuxImage({ size: 64 }) }), /pass it with --kernel/);
});

test("bare: an ELF at its own addresses; an Image is refused; raw only when asked", () => {
  const elf = makeElf({ entry: RAM + 0x10n, segments: [{ paddr: RAM, data: new Uint8Array(64), memsz: 4096 }] });
  const k = identifyKernel({ name: "t.elf", bytes: elf }, "bare");
  const p = planBoot({ mode: "bare", ramBase: RAM, ramBytes: 16n * MB, kernel: k, fdtBytes: 4096 });
  assert.deepEqual(p.kernel, { start: RAM, end: RAM + 4096n, entry: RAM + 0x10n });
  assert.throws(() => identifyKernel({ name: "Image", bytes: makeLinuxImage({ size: 64 }) }, "bare"), /needs an SBI: boot it with --bios builtin/);
  assert.throws(() => identifyKernel({ name: "blob", bytes: new Uint8Array(64) }, "bare"), /blob is not an ELF program; load it as a raw binary with --raw-kernel/);
  const raw = identifyKernel({ name: "blob", bytes: new Uint8Array(64) }, "bare", true);
  assert.equal(planBoot({ mode: "bare", ramBase: RAM, ramBytes: 16n * MB, kernel: raw, fdtBytes: 4096 }).kernel?.start, RAM);
  assert.equal(planBoot({ mode: "direct", ramBase: RAM, ramBytes: 16n * MB, kernel: raw, fdtBytes: 4096 }).kernel?.start, 0x8020_0000n);
});

test("an ELF linked outside RAM is refused", () => {
  const k = identifyKernel({ name: "low.elf", bytes: makeElf({ entry: 0n, segments: [{ paddr: 0x1000n, data: new Uint8Array(4) }] }) }, "bare");
  assert.throws(() => planBoot({ mode: "bare", ramBase: RAM, ramBytes: 16n * MB, kernel: k, fdtBytes: 4096 }), /outside RAM.*link it/);
});

test("loadBoot copies every image where planned", () => {
  const ram = { base: RAM, bytes: new Uint8Array(64 * M) };
  const kernel = image(4096, 8192n);
  const initrd = { name: "initrd", bytes: new Uint8Array([7, 7, 7]) };
  const fdt = new Uint8Array([0xd0, 0x0d, 0xfe, 0xed]);
  const p = planBoot({ mode: "direct", ramBase: RAM, ramBytes: 64n * MB, kernel, initrdBytes: 3, fdtBytes: fdt.length });
  ram.bytes.fill(0xaa);
  loadBoot(ram, p, { kernel, initrd, fdt });
  const at = (a: bigint) => Number(a - RAM);
  assert.equal(ram.bytes[at(p.kernel!.start) + 0x38], 0x52);
  assert.equal(ram.bytes[at(p.kernel!.start) + 5000], 0, "Image bss zeroed up to image_size");
  assert.equal(ram.bytes[at(p.initrd!.start) + 2], 7);
  assert.equal(ram.bytes[at(p.fdt.start)], 0xd0);
  assert.throws(() => loadBoot(ram, { ...p, fdt: { start: p.fdt.start, end: p.fdt.start + 2n } }, { kernel, fdt }), /outgrew/);
});

test("formatSize", () => {
  assert.equal(formatSize(256n * MB), "256M");
  assert.equal(formatSize(2048n * MB), "2G");
});
