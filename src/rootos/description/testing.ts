// Fakes for the description's tests: a scratch directory with the files small
// descriptions name, and Debian's cached images as empty files in it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CachedImages } from "../../images/store.js";
import { DescriptionError, type DescriptionIssue } from "./errors.js";
import { loadSystemText, type LoadedSystem, type LoadOptions } from "./load.js";

/** A scratch directory holding kernel.elf, initrd.img, fw.bin, uboot.bin, key.pub and fake Debian images. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), "bulkhead-desc-"));
  readonly debian: CachedImages;

  constructor() {
    for (const f of ["kernel.elf", "initrd.img", "fw.bin", "uboot.bin", "key.pub"]) writeFileSync(join(this.dir, f), "x");
    writeFileSync(join(this.dir, "elf-loader"), Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1));
    const deb = join(this.dir, "debian");
    mkdirSync(deb);
    const file = (name: string): string => {
      writeFileSync(join(deb, name), "x");
      return join(deb, name);
    };
    this.debian = {
      kernel: file("vmlinux"), initrd: file("initramfs.cpio.gz"), fwDynamic: file("fw_dynamic.bin"), fwJump: file("fw_jump.bin"),
      uboot: file("u-boot.bin"), modulesDir: deb, kernelVersion: "6.12.0-test", busybox: file("busybox"),
    };
  }

  /** Options that use the fake Debian images. */
  options(extra: LoadOptions = {}): LoadOptions {
    return { debianImages: async () => this.debian, ...extra };
  }

  /** Load `yaml` as the file system.yaml in this directory. */
  load(yaml: string, extra: LoadOptions = {}): Promise<LoadedSystem> {
    return loadSystemText(yaml, join(this.dir, "system.yaml"), this.options(extra));
  }

  /** The issues `yaml` has (none: []). */
  async issues(yaml: string, extra: LoadOptions = {}): Promise<readonly DescriptionIssue[]> {
    try {
      await this.load(yaml, extra);
      return [];
    } catch (e) {
      if (e instanceof DescriptionError) return e.issues;
      throw e;
    }
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
