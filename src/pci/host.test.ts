import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DeviceTree } from "../boot/fdt.js";
import type { AccessSize } from "../platform/mmio.js";
import { MEMMAP } from "../platform/memmap.js";
import {
  ConfigSpace, PCI_BASE_ADDRESS_0, PCI_CAPABILITY_LIST, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, PCI_COMMAND_MEMORY,
  PCI_HEADER_TYPE, PCI_INTERRUPT_LINE, PCI_INTERRUPT_PIN, PCI_ROM_ADDRESS, PCI_STATUS, PCI_STATUS_CAP_LIST,
  PCI_STATUS_INTERRUPT,
} from "./config-space.js";
import { PciError } from "./errors.js";
import { type PciFunction, PciHost } from "./host.js";

describe("config space", () => {
  test("32-bit BAR sizing: all-ones reads back ~(size-1) with the type bits; then an address sticks", () => {
    const c = new ConfigSpace({ vendor: 1, device: 2, classCode: 0 }, [{ index: 1, size: 0x1000, is64: false }]);
    const bar = PCI_BASE_ADDRESS_0 + 4;
    assert.equal(c.read(bar, 4), 0);
    c.write(bar, 4, 0xffff_ffff);
    assert.equal(c.read(bar, 4), 0xffff_f000);
    c.write(bar, 4, 0x4000_1234);
    assert.equal(c.read(bar, 4), 0x4000_1000);
    assert.equal(c.barAddress(1), undefined, "memory decoding is off");
    c.write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert.equal(c.barAddress(1), 0x4000_1000);
  });

  test("64-bit BAR sizing: low dword keeps type bits, high dword is all writable", () => {
    const c = new ConfigSpace({ vendor: 1, device: 2, classCode: 0 }, [{ index: 4, size: 0x4000, is64: true, prefetchable: true }]);
    const lo = PCI_BASE_ADDRESS_0 + 16, hi = lo + 4;
    assert.equal(c.read(lo, 4), 0xc);
    c.write(lo, 4, 0xffff_ffff);
    c.write(hi, 4, 0xffff_ffff);
    assert.equal(c.read(lo, 4), 0xffff_c00c);
    assert.equal(c.read(hi, 4), 0xffff_ffff);
    c.write(lo, 4, 0x4000_8000);
    c.write(hi, 4, 1);
    c.write(PCI_COMMAND, 2, PCI_COMMAND_MEMORY);
    assert.equal(c.barAddress(4), 0x1_4000_8000);
  });

  test("read-only registers ignore writes; unimplemented BARs and the ROM BAR read 0 after sizing", () => {
    const c = new ConfigSpace({ vendor: 0x1af4, device: 0x1042, classCode: 0x010000, interruptPin: 1 });
    c.write(0, 4, 0xdead_beef);
    assert.equal(c.read(0, 4), 0x1042_1af4);
    c.write(PCI_BASE_ADDRESS_0, 4, 0xffff_ffff);
    assert.equal(c.read(PCI_BASE_ADDRESS_0, 4), 0);
    c.write(PCI_ROM_ADDRESS, 4, 0xffff_ffff);
    assert.equal(c.read(PCI_ROM_ADDRESS, 4), 0);
    c.write(PCI_INTERRUPT_PIN, 1, 3);
    assert.equal(c.read(PCI_INTERRUPT_PIN, 1), 1);
    c.write(PCI_INTERRUPT_LINE, 1, 33);
    assert.equal(c.read(PCI_INTERRUPT_LINE, 1), 33);
    assert.equal(c.read(PCI_HEADER_TYPE, 1), 0);
    assert.equal(c.read(0x100, 4), 0, "PCIe extended space: no capabilities");
  });

  test("capabilities chain from 0x34, dword aligned, with the status bit", () => {
    const c = new ConfigSpace({ vendor: 1, device: 2, classCode: 0 });
    assert.equal(c.read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, 0);
    const a = c.addCapability(9, Uint8Array.of(5, 1, 2));
    const b = c.addCapability(9, Uint8Array.of(5, 3), [[1, 1]]);
    assert.equal(c.read(PCI_CAPABILITY_LIST, 1), a);
    assert.equal(c.read(a + 1, 1), b);
    assert.equal(b % 4, 0);
    assert.equal(c.read(b + 1, 1), 0);
    c.write(b + 2, 2, 0x7777);
    assert.equal(c.read(b + 2, 2), 0x7705, "only the writable byte changed");
    assert.equal(c.read(PCI_STATUS, 2) & PCI_STATUS_CAP_LIST, PCI_STATUS_CAP_LIST);
  });

  test("bad BARs are our bug: refused at construction", () => {
    assert.throws(() => new ConfigSpace({ vendor: 1, device: 1, classCode: 0 }, [{ index: 5, size: 0x1000, is64: true }]), RangeError);
    assert.throws(() => new ConfigSpace({ vendor: 1, device: 1, classCode: 0 }, [{ index: 0, size: 0x1800, is64: false }]), RangeError);
    assert.throws(() => new ConfigSpace({ vendor: 1, device: 1, classCode: 0 }, [{ index: 0, size: 16, is64: true }, { index: 1, size: 16, is64: false }]), RangeError);
  });
});

/** A function with a 4 KiB 32-bit BAR 0 that records accesses, and pin INTA. */
class FakeFn implements PciFunction {
  readonly config = new ConfigSpace({ vendor: 0x1234, device: 0x5678, classCode: 0xff0000, interruptPin: 1 }, [{ index: 0, size: 0x1000, is64: false }]);
  readonly log: string[] = [];
  constructor(readonly label: string) {}
  barRead(bar: number, offset: number, size: AccessSize): bigint { this.log.push(`r ${bar} ${offset} ${size}`); return 0x42n; }
  barWrite(bar: number, offset: number, size: AccessSize, value: bigint): void { this.log.push(`w ${bar} ${offset} ${size} ${value}`); }
}

function makeHost() {
  const levels = [false, false, false, false];
  const host = new PciHost([0, 1, 2, 3].map((i) => ({ set: (l: boolean) => { levels[i] = l; } })), MEMMAP.pcieEcam, MEMMAP.pcieMmio);
  const cfg = (slot: number, reg: number) => slot << 15 | reg;
  const rd = (slot: number, reg: number, size: AccessSize = 4) => Number(host.ecam.read(cfg(slot, reg), size));
  const wr = (slot: number, reg: number, v: number, size: AccessSize = 4) => host.ecam.write(cfg(slot, reg), size, BigInt(v));
  return { host, levels, rd, wr };
}

describe("PCIe host", () => {
  test("00:00.0 is the host bridge; empty slots, other functions and other buses read all-ones", () => {
    const { host, rd } = makeHost();
    assert.equal(rd(0, 0), 0x0008_1b36);
    assert.equal(rd(0, 8) >>> 8, 0x060000);
    assert.equal(rd(1, 0), 0xffff_ffff);
    assert.equal(host.ecam.read(1 << 12, 2), 0xffffn, "function 1 of slot 0");
    assert.equal(host.ecam.read(1 << 20, 4), 0xffff_ffffn, "bus 1");
    assert.equal(host.ecam.read(2, 4), 0xffff_ffffn, "misaligned");
    assert.equal(host.ecam.write(1 << 20, 4, 0n), true, "writes to nothing are dropped, not faults");
  });

  test("plugged functions take slots 1, 2, ...; BARs decode in the window only with memory enabled", () => {
    const { host, rd, wr } = makeHost();
    const a = new FakeFn("a"), b = new FakeFn("b");
    assert.equal(host.plug(a).slot, 1);
    assert.equal(host.plug(b).slot, 2);
    assert.deepEqual(host.functions().map((f) => f.label), ["host-bridge", "a", "b"]);
    assert.equal(rd(1, 0), 0x5678_1234);
    wr(1, PCI_BASE_ADDRESS_0, 0x4000_0000);
    wr(2, PCI_BASE_ADDRESS_0, 0x4000_1000);
    assert.equal(host.window.read(0x10, 4), 0xffff_ffffn, "not decoded before MEMORY is set");
    wr(1, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    wr(2, PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
    assert.equal(host.window.read(0x10, 4), 0x42n);
    host.window.write(0x1008, 2, 7n);
    assert.deepEqual(a.log, ["r 0 16 4"]);
    assert.deepEqual(b.log, ["w 0 8 2 7"]);
    wr(2, PCI_BASE_ADDRESS_0, 0x5000_0000); // moved: old address no longer decodes
    assert.equal(host.window.read(0x1008, 4), 0xffff_ffffn);
    host.window.read(0x1000_0000, 1);
    assert.deepEqual(b.log, ["w 0 8 2 7", "r 0 0 1"]);
  });

  test("INTx: the swizzle routes slot s pin A to line s mod 4; shared lines are OR-ed; INTX_DISABLE masks", () => {
    const { host, levels, rd, wr } = makeHost();
    const fns = [1, 2, 3, 4, 5].map((i) => host.plug(new FakeFn(`f${i}`)));
    fns[0]!.intx.set(true);
    assert.deepEqual(levels, [false, true, false, false]);
    assert.equal(rd(1, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT);
    fns[4]!.intx.set(true); // slot 5 -> line 1 too
    fns[0]!.intx.set(false);
    assert.deepEqual(levels, [false, true, false, false]);
    fns[4]!.intx.set(false);
    assert.deepEqual(levels, [false, false, false, false]);
    fns[3]!.intx.set(true); // slot 4 -> line 0
    assert.deepEqual(levels, [true, false, false, false]);
    wr(4, PCI_COMMAND, PCI_COMMAND_INTX_DISABLE, 2);
    assert.deepEqual(levels, [false, false, false, false]);
    assert.equal(rd(4, PCI_STATUS, 2) & PCI_STATUS_INTERRUPT, PCI_STATUS_INTERRUPT, "status still shows the request");
    wr(4, PCI_COMMAND, 0, 2);
    assert.deepEqual(levels, [true, false, false, false]);
    assert.equal(PciHost.swizzle(3, 2), 0);
  });

  test("a full bus is a PciError naming the device", () => {
    const { host } = makeHost();
    for (let i = 1; i < 32; i++) host.plug(new FakeFn(`f${i}`));
    assert.throws(() => host.plug(new FakeFn("one-too-many")), (e: unknown) => e instanceof PciError && /one-too-many/.test(e.message));
  });

  test("device tree node: pci-host-ecam-generic with QEMU virt's ranges and interrupt-map", () => {
    const { host } = makeHost();
    const n = host.fdtNode(7, 32);
    const t = new DeviceTree();
    t.root.add(n);
    assert.equal(n.name, "pci@30000000");
    const cells = (p: string) => { const b = n.prop(p)!; const dv = new DataView(b.buffer, b.byteOffset); return Array.from({ length: b.length / 4 }, (_, i) => dv.getUint32(4 * i)); };
    assert.deepEqual(cells("bus-range"), [0, 255]);
    assert.deepEqual(cells("ranges"), [0x0200_0000, 0, 0x4000_0000, 0, 0x4000_0000, 0, 0x4000_0000]);
    assert.deepEqual(cells("interrupt-map-mask"), [0x1800, 0, 0, 7]);
    const map = cells("interrupt-map");
    assert.equal(map.length, 16 * 6);
    assert.deepEqual(map.slice(0, 6), [0, 0, 0, 1, 7, 32]);
    assert.deepEqual(map.slice(6 * 5, 6 * 6), [1 << 11, 0, 0, 2, 7, 34], "slot 1 INTB -> 34");
    assert.ok(n.prop("dma-coherent"));
    assert.ok(t.toBlob().length > 0);
  });
});
