// Fakes for the description's tests: a scratch directory with the files small
// descriptions name (key.pub a real Ed25519 public key), signed bundles made in it,
// and Debian's cached images as empty files in it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Role } from "../../images/bundle.js";
import type { CachedImages } from "../../images/store.js";
import { testBundle, testKey, type TestKey } from "../trust/testing.js";
import { DescriptionError, type DescriptionIssue } from "./errors.js";
import { loadSystemText, type LoadedSystem, type LoadOptions } from "./load.js";

/** A scratch directory holding kernel.elf, initrd.img, fw.bin, uboot.bin, key.pub and fake Debian images. */
export class Scratch {
  readonly dir = mkdtempSync(join(tmpdir(), "bulkhead-desc-"));
  readonly debian: CachedImages;
  /** The key pair whose public half is key.pub. */
  readonly key: TestKey = testKey("key");

  constructor() {
    for (const f of ["kernel.elf", "initrd.img", "fw.bin", "uboot.bin"]) writeFileSync(join(this.dir, f), "x");
    writeFileSync(join(this.dir, "key.pub"), this.key.publicPem);
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

  /** Write a bundle signed with key.pub's key as `name` in this directory, holding a file of each role. */
  bundle(name: string, target: string, roles: readonly Role[] = ["kernel", "initrd"], version = 1): string {
    const elf = Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1);
    writeFileSync(join(this.dir, name), testBundle(this.key, target, version, roles.map((role) => ({ role, name: `${role}.bin`, bytes: role === "bootloader" ? new Uint8Array(16) : elf }))));
    return join(this.dir, name);
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
