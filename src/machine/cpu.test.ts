import assert from "node:assert/strict";
import { test } from "node:test";
import { Cpu, Exit, RAM_BASE } from "./cpu.js";

const noDevices = { mmioRead: () => undefined, mmioWrite: () => false, sbiCall: () => false };

test("run(): the harts take turns across calls, so a budget smaller than a turn (a throttled slice) reaches every hart", () => {
  const cpu = new Cpu({ harts: 2, ramBytes: 1 << 20, timing: "virtual" }, noDevices);
  new DataView(cpu.ram.buffer, cpu.ram.byteOffset).setUint32(0, 0x0000_006f, true); // j . (M-mode, both harts)
  for (const h of [0, 1]) {
    cpu.setPc(h, RAM_BASE);
    cpu.setRunning(h, true);
  }
  for (let i = 0; i < 10; i++) assert.equal(cpu.run(1000), Exit.Budget);
  assert.deepEqual([cpu.instret(0), cpu.instret(1)], [5000n, 5000n]);
  // A budget of several turns (20 000 instructions each) goes round them in order.
  assert.equal(cpu.run(100_000), Exit.Budget);
  assert.deepEqual([cpu.instret(0), cpu.instret(1)], [65_000n, 45_000n]);
  assert.equal(cpu.run(20_000), Exit.Budget);
  assert.deepEqual([cpu.instret(0), cpu.instret(1)], [65_000n, 65_000n], "hart 1's turn was next");
});

test("run(): a poke from another thread ends the slice at the turn under way, and is consumed", async () => {
  const poke = new Int32Array(new SharedArrayBuffer(4));
  const cpu = new Cpu({ harts: 1, ramBytes: 1 << 20, timing: "virtual", poke }, noDevices);
  new DataView(cpu.ram.buffer, cpu.ram.byteOffset).setUint32(0, 0x0000_006f, true); // j .
  cpu.setPc(0, RAM_BASE);
  cpu.setRunning(0, true);
  assert.equal(cpu.run(1_000_000), Exit.Budget, "no poke: the whole budget");
  assert.equal(cpu.instret(0), 1_000_000n);
  // Another thread sets the cell while the slice runs (here: a worker, 20 ms into a slice of 2^40 instructions).
  const { Worker } = await import("node:worker_threads");
  const w = new Worker("const { workerData: c } = require('node:worker_threads'); setTimeout(() => Atomics.store(c, 0, 1), 20);", { eval: true, workerData: poke });
  await new Promise((res) => w.once("online", res));
  assert.equal(cpu.run(2 ** 40), Exit.Requested, "the poke ended a slice that would have run for hours");
  assert.equal(Atomics.load(poke, 0), 0, "and was consumed");
  const ran = cpu.instret(0) - 1_000_000n;
  assert.ok(ran > 0n && ran < 1_000_000_000n, `it stopped within its turn, not at the budget (${ran} instructions)`);
  assert.equal(cpu.run(1000), Exit.Budget, "the next slice runs normally");
  await w.terminate();
});
