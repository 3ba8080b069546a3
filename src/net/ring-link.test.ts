import assert from "node:assert/strict";
import { test } from "node:test";
import { waitFor } from "../rootos/supervisor/testing.js";
import { newNicRings, plugRings, RingLink } from "./ring-link.js";
import { VirtualSwitch } from "./switch.js";
import { ethFrame } from "./testing.js";

const A = "52:54:00:00:00:0a", B = "52:54:00:00:00:0b";

test("two NICs on ring ports: a receiver that stops taking frames pushes back to the sender, nothing is lost", async () => {
  const sw = new VirtualSwitch("lan");
  const ra = newNicRings(1 << 16), rb = newNicRings(1 << 16);
  const pa = plugRings(sw.port(), ra), pb = plugRings(sw.port(), rb);
  const a = new RingLink(ra, "a"), b = new RingLink(rb, "b");
  const atA: Uint8Array[] = [], atB: number[] = [];
  let bTakes = false;
  a.receive((f) => { atA.push(f); });
  b.receive((f) => { if (!bTakes) return false; atB.push(f[14]! | (f[15]! << 8)); return true; });
  try {
    // B says who it is (a broadcast, so A learns nothing yet, and the switch learns B).
    assert.ok(b.send(ethFrame("ff:ff:ff:ff:ff:ff", B, "hello")));
    await waitFor("B's broadcast at A", () => atA.length === 1);
    // A streams to B while B refuses: B's ring fills, then A's, then A's send says wait.
    let sent = 0;
    const payload = (n: number) => Uint8Array.from({ length: 1000 }, (_, i) => (i < 2 ? (n >> (8 * i)) & 0xff : i & 0xff));
    for (;;) {
      if (!a.send(ethFrame(B, A, payload(sent)))) break;
      sent++;
      if (sent % 16 === 0) await new Promise((r) => setImmediate(r));
      assert.ok(sent < 1000, "the sender was never told to wait");
    }
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(pb.counters.ringFull > 0, "the switch found B's ring full");
    assert.ok(a.counters.ringFull > 0, "A found its ring full");
    const writable = new Promise<void>((r) => a.whenWritable(r));
    bTakes = true;
    b.resume();
    await writable;
    await waitFor("every frame at B", () => atB.length === sent);
    assert.deepEqual(atB, Array.from({ length: sent }, (_, i) => i), "in order, none lost");
    assert.equal(pa.counters.drops + pb.counters.drops, 0);
    assert.equal(pa.counters.txFrames, sent, "A's port counted what entered the switch");
  } finally {
    a.close(); b.close(); pa.close(); pb.close();
  }
});
