// The VM runtime and supervisor (see docs/supervisor.md): each VM in its own worker
// thread, verified and measured boot (boot-images.ts), its lifecycle, pause and throttle, watchdog, restart policy, the event log,
// (the command table the shell, `bulkhead ctl` and the HTTP API share is ../commands).
export {
  Supervisor, DEFAULT_SHUTDOWN_TIMEOUT_MS, SHUTDOWN_SYSRQ, describeEnd,
  type ConsoleAttachment, type ConsoleSink, type SlotInfo, type SlotsInfo, type SupervisorOptions, type UpgradeResult, type UpResult, type VmInfo, type VmStats,
} from "./supervisor.js";
export { readBootImages, workerMachineConfig, type BootImages, type BootTrust, type VerifiedBoot } from "./boot-images.js";
export { COMMAND_TABLE, TRANSITIONS, VM_COMMANDS, VM_STATES, commandTarget, type VmCommand, type VmState } from "./lifecycle.js";
export { RootosError, type RootosErrorInfo } from "./errors.js";
export { EventLog, defaultEventLogPath, defaultStateDir, formatLogEntry, type LogEntry, type LogKind, type LogQuery } from "./event-log.js";
export { PANIC_TEXT, WATCHDOG_KICK_TEXT } from "./console-watch.js";
export { formatThrottle, throttleProblem } from "../../runner/pacer.js";
export { VmThread, type VmEnd, type VmThreadEvents, type VmThreadOptions } from "./vm-thread.js";
export type { WorkerStats } from "./protocol.js";
