// The board's disks at start-up: an image the description marks `create: true` that does
// not exist yet is created, sparse, with exactly the GPT the plan describes (the partition
// offsets in DiskPlan are where src/images buildGpt puts them). Existing images are left alone.
import { closeSync, existsSync, openSync, ftruncateSync, writeSync } from "node:fs";
import { buildGpt } from "../../images/gpt.js";
import type { BoardPlan, DiskPlan } from "../plan/types.js";

/** Create `disk`'s image if the plan says to and it is missing; true if it was created. Throws fs errors (ENOENT, EACCES). */
export function createDiskImage(disk: DiskPlan): boolean {
  if (!disk.create || existsSync(disk.image)) return false;
  const { writes, partitions } = buildGpt(disk.size, disk.partitions.map((p) => ({ name: p.name, size: p.size })), `bulkhead/${disk.name}`);
  partitions.forEach((p, i) => {
    const want = disk.partitions[i]!;
    if (p.offset !== want.offset || p.size !== want.size) throw new Error(`createDiskImage: partition '${want.name}' planned at ${want.offset}+${want.size}, GPT puts it at ${p.offset}+${p.size}`);
  });
  const fd = openSync(disk.image, "wx"); // never overwrite an image that appeared meanwhile
  try {
    ftruncateSync(fd, disk.size);
    for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Create every missing `create: true` image of the board; the paths created. */
export function createMissingDisks(board: BoardPlan): string[] {
  return board.disks.filter((d) => createDiskImage(d)).map((d) => d.image);
}
