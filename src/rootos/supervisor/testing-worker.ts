// A misbehaving VM thread for the supervisor's tests (VmThreadOptions.workerUrl): it
// speaks the protocol just enough to start, then dies the way workerData.vm names.
//   die-*:  an uncaught exception 150 ms after it started (the thread dies: 'error');
//   exit-*: process.exit(3) 150 ms after it started (the thread ends without a word).
import { parentPort, workerData } from "node:worker_threads";
import type { FromWorker, ToWorker, WorkerInit } from "./protocol.js";
import { emptyStats } from "./vm-thread.js";

const init = workerData as WorkerInit;
const post = (m: FromWorker) => parentPort!.postMessage(m);
parentPort!.on("message", (m: ToWorker) => {
  if ("id" in m) post({ type: "reply", id: m.id, stats: emptyStats() });
  if (m.type === "stop") post({ type: "exit", exit: { kind: "stopped", reason: m.reason }, stats: emptyStats() });
});
post({ type: "started", boot: 1 });
setTimeout(() => {
  if (init.vm.startsWith("die")) throw new Error("a device model blew up");
  process.exit(3);
}, 150);
