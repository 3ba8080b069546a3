import assert from "node:assert/strict";
import { test } from "node:test";
import { BootError } from "./boot-error.js";
import { isLinuxImage, parseLinuxImage } from "./linux-image.js";
import { makeElf, makeLinuxImage } from "./testing.js";

test("parses text_offset, image_size and version", () => {
  const h = parseLinuxImage(makeLinuxImage({ size: 4096, imageSize: 0x1f0_0000n }), "Image");
  assert.equal(h.textOffset, 0x20_0000n);
  assert.equal(h.imageSize, 0x1f0_0000n);
  assert.deepEqual(h.version, { major: 0, minor: 2 });
  assert.equal(h.efiStub, false);
});

test("an EFI-stub build (MZ) is still an Image", () => {
  const h = parseLinuxImage(makeLinuxImage({ size: 4096, efi: true }), "vmlinuz");
  assert.equal(h.efiStub, true);
});

test("the deprecated magic alone is accepted", () => {
  assert.ok(isLinuxImage(makeLinuxImage({ size: 64, oldMagicOnly: true })));
});

function notImage(bytes: Uint8Array, re: RegExp): void {
  assert.throws(() => parseLinuxImage(bytes, "k"), (e: unknown) => e instanceof BootError && e.kind === "NotLinuxImage" && re.test(e.message));
}

test("not an Image: the usual mistakes get a hint", () => {
  const gz = new Uint8Array(128);
  gz.set([0x1f, 0x8b]);
  notImage(gz, /gzip-compressed/);
  notImage(new TextEncoder().encode("070701".padEnd(128, "0")), /initramfs.*--initrd/);
  notImage(makeElf({ entry: 0n, segments: [{ paddr: 0n, data: new Uint8Array(64) }] }), /ELF/);
  const arm = new Uint8Array(128);
  arm.set([0x41, 0x52, 0x4d, 0x64], 0x38);
  notImage(arm, /arm64/);
  notImage(new Uint8Array(128), /^k is not a RISC-V Linux kernel Image$/);
});

test("too short, big-endian", () => {
  assert.throws(() => parseLinuxImage(new Uint8Array(10), "k"), (e: unknown) => e instanceof BootError && e.kind === "ImageTruncated");
  const be = makeLinuxImage({ size: 64 });
  be[0x18] = 1;
  assert.throws(() => parseLinuxImage(be, "k"), (e: unknown) => e instanceof BootError && e.kind === "ImageEndian");
});
