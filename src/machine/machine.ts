// One virtual machine: harts + bus + platform devices + boot images, assembled from a
// typed, immutable MachineConfig, and the loop that runs it. The virt machine's layout
// comes from platform/memmap.ts; the boot placement from src/boot/loader.ts.
//
//   created ──run()──▶ running ──guest: finisher / SBI SRST / legacy shutdown──▶ exited
//                        │  ▲                                                    ▲
//                 Idle: sleep│  │timer / input          host: stop() (Ctrl-A x) ──┘
//                        ▼  │                           nothing can ever wake ───┘ (hang)
//                      waiting
//
// A reset request ends run() with { kind: "reset" }: the caller builds a fresh Machine
// from the same config to reboot (cold: new RAM, devices and harts), as QEMU does
// without -no-reboot. Keeping reboot outside the machine keeps it a one-shot object.
import { buildVirtFdt, type ChosenMeasurements, VIRT_ISA } from "../boot/fdt.js";
import {
  type BootMode, type BootPlan, type ImageFile, identifyFirmware, identifyKernel, loadBoot, planBoot,
} from "../boot/loader.js";
import type { GuestRam } from "../boot/ram.js";
import { Sbi, type SbiReset } from "./sbi.js";
import { BootRom, resetVector } from "../devices/boot-rom/index.js";
import { GoldfishRtc } from "../devices/rtc-goldfish/index.js";
import { type FinisherEvent, TestFinisher } from "../devices/test-finisher/index.js";
import { Uart16550 } from "../devices/uart16550/index.js";
import type { AccessSize, MmioDevice } from "../platform/mmio.js";
import { Bus } from "./bus.js";
import { Clint } from "./clint/index.js";
import { Cpu, type CpuHost, type CpuOptions, Exit, Irq, Priv, RAM_BASE, Stat, TIMEBASE_HZ } from "./cpu.js";
import { hartsOk, MAX_HARTS, MAX_RAM_BYTES, MIN_RAM_BYTES, ramProblem } from "./limits.js";
import { IRQ, MEMMAP, VIRTIO_MMIO_SLOTS } from "../platform/memmap.js";
import { PCI_SLOTS } from "../pci/host.js";
import { Plic } from "./plic/index.js";
import type { VirtioCounters, VirtioDeviceConfig } from "../virtio/device.js";
import { GuestMemory } from "../virtio/guest-memory.js";
import { type LatencyHistogram, LatencyRecorder } from "./histogram.js";
import { type PlacedDevices, placeVirtioDevices } from "./virtio.js";

/** Where the guest's console bytes go (UART transmitter and SBI console, in order). */
export interface ConsolePort {
  write(bytes: Uint8Array): void;
}

export interface BootConfig {
  readonly mode: BootMode;
  /** Linux Image, ELF, or (rawKernel) a flat binary. Required in direct and bare modes. */
  readonly kernel?: ImageFile;
  /** Load `kernel` as a flat binary without looking at its header. */
  readonly rawKernel?: boolean;
  readonly initrd?: ImageFile;
  /** Kernel command line (/chosen/bootargs). */
  readonly append?: string;
  /** Firmware mode: OpenSBI fw_dynamic/fw_jump (.bin or .elf), loaded at RAM base. */
  readonly bios?: ImageFile;
  /** Measured boot: the RootOS's log of these images, for the guest's /chosen. */
  readonly measurements?: ChosenMeasurements;
}

/**
 * What a machine is: plain data, the same in-process (`bulkhead run`) and across a thread
 * (a VM's worker receives it as it is). What it is plugged into is MachineIo.
 */
export interface MachineConfig {
  readonly harts: number;
  readonly ramBytes: number;
  readonly timing: "realtime" | "virtual";
  /** Virtual timing: instructions per mtime tick (default 10: a 100 MIPS guest clock). */
  readonly instructionsPerTick?: number;
  readonly boot: BootConfig;
}

/** What the host plugs a machine into: its console, its virtio devices, its log. */
export interface MachineIo {
  readonly console: ConsolePort;
  /**
   * Virtio devices, in order: virtio-pci ones take PCI slots 1, 2, ..., virtio-mmio ones
   * the mmio slots 0..7. Only these exist (no PCI host bridge without a virtio-pci device).
   */
  readonly devices?: readonly VirtioDeviceConfig[];
  /** Host-side messages about the guest's use of its devices (bad requests); default: dropped. */
  readonly log?: (line: string) => void;
}

/** Why run() ended. */
export type MachineExit =
  /** Finisher pass, SBI shutdown, legacy shutdown: a clean power-off. */
  | { readonly kind: "poweroff"; readonly code: 0 }
  /** Finisher fail (its code), or SBI shutdown with reason "system failure" (code 1). */
  | { readonly kind: "fail"; readonly code: number }
  /** Finisher reset or SBI reboot: build a new Machine to reboot. */
  | { readonly kind: "reset" }
  /** The host stopped the machine (stop()). */
  | { readonly kind: "stopped"; readonly reason: string }
  /** No hart can ever run again: every hart stopped, or all wait with nothing to wake them. */
  | { readonly kind: "hang"; readonly reason: string };

export interface MachineStats {
  readonly instructions: bigint;
  readonly seconds: number;
  readonly mips: number;
  readonly tlbMisses: bigint;
  /** Instruction slots decoded, and code pages (re)claimed in the decoded-instruction cache. */
  readonly decodes: bigint;
  readonly codePages: bigint;
  readonly mmioExits: bigint;
  readonly traps: bigint;
  readonly interrupts: bigint;
  readonly sbiCalls: number;
  /** Realtime: host latency from each timer deadline an idle machine slept to, to the first guest instruction after it. */
  readonly wakeLatency: LatencyHistogram;
}

/** One virtio device's counters (VirtioCounters), with what it is and where it sits. */
export interface DeviceStats extends VirtioCounters {
  /** "virtio-blk0" */
  readonly label: string;
  /** "pci 00:01.0" or "mmio 0x10001000 irq 1" */
  readonly where: string;
}

export class MachineError extends Error {
  constructor(
    readonly kind: "Config" | "HartNotBuilt",
    message: string,
  ) {
    super(message);
    this.name = "MachineError";
  }
}

/** The subset of Cpu the machine drives (a fake can stand in for tests). */
export type MachineCpu = Pick<
  Cpu,
  | "harts" | "ram" | "memory" | "run" | "requestExit" | "reg" | "setReg" | "setPc" | "setPriv" | "csr" | "setCsr"
  | "setIrq" | "mip" | "setTimecmp" | "timecmp" | "mtime" | "setMtime" | "loadRom" | "setRunning" | "running"
  | "setSbiMode" | "flushTlb" | "invalidateCode" | "instret" | "stat" | "takeLostHart" | "priv"
>;

export interface MachineDeps {
  /** Build the harts; default the wasm Cpu. */
  readonly createCpu?: (opts: CpuOptions, host: CpuHost) => MachineCpu;
  /** Host wall clock in ns since the epoch (realtime RTC); default Date/performance. */
  readonly wallClockNs?: () => bigint;
  /** Paces the run loop (pause, throttle: src/rootos); default: every slice at once, SLICE_INSTRUCTIONS long. */
  readonly pacer?: MachinePacer;
  /** A cell another thread sets to end the current slice early (CpuOptions.poke). */
  readonly poke?: Int32Array;
}

/**
 * Asked before every run slice: how many instructions the next slice may run (at most
 * SLICE_INSTRUCTIONS), after waiting as long as it likes (a paused VM waits until
 * resumed, a throttled one sleeps off its excess). No instruction retires while it waits.
 */
export interface MachinePacer {
  nextSlice(): number | Promise<number>;
}

/**
 * A debugger holding the run loop (src/debug). The loop runs between slices only, so
 * whenever the debugger's code runs the harts sit at an instruction boundary.
 */
export interface MachineDebugger {
  /** Before each slice: resolves when the harts may run (a stopped VM waits here). */
  gate(): void | Promise<void>;
  /** cpu.run() returned Exit.Debug: a hart hit a breakpoint or watchpoint. */
  debugStop(): void;
  /** The VM is stopped for the debugger (its idle time is not the guest's). */
  holds(): boolean;
  /** The machine ended (power-off, failure, reset, stop()). */
  ended(exit: MachineExit): void;
}

/** Instructions per cpu.run() call: long enough to amortise the call, short enough for V8 to tier up and for I/O. */
export const SLICE_INSTRUCTIONS = 5_000_000;
/**
 * Longest realtime sleep on Idle. Not a poll: console input, a device's host event and
 * stop() wake the loop at once (wake()), and the next timer ends the sleep on time; this
 * only bounds one setTimeout (a timer Linux turned off is mtimecmp = 2^64 - 1). An idle
 * guest should cost the host next to nothing, so no short cap (10 ms is 100 wake-ups a second).
 */
export const MAX_IDLE_SLEEP_MS = 1000;
/**
 * A realtime sleep's last stretch, waited out exactly. The event loop's timers fire late
 * by up to a millisecond and more (libuv keeps time in whole ms and checks it once a
 * turn), so a sleep wakes this much early from its setTimeout and blocks the rest in
 * Atomics.wait, whose timeout is the kernel's (futex: tens of µs); a message from the
 * RootOS ends that wait at once (it notifies the poke cell).
 */
export const EXACT_WAIT_MS = 2;
/** Virtual timing: the RTC reads this date plus mtime, so runs are byte-for-byte repeatable. */
export const VIRTUAL_EPOCH_NS = BigInt(Date.UTC(2026, 0, 1)) * 1_000_000n;
const NS_PER_TICK = BigInt(1e9 / TIMEBASE_HZ);
const NO_DEADLINE = (1n << 64n) - 1n;
/** A line break in pendingInput (sendBreak), between the bytes. */
const BREAK = -1;

const CSR_MIE = 0x304, CSR_MEDELEG = 0x302, CSR_MIDELEG = 0x303, CSR_MCOUNTEREN = 0x306, CSR_SCOUNTEREN = 0x106, CSR_SATP = 0x180, CSR_PMPCFG0 = 0x3a0, CSR_PMPADDR0 = 0x3b0;
/** Direct mode delegates what OpenSBI would, and the rest too (there is no M-mode code to handle it): every exception but ECALL from S/M. */
const DIRECT_MEDELEG = 0xb1ffn;
const DIRECT_MIDELEG = BigInt(Irq.SSIP | Irq.STIP | Irq.SEIP);
const A0 = 10, A1 = 11;

/** One VM. Create, run() once, read stats(). */
export class Machine {
  readonly config: MachineConfig;
  readonly io: MachineIo;
  readonly cpu: MachineCpu;
  readonly bus = new Bus();
  readonly plic: Plic;
  readonly uart: Uart16550;
  readonly rtc: GoldfishRtc;
  readonly sbi: Sbi | undefined;
  /** The virtio devices and the PCIe host bridge, as placed (io.devices). */
  readonly virtio: PlacedDevices;
  /** The generated device tree, as loaded at plan.fdt.start. */
  readonly fdt: Uint8Array;
  readonly plan: BootPlan;
  private exit: MachineExit | undefined;
  private out: number[] = [];
  private pendingInput: number[] = [];
  private inputOpen = true;
  /** A device takes host input (a network link, a console port): the guest can always be woken. */
  private readonly hostInput: boolean;
  /**
   * Input goes to the UART once the guest has touched it (before that, to the SBI
   * console), and only while the guest asserts RTS: bytes typed or piped before the
   * guest opens the tty wait here instead of dying in the FIFO reset of its driver's startup.
   */
  private uartInUse = false;
  private wake: (() => void) | undefined;
  /** The cell a precise sleep waits on: the RootOS's poke cell when there is one (a command ends the wait), else a private one. */
  private readonly waitCell: Int32Array;
  /** mtime of the deadline the machine slept to; the next slice measures how late it starts. */
  private wakeAt: bigint | undefined;
  private readonly wakeLatency = new LatencyRecorder();
  /** The RTC's time base: host wall clock (realtime) or VIRTUAL_EPOCH_NS + mtime (virtual). */
  private readonly clock: () => bigint;
  private startedAt = 0;
  private elapsed = 0;
  private readonly pacer: MachinePacer | undefined;
  private debugger: MachineDebugger | undefined;

  constructor(config: MachineConfig, io: MachineIo, deps: MachineDeps = {}) {
    checkConfig(config, io);
    this.config = config;
    this.io = io;
    this.hostInput = (io.devices ?? []).some((d) => d.hostInput === true);
    this.pacer = deps.pacer;
    this.waitCell = deps.poke ?? new Int32Array(new SharedArrayBuffer(4));
    const host: CpuHost = {
      mmioRead: (addr, size) => this.bus.read(addr, size),
      mmioWrite: (addr, size, value) => this.bus.write(addr, size, value),
      sbiCall: (hart) => this.sbi?.handle(hart) ?? false,
    };
    const cpuOpts: CpuOptions = {
      harts: config.harts, ramBytes: config.ramBytes, timing: config.timing,
      ...(config.instructionsPerTick !== undefined ? { instructionsPerTick: config.instructionsPerTick } : {}),
      ...(deps.poke ? { poke: deps.poke } : {}),
    };
    this.cpu = deps.createCpu ? deps.createCpu(cpuOpts, host) : createWasmCpu(cpuOpts, host);
    const cpu = this.cpu;
    const ram: GuestRam = { base: RAM_BASE, bytes: cpu.ram };

    // Devices, at the addresses of platform/memmap.ts.
    this.plic = new Plic(config.harts, (h, mode, level) => cpu.setIrq(h, mode === "M" ? Irq.MEIP : Irq.SEIP, level));
    const clint = new Clint(config.harts, {
      mtime: () => cpu.mtime(),
      timecmp: (h) => cpu.timecmp(h),
      setTimecmp: (h, v) => cpu.setTimecmp(h, v),
      setMsip: (h, on) => cpu.setIrq(h, Irq.MSIP, on),
      msip: (h) => (cpu.mip(h) & BigInt(Irq.MSIP)) !== 0n,
      ...(config.timing === "virtual" ? { setMtime: (v: bigint) => cpu.setMtime(v) } : {}),
    });
    this.uart = new Uart16550(this.plic.line(IRQ.uart0), (b) => this.out.push(b));
    const wall = deps.wallClockNs ?? hostWallClockNs;
    this.clock = config.timing === "virtual" ? () => VIRTUAL_EPOCH_NS + cpu.mtime() * NS_PER_TICK : wall;
    this.rtc = new GoldfishRtc(this.clock, this.plic.line(IRQ.rtc));
    const finisher = new TestFinisher((ev) => this.onFinisher(ev));
    const rom = new BootRom();
    this.bus.map(MEMMAP.bootRom.base, MEMMAP.bootRom.size, rom);
    this.bus.map(MEMMAP.finisher.base, MEMMAP.finisher.size, finisher);
    this.bus.map(MEMMAP.rtc.base, MEMMAP.rtc.size, this.rtc);
    this.bus.map(MEMMAP.clint.base, MEMMAP.clint.size, clint);
    this.bus.map(MEMMAP.plic.base, MEMMAP.plic.size, this.plic);
    this.bus.map(MEMMAP.uart0.base, MEMMAP.uart0.size, new Watched(this.uart, () => this.onUartTouched()));
    // Device DMA goes through GuestMemory, which drops the harts' decoded code it overwrites.
    const mem = new GuestMemory(cpu.ram, RAM_BASE, (addr, len) => cpu.invalidateCode(BigInt(addr), len));
    this.virtio = placeVirtioDevices(io.devices ?? [], {
      bus: this.bus, plic: this.plic, mem,
      env: { timing: config.timing, wake: () => this.wake?.(), log: (line) => io.log?.(line) },
    });

    // Boot images: identify, plan (two fdt passes: its size decides where it goes, and
    // the initrd's address goes into it), load.
    const boot = config.boot;
    const mode = boot.mode;
    const firmware = mode === "firmware" ? identifyFirmware(boot.bios!) : undefined;
    const kernel = boot.kernel ? identifyKernel(boot.kernel, mode, boot.rawKernel ?? false) : undefined;
    const fdtFor = (initrd?: { start: bigint; end: bigint }) =>
      buildVirtFdt({
        harts: config.harts,
        ramBytes: BigInt(config.ramBytes),
        isa: VIRT_ISA,
        mmuType: "riscv,sv48",
        timebaseHz: TIMEBASE_HZ,
        ...(boot.append !== undefined ? { bootargs: boot.append } : {}),
        ...(initrd ? { initrd } : {}),
        ...(boot.measurements ? { measurements: boot.measurements } : {}),
        socNodes: this.virtio.socNodes,
      });
    const draft = fdtFor(boot.initrd ? { start: 0n, end: BigInt(boot.initrd.bytes.length) } : undefined);
    this.plan = planBoot({
      mode, ramBase: RAM_BASE, ramBytes: BigInt(config.ramBytes), fdtBytes: draft.length,
      ...(firmware ? { firmware } : {}), ...(kernel ? { kernel } : {}),
      ...(boot.initrd ? { initrdBytes: boot.initrd.bytes.length } : {}),
    });
    this.fdt = fdtFor(this.plan.initrd);
    loadBoot(ram, this.plan, {
      fdt: this.fdt,
      ...(firmware ? { firmware } : {}), ...(kernel ? { kernel } : {}), ...(boot.initrd ? { initrd: boot.initrd } : {}),
    });

    if (mode === "direct") {
      this.sbi = new Sbi({
        cpu, ram, startedHarts: [0],
        console: { write: (b) => this.out.push(...b), read: (max) => this.takeSbiInput(max) },
        onReset: (r) => this.onSbiReset(r),
      });
      this.startDirect(this.plan.kernel!.entry);
    } else {
      this.sbi = undefined;
      // Firmware: the ROM hands over to OpenSBI with fw_dynamic info; bare: straight to the program.
      const start = mode === "firmware" ? this.plan.firmware!.entry : this.plan.kernel!.entry;
      const next = mode === "firmware" ? this.plan.kernel?.entry ?? 0n : 0n;
      rom.bytes = resetVector(start, this.plan.fdt.start, next);
      cpu.loadRom(rom.bytes);
      for (let h = 0; h < config.harts; h++) {
        cpu.setPriv(h, Priv.M);
        cpu.setPc(h, MEMMAP.bootRom.base);
        cpu.setRunning(h, true);
      }
    }
  }

  /** Direct boot: every hart in SBI mode with OpenSBI's delegations; hart 0 enters the kernel. */
  private startDirect(entry: bigint): void {
    const cpu = this.cpu;
    for (let h = 0; h < this.config.harts; h++) {
      // M-mode setup first, while the hart is still in M (as firmware would do it).
      cpu.setPriv(h, Priv.M);
      cpu.setSbiMode(h, true);
      cpu.setCsr(h, CSR_MEDELEG, DIRECT_MEDELEG);
      cpu.setCsr(h, CSR_MIDELEG, DIRECT_MIDELEG);
      cpu.setCsr(h, CSR_MCOUNTEREN, 0x7n); // cycle, time, instret readable from S/U
      // What Linux's SBI PMU driver would set, and we offer no SBI PMU: without it (the
      // legacy PMU path) user space may not read time, and the vDSO's clock_gettime
      // (busybox ping) dies of SIGILL.
      cpu.setCsr(h, CSR_SCOUNTEREN, 0x2n);
      cpu.setCsr(h, CSR_PMPADDR0, (1n << 54n) - 1n); // one NAPOT region over everything, RWX
      cpu.setCsr(h, CSR_PMPCFG0, 0x1fn);
      cpu.setCsr(h, CSR_SATP, 0n);
      cpu.setPriv(h, Priv.S);
      cpu.setRunning(h, false);
    }
    cpu.setPc(0, entry);
    cpu.setReg(0, A0, 0n);
    cpu.setReg(0, A1, this.plan.fdt.start);
    cpu.setRunning(0, true);
  }

  /** Console input from the host (stdin). Delivered between slices; never blocks. */
  sendInput(bytes: Uint8Array): void {
    for (const b of bytes) this.pendingInput.push(b);
    this.feedUart();
    this.wake?.();
  }

  /**
   * A break on the serial line, in order with sendInput's bytes: the UART shows a NUL
   * with LSR.BI (Linux: Magic SysRq when the next key follows). Dropped while the guest
   * has not touched the UART (the SBI console has no break).
   */
  sendBreak(): void {
    if (!this.uartInUse) return;
    this.pendingInput.push(BREAK);
    this.feedUart();
    this.wake?.();
  }

  /** No more input will come (stdin closed): an idle guest waiting only for input is then hung. */
  closeInput(): void {
    this.inputOpen = false;
    this.wake?.();
  }

  /** Attach (or with undefined detach) the debugger that gates the run loop. */
  attachDebugger(d: MachineDebugger | undefined): void {
    this.debugger = d;
    this.wake?.();
  }

  /** End an idle sleep now (the debugger stopped or resumed the VM). */
  kick(): void { this.wake?.(); }

  /** Stop the machine from the host side (e.g. Ctrl-A x); run() resolves with { kind: "stopped" }. */
  stop(reason = "stopped by the user"): void {
    this.finish({ kind: "stopped", reason });
  }

  /** Run until the guest powers off, fails, resets, or hangs, or stop() is called. Call once. */
  async run(): Promise<MachineExit> {
    this.startedAt = performance.now();
    try {
      while (!this.exit) {
        let budget = SLICE_INSTRUCTIONS;
        if (this.debugger) {
          const held = this.debugger.gate();
          if (held) await held;
          if (this.exit) break;
        }
        if (this.pacer) {
          const next = this.pacer.nextSlice();
          budget = typeof next === "number" ? next : await next;
          if (this.exit) break;
          if (this.debugger?.holds()) continue; // stopped while the pacer waited: back to the gate
        }
        this.feedUart();
        if (this.wakeAt !== undefined) {
          const late = this.cpu.mtime() - this.wakeAt;
          this.wakeAt = undefined;
          if (late >= 0n) this.wakeLatency.record(Number(late) / (TIMEBASE_HZ / 1e6)); // woken early (input): not a timer's wake
        }
        const r = this.cpu.run(budget);
        if (r === Exit.Debug) this.debugger?.debugStop();
        this.flushOutput();
        this.checkLostHart();
        this.rtc.poll();
        if (this.exit) break;
        if (r === Exit.Idle && !this.debugger?.holds()) await this.idle();
        else await new Promise<void>((res) => setImmediate(res));
      }
    } finally {
      this.flushOutput();
      this.elapsed = (performance.now() - this.startedAt) / 1000;
    }
    return this.exit!;
  }

  /** A hart whose trap handler faults on its own first instruction would loop forever: end the run. */
  private checkLostHart(): void {
    const h = this.cpu.takeLostHart();
    if (h < 0) return;
    const m = this.cpu.priv(h) === Priv.M;
    const cause = this.cpu.csr(h, m ? 0x342 : 0x142), epc = this.cpu.csr(h, m ? 0x341 : 0x141);
    this.finish({
      kind: "hang",
      reason: `hart ${h} is lost: its trap handler at 0x${epc.toString(16)} faults on its first instruction (cause ${cause}); the guest executed something that is not code`,
    });
  }

  /** Counters for --dump-stats. */
  stats(): MachineStats {
    const instructions = this.cpu.stat(Stat.Executed);
    const seconds = this.exit ? this.elapsed : (performance.now() - this.startedAt) / 1000;
    return {
      instructions,
      seconds,
      mips: seconds > 0 ? Number(instructions) / seconds / 1e6 : 0,
      tlbMisses: this.cpu.stat(Stat.TlbMiss),
      decodes: this.cpu.stat(Stat.Decode),
      codePages: this.cpu.stat(Stat.CodePage),
      mmioExits: this.cpu.stat(Stat.MmioExit),
      traps: this.cpu.stat(Stat.Trap),
      interrupts: this.cpu.stat(Stat.Interrupt),
      sbiCalls: [...(this.sbi?.calls.values() ?? [])].reduce((a, b) => a + b, 0),
      wakeLatency: this.wakeLatency.snapshot(),
    };
  }

  /** Each virtio device's counters now, in configuration order (a copy: read it, keep it). */
  deviceStats(): DeviceStats[] {
    return this.virtio.devices.map((d) => ({ label: d.device.label, where: d.where, ...d.core.counters }));
  }

  /**
   * Every hart is stopped or waits. Virtual timing: jump mtime to the next event.
   * Realtime: sleep until it (at most MAX_IDLE_SLEEP_MS) or until input arrives.
   */
  private async idle(): Promise<void> {
    const cpu = this.cpu;
    let anyRunning = false;
    for (let h = 0; h < this.config.harts && !anyRunning; h++) anyRunning = cpu.running(h);
    if (!anyRunning) {
      this.finish({ kind: "hang", reason: "all harts stopped" });
      return;
    }
    // The next event: the earliest timer still ahead of mtime, or the RTC's alarm. A timer
    // already passed wakes a waiting hart only if its interrupt is enabled: then it passed
    // after the hart went idle (realtime: mtime moved on meanwhile) and is taken at once;
    // masked (OpenSBI clears MTIE once it fired), it cannot wake the hart.
    const now = cpu.mtime();
    let deadline = NO_DEADLINE;
    for (let h = 0; h < this.config.harts; h++) {
      const t = cpu.timecmp(h);
      if (!cpu.running(h)) continue;
      if (t > now) deadline = min(deadline, t);
      else if (this.timerEnabled(h)) deadline = now;
    }
    const alarm = this.rtc.nextAlarm();
    if (alarm !== undefined) deadline = min(deadline, max(this.rtcToTicks(alarm), now + 1n));
    const future = deadline !== NO_DEADLINE;
    if (!future && !this.hostInput && (!this.inputOpen || this.pendingInputBlocked())) {
      this.finish({ kind: "hang", reason: "every hart waits for an interrupt and nothing can raise one (no timer armed, no console input)" });
      return;
    }
    if (this.config.timing === "virtual" && future) {
      cpu.setMtime(deadline);
      await new Promise<void>((res) => setImmediate(res));
      return;
    }
    const ms = future && this.config.timing === "realtime" ? Number(deadline - now) / (TIMEBASE_HZ / 1000) : Infinity;
    if (ms <= MAX_IDLE_SLEEP_MS) this.wakeAt = deadline;
    await this.sleep(this.config.timing === "virtual" ? Infinity : Math.min(ms, MAX_IDLE_SLEEP_MS));
  }

  /** The hart's timer interrupt is enabled in mie: STIE in direct mode (the timer raises STIP), MTIE otherwise. */
  private timerEnabled(h: number): boolean {
    const bit = this.config.boot.mode === "direct" ? Irq.STIP : Irq.MTIP;
    return (this.cpu.csr(h, CSR_MIE) & BigInt(bit)) !== 0n;
  }

  /** Wait `ms` (Infinity: until woken) or until input, stop() or closeInput(); the last EXACT_WAIT_MS exactly. */
  private sleep(ms: number): Promise<void> {
    return new Promise<void>((res) => {
      let t: NodeJS.Timeout | undefined;
      const done = (): void => {
        if (t) clearTimeout(t);
        this.wake = undefined;
        res();
      };
      this.wake = done;
      if (!Number.isFinite(ms)) return;
      const until = performance.now() + ms;
      const exact = (): void => {
        t = undefined;
        const left = until - performance.now();
        if (left > 0 && this.wake === done) Atomics.wait(this.waitCell, 0, 0, left);
        done();
      };
      if (ms <= EXACT_WAIT_MS) exact(); // setTimeout's least wait is 1 ms: too coarse here
      else t = setTimeout(exact, ms - EXACT_WAIT_MS);
    });
  }

  /** Input that is waiting but can go nowhere (the UART is full or RTS is off, and the guest waits) wakes nothing. */
  private pendingInputBlocked(): boolean {
    return this.pendingInput.length > 0 && this.uartInUse && (!this.uart.requestToSend || this.uart.rxSpace() === 0);
  }

  /** An RTC alarm (ns on the RTC's clock) as an mtime deadline. */
  private rtcToTicks(ns: bigint): bigint {
    const ahead = ns - this.clock();
    return this.cpu.mtime() + (ahead > 0n ? (ahead + NS_PER_TICK - 1n) / NS_PER_TICK : 0n);
  }

  private feedUart(): void {
    const pending = this.pendingInput;
    while (this.uartInUse && this.uart.requestToSend && pending.length > 0) {
      if (pending[0] === BREAK) {
        if (!this.uart.receiveBreak()) return;
        pending.shift();
        continue;
      }
      const brk = pending.indexOf(BREAK);
      const upTo = brk < 0 ? pending.length : brk;
      const n = this.uart.receive(Uint8Array.from(pending.slice(0, upTo)));
      pending.splice(0, n);
      if (n < upTo) return;
    }
  }

  private onUartTouched(): void { this.uartInUse = true; }

  private takeSbiInput(max: number): Uint8Array {
    if (this.uartInUse) return new Uint8Array(0);
    return Uint8Array.from(this.pendingInput.splice(0, max));
  }

  private flushOutput(): void {
    if (this.out.length === 0) return;
    const bytes = Uint8Array.from(this.out);
    this.out = [];
    this.io.console.write(bytes);
  }

  private onFinisher(ev: FinisherEvent): void {
    if (ev.kind === "pass") this.finish({ kind: "poweroff", code: 0 });
    else if (ev.kind === "reset") this.finish({ kind: "reset" });
    else this.finish({ kind: "fail", code: ev.code });
  }

  private onSbiReset(r: SbiReset): void {
    if (r.type !== "shutdown") this.finish({ kind: "reset" });
    else if (r.reason === 1) this.finish({ kind: "fail", code: 1 });
    else this.finish({ kind: "poweroff", code: 0 });
  }

  /** The first exit wins; the harts stop after the current instruction. */
  private finish(exit: MachineExit): void {
    if (this.exit) return;
    this.exit = exit;
    this.cpu.requestExit();
    this.wake?.();
    this.debugger?.ended(exit);
  }
}

function checkConfig(c: MachineConfig, io: MachineIo): void {
  if (!hartsOk(c.harts)) throw new MachineError("Config", `a VM has 1 to ${MAX_HARTS} harts, not ${c.harts}`);
  if (ramProblem(c.ramBytes)) {
    throw new MachineError("Config", `memory must be a multiple of 4 KiB from ${MIN_RAM_BYTES >> 20} MiB to ${MAX_RAM_BYTES >> 20n} MiB, not ${c.ramBytes} bytes`);
  }
  const mmio = (io.devices ?? []).filter((d) => d.transport === "virtio-mmio").length;
  if (mmio > VIRTIO_MMIO_SLOTS) throw new MachineError("Config", `a VM has ${VIRTIO_MMIO_SLOTS} virtio-mmio slots, not ${mmio}: put the others on virtio-pci`);
  const pci = (io.devices ?? []).length - mmio;
  if (pci > PCI_SLOTS - 1) throw new MachineError("Config", `a VM's PCI bus holds ${PCI_SLOTS - 1} devices, not ${pci}: put some on virtio-mmio`);
  const b = c.boot;
  if (b.mode === "firmware" && !b.bios) throw new MachineError("Config", "firmware boot needs a firmware image (boot.bios)");
  if (b.mode !== "firmware" && !b.kernel) throw new MachineError("Config", `${b.mode} boot needs a kernel (boot.kernel)`);
  if (b.mode === "bare" && b.initrd) throw new MachineError("Config", "bare boot runs a program with no kernel to read an initrd: boot.initrd must be absent");
}

function createWasmCpu(opts: CpuOptions, host: CpuHost): MachineCpu {
  try {
    return new Cpu(opts, host);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new MachineError("HartNotBuilt", "the hart is not built (build/hart.wasm is missing): run npm run build");
    }
    throw e;
  }
}

/** A device wrapper that reports the first guest access (the UART: input goes to it from then on). */
class Watched implements MmioDevice {
  readonly label: string;
  constructor(private readonly dev: MmioDevice, private readonly touched: () => void) { this.label = dev.label; }
  read(offset: number, size: AccessSize): bigint | undefined { this.touched(); return this.dev.read(offset, size); }
  write(offset: number, size: AccessSize, value: bigint): boolean { this.touched(); return this.dev.write(offset, size, value); }
}

function hostWallClockNs(): bigint {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((ms % 1) * 1e6));
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
