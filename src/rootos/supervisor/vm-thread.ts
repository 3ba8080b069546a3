// The RootOS's handle on one VM's worker thread (vm-worker.ts): spawns it with the VM's
// machine configuration, sends it commands, and turns everything that can end it into
// exactly one VmEnd: the machine's own exit, an exception inside it (fault), the thread
// dying (crash), or the RootOS killing it. Nothing a VM does can throw out of here.
//
//   new VmThread ──▶ started(boot 1) ──▶ … reset/started(boot n) … ──▶ end (once)
import { type MessagePort, Worker } from "node:worker_threads";
import type { InputPacket } from "../../display/input.js";
import type { ScreenUpdate } from "../../display/screen.js";
import type { MachineConfig, MachineExit } from "../../machine/machine.js";
import { RootosError } from "./errors.js";
import { emptyHistogram } from "../../machine/histogram.js";
import type { Throttle } from "../plan/index.js";
import type { HostApplied } from "./host-sched.js";
import type { DebugAnswers, DebugQuery, FromWorker, ToWorker, WorkerInit, WorkerStats } from "./protocol.js";

/** How a VM's thread ended. */
export type VmEnd =
  /** The machine ended: power-off, failure, hang, or stopped by the host. */
  | { readonly kind: "exit"; readonly exit: MachineExit; readonly stats: WorkerStats }
  /** An exception escaped the machine (device model, loader, hart). */
  | { readonly kind: "fault"; readonly message: string; readonly stack?: string; readonly stats?: WorkerStats; readonly beforeStart: boolean }
  /** The thread itself died (an uncaught error, out of memory, exited on its own). */
  | { readonly kind: "crash"; readonly message: string; readonly beforeStart: boolean }
  /** The RootOS terminated the thread (kill, or a stop that was not answered in time). */
  | { readonly kind: "killed"; readonly reason: string; readonly stats?: WorkerStats };

export interface VmThreadEvents {
  /** A machine was built and runs: boot 1, then again after each reset. */
  started(boot: number): void;
  console(bytes: Uint8Array): void;
  /** Output of a virtio-console port the RootOS keeps. */
  portOutput(port: string, bytes: Uint8Array): void;
  /** A device model's message about the guest's use of it. */
  deviceLog(line: string): void;
  /** The display's scanout changed (a VM with a display). */
  screen?(update: ScreenUpdate): void;
  /** The machine reset (the guest rebooted, or the host's reset); `started` follows. */
  reset(by: "guest" | "host"): void;
  /** The thread is gone; called exactly once. */
  end(end: VmEnd): void;
  /** Bytes from the VM's GDB stub for the attached debugger. */
  gdbOutput?(bytes: Uint8Array): void;
  /** The stub ended the debugger's session. */
  gdbEnded?(): void;
  /** The VM became still (gdb or the halt holds it) or runs again. */
  still?(on: boolean): void;
  /** gdb's `monitor CMD`: a RootOS command's output (a rejection: its error). */
  monitor?(command: string): Promise<string>;
}

export interface VmThreadOptions {
  /** The worker script; default vm-worker.js beside this file (tests give a misbehaving one). */
  readonly workerUrl?: URL;
  /** A stop not answered within this long terminates the thread (default 2000 ms). */
  readonly stopGraceMs?: number;
  /** The thread's poke cell, when others (its NICs' switch ports) set it too; default a new one. */
  readonly poke?: Int32Array;
}

/** The worker script: compiled beside this file. */
export const VM_WORKER_URL = new URL("./vm-worker.js", import.meta.url);

type Pending = { resolve(v: unknown): void; reject(e: Error): void; what: string };

export class VmThread {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private ended: VmEnd | undefined;
  private started = false;
  private latest: WorkerStats | undefined;
  private placedAs: HostApplied | undefined;
  private killReason: string | undefined;
  private readonly endWaiters: ((e: VmEnd) => void)[] = [];
  private killTimer: NodeJS.Timeout | undefined;
  /** The thread's poke cell (WorkerInit.poke): set after a message that should end the slice under way. */
  private readonly poke: Int32Array;

  /** `transfer`: the image buffers and MessagePorts in `init`, moved into the thread rather than copied. */
  constructor(
    readonly vm: string,
    init: WorkerInit,
    private readonly events: VmThreadEvents,
    transfer: (ArrayBuffer | MessagePort)[] = [],
    private readonly opts: VmThreadOptions = {},
  ) {
    this.poke = opts.poke ?? new Int32Array(new SharedArrayBuffer(4));
    this.worker = new Worker(opts.workerUrl ?? VM_WORKER_URL, { workerData: { ...init, poke: this.poke }, transferList: transfer, name: `vm ${vm}`, stdout: false, stderr: false });
    this.worker.on("message", (m: FromWorker) => this.onMessage(m));
    this.worker.on("error", (e) => this.end({ kind: "crash", message: `its thread died: ${e?.message ?? String(e)}`, beforeStart: !this.started }));
    this.worker.on("exit", (code) => {
      if (this.killReason !== undefined) this.end({ kind: "killed", reason: this.killReason, ...(this.latest ? { stats: this.latest } : {}) });
      else this.end({ kind: "crash", message: `its thread exited (code ${code}) without a word`, beforeStart: !this.started });
    });
  }

  /** How it ended, once it has. */
  get outcome(): VmEnd | undefined { return this.ended; }
  get alive(): boolean { return this.ended === undefined; }
  /** Where the thread runs on the host, as the kernel has it (undefined: not placed, or not yet). */
  get placed(): HostApplied | undefined { return this.placedAs; }
  /** The last counters the thread reported. */
  get lastStats(): WorkerStats | undefined { return this.latest; }

  input(bytes: Uint8Array): void { this.send({ type: "input", bytes }); }
  portInput(port: string, bytes: Uint8Array): void { this.send({ type: "port-input", port, bytes }); }
  sysrq(keys: string): void { this.send({ type: "sysrq", keys }); }
  displayInput(packet: InputPacket): void { this.send({ type: "display-input", packet }); }
  pause(): Promise<WorkerStats> { return this.request("pause", (id) => ({ type: "pause", id })); }
  resume(): Promise<WorkerStats> { return this.request("resume", (id) => ({ type: "resume", id })); }
  throttle(t: Throttle | undefined): Promise<WorkerStats> { return this.request("throttle", (id) => ({ type: "throttle", id, throttle: t ?? null })); }
  stats(): Promise<WorkerStats> {
    if (this.ended) return Promise.resolve(this.latest ?? emptyStats());
    return this.request("stats", (id) => ({ type: "stats", id }));
  }
  /** Cold reboot; from `machine` when given, its image buffers (`transfer`) moved into the thread. */
  reset(machine?: MachineConfig, transfer: readonly ArrayBuffer[] = []): Promise<WorkerStats> {
    return this.request("reset", (id) => ({ type: "reset", id, ...(machine ? { machine } : {}) }), transfer);
  }

  /** gdb connected to the VM's port: resolves when its stub is there; rejects (BadArgument-worthy text) when refused. */
  gdbOpen(): Promise<void> { return this.ask<void>("gdb-open", (id) => ({ type: "gdb-open", id })); }
  gdbInput(bytes: Uint8Array): void { this.send({ type: "gdb-input", bytes }, true); }
  gdbClose(): void { this.send({ type: "gdb-close" }, true); }
  /** The system's halt: resolves once the VM will run no instruction more (the slice under way ends within a turn). */
  halt(): Promise<void> { return this.ask<void>("halt", (id) => ({ type: "halt", id })); }
  continue(): Promise<void> { return this.ask<void>("continue", (id) => ({ type: "continue", id })); }
  debugQuery<Q extends DebugQuery>(query: Q): Promise<DebugAnswers[Q["what"]]> {
    return this.ask(query.what, (id) => ({ type: "debug-query", id, query }));
  }

  /** Hard stop: the machine stops after its current instruction; a thread that does not answer in time is terminated. */
  stop(reason: string): Promise<VmEnd> {
    if (this.ended) return Promise.resolve(this.ended);
    this.send({ type: "stop", reason }, true);
    this.killTimer ??= setTimeout(() => this.kill(`${reason} (the thread did not stop in time: terminated)`), this.opts.stopGraceMs ?? 2000);
    return this.whenEnded();
  }

  /** Terminate the thread now. */
  kill(reason: string): Promise<VmEnd> {
    if (this.ended) return Promise.resolve(this.ended);
    this.killReason ??= reason;
    void this.worker.terminate();
    return this.whenEnded();
  }

  whenEnded(): Promise<VmEnd> {
    if (this.ended) return Promise.resolve(this.ended);
    return new Promise((res) => this.endWaiters.push(res));
  }

  private request(what: string, make: (id: number) => ToWorker, transfer: readonly ArrayBuffer[] = []): Promise<WorkerStats> {
    return this.ask<WorkerStats>(what, make, transfer);
  }

  /** A request answered by `reply` (stats) or `answer` (a value, or a refusal: DebugRefused). */
  private ask<T>(what: string, make: (id: number) => ToWorker, transfer: readonly ArrayBuffer[] = []): Promise<T> {
    if (this.ended) return Promise.reject(new RootosError({ kind: "VmGone", vm: this.vm, request: what }));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, what });
      this.send(make(id), true, transfer);
    });
  }

  /** Post `m` (moving `transfer`); `poke`: and end the slice under way, so it is handled within a turn, not a slice later. */
  private send(m: ToWorker, poke = false, transfer: readonly ArrayBuffer[] = []): void {
    if (this.ended) return;
    this.worker.postMessage(m, [...transfer]);
    if (poke) {
      Atomics.store(this.poke, 0, 1);
      Atomics.notify(this.poke, 0); // an idle machine's exact last wait (Machine.sleep) ends now
    }
  }

  private onMessage(m: FromWorker): void {
    if (this.ended) return;
    switch (m.type) {
      case "started":
        this.started = true;
        guard(() => this.events.started(m.boot));
        return;
      case "placed":
        this.placedAs = m.host;
        return;
      case "console":
        guard(() => this.events.console(m.bytes));
        return;
      case "port-output":
        guard(() => this.events.portOutput(m.port, m.bytes));
        return;
      case "device-log":
        guard(() => this.events.deviceLog(m.line));
        return;
      case "screen":
        guard(() => this.events.screen?.(m.update));
        return;
      case "reply": {
        this.latest = m.stats;
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        p?.resolve(m.stats);
        return;
      }
      case "answer": {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new RootosError({ kind: "DebugRefused", vm: this.vm, why: m.error }));
        else p?.resolve(m.value);
        return;
      }
      case "gdb-output":
        guard(() => this.events.gdbOutput?.(m.bytes));
        return;
      case "gdb-end":
        guard(() => this.events.gdbEnded?.());
        return;
      case "still":
        guard(() => this.events.still?.(m.on));
        return;
      case "monitor": {
        const run = this.events.monitor;
        const answer = (text: string, ok: boolean): void => this.send({ type: "monitor-reply", id: m.id, text, ok }, true);
        if (!run) { answer("no RootOS command line here", false); return; }
        run(m.command).then((text) => answer(text, true), (e: Error) => answer(e?.message ?? String(e), false));
        return;
      }
      case "reset":
        guard(() => this.events.reset(m.by));
        return;
      case "exit":
        this.latest = m.stats;
        this.end({ kind: "exit", exit: m.exit, stats: m.stats });
        void this.worker.terminate();
        return;
      case "fault":
        if (m.stats) this.latest = m.stats;
        this.end({ kind: "fault", message: m.message, beforeStart: !this.started, ...(m.stack ? { stack: m.stack } : {}), ...(m.stats ? { stats: m.stats } : {}) });
        void this.worker.terminate();
        return;
    }
  }

  private end(e: VmEnd): void {
    if (this.ended) return;
    this.ended = e;
    if (this.killTimer) clearTimeout(this.killTimer);
    for (const [, p] of this.pending) p.reject(new RootosError({ kind: "VmGone", vm: this.vm, request: p.what }));
    this.pending.clear();
    for (const w of this.endWaiters.splice(0)) w(e);
    guard(() => this.events.end(e));
  }
}

/** A listener's exception must not escape into a worker's event handler (it would take the RootOS down): report it. */
function guard(f: () => void): void {
  try {
    f();
  } catch (e) {
    process.emitWarning(`bulkhead: a VM event handler threw: ${(e as Error)?.stack ?? String(e)}`);
  }
}

/** Counters of a VM that never ran. */
export function emptyStats(): WorkerStats {
  return {
    boots: 0, instructions: 0, mips: 0, averageMips: 0, runningMs: 0, paused: false, throttle: null,
    interrupts: 0, traps: 0, mmioExits: 0, tlbMisses: 0, sbiCalls: 0, consoleOut: 0, consoleIn: 0, devices: [], wakeLatency: emptyHistogram(),
  };
}
