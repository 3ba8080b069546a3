// GET /metrics: every VM's counters in the Prometheus text exposition format, version
// 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats): per family a `# HELP`
// and a `# TYPE` line, then one sample per VM labelled vm="NAME". The families are one
// table; a family with more than one series per VM (console bytes by direction, a state
// per state) gives extra labels, which is also how per-device counters fit in.
import type { DeviceStats } from "../machine/machine.js";
import { LATENCY_BOUNDS_US, type LatencyHistogram } from "../machine/histogram.js";
import { VM_STATES } from "../rootos/supervisor/lifecycle.js";
import type { Supervisor, VmInfo, VmStats } from "../rootos/supervisor/supervisor.js";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

interface VmSample {
  readonly info: VmInfo;
  readonly stats: VmStats;
}

type Labels = Readonly<Record<string, string>>;

interface Family {
  readonly name: string;
  readonly type: "counter" | "gauge" | "histogram";
  readonly help: string;
  /** The series of one VM: extra labels (beside vm), value, and a histogram's sample suffix (_bucket, _sum, _count). */
  series(s: VmSample): readonly (readonly [Labels, number, string?])[];
}

/** A latency histogram in seconds: cumulative buckets by `le`, then _sum and _count. */
function histogram(name: string, help: string, of: (s: VmSample) => LatencyHistogram | undefined): Family {
  return {
    name, type: "histogram", help,
    series: (s) => {
      const h = of(s);
      if (!h) return [];
      let seen = 0;
      const buckets = h.counts.map((n, i) => {
        seen += n;
        const le = LATENCY_BOUNDS_US[i];
        return [{ le: le === undefined ? "+Inf" : String(le / 1e6) }, seen, "_bucket"] as const;
      });
      return [...buckets, [{}, h.sumUs / 1e6, "_sum"], [{}, h.count, "_count"]];
    },
  };
}

/** A family with one series per VM. */
const one = (name: string, type: Family["type"], help: string, value: (s: VmSample) => number): Family =>
  ({ name, type, help, series: (s) => [[{}, value(s)]] });

/** A per-device family: one series per virtio device of the VM, labelled device="virtio-blk0". */
function device(what: string, type: Family["type"], help: string, values: (d: DeviceStats) => readonly (readonly [Labels, number])[]): Family {
  return {
    name: `bulkhead_vm_virtio_${what}_total`, type, help,
    series: (s) => s.stats.devices.flatMap((d) => values(d).map(([labels, v]) => [{ device: d.label, ...labels }, v] as const)),
  };
}

// Thread counters (instructions, interrupts, ...) count from the VM's last start, as a
// restarted process's do; Prometheus's rate() takes such resets in its stride.
const FAMILIES: readonly Family[] = [
  one("bulkhead_vm_instructions_total", "counter", "Instructions retired since the VM's thread started (across guest reboots).", (s) => s.stats.instructions),
  one("bulkhead_vm_mips", "gauge", "Instructions per microsecond over about the last second (0 while paused).", (s) => s.stats.mips),
  one("bulkhead_vm_running_seconds_total", "counter", "Time the VM has run since its thread started, pauses not counted.", (s) => s.stats.runningMs / 1000),
  one("bulkhead_vm_interrupts_total", "counter", "Interrupts taken by the VM's harts.", (s) => s.stats.interrupts),
  one("bulkhead_vm_traps_total", "counter", "Traps (exceptions and interrupts) taken by the VM's harts.", (s) => s.stats.traps),
  one("bulkhead_vm_exits_total", "counter", "MMIO accesses: the VM exits of this emulator.", (s) => s.stats.mmioExits),
  one("bulkhead_vm_sbi_calls_total", "counter", "SBI calls made by the guest.", (s) => s.stats.sbiCalls),
  one("bulkhead_vm_tlb_misses_total", "counter", "TLB misses of the VM's harts.", (s) => s.stats.tlbMisses),
  {
    name: "bulkhead_vm_console_bytes_total", type: "counter", help: "Serial console bytes from the guest (out) and to it (in).",
    series: (s) => [[{ direction: "out" }, s.stats.consoleOut], [{ direction: "in" }, s.stats.consoleIn]],
  },
  one("bulkhead_vm_starts_total", "counter", "Times the VM's thread was started: operator starts and policy restarts.", (s) => s.stats.starts),
  one("bulkhead_vm_restarts_total", "counter", "Restarts by the VM's restart policy.", (s) => s.stats.restarts),
  one("bulkhead_vm_boots", "gauge", "Guest boots in the VM's current thread: 1, plus one per reboot or reset.", (s) => s.stats.boots),
  one("bulkhead_vm_watchdog_kicks_total", "counter", "Kicks of the VM's watchdog.", (s) => s.stats.watchdogKicks),
  device("requests", "counter", "Requests (descriptor chains) the virtio device took from the driver.", (d) => [[{}, d.requests]]),
  device("bytes", "counter", "Bytes of the virtio device's requests: read from guest buffers (read), written into them (written).",
    (d) => [[{ direction: "read" }, d.bytesRead], [{ direction: "written" }, d.bytesWritten]]),
  device("notifications", "counter", "Queue notifications (kicks) from the driver to the virtio device.", (d) => [[{}, d.notifications]]),
  device("interrupts", "counter", "Interrupts the virtio device raised.", (d) => [[{}, d.interrupts]]),
  device("errors", "counter", "Requests that broke the virtio protocol (NEEDS_RESET, or ignored as harmless).", (d) => [[{}, d.errors]]),
  histogram("bulkhead_vm_wake_latency_seconds", "Realtime timing: host latency from a timer deadline an idle VM slept to, to its first guest instruction after it.", (s) => s.stats.wakeLatency),
  {
    name: "bulkhead_vm_switch_frames_total", type: "counter", help: "Frames through the VM's ports on RootOS networks: from the VM into the switch (tx), from the switch to the VM (rx).",
    series: (s) => s.stats.switchPorts.flatMap((p) => [[{ network: p.network, direction: "tx" }, p.txFrames], [{ network: p.network, direction: "rx" }, p.rxFrames]] as const),
  },
  {
    name: "bulkhead_vm_switch_bytes_total", type: "counter", help: "Bytes of those frames (Ethernet header and payload), by direction as bulkhead_vm_switch_frames_total.",
    series: (s) => s.stats.switchPorts.flatMap((p) => [[{ network: p.network, direction: "tx" }, p.txBytes], [{ network: p.network, direction: "rx" }, p.rxBytes]] as const),
  },
  {
    name: "bulkhead_vm_switch_drops_total", type: "counter", help: "Frames lost at the VM's port on a RootOS network (a broadcast met its full ring).",
    series: (s) => s.stats.switchPorts.map((p) => [{ network: p.network }, p.drops] as const),
  },
  {
    name: "bulkhead_vm_switch_ring_full_total", type: "counter", help: "Times the ring to the VM was full, so the switch held the sender back.",
    series: (s) => s.stats.switchPorts.map((p) => [{ network: p.network }, p.ringFull] as const),
  },
  {
    name: "bulkhead_vm_state", type: "gauge", help: "The VM's lifecycle state: 1 for the state it is in, 0 for the others.",
    series: (s) => VM_STATES.map((state) => [{ state }, state === s.info.state ? 1 : 0] as const),
  },
  {
    name: "bulkhead_vm_info", type: "gauge", help: "Constant 1, labelled with what the VM is.",
    series: (s) => [[{ os: s.info.os, criticality: s.info.criticality, boot: s.info.bootMode, timing: s.info.timing }, 1]],
  },
];

/** Every VM's metrics, in the exposition format. */
export async function metricsText(sup: Supervisor): Promise<string> {
  const infos = sup.list();
  const stats = await Promise.all(infos.map((i) => sup.stats(i.name)));
  return formatMetrics(infos.map((info, i) => ({ info, stats: stats[i]! })));
}

export function formatMetrics(vms: readonly VmSample[]): string {
  let out = "";
  for (const f of FAMILIES) {
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}\n# TYPE ${f.name} ${f.type}\n`;
    for (const vm of vms) {
      for (const [labels, value, suffix] of f.series(vm)) out += `${f.name}${suffix ?? ""}{${formatLabels({ vm: vm.info.name, ...labels })}} ${formatValue(value)}\n`;
    }
  }
  return out;
}

function formatLabels(labels: Labels): string {
  return Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`).join(",");
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (!Number.isFinite(v)) return v > 0 ? "+Inf" : "-Inf";
  return String(v);
}
