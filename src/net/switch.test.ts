import assert from "node:assert/strict";
import { test } from "node:test";
import type { NetBackend } from "./index.js";
import { VirtualSwitch } from "./switch.js";
import { ethFrame, FakeNetBackend } from "./testing.js";

const A = "52:54:00:00:00:0a", B = "52:54:00:00:00:0b", C = "52:54:00:00:00:0c", BCAST = "ff:ff:ff:ff:ff:ff";

/** A switch with `n` ports, each recording what it is given. */
function rig(n: number, opts = {}) {
  let t = 0;
  const sw = new VirtualSwitch("sw0", { now: () => t, ...opts });
  const got: Uint8Array[][] = [];
  const ports = Array.from({ length: n }, (_, i) => {
    const p = sw.port();
    got.push([]);
    p.receive((f) => got[i]!.push(f));
    return p;
  });
  return { sw, ports, got, advance: (ms: number) => { t += ms; }, clear: () => got.forEach((g) => (g.length = 0)) };
}

test("unknown unicast and broadcast flood to every other port; learned unicast goes to one", () => {
  const { sw, ports, got, clear } = rig(3);
  const f1 = ethFrame(B, A, "who is B");
  ports[0]!.send(f1);
  assert.deepEqual(got.map((g) => g.length), [0, 1, 1], "unknown B: flood, not back to the sender");
  clear();
  ports[1]!.send(ethFrame(A, B, "B to A"));
  assert.deepEqual(got.map((g) => g.length), [1, 0, 0], "A was learned on port 0");
  clear();
  ports[0]!.send(ethFrame(B, A, "A to B"));
  assert.deepEqual(got.map((g) => g.length), [0, 1, 0], "B was learned on port 1");
  clear();
  ports[2]!.send(ethFrame(BCAST, C, "arp"));
  assert.deepEqual(got.map((g) => g.length), [1, 1, 0]);
  clear();
  ports[0]!.send(ethFrame("33:33:00:00:00:01", A, "ipv6 mcast"));
  assert.deepEqual(got.map((g) => g.length), [0, 1, 1], "multicast floods");
  assert.deepEqual(sw.macTable().map((e) => [e.mac, e.port]).sort(), [[A, 0], [B, 1], [C, 2]]);
  assert.deepEqual(sw.counters, { forwarded: 2, flooded: 3, dropped: 0 });
});

test("a frame for a MAC on the sender's own port is filtered", () => {
  const { sw, ports, got } = rig(2);
  ports[0]!.send(ethFrame(BCAST, A));
  ports[0]!.send(ethFrame(BCAST, B)); // B lives behind port 0 too (another bridge)
  got[1]!.length = 0;
  ports[0]!.send(ethFrame(B, A));
  assert.equal(got[1]!.length, 0);
  assert.equal(sw.counters.dropped, 1);
});

test("entries age out, then frames flood again; a MAC that moves is relearned", () => {
  const { sw, ports, got, advance, clear } = rig(3, { ageMs: 1000 });
  ports[1]!.send(ethFrame(BCAST, B));
  clear();
  advance(999);
  ports[0]!.send(ethFrame(B, A));
  assert.deepEqual(got.map((g) => g.length), [0, 1, 0]);
  clear();
  advance(1000);
  ports[0]!.send(ethFrame(B, A));
  assert.deepEqual(got.map((g) => g.length), [0, 1, 1], "B aged out: flood");
  assert.deepEqual(sw.macTable().map((e) => e.mac), [A]);
  clear();
  ports[2]!.send(ethFrame(A, B)); // B now on port 2
  ports[0]!.send(ethFrame(B, A));
  assert.deepEqual(got.map((g) => g.length), [1, 0, 1]);
});

test("the table is bounded: a flood of source MACs does not grow it, and forwarding still works", () => {
  const { sw, ports, got, clear } = rig(2, { maxMacs: 4 });
  for (let i = 0; i < 100; i++) ports[0]!.send(ethFrame(BCAST, `52:54:00:00:01:${i.toString(16).padStart(2, "0")}`));
  assert.equal(sw.macTable().length, 4);
  clear();
  ports[1]!.send(ethFrame("52:54:00:00:01:50", B));
  assert.equal(got[0]!.length, 1, "unlearned destination floods");
});

test("a receiver may keep the frame: the sender's buffer is copied; runts are dropped", () => {
  const { ports, got, sw } = rig(2);
  const f = ethFrame(BCAST, A, "abc");
  ports[0]!.send(f);
  f.fill(0);
  assert.equal(got[1]![0]![0], 0xff);
  ports[0]!.send(new Uint8Array(10));
  assert.equal(sw.counters.dropped, 1);
});

test("closing a port forgets its MACs; an uplink joins another backend as a port", () => {
  const { sw, ports, got } = rig(2);
  const wire = new FakeNetBackend();
  const up = sw.uplink(wire as NetBackend);
  ports[0]!.send(ethFrame(BCAST, A, "hi"));
  assert.equal(wire.sent.length, 1, "flooded out of the uplink");
  wire.inject(ethFrame(A, C, "from outside"));
  assert.equal(got[0]!.length, 1);
  assert.ok(sw.macTable().some((e) => e.mac === C && e.port === up.id));
  ports[0]!.close();
  assert.ok(!sw.macTable().some((e) => e.mac === A));
  up.close();
  assert.equal(wire.closed, true);
  ports[1]!.send(ethFrame(BCAST, B));
  assert.equal(wire.sent.length, 1, "a closed port gets nothing");
});
