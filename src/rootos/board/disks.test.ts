import assert from "node:assert/strict";
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { readGpt } from "../../images/gpt.js";
import { Scratch } from "../description/testing.js";
import { createMissingDisks } from "./disks.js";

const s = new Scratch();
after(() => s.remove());

const YAML = `board:
  cores: 1
  memory: 64M
  disks:
    - { name: d, image: new.img, create: true, partitions: [{ name: a, size: 3M }, { name: b, size: 8M }] }
    - { name: e, image: kept.img, create: true, size: 32M, partitions: [{ name: c, size: 1M }] }
vms:
  - { name: v, cores: [0], memory: 32M, boot: { kernel: kernel.elf }, devices: [{ virtio: block, partition: b }] }
`;

test("create: true makes the image with the planned GPT; then the description accepts it as it is", async () => {
  const { plan } = await s.load(YAML.replace(/kept\.img/, "kept-new.img"));
  assert.deepEqual(createMissingDisks(plan.board), [join(s.dir, "new.img"), join(s.dir, "kept-new.img")]);
  const image = join(s.dir, "new.img");
  const size = statSync(image).size;
  assert.equal(size, plan.board.disks[0]!.size);
  const fd = openSync(image, "r");
  const table = readGpt((off, len) => { const b = new Uint8Array(len); return b.subarray(0, readSync(fd, b, 0, len, off)); }, size, image);
  closeSync(fd);
  assert.deepEqual(table.partitions.map((p) => [p.name, p.offset, p.size]), plan.board.disks[0]!.partitions.map((p) => [p.name, p.offset, p.size]));
  assert.equal(statSync(join(s.dir, "kept-new.img")).size, 32 << 20);
  // created once: now the images exist, are read back, and nothing is created again
  const again = await s.load(YAML.replace(/kept\.img/, "kept-new.img"));
  assert.deepEqual(again.plan.board.disks.map((d) => d.create), [false, false]);
  assert.deepEqual(again.plan.vms[0]!.devices[0], { kind: "block", partition: "b", disk: "d", image, offset: 4 << 20, size: 8 << 20, readonly: false });
  assert.deepEqual(createMissingDisks(again.plan.board), []);
});
