// The `board` row's answer: the partition plan as the board sees it, for the dashboard's
// picture (src/web) and the shell. Who owns each core, each range of the board's memory,
// each board resource (disk partitions, NICs, serial ports, displays), and which VMs share each
// RootOS network. Plain data from the plan the supervisor runs now (a `create` or
// `assign` changes it); addresses as hex strings, since JSON has no 64-bit integers.
import { formatBytesExact } from "../../machine/size.js";
import type { SystemPlan } from "../plan/index.js";

/** Who has a thing: a VM by name, the RootOS itself, or nobody (free). */
export type Owner = { readonly vm: string } | { readonly rootos: string } | null;

export interface BoardView {
  readonly name: string;
  /** Owner of core i (a VM's name), null for a free core. */
  readonly cores: readonly (string | null)[];
  readonly memory: { readonly base: string; readonly size: number };
  /** The board's memory in address order, every byte in exactly one range. */
  readonly regions: readonly { readonly base: string; readonly size: number; readonly vm: string | null }[];
  /** Board resources and who has each; one row per partition of a disk. */
  readonly devices: readonly { readonly kind: "partition" | "nic" | "serial" | "display"; readonly name: string; readonly detail: string; readonly owners: readonly Owner[] }[];
  readonly networks: readonly { readonly name: string; readonly vms: readonly string[]; readonly uplink: string | null }[];
}

const hex = (n: bigint): string => `0x${n.toString(16)}`;

export function boardView(plan: SystemPlan): BoardView {
  const b = plan.board;
  const cores: (string | null)[] = Array.from({ length: b.cores }, () => null);
  for (const vm of plan.vms) for (const c of vm.cores) cores[c] = vm.name;

  const taken = [
    ...plan.vms.map((v) => ({ base: v.boardRam.base, size: v.boardRam.size, vm: v.name as string | null })),
    ...b.freeMemory.map((r) => ({ base: r.base, size: r.size, vm: null })),
  ].sort((x, y) => (x.base < y.base ? -1 : x.base > y.base ? 1 : 0));
  const regions = taken.filter((r) => r.size > 0n).map((r) => ({ base: hex(r.base), size: Number(r.size), vm: r.vm }));

  const devices: BoardView["devices"][number][] = [];
  for (const disk of b.disks) {
    for (const p of disk.partitions) {
      const owners: Owner[] = [];
      for (const vm of plan.vms) {
        if (vm.devices.some((d) => d.kind === "block" && d.disk === disk.name && d.partition === p.name)) owners.push({ vm: vm.name });
      }
      if (b.slots?.disk === disk.name && b.slots.partition === p.name) owners.push({ rootos: "A/B slots" });
      if (b.persist?.disk === disk.name && b.persist.partition === p.name) owners.push({ rootos: "event log" });
      devices.push({ kind: "partition", name: `${disk.name}/${p.name}`, detail: formatBytesExact(p.size), owners });
    }
  }
  for (const nic of b.nics) {
    const owners: Owner[] = plan.vms.filter((vm) => vm.devices.some((d) => d.kind === "passthrough-nic" && d.name === nic.name)).map((vm) => ({ vm: vm.name }));
    const net = plan.networks.find((n) => n.uplink?.nic === nic.name);
    if (net) owners.push({ rootos: `uplink of network ${net.name}` });
    devices.push({ kind: "nic", name: nic.name, detail: nic.host.kind === "udp" ? `udp ${nic.host.local.host}:${nic.host.local.port}` : "no cable", owners });
  }
  for (const port of b.serialPorts) {
    const owners: Owner[] = plan.vms.filter((vm) => vm.devices.some((d) => d.kind === "passthrough-serial" && d.name === port.name)).map((vm) => ({ vm: vm.name }));
    devices.push({ kind: "serial", name: port.name, detail: port.host.kind, owners });
  }
  for (const s of b.displays) {
    const owners: Owner[] = plan.vms.filter((vm) => vm.devices.some((d) => d.kind === "display" && d.name === s.name)).map((vm) => ({ vm: vm.name }));
    devices.push({ kind: "display", name: s.name, detail: `${s.width}x${s.height}`, owners });
  }
  const networks = plan.networks.map((n) => ({ name: n.name, vms: [...new Set(n.ports.map((p) => p.vm))], uplink: n.uplink?.nic ?? null }));
  return { name: b.name, cores, memory: { base: hex(b.memory.base), size: Number(b.memory.size) }, regions, devices, networks };
}

const ownerText = (o: Owner): string => (o === null ? "free" : "vm" in o ? o.vm : `RootOS (${o.rootos})`);

export function formatBoard(v: BoardView): string {
  const lines = [`board ${v.name}: ${v.cores.length} core${v.cores.length === 1 ? "" : "s"}, ${formatBytesExact(v.memory.size)} at ${v.memory.base}`, "  cores:"];
  v.cores.forEach((vm, i) => lines.push(`    ${i}: ${vm ?? "free"}`));
  lines.push("  memory:");
  for (const r of v.regions) lines.push(`    ${r.base} ${formatBytesExact(r.size)}: ${r.vm ?? "free"}`);
  if (v.devices.length > 0) lines.push("  devices:");
  for (const d of v.devices) lines.push(`    ${d.kind} ${d.name} (${d.detail}): ${d.owners.length === 0 ? "free" : d.owners.map(ownerText).join(", ")}`);
  if (v.networks.length > 0) lines.push("  networks:");
  for (const n of v.networks) lines.push(`    ${n.name}: ${n.vms.join(", ") || "no VM"}${n.uplink ? `, uplink ${n.uplink}` : ""}`);
  return lines.join("\n");
}
