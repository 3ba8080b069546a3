import assert from "node:assert/strict";
import { createSocket } from "node:dgram";
import { test } from "node:test";
import { NetError, parseEndpoint } from "./index.js";
import { ethFrame } from "./testing.js";
import { openUdpLink, type UdpLink } from "./udp.js";

const any = parseEndpoint("127.0.0.1:0", "local", true);

/** Two links bound to system-chosen loopback ports, each sending to the other. */
async function pair(): Promise<[UdpLink, UdpLink]> {
  // Bind a first to learn its port, then b pointing at a, then a second a pointing at b.
  const probe = await openUdpLink({ local: any, remote: parseEndpoint("127.0.0.1:9", "remote") });
  const aLocal = probe.local;
  probe.close();
  const b = await openUdpLink({ local: any, remote: aLocal });
  const a = await openUdpLink({ local: aLocal, remote: b.local });
  return [a, b];
}

function next(link: UdpLink): Promise<Uint8Array> {
  return new Promise((res) => link.receive(res));
}

test("two UDP links on 127.0.0.1 exchange frames, one per datagram", async () => {
  const [a, b] = await pair();
  try {
    const f1 = ethFrame("52:54:00:00:00:02", "52:54:00:00:00:01", "hello b");
    const got1 = next(b);
    a.send(f1);
    assert.deepEqual(await got1, f1);
    const f2 = ethFrame("52:54:00:00:00:01", "52:54:00:00:00:02", new Uint8Array(1500).fill(7));
    const got2 = next(a);
    b.send(f2);
    assert.deepEqual(await got2, f2);
    assert.equal(a.counters.txFrames, 1);
    assert.equal(a.counters.rxFrames, 1);
    assert.match(a.label, /^udp 127\.0\.0\.1:\d+->127\.0\.0\.1:\d+$/);
  } finally {
    a.close();
    b.close();
  }
});

test("the datagram is the frame, byte for byte (QEMU's socket,udp= framing: no length prefix)", async () => {
  const raw = createSocket("udp4");
  await new Promise<void>((res) => raw.bind(0, "127.0.0.1", res));
  const link = await openUdpLink({ local: any, remote: parseEndpoint(`127.0.0.1:${raw.address().port}`, "remote") });
  try {
    const frame = ethFrame("ff:ff:ff:ff:ff:ff", "52:54:00:00:00:01", "x");
    const got = new Promise<Buffer>((res) => raw.once("message", res));
    link.send(frame);
    assert.deepEqual(new Uint8Array(await got), frame);
    // And a datagram from the peer arrives as one frame.
    const back = next(link);
    raw.send(Buffer.from(frame), link.local.port, "127.0.0.1");
    assert.deepEqual(await back, frame);
  } finally {
    link.close();
    raw.close();
  }
});

test("datagrams from anyone but the remote, or shorter than a frame header, are dropped", async () => {
  const peer = createSocket("udp4");
  const stranger = createSocket("udp4");
  await new Promise<void>((res) => peer.bind(0, "127.0.0.1", res));
  await new Promise<void>((res) => stranger.bind(0, "127.0.0.1", res));
  const link = await openUdpLink({ local: any, remote: parseEndpoint(`127.0.0.1:${peer.address().port}`, "remote") });
  try {
    const frames: Uint8Array[] = [];
    link.receive((f) => frames.push(f));
    const good = ethFrame("52:54:00:00:00:01", "52:54:00:00:00:02", "ok");
    stranger.send(Buffer.from(good), link.local.port, "127.0.0.1");
    peer.send(Buffer.from([1, 2, 3]), link.local.port, "127.0.0.1");
    peer.send(Buffer.from(good), link.local.port, "127.0.0.1");
    for (let i = 0; i < 100 && frames.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(frames, [good]);
    assert.equal(link.counters.rxDropped, 2);
  } finally {
    link.close();
    peer.close();
    stranger.close();
  }
});

test("binding a port in use is a NetError naming the address", async () => {
  const [a, b] = await pair();
  try {
    await assert.rejects(openUdpLink({ local: a.local, remote: b.local }), (e: unknown) =>
      e instanceof NetError && e.info.kind === "Bind" && /cannot bind 127\.0\.0\.1:\d+: the address is in use/.test(e.message));
    assert.throws(() => openUdpLink({ local: any, remote: parseEndpoint("[::1]:5", "remote") }), /not the same IP version/);
  } finally {
    a.close();
    b.close();
  }
});

test("after close, send drops and close is idempotent", async () => {
  const [a, b] = await pair();
  a.close();
  a.close();
  a.send(ethFrame("52:54:00:00:00:02", "52:54:00:00:00:01"));
  assert.equal(a.counters.txFrames, 0);
  b.close();
});
