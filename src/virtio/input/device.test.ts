import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { VirtioError } from "../errors.js";
import { TestDriver, TestRam, testContext } from "../testing.js";
import { INPUT_STATUS_QUEUE, MAX_PENDING_EVENTS } from "./device.js";
import {
  ABS_X, ABS_Y, BTN_LEFT, EV_ABS, EV_KEY, EV_LED, EV_REL, EV_SYN, KEYBOARD_PROFILE, TABLET_MAX, TABLET_PROFILE,
  VIRTIO_INPUT_CFG_ABS_INFO, VIRTIO_INPUT_CFG_EV_BITS, VIRTIO_INPUT_CFG_ID_DEVIDS, VIRTIO_INPUT_CFG_ID_NAME,
  VIRTIO_INPUT_CFG_ID_SERIAL, VIRTIO_INPUT_CFG_PROP_BITS, VirtioInput,
} from "./index.js";

function setup(profile = KEYBOARD_PROFILE) {
  const ram = new TestRam(1 << 20);
  const events = new TestDriver(ram, 8, { ringBase: ram.base });
  const status = new TestDriver(ram, 8, { ringBase: ram.base + 0x3_0000, index: 1 });
  let wakes = 0;
  const dev = new VirtioInput({ profile, wake: () => { wakes++; } });
  const ctx = testContext(ram, [events.vq, status.vq]);
  /** Ask the config space (the driver writes select, then subsel, a byte each as Linux does). */
  const ask = (select: number, subsel = 0) => {
    dev.writeConfig(0, Uint8Array.of(select));
    dev.writeConfig(1, Uint8Array.of(subsel));
    const cfg = dev.config();
    return { size: cfg[2]!, u: cfg.subarray(8, 8 + cfg[2]!) };
  };
  /** Give the driver's side n event buffers; returns their addresses. */
  const buffers = (n: number) => Array.from({ length: n }, () => {
    const addr = ram.alloc(8);
    events.add([{ addr, len: 8, write: true }]);
    return addr;
  });
  const read = (addr: number) => { const dv = new DataView(ram.bytes.buffer, addr - ram.base, 8); return { type: dv.getUint16(0, true), code: dv.getUint16(2, true), value: dv.getInt32(4, true) }; };
  return { ram, events, status, dev, ctx, ask, buffers, read, wakes: () => wakes };
}

const bitsOf = (u: Uint8Array) => [...u].flatMap((b, i) => [0, 1, 2, 3, 4, 5, 6, 7].filter((k) => b & (1 << k)).map((k) => 8 * i + k));

describe("virtio-input", () => {
  test("config: the name, serial and ids; event bits per type; no answer is size 0", () => {
    const s = setup();
    const name = s.ask(VIRTIO_INPUT_CFG_ID_NAME);
    assert.equal(new TextDecoder().decode(name.u), "Bulkhead Virtio Keyboard");
    assert.equal(new TextDecoder().decode(s.ask(VIRTIO_INPUT_CFG_ID_SERIAL).u), "bulkhead-kbd0");
    const ids = s.ask(VIRTIO_INPUT_CFG_ID_DEVIDS);
    assert.equal(ids.size, 8);
    assert.equal(new DataView(ids.u.buffer, ids.u.byteOffset).getUint16(0, true), 0x06, "BUS_VIRTUAL");
    const keys = bitsOf(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_KEY).u);
    assert.equal(keys[0], 1);
    assert.equal(keys.length, 248);
    assert.ok(keys.includes(30), "KEY_A");
    assert.deepEqual(bitsOf(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_LED).u), [0, 1, 2]);
    assert.equal(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_ABS).size, 0);
    assert.equal(s.ask(VIRTIO_INPUT_CFG_PROP_BITS).size, 0);
    assert.equal(s.ask(VIRTIO_INPUT_CFG_ID_NAME, 5).size, 0, "a subsel the select does not take");
    assert.equal(s.ask(0x7f).size, 0);
    assert.ok(s.dev.config().subarray(8).every((b) => b === 0), "the union is cleared");
  });

  test("the tablet: buttons, a wheel, absolute X and Y over 0..0x7fff", () => {
    const s = setup(TABLET_PROFILE);
    assert.deepEqual(bitsOf(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_KEY).u), [0x110, 0x111, 0x112]);
    assert.deepEqual(bitsOf(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_REL).u), [8]);
    assert.deepEqual(bitsOf(s.ask(VIRTIO_INPUT_CFG_EV_BITS, EV_ABS).u), [ABS_X, ABS_Y]);
    for (const axis of [ABS_X, ABS_Y]) {
      const a = s.ask(VIRTIO_INPUT_CFG_ABS_INFO, axis);
      assert.equal(a.size, 20);
      const dv = new DataView(a.u.buffer, a.u.byteOffset);
      assert.deepEqual([dv.getInt32(0, true), dv.getInt32(4, true)], [0, TABLET_MAX]);
    }
    assert.equal(s.ask(VIRTIO_INPUT_CFG_ABS_INFO, 2).size, 0);
  });

  test("events go one per buffer, each packet ends with SYN_REPORT; they wait for buffers", () => {
    const s = setup(TABLET_PROFILE);
    s.dev.activate(s.ctx);
    const first = s.buffers(2);
    assert.ok(s.dev.inject([{ type: EV_ABS, code: ABS_X, value: 100 }, { type: EV_ABS, code: ABS_Y, value: 200 }, { type: EV_KEY, code: BTN_LEFT, value: 1 }]));
    assert.deepEqual(first.map(s.read), [{ type: EV_ABS, code: ABS_X, value: 100 }, { type: EV_ABS, code: ABS_Y, value: 200 }]);
    assert.deepEqual(s.events.takeUsed().map((u) => u.len), [8, 8]);
    assert.deepEqual(s.ctx.signals, [0]);
    assert.equal(s.wakes(), 1);
    const rest = s.buffers(3);
    s.dev.notify(0, s.events.vq);
    assert.deepEqual(rest.slice(0, 2).map(s.read), [{ type: EV_KEY, code: BTN_LEFT, value: 1 }, { type: EV_SYN, code: 0, value: 0 }]);
    assert.equal(s.events.takeUsed().length, 2, "the third buffer stays with the device");
    s.dev.inject([{ type: EV_REL, code: 8, value: -1 }]);
    assert.deepEqual(s.read(rest[2]!), { type: EV_REL, code: 8, value: -1 }, "negative values are signed");
    assert.equal(s.dev.stats.delivered, 5);
  });

  test("before the driver runs, and past the backlog, whole packets are dropped", () => {
    const s = setup();
    assert.equal(s.dev.inject([{ type: EV_KEY, code: 30, value: 1 }]), false);
    assert.equal(s.dev.stats.dropped, 2);
    s.dev.activate(s.ctx);
    let accepted = 0;
    while (s.dev.inject([{ type: EV_KEY, code: 30, value: 1 }])) accepted++;
    assert.equal(accepted, MAX_PENDING_EVENTS / 2);
    s.dev.reset();
    s.dev.activate(s.ctx);
    const b = s.buffers(1);
    s.dev.notify(0, s.events.vq);
    assert.equal(s.events.takeUsed().length, 0, "reset forgot the backlog");
    s.dev.inject([{ type: EV_KEY, code: 31, value: 0 }]);
    assert.deepEqual(s.read(b[0]!), { type: EV_KEY, code: 31, value: 0 });
  });

  test("the status queue is drained and counted; a too-short event buffer is a guest error", () => {
    const s = setup();
    s.dev.activate(s.ctx);
    s.status.add([{ data: Uint8Array.of(0x11, 0, 1, 0, 1, 0, 0, 0) }]); // EV_LED LED_CAPSL 1
    s.status.add([{ data: Uint8Array.of(1, 2) }]);
    s.dev.notify(INPUT_STATUS_QUEUE, s.status.vq);
    assert.deepEqual(s.status.takeUsed().map((u) => u.len), [0, 0]);
    assert.equal(s.dev.stats.status, 1);
    s.events.add([{ len: 4, write: true }]);
    s.dev.inject([{ type: EV_KEY, code: 30, value: 1 }]);
    assert.deepEqual(s.ctx.failures, ["ShortChain"], "from a host event: reported through ctx.fail");
    const r = setup();
    r.dev.activate(r.ctx);
    r.dev.inject([{ type: EV_KEY, code: 30, value: 1 }]);
    r.events.add([{ len: 4, write: true }]);
    assert.throws(() => r.dev.notify(0, r.events.vq), (e: unknown) => e instanceof VirtioError && e.info.kind === "ShortChain", "from notify: thrown to the transport");
  });
});
