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
