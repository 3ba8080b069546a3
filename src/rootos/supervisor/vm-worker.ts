// One VM's worker thread: its own WebAssembly.Memory, its own machine, its own event
// loop. It runs the VM with the one runner (src/runner: boot, reboot loop, pacing,
// stats) from workerData (WorkerInit) and speaks protocol.ts with the RootOS. Anything
// that escapes the runner (a device model's exception, a loader error, a device that
// cannot be opened) is reported as `fault` and ends this VM only; the RootOS then
// terminates the thread.
//
// Commands are handled between slices: the run loop yields to the event loop after each
// one, so a pause takes effect before the next instruction retires.
import { parentPort, workerData } from "node:worker_threads";
import { VmRunner } from "../../runner/runner.js";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.js";
import { emptyStats } from "./vm-thread.js";

async function main(init: WorkerInit, port: NonNullable<typeof parentPort>): Promise<void> {
  const post = (m: FromWorker): void => port.postMessage(m);
  let runner: VmRunner | undefined;
  // Commands that come before the devices are open wait for the runner.
  const early: ToWorker[] = [];
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
    }
  };
  port.on("message", handle);
  try {
    runner = await VmRunner.open(init, {
      // The machine hands over a fresh array each time: move its buffer, do not copy it.
      console: (bytes) => port.postMessage({ type: "console", bytes } satisfies FromWorker, [bytes.buffer as ArrayBuffer]),
      portOutput: (p, bytes) => post({ type: "port-output", port: p, bytes }),
      deviceLog: (line) => post({ type: "device-log", line }),
      started: (boot) => post({ type: "started", boot }),
      reset: (by) => post({ type: "reset", by }),
    }, init.nicPorts);
    for (const m of early.splice(0)) handle(m);
    const exit = await runner.run();
    post({ type: "exit", exit, stats: runner.stats() });
  } catch (e) {
    const err = e as Error;
    post({ type: "fault", message: err?.message ?? String(e), ...(err?.stack ? { stack: err.stack } : {}), stats: runner?.stats() ?? emptyStats() });
  }
}

if (parentPort) void main(workerData as WorkerInit, parentPort);
