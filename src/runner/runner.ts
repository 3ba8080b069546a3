// One VM's runner: the only code that runs a machine. `bulkhead run` uses it in-process
// and a VM of a system description in its worker thread (vm-worker.ts); both hand it the
// same one-VM plan (RunPlan: a MachineConfig and the plan's VmDevice[]).
//
//   open(plan) ──devices opened (all or nothing)──▶ run() ──▶ boot n: new Machine ──▶ exit
//                                                     ▲                               │
//                                                     └─ guest reboot / host reset() ─┘
//                                                        (unless noReboot or stop())
//
// A reboot is cold: a fresh Machine (new RAM, harts and device models) over the same
// device backends, which outlive it; a host reset may bring a new MachineConfig (the
// boot images read again), which the guest's own reboots then keep. The runner paces
// every slice (pause, throttle), routes console input to the machine of the moment,
// counts across reboots, and closes the backends when the run ends, however it ends.
import type { NicRings } from "../net/ring-link.js";
import type { InputPacket } from "../display/input.js";
import type { ScanoutSink } from "../virtio/gpu/index.js";
import { type DeviceStats, Machine, type MachineConfig, type MachineExit } from "../machine/machine.js";
import { emptyHistogram, type LatencyHistogram } from "../machine/histogram.js";
import type { Throttle, VmDevice } from "../rootos/plan/index.js";
import { type OpenedDevices, openDevices } from "./devices.js";
import { Pacer } from "./pacer.js";

/** Default gap between the keys of a SysRq sequence: Linux's 8250 driver handles one SysRq per receive interrupt. */
export const SYSRQ_GAP_MS = 250;
/** `mips` is measured over about this much wall time, from samples taken every RATE_SAMPLE_MS. */
const RATE_WINDOW_MS = 1000;
const RATE_SAMPLE_MS = 100;

/** The one-VM plan a runner runs: `bulkhead run`'s options, or a description's VmPlan with its images read. */
export interface RunPlan {
  /** Harts, RAM, timing and boot images: plain data, moved into a worker thread as it is. */
  readonly machine: MachineConfig;
  /** Its devices, in the plan's terms (src/rootos/plan); opened by the device factory (devices.ts). */
  readonly devices: readonly VmDevice[];
  readonly throttle?: Throttle;
  /** A guest reboot ends the run instead of booting again (`bulkhead run --no-reboot`). */
  readonly noReboot?: boolean;
  /** ms between the keys of a SysRq sequence (each is a break then the key); default SYSRQ_GAP_MS. */
  readonly sysrqGapMs?: number;
  /**
   * A cell over a SharedArrayBuffer that the RootOS sets after posting this VM a command
   * (MachineDeps.poke): the slice under way ends at the next turn, so a pause, a halt or
   * a debugger's Ctrl-C takes effect within microseconds, not a 5 M-instruction slice later.
   */
  readonly poke?: Int32Array;
}

/** Where a run's output and events go. */
export interface RunnerHost {
  /** UART and SBI console output: a fresh array each time (the host may move its buffer). */
  console(bytes: Uint8Array): void;
  /** Output of a console port the host keeps (a plan port with no host end; "" is an unnamed port 0). */
  portOutput(port: string, bytes: Uint8Array): void;
  /** A device model's message about the guest's use of it (rate-limited by the device). */
  deviceLog(line: string): void;
  /** A machine was built and is about to run: boot 1, then one more per reboot. */
  started?(boot: number, machine: Machine): void;
  /** A machine ended (every boot, the last one too), before the runner decides what follows. */
  ended?(exit: MachineExit, machine: Machine): void;
  /** The machine reset and a new one follows. */
  reset?(by: "guest" | "host"): void;
  /** Where the plan's display shows (damage only: each flushed rectangle); needed when it has one. */
  readonly screen?: ScanoutSink;
}

/** A run's counters. Numbers: exact up to 2^53 instructions (months at 500 MIPS). */
export interface RunnerStats {
  /** Machines built in this run: 1, then one more per guest or host reset. */
  readonly boots: number;
  /** Instructions retired in this run, across reboots. */
  readonly instructions: number;
  /** Instructions per µs over the last second or so of wall time (0 while paused). */
  readonly mips: number;
  /** Instructions per µs of running (not paused) time since the run started. */
  readonly averageMips: number;
  /** ms the VM has run, not counting pauses. */
  readonly runningMs: number;
  readonly paused: boolean;
  readonly throttle: Throttle | null;
  /** Hot-loop counters of the current machine (MachineStats). */
  readonly interrupts: number;
  readonly traps: number;
  /** MMIO accesses: the VM exits of this emulator. */
  readonly mmioExits: number;
  readonly tlbMisses: number;
  readonly sbiCalls: number;
  /** Console bytes from the guest and to it, in this run. */
  readonly consoleOut: number;
  readonly consoleIn: number;
  /** Each virtio device's counters (requests, bytes, notifications, interrupts, errors). */
  readonly devices: readonly DeviceStats[];
  /** The current machine's timer wake-ups: deadline to first guest instruction (MachineStats.wakeLatency). */
  readonly wakeLatency: LatencyHistogram;
}

export class VmRunner {
  private machine: Machine | undefined;
  /** What the next machine is built from: the plan's, or the last host reset's. */
  private config: MachineConfig;
  private boots = 0;
  /** Instructions retired by machines that have ended (reboots). */
  private retiredBefore = 0;
  private hostReset = false;
  private stopReason: string | undefined;
  private inputClosed = false;
  private consoleOut = 0;
  private consoleIn = 0;
  private readonly pacer: Pacer;
  private readonly samples: { t: number; i: number }[] = [];
  private readonly sampler: NodeJS.Timeout;
  private sysrqQueue: string[] = [];
  private sysrqTimer: NodeJS.Timeout | undefined;

  /**
   * Open the plan's devices (a DeviceOpenError names the one that failed, after closing
   * the others). `nicRings`: one pair per `nic` device, the other end a switch port in the RootOS.
   */
  static async open(plan: RunPlan, host: RunnerHost, nicRings: readonly NicRings[] = []): Promise<VmRunner> {
    const opened = await openDevices(plan.devices, {
      timing: plan.machine.timing, nicRings, portOutput: (port, bytes) => host.portOutput(port, bytes),
      ...(host.screen ? { screen: host.screen } : {}),
    });
    return new VmRunner(plan, host, opened);
  }

  private constructor(private readonly plan: RunPlan, private readonly host: RunnerHost, private readonly opened: OpenedDevices) {
    this.config = plan.machine;
    this.pacer = new Pacer(() => this.retired(), plan.throttle);
    this.sampler = setInterval(() => this.sample(), RATE_SAMPLE_MS).unref();
  }

  /** Boot, reboot as the plan says, until the machine ends for good; the devices are closed after. Call once. */
  async run(): Promise<MachineExit> {
    try {
      for (;;) {
        const m = new Machine(this.config, {
          console: { write: (bytes) => { this.consoleOut += bytes.length; this.host.console(bytes); } },
          devices: this.opened.devices,
          log: (line) => this.host.deviceLog(line),
        }, { pacer: this.pacer, ...(this.plan.poke ? { poke: this.plan.poke } : {}) });
        this.machine = m;
        this.boots++;
        if (this.inputClosed) m.closeInput();
        if (this.stopReason !== undefined) m.stop(this.stopReason);
        this.host.started?.(this.boots, m);
        const exit = await m.run();
        this.retiredBefore += Number(m.stats().instructions);
        this.host.ended?.(exit, m);
        this.machine = undefined;
        const by = exit.kind === "reset" && !this.plan.noReboot ? "guest" : exit.kind === "stopped" && this.hostReset ? "host" : undefined;
        if (by && this.stopReason === undefined) {
          this.hostReset = false;
          this.host.reset?.(by);
          continue;
        }
        return exit;
      }
    } finally {
      this.machine = undefined;
      clearInterval(this.sampler);
      if (this.sysrqTimer) clearTimeout(this.sysrqTimer);
      try { await this.opened.close(); } catch { /* nothing more to do */ }
    }
  }

  /** Console input for the UART (or the SBI console before the guest uses the UART). */
  input(bytes: Uint8Array): void {
    this.consoleIn += bytes.length;
    this.machine?.sendInput(bytes);
  }

  /** Input for a console port the host keeps; a port the plan does not keep is ignored. */
  portInput(port: string, bytes: Uint8Array): void {
    this.consoleIn += bytes.length;
    this.opened.keptPorts.get(port)?.push(bytes);
  }

  /** A key or pointer packet for the display's keyboard or tablet; false when there is none or its driver is not running. */
  displayInput(p: InputPacket): boolean {
    return this.opened.input?.(p) ?? false;
  }

  /** No more console input will come (stdin closed), for this machine and the ones after it. */
  closeInput(): void {
    this.inputClosed = true;
    this.machine?.closeInput();
  }

  /** Magic SysRq over the serial line: for each key, a break then the key, sysrqGapMs apart. */
  sysrq(keys: string): void {
    this.sysrqQueue.push(...keys);
    if (!this.sysrqTimer) this.nextSysrq();
  }

  pause(): void { this.pacer.pause(); }
  resume(): void { this.pacer.resume(); }
  /** Throws a RangeError for a cap that is not a cap (throttleProblem). */
  setThrottle(t: Throttle | undefined): void { this.pacer.setThrottle(t); }

  /** Cold reboot from the host (resumes a paused VM): a fresh machine from `machine`, or from the last configuration. */
  reset(machine?: MachineConfig): void {
    if (machine) this.config = machine;
    this.hostReset = true;
    this.pacer.resume();
    this.machine?.stop("reset by the host");
  }

  /** Hard stop: the machine stops after the current instruction, and no reboot follows. */
  stop(reason: string): void {
    this.stopReason ??= reason;
    this.pacer.resume();
    this.pacer.wake();
    this.machine?.stop(reason);
  }

  stats(): RunnerStats {
    const { t: now, i: instructions } = this.sample();
    const first = this.samples[0]!;
    const dt = now - first.t;
    const runningMs = this.pacer.runningMs();
    const s = this.machine?.stats();
    return {
      boots: this.boots,
      instructions,
      mips: this.pacer.isPaused ? 0 : dt > 0 ? (instructions - first.i) / dt / 1000 : 0,
      averageMips: runningMs > 0 ? instructions / runningMs / 1000 : 0,
      runningMs,
      paused: this.pacer.isPaused,
      throttle: this.pacer.cap ?? null,
      interrupts: Number(s?.interrupts ?? 0n),
      traps: Number(s?.traps ?? 0n),
      mmioExits: Number(s?.mmioExits ?? 0n),
      tlbMisses: Number(s?.tlbMisses ?? 0n),
      sbiCalls: s?.sbiCalls ?? 0,
      consoleOut: this.consoleOut,
      consoleIn: this.consoleIn,
      devices: this.machine?.deviceStats() ?? [],
      wakeLatency: s?.wakeLatency ?? emptyHistogram(),
    };
  }

  private nextSysrq(): void {
    const key = this.sysrqQueue.shift();
    if (key === undefined) { this.sysrqTimer = undefined; return; }
    this.machine?.sendBreak();
    this.machine?.sendInput(new TextEncoder().encode(key));
    this.sysrqTimer = setTimeout(() => this.nextSysrq(), this.plan.sysrqGapMs ?? SYSRQ_GAP_MS);
  }

  private retired(): number {
    return this.retiredBefore + (this.machine ? Number(this.machine.stats().instructions) : 0);
  }

  /** Keep (time, instructions) samples covering the last RATE_WINDOW_MS. */
  private sample(): { t: number; i: number } {
    const s = { t: performance.now(), i: this.retired() };
    const samples = this.samples;
    samples.push(s);
    while (samples.length > 2 && s.t - samples[1]!.t >= RATE_WINDOW_MS) samples.shift();
    return s;
  }
}
