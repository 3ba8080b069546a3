import assert from "node:assert/strict";
import { test } from "node:test";
import { parseMac } from "../../net/index.js";
import { VirtualSwitch } from "../../net/switch.js";
import { ethFrame, FakeNetBackend } from "../../net/testing.js";
import { feature } from "../device.js";
import { TestDriver, TestRam, testContext } from "../testing.js";
import { RX_BACKLOG } from "./device.js";
import { VIRTIO_NET_F_MAC, VIRTIO_NET_F_STATUS, VIRTIO_NET_HDR_SIZE, VirtioNet } from "./index.js";

const MAC = "52:54:00:12:34:56", PEER = "52:54:00:aa:bb:cc", BCAST = "ff:ff:ff:ff:ff:ff";

function rig(backend = new FakeNetBackend(), mac = MAC) {
  let wakes = 0;
  const dev = new VirtioNet({ backend, mac: parseMac(mac), wake: () => { wakes++; } });
  const ram = new TestRam(4 << 20);
  const rx = new TestDriver(ram, 16, { index: 0, maxSize: 256, ringBase: ram.base });
  const tx = new TestDriver(ram, 16, { index: 1, maxSize: 256, ringBase: ram.base + 0x3_0000 });
  const ctx = testContext(ram, [rx.vq, tx.vq], feature(VIRTIO_NET_F_MAC) | feature(VIRTIO_NET_F_STATUS));
  dev.activate(ctx);
  const bufs = new Map<number, number>();
  /** Linux's small receive buffers: header + 1518 bytes, one descriptor each. */
  const post = (n: number, len = VIRTIO_NET_HDR_SIZE + 1518) => {
    for (let i = 0; i < n; i++) {
      const addr = ram.alloc(len);
      bufs.set(rx.add([{ addr, len, write: true }]), addr);
    }
    dev.notify(0, rx.vq);
  };
  const received = () => rx.takeUsed().map((u) => ram.view(bufs.get(u.id)!, u.len).slice());
  /** The guest sends a frame: header in one descriptor, frame in the next (as Linux does for big frames). */
  const send = (frame: Uint8Array, hdr = new Uint8Array(VIRTIO_NET_HDR_SIZE)) => {
    tx.add([{ data: hdr }, { data: frame }]);
    dev.notify(1, tx.vq);
  };
  return { dev, backend, ram, rx, tx, ctx, post, received, send, wakes: () => wakes };
}

test("config: the MAC and LINK_UP; features MAC and STATUS; two queues", () => {
  const { dev } = rig(undefined, "52:54:00:01:02:03");
  assert.deepEqual([...dev.config()], [0x52, 0x54, 0, 1, 2, 3, 1, 0]);
  assert.equal(dev.features(), feature(VIRTIO_NET_F_MAC) | feature(VIRTIO_NET_F_STATUS));
  assert.equal(dev.queueSizes.length, 2);
  assert.equal(dev.type, 1);
});

test("transmit: the header is stripped, the frame goes to the backend, the chain comes back", () => {
  const r = rig();
  const f = ethFrame(PEER, MAC, "ping");
  r.send(f);
  r.tx.add([{ data: Uint8Array.from([...new Uint8Array(VIRTIO_NET_HDR_SIZE), ...f]) }]); // header and frame in one buffer
  r.dev.notify(1, r.tx.vq);
  assert.deepEqual(r.backend.sent, [f, f]);
  assert.deepEqual(r.tx.takeUsed().map((u) => u.len), [0, 0]);
  assert.equal(r.dev.stats.txFrames, 2);
  assert.ok(r.ctx.signals.includes(1));
});

test("receive: header (num_buffers 1) then the frame, used length covers both; the machine is woken", () => {
  const r = rig();
  r.post(2);
  const f = ethFrame(MAC, PEER, "pong");
  r.backend.inject(f);
  const [got] = r.received();
  assert.equal(got!.length, VIRTIO_NET_HDR_SIZE + f.length);
  assert.deepEqual([...got!.subarray(0, VIRTIO_NET_HDR_SIZE)], [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
  assert.deepEqual(got!.subarray(VIRTIO_NET_HDR_SIZE), f);
  assert.equal(r.wakes(), 1);
  assert.ok(r.ctx.signals.includes(0));
});

test("frames wait in a bounded backlog for receive buffers; the overflow is dropped and counted", () => {
  const r = rig();
  for (let i = 0; i < RX_BACKLOG + 5; i++) r.backend.inject(ethFrame(BCAST, PEER, `n${i}`));
  assert.equal(r.dev.stats.rxDropped, 5);
  r.post(3);
  const got = r.received();
  assert.deepEqual(got.map((g) => new TextDecoder().decode(g.subarray(VIRTIO_NET_HDR_SIZE + 14))), ["n0", "n1", "n2"]);
});

test("a frame larger than the guest's buffer returns the buffer empty; the next frame uses the next buffer", () => {
  const r = rig();
  r.post(2, 100);
  r.backend.inject(ethFrame(MAC, PEER, new Uint8Array(200)));
  r.backend.inject(ethFrame(MAC, PEER, "small"));
  const got = r.received();
  assert.deepEqual(got.map((g) => g.length), [0, VIRTIO_NET_HDR_SIZE + 19]);
  assert.equal(r.dev.stats.rxTooBig, 1);
});

test("bad guest input: a chain shorter than the header is a guest error; runts are dropped", () => {
  const r = rig();
  r.send(new Uint8Array(5));
  assert.equal(r.dev.stats.txDropped, 1);
  r.tx.add([{ data: new Uint8Array(6) }]);
  assert.throws(() => r.dev.notify(1, r.tx.vq), /a virtio_net_hdr needs 12 bytes, the chain has 6/);
});

test("a lie in the receive ring, found on a host event, stops the device (NEEDS_RESET) until reset", () => {
  const r = rig();
  r.rx.publish(99); // a head past the queue size
  r.backend.inject(ethFrame(MAC, PEER, "y"));
  assert.deepEqual(r.ctx.failures, ["DescriptorIndex"]);
  r.backend.inject(ethFrame(MAC, PEER, "z"));
  assert.deepEqual(r.ctx.failures, ["DescriptorIndex"]);
  assert.equal(r.dev.stats.rxDropped, 1, "after failing the device takes nothing until reset");
});

test("link down: LINK_UP cleared with a config interrupt, frames dropped both ways; up again", () => {
  const r = rig();
  r.dev.setLinkUp(false);
  assert.equal(r.dev.config()[6], 0);
  assert.ok(r.ctx.signals.includes(-1));
  r.backend.inject(ethFrame(MAC, PEER));
  r.send(ethFrame(PEER, MAC));
  assert.equal(r.dev.stats.rxDropped, 1);
  assert.equal(r.dev.stats.txDropped, 1);
  r.dev.setLinkUp(true);
  assert.equal(r.dev.config()[6], 1);
});

test("before DRIVER_OK and after reset, frames from the link are dropped", () => {
  const backend = new FakeNetBackend();
  const dev = new VirtioNet({ backend, mac: parseMac(MAC) });
  backend.inject(ethFrame(MAC, PEER));
  assert.equal(dev.stats.rxDropped, 1);
  const r = rig();
  r.dev.reset();
  r.backend.inject(ethFrame(MAC, PEER));
  assert.equal(r.dev.stats.rxDropped, 1);
});

test("two NICs on a virtual switch: a frame sent by one is received by the other", () => {
  const sw = new VirtualSwitch();
  const a = rig(sw.port() as unknown as FakeNetBackend, "52:54:00:00:00:0a");
  const b = rig(sw.port() as unknown as FakeNetBackend, "52:54:00:00:00:0b");
  b.post(1);
  const f = ethFrame(BCAST, "52:54:00:00:00:0a", "arp who-has");
  a.send(f);
  assert.deepEqual(b.received()[0]!.subarray(VIRTIO_NET_HDR_SIZE), f);
  a.post(1);
  b.send(ethFrame("52:54:00:00:00:0a", "52:54:00:00:00:0b", "arp reply"));
  assert.equal(a.received().length, 1);
  assert.deepEqual(sw.macTable().map((e) => e.mac).sort(), ["52:54:00:00:00:0a", "52:54:00:00:00:0b"]);
});

/** A link that pushes back: `full` refuses sends until `drain()`; `resumed` counts resume calls. */
class PushBack extends FakeNetBackend {
  full = false;
  resumed = 0;
  private writable: (() => void) | undefined;
  override send(frame: Uint8Array): boolean { return this.full ? false : super.send(frame); }
  whenWritable(then: () => void): void { this.writable = then; }
  resume(): void { this.resumed++; }
  drain(): void { this.full = false; const w = this.writable; this.writable = undefined; w?.(); }
}

test("a full link holds the TX chain (not returned to the guest) and sends it first when the link has room", () => {
  const link = new PushBack();
  const r = rig(link);
  link.full = true;
  r.send(ethFrame(PEER, MAC, "one"));
  r.send(ethFrame(PEER, MAC, "two"));
  assert.deepEqual(r.tx.takeUsed(), [], "no chain comes back while the link is full");
  assert.equal(r.dev.stats.txWaits, 1);
  assert.equal(link.sent.length, 0);
  link.drain();
  assert.deepEqual(link.sent.map((f) => new TextDecoder().decode(f.subarray(14))), ["one", "two"], "in order, none lost");
  assert.equal(r.tx.takeUsed().length, 2);
  assert.equal(r.dev.stats.txDropped, 0);
  assert.ok(r.wakes() > 0, "the machine is woken to see the used chains");
});

test("a full backlog refuses frames from a link that keeps them, and resumes it when the guest posts buffers", () => {
  const link = new PushBack();
  const r = rig(link);
  for (let i = 0; i < RX_BACKLOG; i++) assert.equal(link.inject(ethFrame(BCAST, PEER, `n${i}`)), true);
  assert.equal(link.inject(ethFrame(BCAST, PEER, "over")), false, "refused, not dropped");
  assert.equal(r.dev.stats.rxDropped, 0);
  assert.equal(link.resumed, 0);
  r.post(1);
  assert.equal(link.resumed, 1, "room again: the link may offer the frame it kept");
  assert.equal(r.received().length, 1);
});
