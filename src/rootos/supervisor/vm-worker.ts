// One VM's worker thread: its own WebAssembly.Memory, its own machine, its own event
// loop. It runs the VM with the one runner (src/runner: boot, reboot loop, pacing,
// stats) from workerData (WorkerInit) and speaks protocol.ts with the RootOS. Anything
// that escapes the runner (a device model's exception, a loader error, a device that
// cannot be opened) is reported as `fault` and ends this VM only; the RootOS then
// terminates the thread.
//
// Commands are handled between slices: the run loop yields to the event loop after each
// one, and the RootOS pokes the slice under way to end at its next turn (RunPlan.poke),
// so a pause, a halt or gdb's Ctrl-C takes effect within a turn. The debugger's side of
// the VM (src/debug/vm-debug.ts: the GDB stub, halt, the looks) lives here, beside the
// machine it reads; the RootOS keeps only the sockets.
import { parentPort, workerData } from "node:worker_threads";
import { DebugRefusal, VmDebug } from "../../debug/vm-debug.js";
import { VmRunner } from "../../runner/runner.js";
import type { DebugQuery, FromWorker, ToWorker, WorkerInit } from "./protocol.js";
import { emptyStats } from "./vm-thread.js";
import { applyPlacement } from "./host-sched.js";

async function main(init: WorkerInit, port: NonNullable<typeof parentPort>): Promise<void> {
  const post = (m: FromWorker): void => port.postMessage(m);
  let runner: VmRunner | undefined;
  // Commands that come before the devices are open wait for the runner.
  const early: ToWorker[] = [];
  const monitors = new Map<number, { resolve(text: string): void; reject(e: Error): void }>();
  let nextMonitor = 1;
  const debug = new VmDebug({
    gdbOutput: (bytes) => port.postMessage({ type: "gdb-output", bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer]),
    gdbEnded: () => post({ type: "gdb-end" }),
    still: (on) => post({ type: "still", on }),
    monitor: (command) => new Promise((resolve, reject) => {
      const id = nextMonitor++;
      monitors.set(id, { resolve, reject });
      post({ type: "monitor", id, command });
    }),
  }, init.debug);
  const answer = (id: number, f: () => unknown): void => {
    try {
      post({ type: "answer", id, value: f() });
    } catch (e) {
      if (!(e instanceof DebugRefusal)) throw e;
      post({ type: "answer", id, error: e.message });
    }
  };
  const query = (q: DebugQuery): unknown => {
    switch (q.what) {
      case "view": return debug.view();
      case "regs": return debug.regs(q.hart);
      case "mem": return debug.mem(q.addr, q.len, q.physical, q.hart);
      case "translate": return debug.translate(q.va, q.hart);
    }
  };
  const handle = (m: ToWorker): void => {
    if (!runner) { early.push(m); return; }
    const reply = (id: number) => post({ type: "reply", id, stats: runner!.stats() });
    switch (m.type) {
      case "input": runner.input(m.bytes); return;
      case "port-input": runner.portInput(m.port, m.bytes); return;
      case "sysrq": runner.sysrq(m.keys); return;
      case "pause": runner.pause(); reply(m.id); return;
      case "resume": runner.resume(); reply(m.id); return;
      case "throttle": runner.setThrottle(m.throttle ?? undefined); reply(m.id); return;
      case "stats": reply(m.id); return;
      case "reset": runner.reset(m.machine); reply(m.id); return;
      case "stop": runner.stop(m.reason); return;
      case "gdb-open": { const refused = debug.gdbOpen(); post({ type: "answer", id: m.id, ...(refused ? { error: refused } : {}) }); return; }
      case "gdb-input": debug.gdbInput(m.bytes); return;
      case "gdb-close": debug.gdbClose(); return;
      case "halt": debug.halt(); post({ type: "answer", id: m.id }); return;
      case "continue": debug.continue(); post({ type: "answer", id: m.id }); return;
      case "debug-query": answer(m.id, () => query(m.query)); return;
      case "monitor-reply": {
        const w = monitors.get(m.id);
        monitors.delete(m.id);
        if (m.ok) w?.resolve(m.text); else w?.reject(new Error(m.text));
        return;
      }
    }
  };
  port.on("message", handle);
  // Placed before the machine is built: its first instruction already runs where the plan says.
  if (init.host) post({ type: "placed", host: applyPlacement(init.host) });
  try {
    runner = await VmRunner.open(init, {
      // The machine hands over a fresh array each time: move its buffer, do not copy it.
      console: (bytes) => port.postMessage({ type: "console", bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer]),
      portOutput: (p, bytes) => post({ type: "port-output", port: p, bytes }),
      deviceLog: (line) => post({ type: "device-log", line }),
      started: (boot, machine) => { debug.started(machine); post({ type: "started", boot }); },
      reset: (by) => post({ type: "reset", by }),
    }, init.nicRings);
    for (const m of early.splice(0)) handle(m);
    const exit = await runner.run();
    post({ type: "exit", exit, stats: runner.stats() });
  } catch (e) {
    const err = e as Error;
    post({ type: "fault", message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}), stats: runner?.stats() ?? emptyStats() });
  }
}

if (parentPort) void main(workerData as WorkerInit, parentPort);
