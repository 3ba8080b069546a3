// One VM's worker thread: its own WebAssembly.Memory, its own Machine, its own event
// loop. Builds the machine from workerData (WorkerInit), runs it in slices paced by a
// Pacer (pause, throttle), and speaks protocol.ts with the RootOS. A guest reboot or the
// host's reset builds a fresh machine in the same thread (cold: new RAM and devices).
// Anything that escapes the machine (a device model's exception, a loader error) is
// reported as `fault` and ends this VM only; the RootOS then terminates the thread.
//
// Commands are handled between slices: the run loop yields to the event loop after each
// one, so a pause takes effect before the next instruction retires.
import { parentPort, workerData } from "node:worker_threads";
import { Machine, type MachineConfig } from "../../machine/machine.js";
import { Pacer } from "./pacer.js";
import { type OpenedVmDevices, openVmDevices } from "./vm-devices.js";
import type { FromWorker, ToWorker, WorkerInit, WorkerStats } from "./protocol.js";

/** Default gap between the keys of a SysRq sequence: Linux's 8250 driver handles one SysRq per receive interrupt. */
export const SYSRQ_GAP_MS = 250;
/** `mips` is measured over about this much wall time, from samples taken every RATE_SAMPLE_MS. */
const RATE_WINDOW_MS = 1000;
const RATE_SAMPLE_MS = 100;

class VmWorker {
  private machine: Machine | undefined;
  private boots = 0;
  /** Instructions retired by machines that have ended (reboots). */
  private retiredBefore = 0;
  private hostReset = false;
  private stopReason: string | undefined;
  private consoleOut = 0;
  private consoleIn = 0;
  private readonly pacer: Pacer;
  private readonly samples: { t: number; i: number }[] = [];
  private sysrqQueue: string[] = [];
  private sysrqTimer: NodeJS.Timeout | undefined;
  private opened: OpenedVmDevices | undefined;

  constructor(private readonly init: WorkerInit, private readonly port: NonNullable<typeof parentPort>) {
    this.pacer = new Pacer(() => this.retired(), init.throttle);
    port.on("message", (m: ToWorker) => this.handle(m));
    setInterval(() => this.sample(), RATE_SAMPLE_MS).unref();
  }

  async run(): Promise<void> {
    try {
      this.opened = await openVmDevices(this.init.devices, {
        timing: this.init.machine.timing,
        nicPorts: this.init.nicPorts,
        portOutput: (port, bytes) => this.post({ type: "port-output", port, bytes }),
      });
      for (;;) {
        const m = new Machine(this.config(), { pacer: this.pacer });
        this.machine = m;
        this.boots++;
        if (this.stopReason !== undefined) m.stop(this.stopReason);
        this.post({ type: "started", boot: this.boots });
        const exit = await m.run();
        this.retiredBefore += Number(m.stats().instructions);
        this.machine = undefined;
        const reset = exit.kind === "reset" || (exit.kind === "stopped" && this.hostReset);
        if (reset && this.stopReason === undefined) {
          this.post({ type: "reset", by: exit.kind === "reset" ? "guest" : "host" });
          this.hostReset = false;
          continue;
        }
        await this.closeDevices();
        this.post({ type: "exit", exit, stats: this.stats() });
        return;
      }
    } catch (e) {
      const err = e as Error;
      await this.closeDevices();
      this.post({ type: "fault", message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}), stats: this.stats() });
    }
  }

  /** Before the last word: the RootOS terminates the thread after it, and socket files must go. */
  private async closeDevices(): Promise<void> {
    try { await this.opened?.close(); } catch { /* nothing more to do */ }
  }

  private config(): MachineConfig {
    const c = this.init.machine;
    return {
      harts: c.harts,
      ramBytes: c.ramBytes,
      timing: c.timing,
      ...(c.instructionsPerTick !== undefined ? { instructionsPerTick: c.instructionsPerTick } : {}),
      boot: c.boot,
      devices: this.opened?.devices ?? [],
      log: (line) => this.post({ type: "device-log", line }),
      console: {
        write: (bytes) => {
          this.consoleOut += bytes.length;
          // The machine hands over a fresh array each time: move its buffer, do not copy it.
          this.port.postMessage({ type: "console", bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer]);
        },
      },
    };
  }

  private handle(m: ToWorker): void {
    switch (m.type) {
      case "input":
        this.consoleIn += m.bytes.length;
        this.machine?.sendInput(m.bytes);
        return;
      case "port-input":
        this.consoleIn += m.bytes.length;
        this.opened?.keptPorts.get(m.port)?.push(m.bytes);
        return;
      case "sysrq":
        this.sysrqQueue.push(...m.keys);
        if (!this.sysrqTimer) this.nextSysrq();
        return;
      case "pause":
        this.pacer.pause();
        this.reply(m.id);
        return;
      case "resume":
        this.pacer.resume();
        this.reply(m.id);
        return;
      case "throttle":
        this.pacer.setThrottle(m.throttle ?? undefined);
        this.reply(m.id);
        return;
      case "stats":
        this.reply(m.id);
        return;
      case "reset":
        this.hostReset = true;
        this.pacer.resume();
        this.machine?.stop("reset by the host");
        this.reply(m.id);
        return;
      case "stop":
        this.stopReason = m.reason;
        this.pacer.resume();
        this.pacer.wake();
        this.machine?.stop(m.reason);
        return;
    }
  }

  /** One key of a SysRq sequence: a break, then the key; the next after the gap. */
  private nextSysrq(): void {
    const key = this.sysrqQueue.shift();
    if (key === undefined) { this.sysrqTimer = undefined; return; }
    this.machine?.sendBreak();
    this.machine?.sendInput(new TextEncoder().encode(key));
    this.sysrqTimer = setTimeout(() => this.nextSysrq(), this.init.sysrqGapMs ?? SYSRQ_GAP_MS);
  }

  private retired(): number {
    return this.retiredBefore + (this.machine ? Number(this.machine.stats().instructions) : 0);
  }

  private reply(id: number): void {
    this.post({ type: "reply", id, stats: this.stats() });
  }

  /** Keep (time, instructions) samples covering the last RATE_WINDOW_MS. */
  private sample(): { t: number; i: number } {
    const s = { t: performance.now(), i: this.retired() };
    const samples = this.samples;
    samples.push(s);
    while (samples.length > 2 && s.t - samples[1]!.t >= RATE_WINDOW_MS) samples.shift();
    return s;
  }

  private stats(): WorkerStats {
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
    };
  }

  private post(m: FromWorker): void {
    this.port.postMessage(m);
  }
}

if (parentPort) {
  void new VmWorker(workerData as WorkerInit, parentPort).run();
}
