// A VM's lifecycle states and the commands an operator gives it: the names errors.ts and
// lifecycle.ts share (a leaf, so the two do not import each other).

export type VmState = "created" | "booting" | "running" | "paused" | "stopping" | "stopped" | "crashed";

/** What an operator can ask of a VM's lifecycle (shell, `bulkhead ctl`, HTTP API). */
export type VmCommand = "start" | "stop" | "shutdown" | "pause" | "resume" | "reset" | "reconfigure";
