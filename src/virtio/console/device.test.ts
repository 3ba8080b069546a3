import assert from "node:assert/strict";
import { test } from "node:test";
import { FakePort } from "../../chardev/testing.js";
import { feature } from "../device.js";
import { TestDriver, TestRam, testContext } from "../testing.js";
import {
  VIRTIO_CONSOLE_CONSOLE_PORT, VIRTIO_CONSOLE_DEVICE_READY, VIRTIO_CONSOLE_F_MULTIPORT, VIRTIO_CONSOLE_PORT_ADD,
  VIRTIO_CONSOLE_PORT_NAME, VIRTIO_CONSOLE_PORT_OPEN, VIRTIO_CONSOLE_PORT_READY, VirtioConsole,
} from "./index.js";
import { MAX_PENDING_INPUT } from "./device.js";

const ADD = VIRTIO_CONSOLE_PORT_ADD, READY = VIRTIO_CONSOLE_PORT_READY, OPEN = VIRTIO_CONSOLE_PORT_OPEN;
const CONSOLE = VIRTIO_CONSOLE_CONSOLE_PORT, NAME = VIRTIO_CONSOLE_PORT_NAME;

/** A driver for a console with the given host ends: every queue laid out and enabled. */
function rig(ports: { name?: string; backend: FakePort }[], opts: { multiport?: boolean } = {}) {
  const dev = new VirtioConsole({ ports, label: "con0" });
  const ram = new TestRam(8 << 20);
  const drivers = dev.queueSizes.map((n, i) => new TestDriver(ram, 16, { index: i, maxSize: n, ringBase: ram.base + i * 0x3_0000 }));
  const ctx = testContext(ram, drivers.map((d) => d.vq), (opts.multiport ?? true) ? feature(VIRTIO_CONSOLE_F_MULTIPORT) : 0n);
  dev.activate(ctx);
  const bufs = new Map<string, number>(); // "q/head" -> address of its (one) writable buffer
  const kick = (q: number) => dev.notify(q, drivers[q]!.vq);
  /** Give queue q `n` writable buffers of `len` bytes. */
  const post = (q: number, n: number, len = 64) => {
    for (let i = 0; i < n; i++) {
      const addr = ram.alloc(len);
      bufs.set(`${q}/${drivers[q]!.add([{ addr, len, write: true }])}`, addr);
    }
    kick(q);
  };
  /** What the device wrote into queue q's buffers since last asked, one entry per chain. */
  const received = (q: number) => drivers[q]!.takeUsed().map((u) => ram.view(bufs.get(`${q}/${u.id}`)!, u.len).slice());
  /** Control messages the device sent: [id, event, value, name?]. */
  const control = () => received(2).map((m) => {
    const dv = new DataView(m.buffer);
    const row: (number | string)[] = [dv.getUint32(0, true), dv.getUint16(4, true), dv.getUint16(6, true)];
    if (m.length > 8) row.push(new TextDecoder().decode(m.subarray(8)));
    return row;
  });
  /** The driver sends a control message. */
  const send = (id: number, event: number, value: number) => {
    const m = new Uint8Array(8);
    const dv = new DataView(m.buffer);
    dv.setUint32(0, id, true);
    dv.setUint16(4, event, true);
    dv.setUint16(6, value, true);
    drivers[3]!.add([{ data: m }]);
    kick(3);
  };
  /** The guest writes on port p's transmitq. */
  const write = (p: number, text: string) => {
    const q = p === 0 ? 1 : 2 * p + 3;
    drivers[q]!.add([{ data: new TextEncoder().encode(text) }]);
    kick(q);
  };
  /** Linux's probe: control buffers, DEVICE_READY, then PORT_READY for each port added. */
  const handshake = () => {
    post(2, 8);
    send(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
    const added = control();
    for (const [id] of added) send(id as number, READY, 1);
    return added;
  };
  return { dev, ram, drivers, ctx, kick, post, received, control, send, write, handshake };
}

const text = (chunks: Uint8Array[]) => chunks.map((c) => new TextDecoder().decode(c));

test("queues and config: 2 per port plus the control pair; max_nr_ports; MULTIPORT offered", () => {
  const { dev } = rig([{ backend: new FakePort() }, { name: "a", backend: new FakePort() }, { name: "b", backend: new FakePort() }]);
  assert.equal(dev.queueSizes.length, 8);
  assert.equal(new DataView(dev.config().buffer).getUint32(4, true), 3);
  assert.ok(dev.features() & feature(VIRTIO_CONSOLE_F_MULTIPORT));
  assert.equal(dev.type, 3);
});

test("the control handshake: PORT_ADD each, then CONSOLE_PORT for port 0, PORT_NAME and PORT_OPEN for a named port", () => {
  const host0 = new FakePort("stdio"), host1 = new FakePort("socket", true), host2 = new FakePort("socket", false);
  const r = rig([{ backend: host0 }, { name: "org.test.one", backend: host1 }, { name: "two", backend: host2 }]);
  r.post(2, 16);
  r.send(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
  assert.deepEqual(r.control(), [[0, ADD, 0], [1, ADD, 0], [2, ADD, 0]]);
  r.send(0, READY, 1);
  assert.deepEqual(r.control(), [[0, CONSOLE, 1], [0, OPEN, 1]]);
  r.send(1, READY, 1);
  assert.deepEqual(r.control(), [[1, NAME, 0, "org.test.one"], [1, OPEN, 1]]);
  r.send(2, READY, 1);
  assert.deepEqual(r.control(), [[2, NAME, 0, "two"]], "no PORT_OPEN: nobody is connected to port 2's socket");
  r.send(2, READY, 1);
  assert.deepEqual(r.control(), [], "a repeated PORT_READY changes nothing");
  assert.equal(r.dev.stats.badControl, 0);
  assert.deepEqual(r.ctx.failures, []);
});

test("host input waits until the guest opens the port, then fills its buffers in order", () => {
  const host = new FakePort();
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: host }]);
  r.handshake();
  r.post(4, 2, 4);
  host.type("hello ");
  host.type("world");
  assert.deepEqual(r.received(4), [], "the port is not open in the guest yet");
  r.send(1, OPEN, 1);
  assert.deepEqual(text(r.received(4)), ["hell", "o wo"]);
  r.post(4, 4, 4);
  assert.deepEqual(text(r.received(4)), ["rld"]);
  assert.equal(r.dev.stats.rxBytes[1], 11);
  assert.ok(r.ctx.signals.includes(4));
  r.send(1, OPEN, 0);
  host.type("later");
  assert.deepEqual(r.received(4), []);
  assert.equal(r.dev.portState(1)!.pendingBytes, 5);
});

test("guest output goes to the port's host end; port 0 is the console", () => {
  const con = new FakePort(), host = new FakePort();
  const r = rig([{ backend: con }, { name: "p", backend: host }]);
  r.handshake();
  r.write(0, "boot log\n");
  r.write(1, "to the socket");
  assert.equal(con.text(), "boot log\n");
  assert.equal(host.text(), "to the socket");
  assert.deepEqual(r.drivers[5]!.takeUsed().map((u) => u.len), [0]);
  assert.deepEqual(r.dev.stats.txBytes, [9, 13]);
});

test("a client connecting and leaving is PORT_OPEN 1 and 0 for the driver", () => {
  const host = new FakePort("socket", false);
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: host }]);
  r.handshake();
  r.control();
  host.setConnected(true);
  host.setConnected(false);
  assert.deepEqual(r.control(), [[1, OPEN, 1], [1, OPEN, 0]]);
  assert.equal(r.dev.portState(1)!.hostOpen, false);
});

test("control messages wait for control buffers", () => {
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: new FakePort() }]);
  r.send(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
  assert.deepEqual(r.control(), []);
  r.post(2, 1);
  assert.deepEqual(r.control(), [[0, ADD, 0]]);
  r.post(2, 4);
  assert.deepEqual(r.control(), [[1, ADD, 0]]);
});

test("a full backlog pauses the host end; draining it resumes", () => {
  const host = new FakePort();
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: host }]);
  r.handshake();
  host.type(new Uint8Array(MAX_PENDING_INPUT));
  assert.equal(host.paused, true);
  r.send(1, OPEN, 1);
  r.post(4, 16, 4096);
  assert.equal(host.paused, false);
  assert.equal(r.received(4).reduce((n, c) => n + c.length, 0), MAX_PENDING_INPUT);
});

test("bad driver input: a short control message needs a reset; unknown ports and events are counted", () => {
  const r = rig([{ backend: new FakePort() }]);
  r.post(2, 4);
  r.send(7, READY, 1);
  r.send(0, 99, 0);
  r.send(0, VIRTIO_CONSOLE_DEVICE_READY, 0);
  assert.equal(r.dev.stats.badControl, 3);
  assert.deepEqual(r.ctx.failures, []);
  r.drivers[3]!.add([{ data: new Uint8Array(4) }]);
  assert.throws(() => r.kick(3), /control message needs 8 bytes, the chain has 4/);
});

test("a control receive buffer too small for a message stops the device (NEEDS_RESET) from a host event", () => {
  const host = new FakePort("socket", false);
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: host }]);
  r.post(2, 5); // exactly enough: PORT_ADD x2, CONSOLE_PORT, PORT_OPEN 0, PORT_NAME 1
  r.send(0, VIRTIO_CONSOLE_DEVICE_READY, 1);
  r.send(0, READY, 1);
  r.send(1, READY, 1);
  assert.equal(r.control().length, 5);
  r.drivers[2]!.add([{ len: 4, write: true }]);
  r.kick(2);
  host.setConnected(true);
  assert.deepEqual(r.ctx.failures, ["ShortChain"]);
  host.setConnected(false); // the device is stopped: nothing more happens
  assert.deepEqual(r.ctx.failures, ["ShortChain"]);
});

test("without MULTIPORT, port 0 alone is a plain console; emerg_wr prints one character", () => {
  const con = new FakePort();
  const r = rig([{ backend: con }, { name: "ignored", backend: new FakePort() }], { multiport: false });
  con.type("ls\n");
  r.post(0, 1);
  assert.deepEqual(text(r.received(0)), ["ls\n"]);
  r.write(0, "ok");
  r.dev.writeConfig(8, Uint8Array.of(0x21, 0, 0, 0));
  assert.equal(con.text(), "ok!");
});

test("after reset, the handshake starts over and held input is kept", () => {
  const host = new FakePort();
  const r = rig([{ backend: new FakePort() }, { name: "p", backend: host }]);
  r.handshake();
  r.dev.reset();
  host.type("kept");
  assert.deepEqual(r.dev.portState(1), { hostOpen: true, ready: false, guestOpen: false, pendingBytes: 4 });
});
