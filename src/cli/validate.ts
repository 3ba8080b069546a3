// `bulkhead validate [FILE]`: check a system description before anything runs, and show
// the partition plan it makes: which VM has which cores, where its memory is in the
// board's, which devices it has. Every problem is printed, one per line, as a compiler
// does (FILE:LINE: PATH: why). The work is in src/rootos/description and src/rootos/plan.
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { formatBytesExact } from "../machine/size.js";
import { cachedImages } from "../images/store.js";
import { DEFAULT_SYSTEM, DescriptionError, formatIssue, loadSystem } from "../rootos/description/index.js";
import { hex } from "../rootos/description/errors.js";
import { describeBoot, describeDevice, describePlacement, formatCpuList, type SystemPlan, type VmPlan } from "../rootos/plan/index.js";
import { usageError } from "./cli-error.js";

export const VALIDATE_HELP = `usage: bulkhead validate [options] [FILE]

Check a system description (YAML; reference: docs/system-description.md) without
starting anything, and print its partition plan: each VM's board cores, its range of
board memory, its boot images and devices. Every problem is reported, one per line:

  FILE:LINE: vms[1].cores[0]: core 2 is also given to vm 'linux-a' (a core belongs to one VM)

FILE defaults to examples/mixed-criticality.yaml, the system 'bulkhead up' boots.
Debian's images named as debian:kernel etc. are fetched on first use, as 'bulkhead run' does.

options:
  --json       machine-readable output: {"ok":true,"plan":...} or {"ok":false,"errors":[...]}
  --no-fetch   do not fetch Debian's images; report them missing if they are not cached
  -h, --help   show this help

exit status: 0 when the description is valid, 1 when it is not, 2 for a usage mistake.
`;

/** Where output goes; the process streams by default, strings in tests. */
export interface ValidateIo {
  readonly out: { write(s: string): unknown };
  readonly err: { write(s: string): unknown };
}

const OPTIONS = { json: { type: "boolean" }, "no-fetch": { type: "boolean" }, help: { type: "boolean", short: "h" } } as const;

/** `bulkhead validate`. */
export async function validateCommand(argv: readonly string[], io: ValidateIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  let values, positionals;
  try {
    ({ values, positionals } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: true }));
  } catch (e) {
    const quoted = /'([^']*)'/.exec((e as Error).message)?.[1] ?? (e as Error).message;
    throw usageError(`validate: unknown option '${quoted}' (see bulkhead validate --help)`);
  }
  if (values.help) {
    io.out.write(VALIDATE_HELP);
    return 0;
  }
  if (positionals.length > 1) throw usageError(`validate: one description at a time, not ${positionals.length} (see bulkhead validate --help)`);
  const file = positionals[0] ?? relative(process.cwd(), DEFAULT_SYSTEM);
  try {
    const { plan } = await loadSystem(file, values["no-fetch"] ? { debianImages: async () => cachedImages() } : {});
    io.out.write(values.json ? `${JSON.stringify({ ok: true, plan }, jsonValue, 2)}\n` : formatPlan(file, plan));
    return 0;
  } catch (e) {
    if (!(e instanceof DescriptionError)) throw e;
    if (values.json) {
      const errors = e.issues.map((i) => ({ file: e.file, line: i.line ?? null, path: i.path, kind: i.problem.kind, message: i.message }));
      io.out.write(`${JSON.stringify({ ok: false, errors }, null, 2)}\n`);
    } else {
      printDescriptionError(e, io.err);
    }
    return 1;
  }
}

/** Every problem of a description, one line each as a compiler prints them, then the count. */
export function printDescriptionError(e: DescriptionError, err: { write(s: string): unknown }): void {
  for (const i of e.issues) err.write(`${formatIssue(e.file, i)}\n`);
  err.write(`${e.file}: ${e.issues.length} problem${e.issues.length === 1 ? "" : "s"}; nothing was started\n`);
}

/** JSON for machines: board addresses (bigint in the plan) as numbers, which they all fit. */
function jsonValue(_key: string, v: unknown): unknown {
  return typeof v === "bigint" ? Number(v) : v;
}

const size = formatBytesExact;
const range = (base: bigint, bytes: bigint): string => `${hex(Number(base))}-${hex(Number(base + bytes) - 1)}`;

/** A table whose columns are as wide as their widest cell. */
function table(rows: readonly (readonly string[])[], indent = ""): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => indent + r.map((cell, c) => (c === r.length - 1 ? cell : cell.padEnd(widths[c]!))).join("  ").trimEnd()).join("\n") + "\n";
}

const ms = (n: number): string => (n % 1000 === 0 ? `${n / 1000}s` : `${n}ms`);

function extras(vm: VmPlan): string {
  const parts: string[] = [vm.timing];
  if (vm.throttle) parts.push(vm.throttle.kind === "mips" ? `throttle ${vm.throttle.mips} MIPS` : `throttle ${vm.throttle.percent}% of a core`);
  if (vm.watchdog) parts.push(`watchdog ${ms(vm.watchdog.timeoutMs)} → ${vm.watchdog.action}`);
  parts.push(vm.restart.on.length === 0 ? "no restart" : `restart on ${vm.restart.on.join(", ")}`);
  if (!vm.autostart) parts.push("no autostart");
  return parts.join(", ");
}

/** The partition plan for people. */
export function formatPlan(file: string, plan: SystemPlan): string {
  const b = plan.board;
  const cores = Array.from({ length: b.cores }, (_, c) => c);
  let out = `${file}: valid. Board '${b.name}': ${b.cores} core${b.cores === 1 ? "" : "s"}, ${size(Number(b.memory.size))} memory`
    + `${b.secureBoot ? `, secure boot (${b.trustedKeys.length} trusted key${b.trustedKeys.length === 1 ? "" : "s"})` : ""}; `
    + `${plan.vms.length} VM${plan.vms.length === 1 ? "" : "s"}.\n\n`;
  const coreHead = cores.map((c) => String(c)).join(" ");
  const rows: string[][] = [["VM", "CRITICALITY", `CORES ${coreHead}`, "MEMORY", "BOARD MEMORY", "BOOT"]];
  const grid = (mine: readonly number[]): string => "      " + cores.map((c) => (mine.includes(c) ? "x" : ".").padEnd(String(c).length)).join(" ");
  for (const vm of plan.vms) {
    rows.push([vm.name, vm.criticality, grid(vm.cores), size(vm.ramBytes), range(vm.boardRam.base, vm.boardRam.size), describeBoot(vm.boot)]);
  }
  b.freeMemory.forEach((r, i) => rows.push([i === 0 ? "(free)" : "", "", i === 0 ? grid(b.freeCores).replace(/x/g, "o") : "", size(Number(r.size)), range(r.base, r.size), ""]));
  if (b.freeMemory.length === 0 && b.freeCores.length > 0) rows.push(["(free)", "", grid(b.freeCores).replace(/x/g, "o"), "", "", ""]);
  out += table(rows);
  out += "\nDEVICES\n";
  for (const vm of plan.vms) {
    const lines = vm.devices.length === 0 ? ["(none)"] : vm.devices.map(describeDevice);
    out += lines.map((l, i) => `  ${(i === 0 ? vm.name : "").padEnd(Math.max(...plan.vms.map((v) => v.name.length)))}  ${l}\n`).join("");
  }
  out += "\nRUNTIME\n";
  out += table(plan.vms.map((vm) => [vm.name, extras(vm)]), "  ");
  if (b.host) {
    out += `\nHOST CPUS (this host: ${formatCpuList(b.host.cpus)}; the RootOS on ${formatCpuList(b.host.rootos)})\n`;
    out += table(plan.vms.map((vm) => [vm.name, vm.host ? describePlacement(vm.host) : "where the RootOS runs"]), "  ");
    out += b.host.notes.map((n) => `  instead: ${n}\n`).join("");
  }
  if (plan.networks.length > 0) {
    out += "\nNETWORKS\n";
    out += table(plan.networks.map((n) => [
      n.name,
      `${n.ports.length === 0 ? "no VM" : n.ports.map((p) => p.vm).join(", ")}${n.uplink ? `; uplink ${n.uplink.nic}` : ""}`,
    ]), "  ");
  }
  if (b.disks.length > 0) {
    out += "\nDISKS\n";
    out += table(b.disks.map((d) => [
      d.name, `${d.image}${d.create ? " (created at start if missing)" : ""}`,
      d.partitions.map((p) => `${p.name} ${size(p.size)}`).join(", "),
    ]), "  ");
  }
  return out;
}
