// The partition plan (types.ts): the contract between the system description and the
// VM runtime and supervisor. Everything below the description imports from here.
export type {
  BoardPlan, BootFile, ConsolePortPlan, Criticality, DiskPlan, NetworkPlan, NicHost, PartitionPlan, PortHost,
  RestartCause, RestartPlan, SystemPlan, Throttle, Timing, VmBoot, VmDevice, VmDeviceKind, VmPlan, WatchdogAction,
  WatchdogPlan, PartitionRangePlan, HostCpuPlan, HostPlacement, HostSched, PriorityChoice, SlotsPlan, UpgradePlan, VirtioTransport, DebugPlan,
} from "./types.js";
export { describeBoot, describeDevice } from "./describe.js";
export { derivePlan, type DeriveEnv } from "./derive.js";
export { freeRanges, layoutPartitions, placeMemory, type MemoryRequest, type Placement } from "./layout.js";
export { DEFAULT_RT_PRIORITY, describePlacement, describeSched, formatCpuList, hostCpus, parseCpuList, placeOnHost } from "./host.js";
