// What a VM may be: its harts and its RAM. The one check, used by the machine itself,
// `bulkhead run`'s options and a system description's VMs; each front end words the
// answer its own way (a usage error, a path in the YAML, a MachineError).
import { MAX_RAM_BYTES } from "../boot/loader.js";
import { MAX_HARTS } from "./cpu.js";

export { MAX_HARTS, MAX_RAM_BYTES };
/** The smallest RAM a VM may have: room for a device tree and a small program. */
export const MIN_RAM_BYTES = 2 << 20;
/** RAM comes in whole pages. */
export const RAM_ALIGN = 4096;

/** Whether `n` harts make a VM. */
export function hartsOk(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= MAX_HARTS;
}

/** What is wrong with `bytes` of RAM for a VM, or undefined. */
export function ramProblem(bytes: number): "small" | "large" | "unaligned" | undefined {
  if (!Number.isInteger(bytes) || bytes < MIN_RAM_BYTES) return "small";
  if (BigInt(bytes) > MAX_RAM_BYTES) return "large";
  if (bytes % RAM_ALIGN !== 0) return "unaligned";
  return undefined;
}
