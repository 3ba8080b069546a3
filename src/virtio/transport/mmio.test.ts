import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  VIRTIO_CONFIG_S_ACKNOWLEDGE, VIRTIO_CONFIG_S_DRIVER, VIRTIO_CONFIG_S_DRIVER_OK, VIRTIO_CONFIG_S_FEATURES_OK,
  VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_F_EVENT_IDX, VIRTIO_F_INDIRECT_DESC, VIRTIO_F_VERSION_1,
} from "../device.js";
import { EchoDevice, TestDriver, TestRam } from "../testing.js";
import { hi, lo, MAGIC, VirtioMmio } from "./mmio.js";
import * as R from "./mmio.js";

const ACK_DRIVER = VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER;

function setup(opts: { queues?: number } = {}) {
  const ram = new TestRam();
  const dev = new EchoDevice(opts.queues ?? 1);
  const irq = { level: false, set(l: boolean) { this.level = l; } };
  const logs: string[] = [];
  const t = new VirtioMmio(dev, ram.mem, irq, (l) => logs.push(l));
  const rd = (off: number) => Number(t.read(off, 4)!);
  const wr = (off: number, v: number) => assert.equal(t.write(off, 4, BigInt(v)), true);
  return { ram, dev, irq, logs, t, rd, wr };
}

/** Linux's virtio_mmio probe + virtio core, up to FEATURES_OK; returns the status read back. */
function negotiate(s: ReturnType<typeof setup>, features: bigint): number {
  const { rd, wr } = s;
  wr(R.VIRTIO_MMIO_STATUS, 0);
  wr(R.VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
  wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER);
  wr(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
  wr(R.VIRTIO_MMIO_DRIVER_FEATURES, Number(features >> 32n));
  wr(R.VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
  wr(R.VIRTIO_MMIO_DRIVER_FEATURES, Number(features & 0xffff_ffffn));
  wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK);
  return rd(R.VIRTIO_MMIO_STATUS);
}

/** Set up queue q with a TestDriver's rings and enable it. */
function queue(s: ReturnType<typeof setup>, q: number, size: number, ringBase: number, opts: { eventIdx?: boolean } = {}): TestDriver {
  const { wr, rd, ram } = s;
  const d = new TestDriver(ram, size, { index: q, ringBase, enable: false, indirect: true, ...opts });
  wr(R.VIRTIO_MMIO_QUEUE_SEL, q);
  assert.equal(rd(R.VIRTIO_MMIO_QUEUE_READY), 0);
  assert.equal(rd(R.VIRTIO_MMIO_QUEUE_NUM_MAX), 16);
  wr(R.VIRTIO_MMIO_QUEUE_NUM, size);
  wr(R.VIRTIO_MMIO_QUEUE_DESC_LOW, d.desc); wr(R.VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
  wr(R.VIRTIO_MMIO_QUEUE_AVAIL_LOW, d.avail); wr(R.VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
  wr(R.VIRTIO_MMIO_QUEUE_USED_LOW, d.used); wr(R.VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
  wr(R.VIRTIO_MMIO_QUEUE_READY, 1);
  return d;
}

const VERSION_1 = 1n << BigInt(VIRTIO_F_VERSION_1);

describe("virtio-mmio v2", () => {
  test("identification registers", () => {
    const { rd } = setup();
    assert.equal(rd(R.VIRTIO_MMIO_MAGIC_VALUE), MAGIC);
    assert.equal(rd(R.VIRTIO_MMIO_VERSION), 2);
    assert.equal(rd(R.VIRTIO_MMIO_DEVICE_ID), 0x7f);
    assert.equal(rd(R.VIRTIO_MMIO_SHM_LEN_LOW), 0xffff_ffff);
  });

  test("features: device bits plus VERSION_1, INDIRECT_DESC and EVENT_IDX, in two words", () => {
    const { rd, wr } = setup();
    wr(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
    assert.equal(rd(R.VIRTIO_MMIO_DEVICE_FEATURES), (1 << 5) | (1 << VIRTIO_F_INDIRECT_DESC) | (1 << VIRTIO_F_EVENT_IDX));
    wr(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
    assert.equal(rd(R.VIRTIO_MMIO_DEVICE_FEATURES), 1);
    wr(R.VIRTIO_MMIO_DEVICE_FEATURES_SEL, 2);
    assert.equal(rd(R.VIRTIO_MMIO_DEVICE_FEATURES), 0);
  });

  test("FEATURES_OK sticks only for a subset of the offer that includes VERSION_1", () => {
    const s = setup();
    assert.equal(negotiate(s, VERSION_1 | (1n << 5n)) & VIRTIO_CONFIG_S_FEATURES_OK, VIRTIO_CONFIG_S_FEATURES_OK);
    assert.equal(negotiate(s, 1n << 5n) & VIRTIO_CONFIG_S_FEATURES_OK, 0, "legacy driver");
    assert.equal(negotiate(s, VERSION_1 | (1n << 7n)) & VIRTIO_CONFIG_S_FEATURES_OK, 0, "feature never offered");
  });

  test("a whole Linux-style bring-up: queue, DRIVER_OK, notify, used buffer, interrupt, ack", () => {
    const s = setup();
    const { rd, wr, dev, irq, ram } = s;
    negotiate(s, VERSION_1 | (1n << BigInt(VIRTIO_F_INDIRECT_DESC)));
    const d = queue(s, 0, 8, ram.base);
    wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    assert.equal(rd(R.VIRTIO_MMIO_QUEUE_READY), 1);
    assert.deepEqual(dev.log, ["reset", `activate 0x${(VERSION_1 | (1n << 28n)).toString(16)}`]);
    const head = d.addIndirect([{ data: Uint8Array.of(1, 2, 3) }, { len: 3, write: true }]);
    wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert.deepEqual(d.takeUsed(), [{ id: head, len: 3 }]);
    assert.equal(irq.level, true);
    assert.equal(rd(R.VIRTIO_MMIO_INTERRUPT_STATUS), 1);
    wr(R.VIRTIO_MMIO_INTERRUPT_ACK, 1);
    assert.equal(irq.level, false);
    assert.equal(rd(R.VIRTIO_MMIO_INTERRUPT_STATUS), 0);
  });

  test("counters: requests, bytes each way, notifications, interrupts (rising edges) and guest errors", () => {
    const s = setup({ queues: 2 });
    negotiate(s, VERSION_1);
    const d = queue(s, 0, 8, s.ram.base);
    s.wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    d.add([{ data: Uint8Array.of(1, 2, 3, 4, 5) }, { len: 3, write: true }]);
    d.add([{ data: Uint8Array.of(6, 7) }, { len: 8, write: true }]);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0); // nothing new: a kick, no request, and the line is still high
    s.wr(R.VIRTIO_MMIO_INTERRUPT_ACK, 1);
    d.add([{ data: Uint8Array.of(9) }, { len: 1, write: true }]);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 1); // queue 1 was never set up: a guest error
    assert.deepEqual(s.t.core.counters, { requests: 3, bytesRead: 8, bytesWritten: 3 + 2 + 1, notifications: 4, interrupts: 2, errors: 1 });
  });

  test("buffers made available before DRIVER_OK are served at DRIVER_OK", () => {
    const s = setup();
    negotiate(s, VERSION_1);
    const d = queue(s, 0, 8, s.ram.base);
    d.add([{ data: Uint8Array.of(7) }, { len: 1, write: true }]);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0); // ignored: not running yet
    assert.equal(d.takeUsed().length, 0);
    s.wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    assert.equal(d.takeUsed().length, 1);
  });

  test("config space: byte, word, dword reads; writes reach the device; generation", () => {
    const { t, rd } = setup();
    assert.equal(t.read(R.VIRTIO_MMIO_CONFIG, 1), 1n);
    assert.equal(t.read(R.VIRTIO_MMIO_CONFIG + 2, 2), 0x0403n);
    assert.equal(t.read(R.VIRTIO_MMIO_CONFIG + 4, 4), 0x08070605n);
    assert.equal(t.read(R.VIRTIO_MMIO_CONFIG + 6, 4), 0x0807n, "past the end reads 0");
    t.write(R.VIRTIO_MMIO_CONFIG + 1, 1, 0x99n);
    assert.equal(t.read(R.VIRTIO_MMIO_CONFIG, 2), 0x9901n);
    assert.equal(rd(R.VIRTIO_MMIO_CONFIG_GENERATION), 0);
  });

  test("non-32-bit register accesses read 0 and are ignored, without faulting the guest", () => {
    const { t, rd } = setup();
    assert.equal(t.read(R.VIRTIO_MMIO_MAGIC_VALUE, 1), 0n);
    assert.equal(t.read(R.VIRTIO_MMIO_MAGIC_VALUE + 2, 4), 0n);
    assert.equal(t.write(R.VIRTIO_MMIO_STATUS, 1, 3n), true);
    assert.equal(rd(R.VIRTIO_MMIO_STATUS), 0);
  });
});

describe("virtio-mmio: a hostile driver", () => {
  test("a looping chain sets DEVICE_NEEDS_RESET with a config interrupt; the device stops until reset", () => {
    const s = setup();
    const { rd, wr, irq, ram, dev } = s;
    negotiate(s, VERSION_1);
    const d = queue(s, 0, 8, ram.base);
    wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    d.writeDesc(0, ram.base + 0x3_0000, 4, 1 /* NEXT */, 0);
    d.publish(0);
    wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert.equal(rd(R.VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
    assert.equal(rd(R.VIRTIO_MMIO_INTERRUPT_STATUS), 2);
    assert.equal(irq.level, true);
    assert.match(s.logs[0]!, /echo0: queue 0: the chain at head 0 has more than 8 descriptors.*device needs reset/);
    dev.log.length = 0;
    d.add([{ data: Uint8Array.of(1) }, { len: 1, write: true }]);
    wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0);
    assert.deepEqual(dev.log, [], "no notify reaches a device that needs reset");
    wr(R.VIRTIO_MMIO_STATUS, 0);
    assert.equal(rd(R.VIRTIO_MMIO_STATUS), 0);
    assert.equal(irq.level, false);
    assert.equal(rd(R.VIRTIO_MMIO_QUEUE_READY), 0);
    assert.deepEqual(dev.log, ["reset"]);
  });

  test("a queue size that is not a power of 2 is refused at QueueReady: NEEDS_RESET", () => {
    const s = setup();
    negotiate(s, VERSION_1);
    s.wr(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    s.wr(R.VIRTIO_MMIO_QUEUE_NUM, 6);
    s.wr(R.VIRTIO_MMIO_QUEUE_DESC_LOW, s.ram.base);
    s.wr(R.VIRTIO_MMIO_QUEUE_AVAIL_LOW, s.ram.base + 0x1_0000);
    s.wr(R.VIRTIO_MMIO_QUEUE_USED_LOW, s.ram.base + 0x2_0000);
    s.wr(R.VIRTIO_MMIO_QUEUE_READY, 1);
    assert.equal(s.rd(R.VIRTIO_MMIO_QUEUE_READY), 0);
    assert.equal(s.rd(R.VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
  });

  test("rings above 4 GiB or past 2^53 are outside RAM: NEEDS_RESET, nothing touched", () => {
    const s = setup();
    negotiate(s, VERSION_1);
    s.wr(R.VIRTIO_MMIO_QUEUE_SEL, 0);
    s.wr(R.VIRTIO_MMIO_QUEUE_DESC_LOW, s.ram.base);
    s.wr(R.VIRTIO_MMIO_QUEUE_DESC_HIGH, 0xffff_ffff);
    s.wr(R.VIRTIO_MMIO_QUEUE_AVAIL_LOW, s.ram.base + 0x1_0000);
    s.wr(R.VIRTIO_MMIO_QUEUE_USED_LOW, s.ram.base + 0x2_0000);
    s.wr(R.VIRTIO_MMIO_QUEUE_READY, 1);
    assert.equal(s.rd(R.VIRTIO_MMIO_QUEUE_READY), 0);
    assert.match(s.logs[0]!, /descriptor table .* outside guest RAM/);
  });

  test("notifications on queues never set up, or that do not exist, are ignored", () => {
    const s = setup({ queues: 2 });
    negotiate(s, VERSION_1);
    queue(s, 0, 8, s.ram.base);
    s.wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_FEATURES_OK | VIRTIO_CONFIG_S_DRIVER_OK);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 1);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 7);
    s.wr(R.VIRTIO_MMIO_QUEUE_NOTIFY, 0xffff);
    assert.equal(s.rd(R.VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, 0);
    assert.equal(s.dev.log.filter((l) => l.startsWith("notify")).length, 0);
    assert.equal(s.t.core.counters.errors, 3);
  });

  test("DRIVER_OK without FEATURES_OK is refused", () => {
    const s = setup();
    s.wr(R.VIRTIO_MMIO_STATUS, ACK_DRIVER | VIRTIO_CONFIG_S_DRIVER_OK);
    assert.equal(s.rd(R.VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_DRIVER_OK, 0);
    assert.equal(s.rd(R.VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_CONFIG_S_NEEDS_RESET);
    assert.deepEqual(s.dev.log, []);
  });

  test("queue registers are frozen while the queue is enabled", () => {
    const s = setup();
    negotiate(s, VERSION_1);
    const d = queue(s, 0, 8, s.ram.base);
    s.wr(R.VIRTIO_MMIO_QUEUE_DESC_LOW, 0x1234);
    s.wr(R.VIRTIO_MMIO_QUEUE_NUM, 2);
    assert.equal(d.vq.size, 8);
    assert.equal(s.t.core.queues[0]!.desc, BigInt(d.desc));
  });

  test("lo/hi compose guest addresses; huge high words stay outside any RAM, exactly", () => {
    assert.equal(hi(lo(0n, 0x8000_1000), 0), 0x8000_1000n);
    assert.equal(hi(lo(0n, 0x1000), 1), 0x1_0000_1000n);
    assert.ok(hi(0n, 0xffff_ffff) >= 2n ** 53n);
    assert.ok(lo(hi(0n, 0xffff_ffff), 0x8000_0000) >= 2n ** 53n);
    assert.equal(lo(hi(0n, 0xffff_ffff), 0x8000_0000), 0xffff_ffff_8000_0000n, "no bit lost above 2^53");
  });
});
