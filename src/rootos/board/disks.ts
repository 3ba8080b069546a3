// The board's disks: an image the description marks `create: true` that does not exist
// yet is created at start-up, sparse, with exactly the GPT the plan describes (the
// partition offsets in DiskPlan are where src/images buildGpt puts them) and each
// partition's first contents (an `extlinux` partition is a staged-boot disk). Existing
// images are left alone. `bulkhead disk create` writes the same image elsewhere.
import { existsSync, unlinkSync } from "node:fs";
import { writeDiskImage, type DiskImageLayout, type WriteDiskOptions } from "../../images/disk-image.js";
import type { GptPartition } from "../../images/gpt.js";
import type { BoardPlan, DiskPlan } from "../plan/types.js";

/** What src/images needs to write `disk`'s image. */
function layoutOf(disk: DiskPlan): DiskImageLayout {
  return {
    size: disk.size,
    seed: `bulkhead/${disk.name}`,
    partitions: disk.partitions.map((p) => ({
      name: p.name,
      size: p.size,
      ...(p.extlinux ? {
        extlinux: {
          kernel: p.extlinux.kernel.path,
          ...(p.extlinux.initrd ? { initrd: p.extlinux.initrd.path } : {}),
          ...(p.extlinux.append !== undefined ? { append: p.extlinux.append } : {}),
        },
      } : {}),
    })),
  };
}

/**
 * Write `disk`'s image (GPT and partition contents) at `path`, a new file unless
 * `opts.overwrite`; the partitions as placed. Throws ImagesError (DiskExists, DiskCreate, ToolMissing, ...).
 */
export function writeBoardDisk(disk: DiskPlan, path: string, opts: WriteDiskOptions = {}): GptPartition[] {
  return writeDiskImage(path, layoutOf(disk), opts);
}

/** Create `disk`'s image if the plan says to and it is missing; true if it was created. Throws ImagesError. */
export function createDiskImage(disk: DiskPlan): boolean {
  if (!disk.create || existsSync(disk.image)) return false;
  const placed = writeDiskImage(disk.image, layoutOf(disk)); // "wx": never overwrites an image that appeared meanwhile
  placed.forEach((p, i) => {
    const want = disk.partitions[i]!;
    if (p.offset !== want.offset || p.size !== want.size) {
      unlinkSync(disk.image);
      throw new Error(`createDiskImage: partition '${want.name}' planned at ${want.offset}+${want.size}, GPT puts it at ${p.offset}+${p.size}`);
    }
  });
  return true;
}

/** Create every missing `create: true` image of the board; the paths created. */
export function createMissingDisks(board: BoardPlan): string[] {
  return board.disks.filter((d) => createDiskImage(d)).map((d) => d.image);
}
