// Board disk images: a fresh GPT (gpt.ts) and the first contents of each partition. A
// partition starts zero-filled (the file is sparse) unless it is an extlinux partition:
// then it is a bootable disk of its own, as the VM it is given to sees it, since a VM sees
// only its partition: its own GPT with one ext4 partition (legacy-BIOS-bootable) holding
// /boot/extlinux/extlinux.conf, the kernel and the initrd. Debian's U-Boot boots that
// unchanged: its distro_bootcmd scans "virtio 0:1" for /boot/extlinux/extlinux.conf
// (it does not look for a file system on a disk without a partition table).
//
//   board disk  GPT │ part 1 │ part 2 │ extlinux partition ───────────────────────┐ │ … │ GPT
//   inside it                           GPT │ boot: ext4 /boot/{extlinux/,kernel,initrd} │ GPT
//
// The ext4 file system is made by e2fsprogs' mke2fs -d in a scratch file, then copied in.
import { execFileSync } from "node:child_process";
import { closeSync, copyFileSync, ftruncateSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { findTool } from "./host-tools.js";
import { ImagesError } from "./errors.js";
import { buildGpt, type GptPartition, LEGACY_BIOS_BOOTABLE } from "./gpt.js";

/** What an extlinux partition boots: host files, and the kernel command line. */
export interface ExtlinuxContents {
  readonly kernel: string;
  readonly initrd?: string;
  readonly append?: string;
}

export interface DiskImageLayout {
  /** Bytes. */
  readonly size: number;
  /** GUIDs derive from it (the same layout gives the same GPT). */
  readonly seed: string;
  readonly partitions: readonly { readonly name: string; readonly size: number; readonly extlinux?: ExtlinuxContents }[];
}

export interface WriteDiskOptions {
  /** Replace an existing file; otherwise an existing file is DiskExists. */
  readonly overwrite?: boolean;
  /** Called as partition contents are written (bytes so far of `total`). */
  readonly progress?: (done: number, total: number) => void;
  readonly env?: NodeJS.ProcessEnv;
}

/** The inner GPT's one partition: 1 MiB in, and room for the backup table at the end. */
const INNER_START = 1 << 20;
const INNER_TAIL = 1 << 20;
/** ext4's own metadata (superblocks, inode tables, journal) beside the boot files, and some room to spare. */
const EXT4_OVERHEAD = 8 << 20;
const CHUNK = 1 << 20;

/** The extlinux.conf Debian's U-Boot reads (doc/README.pxe): one entry, booted at once. */
export function extlinuxConf(kernel: string, initrd: string | undefined, append: string | undefined): string {
  return [
    "# Written by bulkhead disk create; read by U-Boot's distro boot (sysboot).",
    "default linux",
    "timeout 0",
    "label linux",
    `  kernel /boot/${kernel}`,
    ...(initrd !== undefined ? [`  initrd /boot/${initrd}`] : []),
    ...(append !== undefined ? [`  append ${append}`] : []),
    "",
  ].join("\n");
}

/**
 * Write a new disk image at `path`: GPT, then each extlinux partition's contents. On any
 * failure the file is removed (nothing half-written stays). Returns the partitions as
 * placed. Throws ImagesError: DiskExists, DiskCreate, ToolMissing (mke2fs),
 * BootFileUnreadable, PartitionTooSmall, CommandFailed.
 */
export function writeDiskImage(path: string, layout: DiskImageLayout, opts: WriteDiskOptions = {}): GptPartition[] {
  const { writes, partitions } = buildGpt(layout.size, layout.partitions, layout.seed);
  const boots = layout.partitions.flatMap((p, i) => (p.extlinux ? [{ part: partitions[i]!, boot: p.extlinux }] : []));
  // Everything that can be checked before the file exists is.
  const mke2fs = boots.length ? findTool("mke2fs", opts.env) : undefined;
  if (boots.length && mke2fs === undefined) throw new ImagesError({ kind: "ToolMissing", tool: "mke2fs", pkg: "e2fsprogs", by: "a disk with an extlinux partition" });
  const sizes = boots.map(({ part, boot }) => {
    const files = [boot.kernel, ...(boot.initrd !== undefined ? [boot.initrd] : [])].map((f) => fileSize(part.name, f));
    const need = INNER_START + INNER_TAIL + EXT4_OVERHEAD + Math.ceil(files.reduce((a, b) => a + b, 0) * 1.05);
    if (part.size < need) throw new ImagesError({ kind: "PartitionTooSmall", partition: part.name, size: part.size, need });
    return part.size - INNER_START - INNER_TAIL;
  });

  let fd: number;
  try {
    fd = openSync(path, opts.overwrite ? "w" : "wx");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "EEXIST") throw new ImagesError({ kind: "DiskExists", path });
    throw new ImagesError({ kind: "DiskCreate", path, why: errnoText(e) });
  }
  try {
    ftruncateSync(fd, layout.size);
    for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
    const total = sizes.reduce((a, b) => a + b, 0);
    let done = 0;
    boots.forEach(({ part, boot }, i) => {
      writeBootPartition(fd, part, boot, sizes[i]!, mke2fs!, (n) => opts.progress?.(done + n, total));
      done += sizes[i]!;
    });
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(path);
    if (e instanceof ImagesError) throw e;
    throw new ImagesError({ kind: "DiskCreate", path, why: errnoText(e) });
  }
  return partitions;
}

/** One extlinux partition: its GPT, then an ext4 of `fsSize` bytes built by mke2fs -d. */
function writeBootPartition(fd: number, part: GptPartition, boot: ExtlinuxContents, fsSize: number, mke2fs: string, progress: (done: number) => void): void {
  const inner = buildGpt(part.size, [{ name: "boot", size: fsSize, attributes: LEGACY_BIOS_BOOTABLE }], `${part.guid}/inner`);
  for (const w of inner.writes) writeSync(fd, w.bytes, 0, w.bytes.length, part.offset + w.offset);
  const scratch = mkdtempSync(join(tmpdir(), "bulkhead-disk-"));
  try {
    const root = join(scratch, "root"), dir = join(root, "boot", "extlinux");
    mkdirSync(dir, { recursive: true });
    const kernel = basename(boot.kernel), initrd = boot.initrd !== undefined ? basename(boot.initrd) : undefined;
    copyBootFile(part.name, boot.kernel, join(root, "boot", kernel));
    if (boot.initrd !== undefined) copyBootFile(part.name, boot.initrd, join(root, "boot", initrd!));
    writeFileSync(join(dir, "extlinux.conf"), extlinuxConf(kernel, initrd, boot.append));
    const fs = join(scratch, "fs.img");
    const ffd = openSync(fs, "w");
    ftruncateSync(ffd, fsSize);
    closeSync(ffd);
    const args = ["-q", "-F", "-t", "ext4", "-L", part.name.slice(0, 16), "-d", root, fs];
    try {
      execFileSync(mke2fs, args, { stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const err = e as { status: number | null; stderr?: Buffer; message: string };
      const output = (err.stderr?.toString() ?? err.message).trim().split("\n").slice(-3).join(" | ");
      throw new ImagesError({ kind: "CommandFailed", command: `mke2fs (partition '${part.name}')`, status: err.status, output });
    }
    copyInto(fd, fs, part.offset + inner.partitions[0]!.offset, progress);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Copy file `from` into `fd` at `at`, skipping zero chunks (the image is sparse and zero there already). */
function copyInto(fd: number, from: string, at: number, progress: (done: number) => void): void {
  const src = openSync(from, "r");
  try {
    const buf = new Uint8Array(CHUNK);
    for (let off = 0; ; off += CHUNK) {
      const n = readSync(src, buf, 0, CHUNK, off);
      if (n === 0) break;
      const chunk = buf.subarray(0, n);
      if (!chunk.every((b) => b === 0)) writeSync(fd, chunk, 0, n, at + off);
      progress(off + n);
    }
  } finally {
    closeSync(src);
  }
}

function fileSize(partition: string, path: string): number {
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ImagesError({ kind: "BootFileUnreadable", partition, path, why: "not a regular file" });
    return st.size;
  } catch (e) {
    if (e instanceof ImagesError) throw e;
    throw new ImagesError({ kind: "BootFileUnreadable", partition, path, why: errnoText(e) });
  }
}

function copyBootFile(partition: string, from: string, to: string): void {
  try {
    copyFileSync(from, to);
  } catch (e) {
    throw new ImagesError({ kind: "BootFileUnreadable", partition, path: from, why: errnoText(e) });
  }
}

function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file or directory";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "EISDIR") return "is a directory";
  if (code === "ENOSPC") return "no space left on the device";
  return (e as Error).message;
}
