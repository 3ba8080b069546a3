import assert from "node:assert/strict";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { FrameRing, recordBytes, ringBuffer } from "./ring.js";

const frame = (len: number, seed: number) => Uint8Array.from({ length: len }, (_, i) => (i * 7 + seed) & 0xff);
const popAll = (r: FrameRing) => { const got: Uint8Array[] = []; r.drain((f) => { got.push(f.slice()); return true; }); return got; };

test("frames come out in order, byte for byte, across many wrap-arounds", () => {
  const buf = ringBuffer(4096);
  const tx = new FrameRing(buf, 1514), rx = new FrameRing(buf, 1514);
  let sent = 0, seen = 0;
  for (let round = 0; round < 200; round++) {
    // Odd lengths, so records pad and split across the end of the data area at every offset.
    const batch = [frame(14 + (round * 37) % 1500, round), frame(60 + round % 3, round + 1)];
    for (const f of batch) assert.ok(tx.push(f), `round ${round}: room for ${f.length} bytes`);
    sent += batch.length;
    const got = popAll(rx);
    assert.deepEqual(got, batch, `round ${round}`);
    seen += got.length;
  }
  assert.equal(seen, sent);
  assert.equal(rx.used, 0);
  assert.equal(rx.torn, 0);
});

test("a full ring refuses a frame without writing it; room comes back as the consumer drains", () => {
  const buf = ringBuffer(4096);
  const tx = new FrameRing(buf, 1514), rx = new FrameRing(buf, 1514);
  let n = 0;
  while (tx.push(frame(1000, n))) n++;
  assert.equal(n, Math.floor(4096 / recordBytes(1000)));
  const before = tx.used;
  assert.equal(tx.push(frame(1000, 99)), false);
  assert.equal(tx.used, before, "a refused push leaves the ring as it was");
  // The consumer may leave a frame in place (its receiver is full): nothing is lost.
  let taken = 0;
  assert.equal(rx.drain(() => taken++ < 1), 1);
  assert.ok(tx.push(frame(1000, 100)), "one record's room is back");
  const rest = popAll(rx);
  assert.equal(rest.length, n);
  assert.deepEqual(rest.at(-1), frame(1000, 100));
});

test("a lying producer's lengths are refused: the consumer empties the ring and counts it torn", () => {
  for (const bad of [0, 3, 13, 1515, 0xffffffff, 2000]) {
    const buf = ringBuffer(4096);
    const tx = new FrameRing(buf, 1514), rx = new FrameRing(buf, 1514);
    tx.push(frame(100, 1));
    // Forge the next record's length, and a HEAD that claims only 64 bytes of it.
    const dv = new DataView(buf, 32);
    dv.setUint32(recordBytes(100), bad, true);
    new Int32Array(buf)[0] = recordBytes(100) + 64;
    const got = popAll(rx);
    assert.deepEqual(got, [frame(100, 1)], `length ${bad}: the good frame before it still arrives`);
    assert.equal(rx.torn, 1, `length ${bad} is torn`);
    assert.equal(rx.used, 0, "the ring is emptied, never read as stale frames");
  }
  // A HEAD that runs ahead of what was written past the whole ring.
  const buf = ringBuffer(4096);
  const rx = new FrameRing(buf, 1514);
  new Int32Array(buf)[0] = 3; // misaligned
  assert.equal(rx.drain(() => true), 0);
  assert.equal(rx.torn, 1);
});

test("the capacity must hold the largest frame, and be a power of two", () => {
  assert.throws(() => ringBuffer(5000), /power of two/);
  assert.throws(() => new FrameRing(ringBuffer(4096), 9000), /cannot hold/);
});

test("a consumer in another thread wakes on batches and the producer waits for room, losing nothing", async () => {
  const buf = ringBuffer(8192);
  const count = 3000;
  const worker = new Worker(`
    const { workerData, parentPort } = require("node:worker_threads");
    import(workerData.ring).then(async ({ FrameRing }) => {
      const rx = new FrameRing(workerData.buf, 1514);
      const alive = setInterval(() => {}, 1000); // a waitAsync alone does not keep a thread's event loop alive
      let n = 0, bytes = 0, bad = 0;
      while (n < workerData.count) {
        await rx.waitData();
        rx.drain((f) => { if (f[0] !== (n & 0xff) || f.length !== 60 + (n % 1400)) bad++; n++; bytes += f.length; return true; });
      }
      clearInterval(alive);
      parentPort.postMessage({ n, bytes, bad, torn: rx.torn });
    });
  `, { eval: true, workerData: { buf, count, ring: new URL("./ring.js", import.meta.url).href } });
  const done = new Promise<{ n: number; bytes: number; bad: number; torn: number }>((res, rej) => { worker.once("message", res); worker.once("error", rej); });
  const tx = new FrameRing(buf, 1514);
  let full = 0;
  for (let i = 0; i < count; i++) {
    const f = new Uint8Array(60 + (i % 1400)).fill(i & 0xff);
    while (!tx.push(f)) {
      full++;
      tx.flush();
      await tx.waitSpace(recordBytes(f.length));
    }
    if (i % 8 === 7) tx.flush();
  }
  tx.flush();
  const r = await done;
  await worker.terminate();
  assert.deepEqual({ n: r.n, bad: r.bad, torn: r.torn }, { n: count, bad: 0, torn: 0 });
  assert.ok(full > 0, "an 8 KiB ring filled at least once (the producer waited)");
});
