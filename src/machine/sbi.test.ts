import assert from "node:assert/strict";
import { test } from "node:test";
import { Irq } from "./cpu.js";
import {
  HsmState, Sbi, SBI_ERR_ALREADY_AVAILABLE, SBI_ERR_INVALID_ADDRESS, SBI_ERR_INVALID_PARAM, SBI_ERR_NOT_SUPPORTED,
  SBI_EXT_BASE, SBI_EXT_DBCN, SBI_EXT_HSM, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_SRST, SBI_EXT_TIME, SBI_IMPL_ID_BULKHEAD, type SbiReset,
} from "./sbi.js";
import { FakeCpu } from "../boot/testing.js";

const RAM = 0x8000_0000n;
const A0 = 10, A1 = 11;
const neg = (v: bigint) => BigInt.asUintN(64, v);

function setup(harts = 4) {
  const cpu = new FakeCpu(harts);
  const ram = { base: RAM, bytes: new Uint8Array(1 << 16) };
  const out: number[] = [];
  const input: number[] = [];
  const resets: SbiReset[] = [];
  const sbi = new Sbi({
    cpu, ram, onReset: (r) => resets.push(r),
    console: { write: (b) => out.push(...b), read: (max) => Uint8Array.from(input.splice(0, max)) },
  });
  const call = (h: number, eid: bigint, fid: bigint, ...args: bigint[]): [bigint, bigint] => {
    cpu.ecall(h, eid, fid, ...args);
    assert.equal(sbi.handle(h), true);
    return [cpu.reg(h, A0), cpu.reg(h, A1)];
  };
  return { cpu, ram, out, input, resets, sbi, call };
}

test("BASE: version 2.0, our impl id, probe, machine ids", () => {
  const { call } = setup();
  assert.deepEqual(call(0, SBI_EXT_BASE, 0n), [0n, 0x200_0000n]);
  assert.deepEqual(call(0, SBI_EXT_BASE, 1n), [0n, SBI_IMPL_ID_BULKHEAD]);
  for (const e of [SBI_EXT_TIME, SBI_EXT_IPI, SBI_EXT_RFENCE, SBI_EXT_HSM, SBI_EXT_SRST, SBI_EXT_DBCN, 0x01n, 0x08n]) {
    assert.deepEqual(call(0, SBI_EXT_BASE, 3n, e), [0n, 1n], `probe ${e.toString(16)}`);
  }
  assert.deepEqual(call(0, SBI_EXT_BASE, 3n, 0x504d55n), [0n, 0n], "PMU not offered");
  assert.deepEqual(call(0, SBI_EXT_BASE, 3n, 0x04n), [0n, 0n], "legacy send_ipi not offered");
  for (const f of [4n, 5n, 6n]) assert.deepEqual(call(0, SBI_EXT_BASE, f), [0n, 0n]);
  assert.equal(call(0, SBI_EXT_BASE, 7n)[0], neg(SBI_ERR_NOT_SUPPORTED));
});

test("unknown extension or function: NOT_SUPPORTED", () => {
  const { call } = setup();
  assert.equal(call(0, 0x504d55n, 0n)[0], neg(SBI_ERR_NOT_SUPPORTED));
  assert.equal(call(0, SBI_EXT_TIME, 1n)[0], neg(SBI_ERR_NOT_SUPPORTED));
  assert.equal(call(0, SBI_EXT_RFENCE, 3n)[0], neg(SBI_ERR_NOT_SUPPORTED), "no hypervisor fences");
});

test("TIME set_timer programs mtimecmp and clears STIP", () => {
  const { cpu, call } = setup();
  cpu.setIrq(1, Irq.STIP, true);
  assert.equal(call(1, SBI_EXT_TIME, 0n, 12345n)[0], 0n);
  assert.equal(cpu.timecmps[1], 12345n);
  assert.equal(cpu.mips[1]! & Irq.STIP, 0);
});

test("IPI: hart mask + base; -1 base means all; a bad hart is INVALID_PARAM", () => {
  const { cpu, call } = setup(4);
  assert.equal(call(0, SBI_EXT_IPI, 0n, 0b101n, 1n)[0], 0n);
  assert.deepEqual(cpu.mips.map((m) => m & Irq.SSIP), [0, Irq.SSIP, 0, Irq.SSIP]);
  cpu.mips.fill(0);
  assert.equal(call(0, SBI_EXT_IPI, 0n, 0n, neg(-1n))[0], 0n);
  assert.ok(cpu.mips.every((m) => m & Irq.SSIP));
  cpu.mips.fill(0);
  assert.equal(call(0, SBI_EXT_IPI, 0n, 0b11n, 3n)[0], neg(SBI_ERR_INVALID_PARAM));
  assert.ok(cpu.mips.every((m) => m === 0), "nothing sent on error");
});

test("RFENCE flushes the targets' TLBs", () => {
  const { cpu, call } = setup(3);
  assert.equal(call(0, SBI_EXT_RFENCE, 1n, 0b110n, 0n, 0n, neg(-1n))[0], 0n);
  assert.deepEqual(cpu.tlbFlushes, [0, 1, 1]);
  assert.equal(call(0, SBI_EXT_RFENCE, 0n, 1n, 0n)[0], 0n);
  assert.deepEqual(cpu.tlbFlushes, [1, 1, 1]);
});

test("HSM: start a stopped hart in S-mode with a0/a1, satp 0, SIE 0", () => {
  const { cpu, sbi, call } = setup(2);
  assert.equal(sbi.hartState(0), HsmState.Started);
  assert.deepEqual(call(0, SBI_EXT_HSM, 2n, 1n), [0n, BigInt(HsmState.Stopped)]);
  cpu.setCsr(1, 0x180, 0x8000_0000_0000_1234n);
  cpu.setCsr(1, 0x100, 0x2n | 0x100n);
  assert.equal(call(0, SBI_EXT_HSM, 0n, 1n, RAM + 0x1000n, 0xabcdn)[0], 0n);
  assert.equal(cpu.pcs[1], RAM + 0x1000n);
  assert.equal(cpu.reg(1, A0), 1n);
  assert.equal(cpu.reg(1, A1), 0xabcdn);
  assert.equal(cpu.privs[1], 1);
  assert.equal(cpu.csr(1, 0x180), 0n);
  assert.equal(cpu.csr(1, 0x100), 0x100n);
  assert.equal(cpu.runningHarts[1], true);
  assert.deepEqual(call(0, SBI_EXT_HSM, 2n, 1n), [0n, BigInt(HsmState.Started)]);
  assert.equal(call(0, SBI_EXT_HSM, 0n, 1n, RAM, 0n)[0], neg(SBI_ERR_ALREADY_AVAILABLE));
});

test("HSM: errors, stop, suspend", () => {
  const { cpu, sbi, call } = setup(2);
  assert.equal(call(0, SBI_EXT_HSM, 0n, 5n, RAM, 0n)[0], neg(SBI_ERR_INVALID_PARAM));
  assert.equal(call(0, SBI_EXT_HSM, 0n, 1n, 0x1000n, 0n)[0], neg(SBI_ERR_INVALID_ADDRESS));
  assert.equal(call(0, SBI_EXT_HSM, 2n, 2n)[0], neg(SBI_ERR_INVALID_PARAM));
  assert.equal(sbi.hartState(1), HsmState.Stopped, "a failed start leaves the hart stopped");
  call(0, SBI_EXT_HSM, 0n, 1n, RAM, 0n);
  call(1, SBI_EXT_HSM, 1n);
  assert.equal(sbi.hartState(1), HsmState.Stopped);
  assert.equal(cpu.runningHarts[1], false);
  assert.equal(call(0, SBI_EXT_HSM, 3n, 0n, 0n, 0n)[0], 0n, "retentive suspend returns");
  assert.equal(call(0, SBI_EXT_HSM, 3n, neg(-0x8000_0000n), RAM, 0n)[0], neg(SBI_ERR_NOT_SUPPORTED), "sign-extended 0x80000000");
  assert.equal(call(0, SBI_EXT_HSM, 3n, 5n, 0n, 0n)[0], neg(SBI_ERR_INVALID_PARAM));
});

test("SRST: shutdown and reboot reach the machine; reserved values are refused", () => {
  const { resets, call } = setup();
  assert.equal(call(0, SBI_EXT_SRST, 0n, 0n, 0n)[0], 0n);
  assert.equal(call(0, SBI_EXT_SRST, 0n, 1n, 1n)[0], 0n);
  assert.deepEqual(resets, [{ type: "shutdown", reason: 0 }, { type: "cold-reboot", reason: 1 }]);
  assert.equal(call(0, SBI_EXT_SRST, 0n, 3n, 0n)[0], neg(SBI_ERR_INVALID_PARAM));
  assert.equal(call(0, SBI_EXT_SRST, 0n, 0n, 7n)[0], neg(SBI_ERR_INVALID_PARAM));
  assert.equal(resets.length, 2);
});

test("DBCN: write/read guest memory, bounds-checked against RAM", () => {
  const { cpu, ram, out, input, call } = setup();
  ram.bytes.set(new TextEncoder().encode("hello"), 0x100);
  assert.deepEqual(call(0, SBI_EXT_DBCN, 0n, 5n, RAM + 0x100n, 0n), [0n, 5n]);
  assert.equal(String.fromCharCode(...out), "hello");
  assert.deepEqual(call(0, SBI_EXT_DBCN, 2n, 0x21n), [0n, 0n]);
  assert.equal(out.at(-1), 0x21);
  input.push(0x41, 0x42);
  assert.deepEqual(call(0, SBI_EXT_DBCN, 1n, 8n, RAM + 0x200n, 0n), [0n, 2n]);
  assert.deepEqual([...ram.bytes.subarray(0x200, 0x202)], [0x41, 0x42]);
  assert.deepEqual(cpu.codeInvalidations, [[RAM + 0x200n, 2]], "decoded code over the buffer is dropped");
  assert.deepEqual(call(0, SBI_EXT_DBCN, 1n, 8n, RAM + 0x200n, 0n), [0n, 0n], "nothing to read");
  assert.equal(call(0, SBI_EXT_DBCN, 0n, 16n, RAM + 0xfff8n, 0n)[0], neg(SBI_ERR_INVALID_PARAM), "runs off RAM");
  assert.equal(call(0, SBI_EXT_DBCN, 0n, 1n, 0x1000n, 0n)[0], neg(SBI_ERR_INVALID_PARAM), "below RAM");
  assert.equal(call(0, SBI_EXT_DBCN, 0n, 1n, RAM, 1n)[0], neg(SBI_ERR_INVALID_PARAM), "high half set");
  assert.equal(call(0, SBI_EXT_DBCN, 0n, neg(-1n), RAM, 0n)[0], neg(SBI_ERR_INVALID_PARAM), "huge length");
});

test("legacy putchar, getchar (-1 when none), clear_ipi, shutdown", () => {
  const { cpu, out, input, resets, call } = setup();
  call(0, 0x01n, 0n, 0x41n);
  assert.deepEqual(out, [0x41]);
  assert.equal(call(0, 0x02n, 0n)[0], neg(-1n));
  input.push(0x7a);
  assert.equal(call(0, 0x02n, 0n)[0], 0x7an);
  cpu.setIrq(0, Irq.SSIP, true);
  call(0, 0x03n, 0n);
  assert.equal(cpu.mips[0], 0);
  assert.equal(call(0, 0x04n, 0n)[0], neg(SBI_ERR_NOT_SUPPORTED));
  call(0, 0x08n, 0n);
  assert.deepEqual(resets, [{ type: "shutdown", reason: 0 }]);
});
