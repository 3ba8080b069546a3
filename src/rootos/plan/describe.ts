// A plan's boot and devices in words, one line each: the same text in `bulkhead validate`'s
// plan, the shell's `info` and the API.
import { formatBytesExact as size } from "../../machine/size.js";
import type { VmBoot, VmDevice } from "./types.js";

export function describeBoot(b: VmBoot): string {
  const files = b.bundle
    ? `bundle ${b.bundle.ref} (${[b.firmware?.role, b.kernel.role, b.initrd?.role].filter((x) => x !== undefined).join(" + ")}${b.key !== undefined ? `, key ${b.key}` : ""}${b.bundle.minVersion !== undefined ? `, version >= ${b.bundle.minVersion}` : ""})`
    : [b.firmware?.ref, b.kernel.ref, b.initrd?.ref].filter((x) => x !== undefined).join(" + ");
  return `${b.mode === "firmware" && b.disk !== undefined ? "staged" : b.mode} ${files}${b.disk !== undefined ? ` from ${b.disk}` : ""}`;
}

export function describeDevice(d: VmDevice): string {
  switch (d.kind) {
    case "passthrough-nic": return `passthrough NIC ${d.name} (${d.host.kind === "udp" ? `udp ${d.host.local.host}:${d.host.local.port}` : "no cable"}, ${d.mac})`;
    case "passthrough-serial": return `passthrough serial ${d.name} as the UART (${hostText(d.host)})`;
    case "console": return `virtio console: ${d.ports.map((p) => (p.host ? `${p.name} (${hostText(p.host)})` : p.name)).join(", ")}`;
    case "block": return `virtio block ${d.partition ?? d.image} ${d.readonly ? "read-only" : "read-write"} (${d.disk ?? d.image} at ${size(d.offset)}, ${size(d.size)})`;
    case "nic": return `virtio nic on ${d.network} (${d.mac})`;
    case "rng": return "virtio rng";
    case "share": return `virtio share ${d.tag} ${d.readonly ? "read-only" : "read-write"} (${d.path})`;
    case "display": return `display ${d.name} ${d.width}x${d.height} (virtio gpu, keyboard, tablet)`;
  }
}

function hostText(h: { kind: string; path?: string; port?: number }): string {
  return h.kind === "stdio" ? "stdio" : h.kind === "tcp" ? `tcp:${h.port}` : `${h.kind}:${h.path}`;
}
