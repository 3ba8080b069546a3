// The upgrade port's receiver on hostile streams: a bundle in small pieces is delivered
// whole; garbage, a bad header, a bundle larger than a slot (refused from its header,
// before its body), a truncated one and one with bytes after its end each get one
// `error:` line, and the next good bundle after a quiet gap goes through.
import assert from "node:assert/strict";
import { test } from "node:test";
import { testBundle, testKey } from "../trust/testing.js";
import { sleep } from "./testing.js";
import { UpgradeReceiver } from "./upgrade-port.js";

const key = testKey("release");
const bundle = testBundle(key, "app", 2);
const GAP = 60;

function receiver(maxBytes = 1 << 20) {
  const replies: string[] = [];
  const delivered: Uint8Array[] = [];
  const rx = new UpgradeReceiver({
    maxBytes, gapMs: GAP,
    reply: (line) => replies.push(line),
    deliver: async (b) => { delivered.push(b); return `ok: ${b.length} bytes`; },
  });
  return { rx, replies, delivered };
}

const pieces = (b: Uint8Array, n: number) => Array.from({ length: Math.ceil(b.length / n) }, (_, i) => b.subarray(i * n, (i + 1) * n));

test("a bundle in pieces is delivered whole after the quiet gap, and answered", async () => {
  const { rx, replies, delivered } = receiver();
  for (const p of pieces(bundle, 7)) rx.push(p);
  assert.equal(delivered.length, 0, "not before the stream is quiet");
  await sleep(GAP * 3);
  assert.equal(delivered.length, 1);
  assert.deepEqual(Buffer.from(delivered[0]!), Buffer.from(bundle));
  assert.deepEqual(replies, [`ok: ${bundle.length} bytes`]);
});

test("garbage, bad headers, oversized and truncated bundles get one error line each; a good one follows", async () => {
  const { rx, replies, delivered } = receiver(bundle.length - 1);
  rx.push(new TextEncoder().encode("hello, RootOS\n"));
  rx.push(new TextEncoder().encode("more garbage"));
  await sleep(GAP * 3);
  rx.push(bundle); // larger than a slot: refused from its header
  await sleep(GAP * 3);
  assert.deepEqual(replies, [
    "error: not a bundle (no BHBUNDLE magic at its start; send a file made by bulkhead image sign)",
    `error: oversized bundle: its header says ${bundle.length} bytes, more than a slot's ${bundle.length - 1}`,
  ]);

  const r2 = receiver();
  r2.rx.push(bundle.subarray(0, 20));
  await sleep(GAP * 3);
  r2.rx.push(bundle.subarray(0, 1000));
  await sleep(GAP * 3);
  const longer = new Uint8Array(bundle.length + 5);
  longer.set(bundle);
  r2.rx.push(longer);
  await sleep(GAP * 3);
  const badHeader = Uint8Array.from(bundle.subarray(0, 32));
  badHeader[8] = 9; // format version 9
  r2.rx.push(badHeader);
  await sleep(GAP * 3);
  r2.rx.push(bundle);
  await sleep(GAP * 3);
  assert.deepEqual(r2.replies, [
    `error: truncated bundle: 20 bytes, then nothing for ${GAP} ms (a bundle header is 32)`,
    `error: truncated bundle: 1000 bytes, its header says ${bundle.length}`,
    `error: oversized bundle: ${bundle.length + 5} bytes, its header says ${bundle.length} (5 bytes after its end)`,
    "error: bundle format version 9 is not supported (this Bulkhead reads version 1)",
    `ok: ${bundle.length} bytes`,
  ]);
  assert.equal(r2.delivered.length, 1);
  assert.equal(delivered.length, 0);
});
