import assert from "node:assert/strict";
import { test } from "node:test";
import { makeElf, makeLinuxImage } from "../boot/testing.js";
import { SBI_EXT_DBCN } from "./sbi.js";
import { Exit, RAM_BASE } from "./cpu.js";
import { FW_DYNAMIC_INFO_MAGIC, resetVector } from "../devices/boot-rom/index.js";
import { Machine, type MachineConfig, MachineError, type MachineIo, VIRTUAL_EPOCH_NS } from "./machine.js";
import { fakeCpuFactory, type RunScript } from "./testing.js";
import type { DeviceEnv } from "../virtio/device.js";
import { EchoDevice } from "../virtio/testing.js";

const MB = 1 << 20;
const FINISHER = 0x10_0000n;
const UART = 0x1000_0000n;
const RTC = 0x10_1000n;

function machine(boot: MachineConfig["boot"], script: RunScript, extra: Partial<MachineConfig> & Pick<MachineIo, "devices"> = {}) {
  const out: number[] = [];
  const f = fakeCpuFactory(script);
  const { devices, ...config } = extra;
  const m = new Machine({ harts: 2, ramBytes: 64 * MB, timing: "virtual", boot, ...config }, { console: { write: (b) => out.push(...b) }, ...(devices ? { devices } : {}) }, { createCpu: f.createCpu });
  return { m, cpu: f.get(), out, text: () => String.fromCharCode(...out) };
}

const kernel = { name: "Image", bytes: makeLinuxImage({ size: 4096, imageSize: 0x10_0000n }) };
const idleForever: RunScript = () => Exit.Idle;

test("direct: hart 0 enters the kernel in S-mode with a0 = 0, a1 = fdt; hart 1 waits for HSM", () => {
  const { m, cpu } = machine({ mode: "direct", kernel, append: "console=ttyS0" }, idleForever);
  assert.equal(cpu.pcs[0], 0x8020_0000n);
  assert.equal(cpu.privs[0], 1);
  assert.equal(cpu.reg(0, 10), 0n);
  assert.equal(cpu.reg(0, 11), m.plan.fdt.start);
  assert.deepEqual(cpu.runningHarts, [true, false]);
  assert.deepEqual(cpu.sbiModes, [true, true]);
  assert.equal(cpu.csr(1, 0x303), 0x222n, "S interrupts delegated");
  assert.equal(cpu.csr(1, 0x302), 0xb1ffn);
  assert.equal(cpu.csr(0, 0x106), 0x2n, "scounteren.TM: user space reads time (the vDSO)");
  const fdtOff = Number(m.plan.fdt.start - RAM_BASE);
  assert.deepEqual([...cpu.ram.subarray(fdtOff, fdtOff + 4)], [0xd0, 0x0d, 0xfe, 0xed]);
  const fdtText = Buffer.from(m.fdt).toString("latin1");
  assert.ok(fdtText.includes("rv64imafdc_zicsr_zifencei") && fdtText.includes("riscv,sv48") && fdtText.includes("console=ttyS0"));
});

test("direct: the initrd lands where the fdt says", () => {
  const initrd = { name: "initrd", bytes: new Uint8Array(3000).fill(9) };
  const { m, cpu } = machine({ mode: "direct", kernel, initrd }, idleForever);
  const start = m.plan.initrd!.start;
  assert.equal(cpu.ram[Number(start - RAM_BASE)], 9);
  const text = Buffer.from(m.fdt);
  assert.ok(text.includes(Buffer.from("linux,initrd-start")));
  const be = Buffer.alloc(8);
  be.writeBigUInt64BE(start);
  assert.ok(text.includes(be), "initrd start address in the tree");
});

test("bare: all harts start at the ROM in M-mode; the ROM jumps to the ELF with a0/a1/a2", () => {
  const elf = makeElf({ entry: RAM_BASE, segments: [{ paddr: RAM_BASE, data: new Uint8Array([0x13, 0, 0, 0]) }] });
  const { m, cpu } = machine({ mode: "bare", kernel: { name: "t.elf", bytes: elf } }, idleForever);
  assert.deepEqual(cpu.pcs, [0x1000n, 0x1000n]);
  assert.deepEqual(cpu.privs, [3, 3]);
  assert.deepEqual(cpu.runningHarts, [true, true]);
  const rom = cpu.rom.subarray(0, 0x58);
  assert.deepEqual([...rom], [...resetVector(RAM_BASE, m.plan.fdt.start, 0n)]);
  assert.equal(m.bus.read(0x1000n + 24n, 8), RAM_BASE, "the bus sees the same ROM");
});

test("firmware: OpenSBI at RAM base, fw_dynamic_info names the kernel and S-mode", () => {
  const fw = { name: "fw_dynamic.bin", bytes: new Uint8Array(200 * 1024).fill(0x13) };
  const { m, cpu } = machine({ mode: "firmware", bios: fw, kernel }, idleForever);
  assert.equal(cpu.ram[0], 0x13);
  const rom = new DataView(cpu.rom.buffer, cpu.rom.byteOffset, 0x1000);
  assert.equal(rom.getBigUint64(24, true), RAM_BASE, "start");
  assert.equal(rom.getBigUint64(32, true), m.plan.fdt.start, "fdt");
  assert.equal(rom.getBigUint64(0x28, true), FW_DYNAMIC_INFO_MAGIC);
  assert.equal(rom.getBigUint64(0x28 + 8, true), 2n);
  assert.equal(rom.getBigUint64(0x28 + 16, true), 0x8020_0000n, "next_addr");
  assert.equal(rom.getBigUint64(0x28 + 24, true), 1n, "next_mode S");
});

test("reset vector words are QEMU's", () => {
  const dv = new DataView(resetVector(0x8000_0000n, 0x87e0_0000n, 0x8020_0000n).buffer);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => dv.getUint32(4 * i, true)), [0x297, 0x02828613, 0xf1402573, 0x0202b583, 0x0182b283, 0x28067]);
});

test("run: UART output reaches the console, the finisher powers off", async () => {
  const { m, text } = machine({ mode: "direct", kernel }, (_c, host) => {
    for (const ch of "hi\n") host.mmioWrite(UART, 1, BigInt(ch.charCodeAt(0)));
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  assert.deepEqual(await m.run(), { kind: "poweroff", code: 0 });
  assert.equal(text(), "hi\n");
});

test("run: finisher fail code and reset", async () => {
  const fail = machine({ mode: "direct", kernel }, (_c, host) => { host.mmioWrite(FINISHER, 4, (3n << 16n) | 0x3333n); return Exit.Budget; });
  assert.deepEqual(await fail.m.run(), { kind: "fail", code: 3 });
  const reset = machine({ mode: "direct", kernel }, (_c, host) => { host.mmioWrite(FINISHER, 4, 0x7777n); return Exit.Budget; });
  assert.deepEqual(await reset.m.run(), { kind: "reset" });
});

test("run: SBI shutdown and DBCN output in direct mode", async () => {
  const { m, text } = machine({ mode: "direct", kernel }, (c, host) => {
    c.ram.set(new TextEncoder().encode("sbi!"), 0x1000);
    c.ecall(0, SBI_EXT_DBCN, 0n, 4n, RAM_BASE + 0x1000n, 0n);
    host.sbiCall(0);
    c.ecall(0, 0x5352_5354n, 0n, 0n, 0n);
    host.sbiCall(0);
    return Exit.Budget;
  });
  assert.deepEqual(await m.run(), { kind: "poweroff", code: 0 });
  assert.equal(text(), "sbi!");
});

test("idle, virtual timing: mtime jumps to the next deadline", async () => {
  const { m, cpu } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) { c.setTimecmp(0, 5000n); return Exit.Idle; }
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  assert.equal((await m.run()).kind, "poweroff");
  assert.deepEqual(cpu.mtimeWrites, [5000n]);
});

test("idle, virtual timing: a timer already passed (masked) does not hide a later one", async () => {
  const { m, cpu } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) {
      c.now = 100n;
      c.setTimecmp(0, 50n); // expired, its interrupt masked: it cannot wake hart 0
      c.setRunning(1, true);
      c.setTimecmp(1, 7000n);
      return Exit.Idle;
    }
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  m.closeInput();
  assert.equal((await m.run()).kind, "poweroff");
  assert.deepEqual(cpu.mtimeWrites, [7000n]);
});

test("idle: a timer that passed while the hart went idle, its interrupt enabled, runs the hart again at once", async () => {
  // Realtime: the hart waits for a timer still ahead; by the time the machine looks, mtime
  // has passed it. The hart takes the interrupt on its next slice; that is no hang.
  const { m, cpu } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) {
      c.setTimecmp(0, 100n);
      c.setCsr(0, 0x304, 1n << 5n); // sie.STIE (direct mode: the timer raises STIP)
      c.now = 150n;
      return Exit.Idle;
    }
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  m.closeInput();
  assert.equal((await m.run()).kind, "poweroff");
  assert.equal(cpu.runs, 2);
  assert.deepEqual(cpu.mtimeWrites, [150n], "no time jump: the event is now");
});

test("idle, realtime: the loop sleeps until the next timer, with no polling meanwhile", async () => {
  // The fake hart's clock stands still, so the timer stays 300 ms ahead: the machine must
  // sleep once (until stop()), not wake every few ms to look again.
  const { m, cpu } = machine({ mode: "direct", kernel }, (c) => {
    c.setTimecmp(0, 3_000_000n); // 300 ms at 10 MHz
    return Exit.Idle;
  }, { timing: "realtime" });
  const done = m.run();
  await new Promise((r) => setTimeout(r, 150));
  m.stop();
  assert.equal((await done).kind, "stopped");
  assert.equal(cpu.runs, 1, "one slice, then one sleep");
});

test("idle with nothing to wake: all harts stopped, or no timer and no input", async () => {
  const stopped = machine({ mode: "direct", kernel }, (c) => { c.setRunning(0, false); return Exit.Idle; });
  assert.deepEqual(await stopped.m.run(), { kind: "hang", reason: "all harts stopped" });
  const waiting = machine({ mode: "direct", kernel }, idleForever);
  waiting.m.closeInput();
  const exit = await waiting.m.run();
  assert.equal(exit.kind, "hang");
});

test("idle with a device the host feeds (a link, a port): no hang without timers; the device's wake runs the harts", async () => {
  let env: DeviceEnv | undefined;
  const devices = [{ transport: "virtio-mmio" as const, hostInput: true, create: (e: DeviceEnv) => { env = e; return new EchoDevice(); } }];
  const { m, cpu } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) return Exit.Idle;
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  }, { devices });
  m.closeInput();
  const done = m.run();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(cpu.runs, 1, "still waiting, not hung");
  env!.wake(); // a frame arrived and raised the device's interrupt
  assert.equal((await done).kind, "poweroff");
});

test("idle waits for console input; input goes to the UART once the guest uses it", async () => {
  let got = -1;
  const { m } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) { host.mmioWrite(UART + 1n, 1, 1n); host.mmioWrite(UART + 4n, 1, 3n); return Exit.Idle; } // IER.RDI, MCR DTR|RTS: the tty is open
    got = Number(host.mmioRead(UART, 1));
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  const done = m.run();
  setTimeout(() => m.sendInput(Uint8Array.of(0x41)), 5);
  assert.equal((await done).kind, "poweroff");
  assert.equal(got, 0x41);
});

test("before the guest touches the UART, input is for the SBI console", async () => {
  let got = 0n;
  const { m } = machine({ mode: "direct", kernel }, (c, host) => {
    c.ecall(0, 0x02n, 0n);
    host.sbiCall(0);
    got = c.reg(0, 10);
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  m.sendInput(Uint8Array.of(0x7a));
  await m.run();
  assert.equal(got, 0x7an);
});

test("stop() ends a waiting machine", async () => {
  const { m } = machine({ mode: "direct", kernel }, idleForever);
  const done = m.run();
  setTimeout(() => m.stop(), 5);
  assert.deepEqual(await done, { kind: "stopped", reason: "stopped by the user" });
});

test("virtual timing: the RTC reads 2026-01-01 plus mtime", () => {
  const { m, cpu } = machine({ mode: "direct", kernel }, idleForever);
  cpu.now = 10_000_000n; // one second
  const lo = m.bus.read(RTC, 4)!;
  const hi = m.bus.read(RTC + 4n, 4)!;
  assert.equal((hi << 32n) | lo, VIRTUAL_EPOCH_NS + 1_000_000_000n);
});

test("configuration and image errors", () => {
  assert.throws(() => machine({ mode: "direct", kernel }, idleForever, { harts: 9 }), MachineError);
  assert.throws(() => machine({ mode: "direct", kernel }, idleForever, { ramBytes: 1000 }), /multiple of 4 KiB/);
  assert.throws(() => machine({ mode: "firmware", kernel }, idleForever), /firmware boot needs a firmware image \(boot\.bios\)/);
  assert.throws(() => machine({ mode: "direct", kernel: { name: "k", bytes: new Uint8Array(100) } }, idleForever), /k is not a RISC-V Linux kernel Image or an ELF/);
  const big = { name: "Image", bytes: makeLinuxImage({ size: 70 * MB }) };
  assert.throws(() => machine({ mode: "direct", kernel: big }, idleForever), /memory 64 MiB is too small for kernel \(70 MiB\)/);
});

test("pacer: each slice runs the budget it returns, and none runs while it waits", async () => {
  const budgets: number[] = [];
  let release: (() => void) | undefined;
  let asked = 0;
  const f = fakeCpuFactory((c, host, budget) => {
    budgets.push(budget);
    if (c.runs === 3) host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  const pacer = {
    nextSlice: (): number | Promise<number> => {
      asked++;
      if (asked === 2) return new Promise<number>((res) => { release = () => res(1234); });
      return 1000;
    },
  };
  const m = new Machine({ harts: 1, ramBytes: 64 * MB, timing: "virtual", boot: { mode: "direct", kernel } }, { console: { write: () => {} } }, { createCpu: f.createCpu, pacer });
  const done = m.run();
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(budgets, [1000], "the second slice waits for the pacer");
  release!();
  assert.equal((await done).kind, "poweroff");
  assert.deepEqual(budgets, [1000, 1234, 1000]);
});

test("pacer: stop() while the pacer waits ends the run without another slice", async () => {
  const f = fakeCpuFactory(() => Exit.Budget);
  let release: (() => void) | undefined;
  const pacer = { nextSlice: () => (f.get()?.runs ? new Promise<number>((res) => { release = () => res(1); }) : 1) };
  const m = new Machine({ harts: 1, ramBytes: 64 * MB, timing: "virtual", boot: { mode: "direct", kernel } }, { console: { write: () => {} } }, { createCpu: f.createCpu, pacer });
  const done = m.run();
  while (!release) await new Promise((r) => setTimeout(r, 5)); // the first slice ran; the pacer holds the next
  m.stop("paused VM stopped");
  release();
  assert.deepEqual(await done, { kind: "stopped", reason: "paused VM stopped" });
  assert.equal(f.get().runs, 1);
});

test("sendBreak: the UART shows a NUL with LSR.BI between the bytes around it; dropped before the UART is used", async () => {
  const seen: string[] = [];
  const { m } = machine({ mode: "direct", kernel }, (c, host) => {
    if (c.runs === 1) { host.mmioWrite(UART + 2n, 1, 1n); host.mmioWrite(UART + 4n, 1, 2n); return Exit.Idle; } // FCR: FIFO on, RTS: the driver is up and waits
    for (let i = 0; i < 4; i++) {
      const lsr = Number(host.mmioRead(UART + 5n, 1));
      if (!(lsr & 1)) break;
      const ch = Number(host.mmioRead(UART, 1));
      seen.push(lsr & 0x10 ? "BRK" : String.fromCharCode(ch));
    }
    host.mmioWrite(FINISHER, 4, 0x5555n);
    return Exit.Budget;
  });
  m.sendBreak(); // the guest has not touched the UART yet: there is no line to break
  const done = m.run();
  await new Promise((r) => setTimeout(r, 5));
  m.sendInput(Uint8Array.of(0x61));
  m.sendBreak();
  m.sendInput(Uint8Array.of(0x6f));
  await done;
  assert.deepEqual(seen, ["a", "BRK", "o"]);
});

test("console input waits for RTS: bytes sent before the guest opens the tty survive its driver's FIFO reset", async () => {
  const seen: number[] = [];
  let phase = 0;
  const { m } = machine({ mode: "direct", kernel }, (_c, host) => {
    const rx = () => { while (Number(host.mmioRead(UART + 5n, 1)) & 1) seen.push(Number(host.mmioRead(UART, 1))); };
    if (phase === 0) {
      // As Linux's serial8250_do_startup, RTS still off: FIFO on, then cleared, RX drained.
      host.mmioWrite(UART + 2n, 1, 0x01n);
      host.mmioWrite(UART + 2n, 1, 0x07n);
      rx();
      host.mmioWrite(UART + 1n, 1, 0x05n); // IER: RLSI | RDI
    } else if (phase === 1) {
      host.mmioWrite(UART + 4n, 1, 0x0bn); // the tty opens: DTR | RTS | OUT2
    } else {
      rx();
      host.mmioWrite(FINISHER, 4, 0x5555n);
    }
    phase++;
    return Exit.Budget;
  });
  m.sendInput(new TextEncoder().encode("early"));
  await m.run();
  assert.deepEqual(String.fromCharCode(...seen), "early", "nothing read before RTS, everything after");
});

test("with RTS off and every hart waiting, pending console input cannot wake the guest: a hang", async () => {
  const { m } = machine({ mode: "direct", kernel }, (_c, host) => { host.mmioWrite(UART + 1n, 1, 1n); return Exit.Idle; });
  m.sendInput(Uint8Array.of(0x41));
  assert.equal((await m.run()).kind, "hang");
});
