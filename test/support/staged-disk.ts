// A board disk in the reference layout (system, persist, linux with extlinux, rtos; the
// RootOS writes its event log into persist) and the description of a VM that boots it in stages (OpenSBI → U-Boot → extlinux.conf on
// 'linux'), written by `bulkhead disk create`; for the staged-boot test and the benchmark.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadSystem } from "../../src/rootos/description/index.js";
import type { PartitionPlan, SystemPlan } from "../../src/rootos/plan/index.js";
import { describeRun, runBulkhead } from "./bulkhead.js";

export interface StagedDisk {
  readonly description: string;
  readonly image: string;
  readonly plan: SystemPlan;
  /** A partition of the image, by name. */
  partition(name: string): PartitionPlan;
}

/** Write `dir`/system.yaml and `dir`/board.img; the extlinux.conf boots with `append`. */
export async function makeStagedDisk(dir: string, append: string, vm: { memory: string; timing: "realtime" | "virtual" }): Promise<StagedDisk> {
  const description = join(dir, "system.yaml"), image = join(dir, "board.img");
  writeFileSync(description, `board:
  cores: 2
  memory: 1G
  disks:
    - name: disk0
      image: board.img
      partitions:
        - { name: system, size: 8M }
        - { name: persist, size: 4M }
        - name: linux
          size: 64M
          extlinux: { kernel: debian:kernel, initrd: debian:initrd, append: "${append}" }
        - { name: rtos, size: 2M }
  persist: { partition: persist }
vms:
  - name: debian
    cores: [0]
    memory: ${vm.memory}
    timing: ${vm.timing}
    boot: { firmware: debian:opensbi, bootloader: debian:uboot, disk: linux }
    devices:
      - { virtio: block, partition: linux }
      - { virtio: block, partition: persist, readonly: true }
`);
  const r = await runBulkhead(["disk", "create", "--description", description, image], { timeoutMs: 120_000 });
  if (r.status !== 0) throw new Error(describeRun("bulkhead disk create", r));
  const { plan } = await loadSystem(description);
  const parts = plan.board.disks[0]!.partitions;
  return { description, image, plan, partition: (name) => parts.find((p) => p.name === name)! };
}

/** QEMU's options for one partition of `image` as a virtio-blk-pci disk (its raw driver's offset= and size=). */
export function qemuPartitionDrive(image: string, p: PartitionPlan, id: string, readonly = false): string[] {
  return [
    "-drive", `file=${image},format=raw,offset=${p.offset},size=${p.size},if=none,id=${id},file.locking=off${readonly ? ",readonly=on" : ""}`,
    "-device", `virtio-blk-pci,drive=${id}`,
  ];
}
