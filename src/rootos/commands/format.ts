// The command rows' answers for people: what the shell and `bulkhead ctl` print beside
// the data the API returns.
import { formatBytesExact } from "../../machine/size.js";
import { formatThrottle } from "../../runner/pacer.js";
import type { SlotsInfo, SystemDebugView, UpgradeResult, VmInfo, VmStats } from "../supervisor/supervisor.js";
import type { MemView, RegsView, TranslateView } from "../../debug/vm-debug.js";
import { disassemble, formatInsn } from "../../debug/disas.js";
import { describeSched, formatCpuList } from "../plan/index.js";
import { formatHistogram } from "../../machine/histogram.js";

/** `list` as a table. */
export function formatList(vms: readonly VmInfo[]): string {
  const rows = [["NAME", "STATE", "CORES", "MEMORY", "BOOT", "THROTTLE", "STARTS", "LAST EXIT"]];
  for (const v of vms) {
    rows.push([v.name, v.state, v.cores.join(","), formatBytesExact(v.ramBytes), v.bootMode, formatThrottle(v.throttle ?? undefined), String(v.starts), v.lastExit ?? "-"]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
}

export function formatInfo(v: VmInfo): string {
  const lines = [
    `${v.name}: ${v.state} since ${v.since}`,
    `  os ${v.os}, ${v.criticality}; cores ${v.cores.join(",")} (${v.harts} hart${v.harts > 1 ? "s" : ""}), ${formatBytesExact(v.ramBytes)}`,
    `  boot ${v.bootMode}, ${v.timing} timing, throttle ${formatThrottle(v.throttle ?? undefined)}, autostart ${v.autostart ? "yes" : "no"}`,
    `  starts ${v.starts}, guest boots ${v.boots}; restart on ${v.restart.on.join(", ") || "nothing"}, ${v.restart.inARow} in a row, ${v.restart.total} in all${v.restart.nextAt ? `, next at ${v.restart.nextAt}` : ""}`,
  ];
  if (v.host) lines.push(`  host: ${v.host.planned}${v.host.placed ? `; thread ${v.host.placed.tid} on CPU ${formatCpuList(v.host.placed.cpus)}, ${describeSched(v.host.placed.sched)}${v.host.placed.notes.map((n) => `; ${n}`).join("")}` : ""}`);
  if (v.watchdog) lines.push(`  watchdog ${v.watchdog.state}, ${v.watchdog.timeoutMs} ms, action ${v.watchdog.action}; ${v.watchdog.kicks} kicks, ${v.watchdog.expiries} expiries`);
  lines.push(`  devices:${v.devices.length === 0 ? " none" : `\n${formatDevices(v)}`}`);
  if (v.verifiedBoot) lines.push(`  verified boot: ${v.verifiedBoot.bundle} version ${v.verifiedBoot.version}, signed by '${v.verifiedBoot.key}'`);
  if (v.measurements) lines.push(`  measured boot: ${v.measurements.value} (${v.measurements.entries.length} stages; measurements ${v.name})`);
  if (v.lastExit) lines.push(`  last exit: ${v.lastExit}`);
  return lines.join("\n");
}

export function formatDevices(v: VmInfo): string {
  return v.devices.map((d, i) => `    ${i}: ${d}`).join("\n");
}

/** An upgrade under way, for people (the `upgrade` row, and the API's upload of a bundle). */
export function formatUpgrade(res: UpgradeResult): string {
  return `${res.vm}: version ${res.version} installed in slot ${res.slot}; restarting ${res.restart === "system" ? "the system" : res.vm}; it has ${res.deadlineMs / 1000} s to come up healthy, or slot ${res.previous} boots again`;
}

/** `slots VM`: one line per slot, the active one marked. */
export function formatSlots(s: SlotsInfo): string {
  if (!s.provisioned) return `${s.vm}: slots in ${s.partition} not written yet (its first start installs the description's bundle in slot A)`;
  const rows = s.slots.map((x) => `  ${x.slot === s.active ? "*" : " "} ${x.slot}  ${x.state === "valid" ? `version ${x.version}, signed by '${x.key}'` : x.state === "empty" ? "empty" : `invalid: ${x.why}`}`);
  const trial = s.upgrading ? `; upgrade to version ${s.upgrading.version} ${s.upgrading.phase === "writing" ? "being written to" : "on trial in"} slot ${s.upgrading.slot}` : "";
  return [`${s.vm}: boots slot ${s.active} of ${s.partition}; committed version ${s.committed}${trial}`, ...rows].join("\n");
}

/** What `measurements VM` answers: the VM's verified and measured boot. */
export interface Measurements {
  readonly vm: string;
  readonly verifiedBoot: VmInfo["verifiedBoot"];
  readonly measurements: VmInfo["measurements"];
}

export function measurementsOf(info: VmInfo): Measurements {
  return { vm: info.name, verifiedBoot: info.verifiedBoot, measurements: info.measurements };
}

/** `measurements VM`: the log, one stage a line, then the chained value. */
export function formatMeasurements(v: Measurements): string {
  if (!v.measurements) return `${v.vm}: not measured yet (it has not started)`;
  const head = `${v.vm}: ${v.verifiedBoot ? `verified bundle ${v.verifiedBoot.bundle} version ${v.verifiedBoot.version}, key '${v.verifiedBoot.key}'` : "unsigned images (allowed)"}`;
  const rows = v.measurements.entries.map((m, i) => `  ${String(i).padStart(2)} ${m.stage.padEnd(10)} sha256:${m.digest}  ${m.name}`);
  return [head, ...rows, `  value ${v.measurements.value}`].join("\n");
}

export function formatStats(s: VmStats): string {
  return [
    `${s.vm}: ${s.state}${s.paused ? " (paused)" : ""}, throttle ${formatThrottle(s.throttle ?? undefined)}`,
    `  ${s.instructions} instructions in ${(s.runningMs / 1000).toFixed(1)} s running: ${s.mips.toFixed(1)} MIPS now, ${s.averageMips.toFixed(1)} on average`,
    `  ${s.interrupts} interrupts, ${s.traps} traps, ${s.mmioExits} MMIO exits, ${s.sbiCalls} SBI calls, ${s.tlbMisses} TLB misses`,
    `  console ${s.consoleOut} bytes out, ${s.consoleIn} in; ${s.starts} starts, ${s.restarts} policy restarts, guest boots ${s.boots}, ${s.watchdogKicks} watchdog kicks`,
    ...(s.wakeLatency.count > 0 ? [`  timer wake-up latency (deadline to first guest instruction): ${formatHistogram(s.wakeLatency)}`] : []),
    ...s.switchPorts.map((p) => `  network ${p.network}: sent ${p.txFrames} frames (${p.txBytes} bytes), received ${p.rxFrames} (${p.rxBytes} bytes), ${p.drops} dropped, ring full ${p.ringFull} times`),
  ].join("\n");
}

const X_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
  "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"];

/** `where`, `halt`, `continue`: every hart of every VM, one line each. */
export function formatWhere(w: SystemDebugView): string {
  const rows = [["VM", "STATE", "DEBUG", "HART", "PC", "PRIV", "HART STATE", "SATP"]];
  for (const v of w.vms) {
    if (!v.debug) { rows.push([v.vm, v.state, "-", "-", "-", "-", "-", "-"]); continue; }
    for (const h of v.debug.harts) {
      const dbg = v.debug.state + (v.debug.gdbAttached ? ", gdb" : "");
      rows.push([v.vm, v.state, dbg, String(h.hart), h.pc, h.priv, h.state, h.satp]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")).join("\n");
  return `system ${w.halted ? "halted" : "running"}\n${table}`;
}

/** `regs VM [HART]`: the hart's state line, x0-x31 four a line, the key CSRs. */
export function formatRegs(vm: string, r: RegsView): string {
  const x = r.x.map((v, i) => `${`x${i}/${X_ABI[i]}`.padEnd(8)} ${v.padStart(18)}`);
  const lines = [`${vm} hart ${r.hart}: pc ${r.pc}, ${r.priv}-mode, ${r.state}, satp ${r.satp}`];
  for (let i = 0; i < 32; i += 4) lines.push("  " + x.slice(i, i + 4).join("  "));
  const csrs = Object.entries(r.csrs).map(([n, v]) => `${n.padEnd(8)} ${v.padStart(18)}`);
  for (let i = 0; i < csrs.length; i += 4) lines.push("  " + csrs.slice(i, i + 4).join("  "));
  return lines.join("\n");
}

/** `mem VM ADDR LEN [phys]`: 16 bytes a line, hex and ASCII. */
export function formatMem(vm: string, m: MemView, asked: number): string {
  const bytes = Buffer.from(m.hex, "hex");
  const base = BigInt(m.addr);
  const lines = [`${vm} ${m.physical ? "physical" : `virtual (hart ${m.hart}'s MMU)`} ${m.addr}, ${bytes.length} of ${asked} bytes${bytes.length < asked ? " (the rest is not RAM or not mapped)" : ""}`];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hexes = [...row].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : ".")).join("");
    lines.push(`${(base + BigInt(i)).toString(16).padStart(16, "0")}  ${hexes.padEnd(47)}  ${ascii}`);
  }
  return lines.join("\n");
}

/** `translate VM VA`: the walk level by level, each PTE with its flags, then the physical address or the fault. */
export function formatTranslate(vm: string, t: TranslateView): string {
  const mode = BigInt(t.satp) >> 60n;
  const lines = [`${vm} hart ${t.hart}: ${t.va} through satp ${t.satp} (${mode === 0n ? "Bare" : mode === 8n ? "Sv39" : mode === 9n ? "Sv48" : `mode ${mode}`})`];
  for (const s of t.steps) lines.push(`  level ${s.level}: PTE at ${s.pteAddr} = ${s.pte}  ${s.flags}  ppn ${s.ppn}`);
  if (t.kind === "bare") lines.push(`  no paging: physical ${t.pa}`);
  else if (t.kind === "mapped") lines.push(`  -> physical ${t.pa} (a ${formatBytesExact(Number(BigInt(t.pageSize!)))} page)`);
  else lines.push(`  fault: ${t.reason}`);
  return lines.join("\n");
}

/** The most instructions one `disas` shows: 22 bytes each (the longest encoding) fit mem's 64 KiB. */
export const DISAS_MAX = 2048;

/** `disas`'s data: each instruction with its address, raw bytes and objdump's text. */
export interface DisasView {
  readonly addr: string;
  readonly physical: boolean;
  readonly hart: number;
  readonly insns: readonly {
    readonly addr: string; readonly length: number; readonly hex: string;
    readonly mnemonic: string; readonly operands: string; readonly comment: string; readonly text: string;
  }[];
  /** Where the listing stopped short of the count asked for (memory not RAM or not mapped), else null. */
  readonly stoppedAt: string | null;
}

/** Up to `n` instructions from the bytes `mem` read. */
export function disasView(m: MemView, n: number): DisasView {
  const base = BigInt(m.addr);
  const bytes = Buffer.from(m.hex, "hex");
  const insns = disassemble((addr, len) => {
    const off = Number(BigInt.asUintN(64, addr - base));
    return off < bytes.length ? bytes.subarray(off, Math.min(off + len, bytes.length)) : new Uint8Array(0);
  }, base, n);
  const end = BigInt.asUintN(64, base + BigInt(insns.reduce((sum, i) => sum + i.length, 0)));
  return {
    addr: m.addr, physical: m.physical, hart: m.hart, stoppedAt: insns.length < n ? `0x${end.toString(16)}` : null,
    insns: insns.map(({ addr, length, hex, mnemonic, operands, comment, text }) => ({ addr: `0x${addr.toString(16)}`, length, hex, mnemonic, operands, comment, text })),
  };
}

/** `disas VM ADDR [N] [phys]`: objdump's listing, address, raw bytes, instruction. */
export function formatDisas(vm: string, d: DisasView): string {
  const lines = [`${vm} ${d.physical ? "physical" : `virtual (hart ${d.hart}'s MMU)`} ${d.addr}, ${d.insns.length} instruction${d.insns.length === 1 ? "" : "s"}`];
  for (const i of d.insns) lines.push(formatInsn({ ...i, addr: BigInt(i.addr) }));
  if (d.stoppedAt !== null) lines.push(`(stopped at ${d.stoppedAt}: not RAM or not mapped)`);
  return lines.join("\n");
}
