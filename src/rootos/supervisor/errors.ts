// The VM runtime's and supervisor's one error type, and every message it carries, in one
// place (the description's errors are in description/errors.ts, in the same style): what
// is wrong as data (`info.kind` for code), and words that say what is wrong and how to
// fix it (`message` for people). The front ends turn it into one line and a status.
import type { VmCommand, VmState } from "./vm-state.js";

export type RootosErrorInfo =
  /** A command named a VM the system does not have. */
  | { readonly kind: "NoSuchVm"; readonly vm: string; readonly known: readonly string[] }
  /** The command is not legal in the VM's state (lifecycle.ts). */
  | { readonly kind: "IllegalTransition"; readonly vm: string; readonly state: VmState; readonly command: VmCommand; readonly hint: string }
  /** A command's argument is malformed or out of range; `param`: the parameter it was for (the command rows' name, e.g. `cap`), when one. */
  | { readonly kind: "BadArgument"; readonly command: string; readonly argument: string; readonly why: string; readonly param?: string }
  /** A command the front end does not know. */
  | { readonly kind: "UnknownCommand"; readonly command: string; readonly known: readonly string[] }
  /** A boot image could not be read when the VM started. */
  | { readonly kind: "BootImage"; readonly vm: string; readonly what: string; readonly path: string; readonly why: string }
  /** Verified boot refused the VM's images: `file` (a bundle, or a loose file), `reason` the check that failed (TrustError/BundleError kind). */
  | { readonly kind: "Verification"; readonly vm: string; readonly file: string; readonly why: string; readonly reason: string }
  /** The VM failed to start: its machine could not be built (bad image, bad size) or its thread died first. */
  | { readonly kind: "StartFailed"; readonly vm: string; readonly why: string }
  /** The VM's thread ended while a request to it was pending. */
  | { readonly kind: "VmGone"; readonly vm: string; readonly request: string }
  /** The event log file cannot be opened or written. */
  | { readonly kind: "EventLog"; readonly path: string; readonly why: string }
  /** A change to the system (assign, unassign, create) that its description's checks refuse. */
  | { readonly kind: "Refused"; readonly command: string; readonly reasons: readonly string[] }
  /** The system was not started from a description, so it cannot be changed (tests, embedders). */
  | { readonly kind: "NotEditable"; readonly command: string }
  /** An upgrade (a signed bundle for a VM's inactive slot) was refused; the active slot is untouched. `reason`: the check that failed. */
  | { readonly kind: "UpgradeRefused"; readonly vm: string; readonly why: string; readonly reason: string }
  /** The VM's debugger side refused a request (no machine running, no such hart, a debugger already attached). */
  | { readonly kind: "DebugRefused"; readonly vm: string; readonly why: string }
  /** A debug port could not be opened (the port is taken, the address is not loopback). */
  | { readonly kind: "DebugPort"; readonly vm?: string; readonly listen: string; readonly why: string }
  /** The supervisor was closed. */
  | { readonly kind: "Closed" };

function describe(e: RootosErrorInfo): string {
  switch (e.kind) {
    case "NoSuchVm":
      return `no VM named '${e.vm}' (${e.known.length ? `the VMs are: ${e.known.join(", ")}` : "the system has no VMs"})`;
    case "IllegalTransition":
      return `VM '${e.vm}' is ${e.state}: cannot ${e.command} it (${e.hint})`;
    case "BadArgument":
      return `${e.command}: ${e.argument}: ${e.why}`;
    case "UnknownCommand":
      return `unknown command '${e.command}' (the commands are: ${e.known.join(", ")})`;
    case "BootImage":
      return `VM '${e.vm}': ${e.what} ${e.path}: ${e.why}`;
    case "Verification":
      return `VM '${e.vm}': verified boot refused ${e.file}: ${e.why}`;
    case "StartFailed":
      return `VM '${e.vm}' did not start: ${e.why}`;
    case "VmGone":
      return `VM '${e.vm}' stopped before it answered ${e.request}`;
    case "EventLog":
      return `event log ${e.path}: ${e.why} (give another path, or make its directory writable)`;
    case "Refused":
      return `${e.command}: refused, nothing changed: ${e.reasons.join("; ")}`;
    case "NotEditable":
      return `${e.command}: this system has no description to change (start it with bulkhead up FILE)`;
    case "UpgradeRefused":
      return `upgrade of VM '${e.vm}' refused: ${e.why} (its active slot is untouched)`;
    case "DebugRefused":
      return `VM '${e.vm}': ${e.why}`;
    case "DebugPort":
      return `${e.vm ? `VM '${e.vm}': ` : ""}gdb port ${e.listen}: ${e.why}`;
    case "Closed":
      return "the supervisor is shut down";
  }
}

/** The error of src/rootos's runtime: `info.kind` for code, `message` for people. */
export class RootosError extends Error {
  override readonly name = "RootosError";
  constructor(readonly info: RootosErrorInfo) {
    super(describe(info));
  }
}

/** A Node errno error as words. */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case "ENOENT": return "not found";
    case "EISDIR": return "is a directory";
    case "EACCES": case "EPERM": return "permission denied";
    case "ENOTDIR": case "EEXIST": return "a part of the path is not a directory";
    default: return err.message ?? String(e);
  }
}
