import assert from "node:assert/strict";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, test } from "node:test";
import { buildGpt } from "../../images/gpt.js";
import { DEFAULT_SYSTEM, loadSystem } from "../description/index.js";
import { Scratch } from "../description/testing.js";
import { freeRanges, layoutPartitions, placeMemory } from "./layout.js";
import type { VmPlan } from "./types.js";

const s = new Scratch();
after(() => s.remove());
const examples = fileURLToPath(new URL("../../../../examples/", import.meta.url));
const M = 1 << 20;

test("memory: explicit ranges first, the rest first-fit in order; conflicts named", () => {
  assert.deepEqual(placeMemory([{ size: 4 * M }, { size: 2 * M, at: 0 }, { size: 2 * M }], 16 * M), [
    { kind: "placed", offset: 2 * M }, { kind: "placed", offset: 0 }, { kind: "placed", offset: 6 * M },
  ]);
  assert.deepEqual(placeMemory([{ size: 4 * M, at: 0 }, { size: 4 * M, at: 2 * M }, { size: 4 * M, at: 14 * M }], 16 * M), [
    { kind: "placed", offset: 0 }, { kind: "overlap", offset: 2 * M, other: 0 }, { kind: "outside", offset: 14 * M },
  ]);
  assert.deepEqual(placeMemory([{ size: 4 * M, at: 4 * M }, { size: 8 * M }, undefined], 12 * M), [
    { kind: "placed", offset: 4 * M }, { kind: "no-room", largestFree: 4 * M }, undefined,
  ]);
  assert.deepEqual(freeRanges([{ start: 2, end: 4 }, { start: 0, end: 1 }], 6), [{ start: 1, end: 2 }, { start: 4, end: 6 }]);
});

test("partitions are laid out exactly where src/images buildGpt puts them", () => {
  const sizes = [16 * M, 3 * M + 512, 32 * M];
  const { offsets, minImageSize } = layoutPartitions(sizes);
  const gpt = buildGpt(minImageSize, sizes.map((size, i) => ({ name: `p${i}`, size })));
  assert.deepEqual(gpt.partitions.map((p) => p.offset), offsets);
  assert.deepEqual(offsets, [M, 17 * M, 21 * M]);
});

/** A small system with one of everything. */
const SYSTEM = `board:
  name: test-board
  cores: 4
  memory: 1G
  disks:
    - name: disk0
      image: disk0.img
      create: true
      partitions: [{ name: rootfs, size: 16M }, { name: shared, size: 8M }]
  nics:
    - { name: eth0, udp: { local: "127.0.0.1:7001", remote: "[::1]:7002" } }
    - { name: eth1, mac: "52:54:00:12:34:56" }
  serial_ports:
    - { name: ttyS1, host: "unix:s.sock" }
  displays:
    - { name: hmi, width: 1024 }
networks:
  - { name: lan, uplink: eth1 }
vms:
  - name: staged
    cores: [3, 1]
    memory: 256M
    boot: { firmware: "debian:opensbi", bootloader: "debian:uboot", disk: rootfs }
    devices:
      - { virtio: block, partition: rootfs }
      - { virtio: block, partition: shared, readonly: true }
      - { passthrough: eth0 }
      - { virtio: nic, network: lan }
      - { virtio: console, ports: [shell, { name: log, host: "file:log.txt" }] }
    watchdog: { timeout: 2s, port: log }
    restart: { on: watchdog }
  - name: bare
    cores: [0]
    memory: { size: 16M, at: 512M }
    boot: { kernel: kernel.elf, firmware: none }
    devices: [{ passthrough: ttyS1 }, { virtio: rng }]
    timing: virtual
    throttle: { mips: 25 }
    autostart: false
  - name: fw
    criticality: safety
    cores: [2]
    memory: 64M
    boot: { kernel: elf-loader, firmware: fw.bin, append: "console=hvc0" }
    devices: [{ virtio: nic, network: lan }, { passthrough: hmi }]
`;

test("the plan: each VM's slice, board memory carved without overlap, names resolved, all frozen", async () => {
  writeFileSync(join(s.dir, "k.pub"), s.key.publicPem);
  const { plan } = await s.load(SYSTEM.replace("  serial_ports:", "  trusted_keys: [{ name: k, file: k.pub }]\n  serial_ports:"));
  const [staged, bare, fw] = plan.vms as [VmPlan, VmPlan, VmPlan];
  assert.equal(plan.source, join(s.dir, "system.yaml"));
  assert.deepEqual([staged.cores, staged.harts, staged.ramBytes], [[3, 1], 2, 256 * M]);
  // bare asked for 512M..528M; staged and fw are placed first-fit around it
  assert.deepEqual(plan.vms.map((v) => [v.boardRam.base, v.boardRam.size]), [
    [0x8000_0000n, 0x1000_0000n], [0xa000_0000n, 0x100_0000n], [0x9000_0000n, 0x400_0000n],
  ]);
  assert.deepEqual(plan.board.freeMemory, [{ base: 0x9400_0000n, size: 0xc00_0000n }, { base: 0xa100_0000n, size: 0x1f00_0000n }]);
  assert.deepEqual(plan.board.freeCores, []);
  assert.deepEqual(staged.boot, {
    mode: "firmware", firmware: { path: s.debian.fwDynamic, ref: "debian:opensbi" }, kernel: { path: s.debian.uboot, ref: "debian:uboot" },
    rawKernel: true, disk: "rootfs", unsignedAllowed: true,
  });
  assert.deepEqual(bare.boot, { mode: "bare", kernel: { path: join(s.dir, "kernel.elf"), ref: "kernel.elf" }, rawKernel: false, unsignedAllowed: true });
  assert.equal(fw.boot.mode, "firmware");
  assert.equal(fw.boot.rawKernel, false);
  assert.equal(fw.boot.append, "console=hvc0");
  assert.deepEqual(staged.devices, [
    { kind: "block", partition: "rootfs", disk: "disk0", image: join(s.dir, "disk0.img"), offset: M, size: 16 * M, readonly: false },
    { kind: "block", partition: "shared", disk: "disk0", image: join(s.dir, "disk0.img"), offset: 17 * M, size: 8 * M, readonly: true },
    { kind: "passthrough-nic", name: "eth0", mac: "52:54:00:12:34:57",
      host: { kind: "udp", local: { host: "127.0.0.1", port: 7001, family: "udp4" }, remote: { host: "::1", port: 7002, family: "udp6" } } },
    { kind: "nic", network: "lan", mac: "52:54:00:12:34:58" },
    { kind: "console", ports: [{ name: "shell" }, { name: "log", host: { kind: "file", path: join(s.dir, "log.txt") } }] },
  ]);
  assert.deepEqual(bare.devices, [{ kind: "passthrough-serial", name: "ttyS1", host: { kind: "unix", path: join(s.dir, "s.sock") } }, { kind: "rng" }]);
  assert.deepEqual(fw.devices, [{ kind: "nic", network: "lan", mac: "52:54:00:12:34:59" }, { kind: "display", name: "hmi", width: 1024, height: 800 }]);
  assert.deepEqual([bare.timing, bare.throttle, bare.autostart], ["virtual", { kind: "mips", mips: 25 }, false]);
  assert.deepEqual(staged.watchdog, { timeoutMs: 2000, action: "restart", port: "log" });
  assert.deepEqual(staged.restart.on, ["watchdog"]);
  assert.deepEqual(plan.networks, [{ name: "lan", uplink: { nic: "eth1", host: { kind: "none" } }, ports: [{ vm: "staged", device: 3 }, { vm: "fw", device: 0 }] }]);
  assert.deepEqual(plan.board.disks, [{
    name: "disk0", image: join(s.dir, "disk0.img"), create: true, size: 26 * M,
    partitions: [{ name: "rootfs", offset: M, size: 16 * M }, { name: "shared", offset: 17 * M, size: 8 * M }],
  }]);
  assert.deepEqual(plan.board.trustedKeys, [{ name: "k", path: join(s.dir, "k.pub") }]);
  const frozen = (o: unknown): boolean => typeof o !== "object" || o === null || (Object.isFrozen(o) && Object.values(o).every(frozen));
  assert.ok(frozen(plan), "every part of the plan is frozen");
});

test("an existing disk image is taken as it is: partitions where its GPT has them", async () => {
  const size = 64 * M;
  const image = join(s.dir, "existing.img");
  writeFileSync(image, new Uint8Array(size));
  const { writes } = buildGpt(size, [{ name: "a", size: 4 * M }, { name: "b", size: 8 * M }]);
  const { openSync, writeSync, closeSync } = await import("node:fs");
  const fd = openSync(image, "r+");
  for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
  closeSync(fd);
  const yaml = `board:\n  cores: 1\n  memory: 64M\n  disks: [{ name: d, image: existing.img, partitions: [{ name: b, size: 8M }] }]\nvms:\n  - { name: v, cores: [0], memory: 32M, boot: { kernel: kernel.elf }, devices: [{ virtio: block, partition: b }] }\n`;
  const { plan } = await s.load(yaml);
  assert.deepEqual(plan.board.disks[0], { name: "d", image, create: false, size, partitions: [{ name: "b", offset: 5 * M, size: 8 * M }] });
  assert.deepEqual(plan.vms[0]!.devices[0], { kind: "block", partition: "b", disk: "d", image, offset: 5 * M, size: 8 * M, readonly: false });
});

test("validate accepts every example, and the default system is the mixed-criticality one", async () => {
  const files = readdirSync(examples).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 3);
  for (const f of files) await loadSystem(join(examples, f), s.options());
  assert.equal(DEFAULT_SYSTEM, join(examples, "mixed-criticality.yaml"));
});

test("the mixed-criticality example: four cores, two Debian VMs and a bare-metal real-time VM", async () => {
  const { plan } = await loadSystem(DEFAULT_SYSTEM, s.options());
  assert.equal(plan.board.cores, 4);
  const byName = new Map(plan.vms.map((v) => [v.name, v]));
  const rt = byName.get("rt")!, a = byName.get("linux-a")!, b = byName.get("linux-b")!;
  assert.deepEqual([rt.criticality, rt.boot.mode, rt.harts], ["realtime", "bare", 1]);
  assert.equal(rt.boot.kernel.path, join(examples, "..", "guests", "rt-executive", "rt-executive.elf"), "Bulkhead's real-time executive");
  assert.deepEqual([rt.watchdog, rt.restart.on], [{ timeoutMs: 3000, action: "restart" }, ["crash", "watchdog"]]);
  for (const linux of [a, b]) {
    assert.equal(linux.boot.mode, "direct");
    assert.deepEqual([linux.boot.kernel.path, linux.boot.initrd?.path], [s.debian.kernel, s.debian.initrd]);
  }
  assert.deepEqual(plan.vms.flatMap((v) => v.cores).sort(), [0, 1, 2, 3]);
  const ranges = plan.vms.map((v) => [v.boardRam.base, v.boardRam.base + v.boardRam.size] as const).sort((x, y) => Number(x[0] - y[0]));
  for (let i = 1; i < ranges.length; i++) assert.ok(ranges[i - 1]![1] <= ranges[i]![0], "board memory ranges do not overlap");
  assert.ok(ranges.at(-1)![1] <= plan.board.memory.base + plan.board.memory.size);
});
