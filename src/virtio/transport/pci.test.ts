import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MEMMAP } from "../../platform/memmap.js";
import { PCI_BASE_ADDRESS_0, PCI_CAPABILITY_LIST, PCI_COMMAND, PCI_COMMAND_MEMORY, PCI_INTERRUPT_PIN } from "../../pci/config-space.js";
import { PciHost } from "../../pci/host.js";
import { VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_F_VERSION_1 } from "../device.js";
import { EchoDevice, TestDriver, TestRam } from "../testing.js";
import * as P from "./pci.js";
import { VirtioPci } from "./pci.js";

const BAR = 0x4000_0000;

/** A PCI host with one virtio-pci echo device at slot 1, its BAR 4 assigned at 0x4000_0000 as Linux would. */
function setup() {
  const ram = new TestRam();
  const dev = new EchoDevice(2);
  const levels = [false, false, false, false];
  const host = new PciHost([0, 1, 2, 3].map((i) => ({ set: (l: boolean) => { levels[i] = l; } })), MEMMAP.pcieEcam, MEMMAP.pcieMmio);
  const logs: string[] = [];
  const fn = new VirtioPci(dev, ram.mem, (l) => logs.push(l));
  const { slot, intx } = host.plug(fn);
  fn.attach(intx);
  const cfgRd = (reg: number, size: 1 | 2 | 4 = 4) => Number(host.ecam.read(slot << 15 | reg, size));
  const cfgWr = (reg: number, v: number, size: 1 | 2 | 4 = 4) => host.ecam.write(slot << 15 | reg, size, BigInt(v));
  cfgWr(PCI_BASE_ADDRESS_0 + 16, BAR);
  cfgWr(PCI_BASE_ADDRESS_0 + 20, 0);
  cfgWr(PCI_COMMAND, PCI_COMMAND_MEMORY, 2);
  const rd = (off: number, size: 1 | 2 | 4 = 4) => Number(host.window.read(BAR - 0x4000_0000 + off, size));
  const wr = (off: number, v: number, size: 1 | 2 | 4 = 4) => host.window.write(BAR - 0x4000_0000 + off, size, BigInt(v));
  return { ram, dev, levels, host, fn, slot, cfgRd, cfgWr, rd, wr, logs };
}

/** Walk the capability list as Linux's virtio_pci_find_capability does. */
function caps(cfgRd: (reg: number, size?: 1 | 2 | 4) => number): Map<number, { at: number; bar: number; offset: number; length: number; extra: number }> {
  const out = new Map<number, { at: number; bar: number; offset: number; length: number; extra: number }>();
  for (let p = cfgRd(PCI_CAPABILITY_LIST, 1); p; p = cfgRd(p + 1, 1)) {
    assert.equal(cfgRd(p, 1), 0x09);
    out.set(cfgRd(p + 3, 1), { at: p, bar: cfgRd(p + 4, 1), offset: cfgRd(p + 8), length: cfgRd(p + 12), extra: cfgRd(p + 2, 1) > 16 ? cfgRd(p + 16) : 0 });
  }
  return out;
}

describe("virtio-pci (modern)", () => {
  test("identity: 1af4:1040+type, revision 1, subsystem 1af4, INTA, a 64-bit BAR 4 of 16 KiB", () => {
    const { cfgRd, cfgWr } = setup();
    assert.equal(cfgRd(0), ((0x1040 + 0x7f) << 16) | 0x1af4);
    assert.equal(cfgRd(8) & 0xff, 1);
    assert.equal(cfgRd(0x2c) & 0xffff, 0x1af4);
    assert.equal(cfgRd(PCI_INTERRUPT_PIN, 1), 1);
    cfgWr(PCI_BASE_ADDRESS_0 + 16, 0xffff_ffff);
    assert.equal(cfgRd(PCI_BASE_ADDRESS_0 + 16), 0xffff_c004);
  });

  test("capabilities: common, ISR, device, notify (multiplier 4), PCI cfg", () => {
    const { cfgRd } = setup();
    const c = caps(cfgRd);
    assert.deepEqual([...c.keys()], [1, 3, 4, 2, 5]);
    assert.deepEqual(c.get(P.VIRTIO_PCI_CAP_COMMON_CFG), { at: c.get(1)!.at, bar: 4, offset: 0, length: 0x38, extra: 0 });
    assert.equal(c.get(P.VIRTIO_PCI_CAP_ISR_CFG)!.offset, 0x1000);
    assert.equal(c.get(P.VIRTIO_PCI_CAP_DEVICE_CFG)!.length, 8);
    assert.deepEqual({ ...c.get(P.VIRTIO_PCI_CAP_NOTIFY_CFG)!, at: 0 }, { at: 0, bar: 4, offset: 0x3000, length: 8, extra: 4 });
  });

  test("a Linux-style bring-up over the BAR: negotiate, queue, DRIVER_OK, notify, INTx, ISR read clears", () => {
    const s = setup();
    const { rd, wr, ram, levels, dev } = s;
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0, 1);
    wr(P.VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(P.VIRTIO_PCI_COMMON_DFSELECT, 1);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_DF), 1, "VERSION_1");
    wr(P.VIRTIO_PCI_COMMON_GFSELECT, 1);
    wr(P.VIRTIO_PCI_COMMON_GF, 1);
    wr(P.VIRTIO_PCI_COMMON_GFSELECT, 0);
    wr(P.VIRTIO_PCI_COMMON_GF, 0);
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0xb, 1);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_STATUS, 1), 0xb);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_NUMQ, 2), 2);
    wr(P.VIRTIO_PCI_COMMON_Q_SELECT, 1, 2);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_SIZE, 2), 16);
    wr(P.VIRTIO_PCI_COMMON_Q_SIZE, 8, 2);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_NOFF, 2), 1);
    const d = new TestDriver(ram, 8, { index: 1, enable: false, ringBase: ram.base + 0x4_0000 });
    // 64-bit fields as two 32-bit halves, as vp_iowrite64_twopart
    wr(P.VIRTIO_PCI_COMMON_Q_DESCLO, d.desc); wr(P.VIRTIO_PCI_COMMON_Q_DESCLO + 4, 0);
    wr(P.VIRTIO_PCI_COMMON_Q_AVAILLO, d.avail); wr(P.VIRTIO_PCI_COMMON_Q_AVAILLO + 4, 0);
    wr(P.VIRTIO_PCI_COMMON_Q_USEDLO, d.used); wr(P.VIRTIO_PCI_COMMON_Q_USEDLO + 4, 0);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_USEDLO), d.used);
    wr(P.VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_ENABLE, 2), 1);
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0xf, 1);
    assert.equal(dev.log.at(-1), `activate 0x${(1n << BigInt(VIRTIO_F_VERSION_1)).toString(16)}`);
    const head = d.add([{ data: Uint8Array.of(1, 2) }, { len: 2, write: true }]);
    wr(P.NOTIFY_OFFSET + 1 * P.NOTIFY_MULTIPLIER, 1, 2);
    assert.deepEqual(d.takeUsed(), [{ id: head, len: 2 }]);
    assert.deepEqual(levels, [false, true, false, false], "slot 1 INTA -> line 1");
    assert.equal(rd(P.ISR_OFFSET, 1), 1);
    assert.deepEqual(levels, [false, false, false, false]);
    assert.equal(rd(P.ISR_OFFSET, 1), 0);
  });

  test("device config through the BAR and through the PCI cfg capability window", () => {
    const { rd, cfgRd, cfgWr } = setup();
    assert.equal(rd(P.DEVICE_OFFSET + 4), 0x08070605);
    const cap = caps(cfgRd).get(P.VIRTIO_PCI_CAP_PCI_CFG)!;
    cfgWr(cap.at + 4, 4, 1);
    cfgWr(cap.at + 8, P.DEVICE_OFFSET + 2);
    cfgWr(cap.at + 12, 2);
    assert.equal(cfgRd(cap.at + 16), 0x0403);
    cfgWr(cap.at + 16, 0xaabb);
    assert.equal(rd(P.DEVICE_OFFSET, 4), 0xaabb0201);
  });

  test("msix vectors read NO_VECTOR; unknown offsets read 0", () => {
    const { rd, wr } = setup();
    wr(P.VIRTIO_PCI_COMMON_MSIX, 0, 2);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_MSIX, 2), P.VIRTIO_MSI_NO_VECTOR);
    assert.equal(rd(0x0f00), 0);
    assert.equal(rd(P.NOTIFY_OFFSET), 0);
  });

  test("a hostile driver: bad queue size, then a notify on a queue never set up, then a ring outside RAM", () => {
    const { rd, wr, fn } = setup();
    wr(P.VIRTIO_PCI_COMMON_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER, 1);
    wr(P.VIRTIO_PCI_COMMON_GFSELECT, 1);
    wr(P.VIRTIO_PCI_COMMON_GF, 1);
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0xb, 1);
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0xf, 1);
    wr(P.NOTIFY_OFFSET, 0, 2);
    assert.equal(fn.core.counters.errors, 1);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET, 0, "a stray notify is ignored");
    wr(P.VIRTIO_PCI_COMMON_Q_SELECT, 0, 2);
    wr(P.VIRTIO_PCI_COMMON_Q_SIZE, 12, 2);
    wr(P.VIRTIO_PCI_COMMON_Q_ENABLE, 1, 2);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_ENABLE, 2), 0);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_STATUS, 1) & VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
    assert.equal(rd(P.ISR_OFFSET, 1), 2, "a configuration interrupt");
    wr(P.VIRTIO_PCI_COMMON_STATUS, 0, 1);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_STATUS, 1), 0);
    assert.equal(rd(P.VIRTIO_PCI_COMMON_Q_SIZE, 2), 16, "reset restores the maximum size");
  });
});
