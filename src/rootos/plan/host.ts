// Board cores onto host CPUs, and each VM's host scheduling class (docs/supervisor.md,
// "Host CPUs and priorities"). A board core is a promise of exclusive compute; on the
// host that promise holds only if the VM's thread has a CPU nobody else runs on, and wins
// it when it wakes. So by default each real-time VM gets a host CPU of its own, run
// SCHED_FIFO, and every other VM and the RootOS share the rest at normal priority. The
// RootOS always keeps at least one CPU no FIFO thread runs on: a FIFO thread that spins
// (a hostile or broken guest) would otherwise hold the CPU the RootOS's event loop needs,
// with only the kernel's RT throttling (5% of each second) left for the API.
import type { Criticality, HostCpuPlan, HostPlacement, HostSched, PriorityChoice } from "./types.js";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";

export interface HostRequest {
  readonly name: string;
  readonly criticality: Criticality;
  /** The VM's `host_cpus`. */
  readonly hostCpus?: readonly number[];
  readonly priority?: PriorityChoice;
}

/** SCHED_FIFO priority of a real-time VM unless its `priority:` says otherwise: above the kernel's threaded IRQs (50). */
export const DEFAULT_RT_PRIORITY = 60;

/**
 * The RootOS's own thread: ahead of every VM that shares its CPU. Its event loop mostly
 * sleeps; woken by a request it must run at once. Measured on a loaded 2-CPU host: a nice 0
 * RootOS beside a spinning real-time VM at nice -10 and two spinning general VMs answered
 * the API in 45-240 ms; the real-time VM that shares is therefore below the RootOS.
 */
export const ROOTOS_NICE = -10;

/** A real-time VM that shares a CPU (no CPU of its own, or SCHED_FIFO refused): ahead of the general VMs, behind the RootOS. */
export const RT_SHARED_NICE = -5;

let started: number[] | undefined;

/**
 * Host CPUs this process may run on: /proc/self/status Cpus_allowed_list (what taskset
 * or a cgroup gave it), else every CPU os.cpus() lists. Read once, before the supervisor
 * pins the RootOS's own thread (which /proc/self then shows), so that a plan derived again
 * later (a reload, a VM created) sees the same host.
 */
export function hostCpus(): number[] {
  if (!started) {
    try {
      const m = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync("/proc/self/status", "utf8"));
      if (m) started = parseCpuList(m[1]!);
    } catch { /* not Linux: every CPU */ }
    started ??= cpus().map((_, i) => i);
  }
  return [...started];
}

/** "0-2,5" → [0, 1, 2, 5] (the kernel's cpulist format). */
export function parseCpuList(s: string): number[] {
  const out: number[] = [];
  for (const part of s.trim().split(",")) {
    if (part === "") continue;
    const [a, b] = part.split("-").map(Number);
    for (let c = a!; c <= (b ?? a!); c++) out.push(c);
  }
  return out;
}

/** [0, 1, 2, 5] → "0-2,5". */
export function formatCpuList(cpus: readonly number[]): string {
  const s = [...cpus].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < s.length;) {
    let j = i;
    while (j + 1 < s.length && s[j + 1] === s[j]! + 1) j++;
    parts.push(j === i ? `${s[i]}` : `${s[i]}-${s[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function describeSched(s: HostSched): string {
  return s.policy === "fifo" ? `SCHED_FIFO ${s.priority}` : `nice ${s.nice}`;
}

export function describePlacement(p: HostPlacement): string {
  return `host CPU${p.cpus.length === 1 ? "" : "s"} ${formatCpuList(p.cpus)}${p.exclusive ? " alone" : " shared"}, ${describeSched(p.sched)}`;
}

/**
 * Each VM's placement on `host` (the CPUs this process may use), in `vms` order. The
 * real-time VMs (criticality realtime, or `priority: realtime`) each reserve one CPU, from
 * the highest down (CPU 0 takes most of the host's interrupts), while at least one is left
 * for the RootOS; those that find none share and run at RT_SHARED_NICE rather than FIFO.
 */
export function placeOnHost(vms: readonly HostRequest[], host: readonly number[], boardCpus?: readonly number[]): { board: HostCpuPlan; vms: HostPlacement[] } {
  const notes: string[] = [];
  let avail = [...host];
  if (boardCpus) {
    const missing = boardCpus.filter((c) => !host.includes(c));
    if (missing.length > 0) notes.push(`board.host_cpus: CPU ${formatCpuList(missing)} not on this host (it has ${formatCpuList(host)}): left out`);
    const mine = boardCpus.filter((c) => host.includes(c));
    if (mine.length > 0) avail = mine;
    else notes.push(`board.host_cpus: none on this host: the board uses CPUs ${formatCpuList(host)}`);
  }
  const wantsRt = (v: HostRequest) => (v.priority ? v.priority.kind === "realtime" : v.criticality === "realtime");
  const rtPriority = (v: HostRequest) => (v.priority?.kind === "realtime" ? v.priority.priority : DEFAULT_RT_PRIORITY);

  // Explicit host_cpus first: those CPUs are the VM's, exclusive only if no one else names them.
  const explicit = new Map<number, number[]>();
  vms.forEach((v, i) => {
    if (!v.hostCpus) return;
    const ok = v.hostCpus.filter((c) => avail.includes(c));
    if (ok.length < v.hostCpus.length) notes.push(`${v.name}: host_cpus ${formatCpuList(v.hostCpus.filter((c) => !avail.includes(c)))} not the board's (${formatCpuList(avail)})${ok.length === 0 ? ": it shares the RootOS's CPUs" : ": left out"}`);
    if (ok.length > 0) explicit.set(i, ok);
  });
  const named = new Set([...explicit.values()].flat());
  const reserved = new Map<number, number>();
  const free = avail.filter((c) => !named.has(c)).sort((a, b) => b - a);
  const rtWanting = vms.map((v, i) => i).filter((i) => !explicit.has(i) && wantsRt(vms[i]!));
  const starved: string[] = [];
  for (const i of rtWanting) {
    if (free.length > 1) reserved.set(i, free.shift()!);
    else starved.push(vms[i]!.name);
  }
  const rootos = free.length > 0 ? free.sort((a, b) => a - b) : [...avail].sort((a, b) => a - b);
  if (starved.length > 0) {
    notes.push(`host has ${avail.length} CPU${avail.length === 1 ? "" : "s"} for the board: ${rtWanting.length} real-time VM${rtWanting.length === 1 ? " wants" : "s want"} one each and the RootOS keeps one; `
      + `${starved.join(", ")} share${starved.length === 1 ? "s" : ""} CPU ${formatCpuList(rootos)} with the RootOS at nice ${RT_SHARED_NICE} (not SCHED_FIFO, which could starve the RootOS)`);
  }
  const counts = new Map<number, number>();
  for (const cs of explicit.values()) for (const c of cs) counts.set(c, (counts.get(c) ?? 0) + 1);
  const placements = vms.map((v, i): HostPlacement => {
    const own = reserved.get(i);
    if (own !== undefined) return { cpus: [own], exclusive: true, sched: { policy: "fifo", priority: rtPriority(v) } };
    const mine = explicit.get(i);
    if (mine) {
      const exclusive = mine.every((c) => counts.get(c) === 1 && !rootos.includes(c));
      if (wantsRt(v) && !exclusive) notes.push(`${v.name}: host_cpus ${formatCpuList(mine)} shared with ${rootos.some((c) => mine.includes(c)) ? "the RootOS" : "another VM"}: nice ${RT_SHARED_NICE}, not SCHED_FIFO`);
      return { cpus: mine, exclusive, sched: wantsRt(v) ? (exclusive ? { policy: "fifo", priority: rtPriority(v) } : { policy: "other", nice: RT_SHARED_NICE }) : { policy: "other", nice: v.priority?.kind === "nice" ? v.priority.nice : 0 } };
    }
    const nice = v.priority?.kind === "nice" ? v.priority.nice : wantsRt(v) ? RT_SHARED_NICE : 0;
    return { cpus: rootos, exclusive: false, sched: { policy: "other", nice } };
  });
  return { board: { cpus: avail, rootos, notes }, vms: placements };
}
