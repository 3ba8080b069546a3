import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { makeLinuxImage } from "../boot/testing.js";
import { EchoDevice } from "../virtio/testing.js";
import type { VirtioDeviceConfig } from "../virtio/device.js";
import { Exit } from "./cpu.js";
import { Machine, MachineError } from "./machine.js";
import { fakeCpuFactory } from "./testing.js";

const kernel = { name: "Image", bytes: makeLinuxImage({ size: 4096, imageSize: 0x10_0000n }) };

function machine(devices: VirtioDeviceConfig[]) {
  const f = fakeCpuFactory(() => Exit.Idle);
  const logs: string[] = [];
  const m = new Machine(
    { harts: 1, ramBytes: 128 << 20, timing: "virtual", boot: { mode: "direct", kernel } },
    { console: { write: () => {} }, devices, log: (l) => logs.push(l) },
    { createCpu: f.createCpu },
  );
  return { m, cpu: f.get(), logs, fdt: Buffer.from(m.fdt).toString("latin1") };
}
const dev = (transport: VirtioDeviceConfig["transport"]): VirtioDeviceConfig => ({ transport, create: () => new EchoDevice() });

test("no devices: no PCI host bridge and no virtio-mmio device, on the bus or in the tree", () => {
  const { m, fdt } = machine([]);
  assert.equal(m.virtio.pci, undefined);
  assert.ok(!m.bus.regions().some((r) => /pcie|echo/.test(r.label)));
  assert.ok(!fdt.includes("pci-host-ecam-generic") && !fdt.includes("virtio,mmio"));
});

test("an empty virtio-mmio slot answers as on QEMU virt (magic, version 2, device ID 0), keeps no state, and is not in the tree", () => {
  const { m, fdt } = machine([dev("virtio-mmio")]);
  const slot = (i: number) => 0x1000_1000n + BigInt(i) * 0x1000n;
  for (let i = 1; i < 8; i++) {
    assert.deepEqual([0x000n, 0x004n, 0x008n].map((r) => m.bus.read(slot(i) + r, 4)), [0x7472_6976n, 2n, 0n], `slot ${i}`);
    for (const r of [0x014n, 0x030n, 0x070n, 0x100n]) {
      assert.equal(m.bus.write(slot(i) + r, 4, 0xffn), true, "a write is taken, not faulted");
      assert.equal(m.bus.read(slot(i) + r, 4), 0n, `and changes nothing (0x${r.toString(16)})`);
    }
    assert.ok(!fdt.includes(`virtio_mmio@${slot(i).toString(16)}`));
  }
  assert.equal(m.bus.read(0x1000_1000n + 8n, 4), 0x7fn, "slot 0 holds the configured device");
  assert.equal(m.bus.read(0x1000_9000n, 4), undefined, "past the eighth slot: nothing");
});

test("pci devices take slots 1, 2; mmio devices the slots from 0x10001000 with IRQ 1, 2; the tree lists both", () => {
  const { m, fdt } = machine([dev("virtio-pci"), dev("virtio-mmio"), dev("virtio-pci"), dev("virtio-mmio")]);
  assert.deepEqual(m.virtio.devices.map((d) => d.where), ["pci 00:01.0", "mmio 0x10001000 irq 1", "pci 00:02.0", "mmio 0x10002000 irq 2"]);
  assert.deepEqual(m.virtio.pci!.functions().map((f) => f.slot), [0, 1, 2]);
  assert.equal(m.bus.read(0x3000_8000n, 4), 0x10bf_1af4n, "ECAM 00:01.0: 1af4:(1040 + type)");
  assert.equal(m.bus.read(0x1000_1000n, 4), 0x7472_6976n, "virtio-mmio magic");
  assert.ok(fdt.includes("pci@30000000") && fdt.includes("virtio_mmio@10001000") && fdt.includes("virtio_mmio@10002000"));
  assert.ok(!fdt.includes("virtio_mmio@10003000"));
});

test("device DMA drops the harts' decoded code: guest memory writes reach invalidateCode", () => {
  const { m, cpu } = machine([dev("virtio-mmio")]);
  const seen: Array<[bigint, number]> = [];
  cpu.invalidateCode = (a: bigint, n: number) => { seen.push([a, n]); };
  m.virtio.devices[0]!.core.mem.write(0x8010_0000, Uint8Array.of(1, 2, 3));
  assert.deepEqual(seen, [[0x8010_0000n, 3]]);
});

test("more than 8 virtio-mmio devices is a config error", () => {
  assert.throws(() => machine(new Array(9).fill(0).map(() => dev("virtio-mmio"))), (e: unknown) => e instanceof MachineError && /8 virtio-mmio slots/.test(e.message));
});

test("dtc decompiles the tree with a PCI host and mmio slots without a warning", { skip: spawnSync("dtc", ["--version"]).status !== 0 && "dtc is not installed" }, () => {
  const { m } = machine([dev("virtio-pci"), dev("virtio-mmio")]);
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-virtio-dtb-"));
  try {
    writeFileSync(join(dir, "t.dtb"), m.fdt);
    const r = spawnSync("dtc", ["-I", "dtb", "-O", "dts", "-o", join(dir, "t.dts"), join(dir, "t.dtb")], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, "", "dtc warnings");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
