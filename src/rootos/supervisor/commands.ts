// The supervisor's commands as one table, for the three front ends (the RootOS shell,
// `bulkhead ctl`, the HTTP API): each row parses its words, calls the Supervisor, and
// answers with plain data (JSON as is) and the same as text for people. A front end
// needs only `runCommand(sup, words)`, `COMMANDS` for help and completion, and
// Supervisor.attachConsole for `console VM`, which is interactive and so not a row here.
import { readFile } from "node:fs/promises";
import { formatBytesExact } from "../../machine/size.js";
import { parseDuration as parseDescriptionDuration } from "../description/convert.js";
import { wordsToData } from "../description/edit.js";
import { errnoText, RootosError } from "./errors.js";
import { formatLogEntry, type LogKind } from "./event-log.js";
import { formatThrottle } from "../../runner/pacer.js";
import type { Throttle } from "../plan/index.js";
import type { SlotsInfo, Supervisor, UpgradeResult, VmInfo, VmStats } from "./supervisor.js";

export interface CommandResult {
  /** Plain data: what the API returns. */
  readonly data: unknown;
  /** The same for people: what the shell and `ctl` print. */
  readonly text: string;
}

export interface Command {
  readonly name: string;
  /** `pause VM` */
  readonly usage: string;
  readonly help: string;
  /** Which argument positions name a VM (for completion). */
  readonly vmArgs: readonly number[];
  run(sup: Supervisor, args: readonly string[]): Promise<CommandResult>;
}

export const LOG_KINDS: readonly LogKind[] = ["state", "command", "check", "fault", "restart", "info"];

/** A lifecycle command on one VM: `NAME VM`. */
function lifecycle(name: "start" | "stop" | "pause" | "resume" | "reset", help: string): Command {
  return {
    name, usage: `${name} VM`, help, vmArgs: [0],
    async run(sup, args) {
      const [vm] = arity(name, args, 1, 1);
      const info = await sup[name](vm!);
      return { data: info, text: `${info.name}: ${info.state}` };
    },
  };
}

/** A command that reads one thing about one VM: `NAME VM`, answered with `get`'s data and `format`'s text. */
function aboutVm<T>(name: string, help: string, get: (sup: Supervisor, vm: string) => T | Promise<T>, format: (data: T) => string): Command {
  return {
    name, usage: `${name} VM`, help, vmArgs: [0],
    async run(sup, args) {
      const [vm] = arity(name, args, 1, 1);
      const data = await get(sup, vm!);
      return { data, text: format(data) };
    },
  };
}

export const COMMANDS: readonly Command[] = [
  {
    name: "list", usage: "list", help: "the VMs: state, cores, memory, boot, throttle, starts, how the last run ended", vmArgs: [],
    async run(sup, args) {
      arity("list", args, 0, 0);
      const vms = sup.list();
      return { data: vms, text: formatList(vms) };
    },
  },
  aboutVm("info", "one VM in full", (sup, vm) => sup.info(vm), formatInfo),
  lifecycle("start", "start a created, stopped or crashed VM (now, if a restart is pending)"),
  lifecycle("stop", "stop a VM at once (hard); cancels a pending restart"),
  {
    name: "shutdown", usage: "shutdown VM [TIMEOUT]", vmArgs: [0],
    help: "ask the guest to power off (SysRq s, u, o on its serial console); stop it hard after TIMEOUT (default 10s)",
    async run(sup, args) {
      const [vm, timeout] = arity("shutdown", args, 1, 2);
      const info = await sup.shutdown(vm!, ...(timeout !== undefined ? [parseDuration("shutdown", timeout)] : []));
      return { data: info, text: `${info.name}: ${info.state} (${info.lastExit})` };
    },
  },
  lifecycle("pause", "freeze a VM: no instruction retires until resume"),
  lifecycle("resume", "let a paused VM run again"),
  lifecycle("reset", "reboot a VM cold: fresh RAM and devices from the same plan"),
  {
    name: "throttle", usage: "throttle VM MIPS|PERCENT%|off", vmArgs: [0],
    help: "cap a VM's speed: instructions per µs (e.g. 50), or a share of one host core (e.g. 25%); off removes the cap",
    async run(sup, args) {
      const [vm, cap] = arity("throttle", args, 2, 2);
      const info = await sup.throttle(vm!, parseThrottle(cap!));
      return { data: info, text: `${info.name}: throttle ${formatThrottle(info.throttle ?? undefined)}` };
    },
  },
  aboutVm("stats", "a VM's counters: instructions, MIPS, interrupts, exits, console bytes", (sup, vm) => sup.stats(vm), formatStats),
  aboutVm("measurements", "a VM's measured boot: each stage's SHA-256 in load order and the chained value (what the guest sees under /chosen)",
    (sup, vm) => measurementsOf(sup.info(vm)), formatMeasurements),
  {
    name: "assign", usage: "assign VM KEY=VALUE…", vmArgs: [0],
    help: "give a stopped VM one more device, written as in the description: assign linux-a virtio=block partition=data readonly=true",
    async run(sup, args) {
      const [vm, ...fields] = atLeast("assign", args, 2);
      const info = await sup.assign(vm!, fieldsOf("assign", fields));
      return { data: info, text: `${info.name}: devices now\n${formatDevices(info)}` };
    },
  },
  {
    name: "unassign", usage: "unassign VM N|KEY=VALUE…", vmArgs: [0],
    help: "take a device from a stopped VM: its number in `info VM`, or fields that pick it (partition=data)",
    async run(sup, args) {
      const [vm, ...which] = atLeast("unassign", args, 2);
      const info = await sup.unassign(vm!, which.length === 1 && /^\d+$/.test(which[0]!) ? Number(which[0]) : fieldsOf("unassign", which));
      return { data: info, text: `${info.name}: devices now\n${formatDevices(info)}` };
    },
  },
  {
    name: "create", usage: "create NAME KEY=VALUE…", vmArgs: [],
    help: "add a VM from free cores and memory, written as in the description: create rt2 cores=1 memory=16M kernel=rt.elf firmware=none (cores=N takes N free cores); start it with start",
    async run(sup, args) {
      const [name, ...fields] = atLeast("create", args, 2);
      const info = await sup.create({ name, ...fieldsOf("create", fields) });
      return { data: info, text: formatInfo(info) };
    },
  },
  {
    name: "upgrade", usage: "upgrade VM BUNDLE-FILE", vmArgs: [0],
    help: "install a signed bundle in a VM's inactive A/B slot and restart the VM from it; rolled back if it does not come up healthy in time (docs/upgrades.md)",
    async run(sup, args) {
      const [vm, file] = arity("upgrade", args, 2, 2);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(await readFile(file!));
      } catch (e) {
        throw bad("upgrade", file!, `cannot read it (${errnoText(e)})`);
      }
      const res = await sup.upgrade(vm!, bytes, file);
      return { data: res, text: formatUpgrade(res) };
    },
  },
  aboutVm("slots", "a VM's A/B slots: which one boots, the version each holds (verified), an upgrade on trial", (sup, vm) => sup.slots(vm), formatSlots),
  {
    name: "log", usage: "log [VM] [KIND] [-n N]", vmArgs: [0],
    help: `the event log, newest last (the last 50 unless -n); KIND is one of ${LOG_KINDS.join(", ")}`,
    async run(sup, args) {
      let vm: string | undefined, kind: LogKind | undefined, limit = 50;
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        if (a === "-n") {
          const n = args[++i];
          if (n === undefined || !/^\d+$/.test(n)) throw bad("log", n ?? "-n", "-n needs a number of entries");
          limit = Number(n);
        } else if ((LOG_KINDS as readonly string[]).includes(a)) kind = a as LogKind;
        else if (vm === undefined) vm = a;
        else throw bad("log", a, "unexpected argument (usage: log [VM] [KIND] [-n N])");
      }
      const entries = sup.log({ ...(vm !== undefined ? { vm } : {}), ...(kind ? { kind } : {}), limit });
      return { data: entries, text: entries.map(formatLogEntry).join("\n") };
    },
  },
];

/** The row named `name`; UnknownCommand otherwise. */
export function findCommand(name: string): Command {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new RootosError({ kind: "UnknownCommand", command: name, known: COMMANDS.map((x) => x.name) });
  return c;
}

/** Run `words` (`["pause", "linux1"]`) against the supervisor. Errors are RootosErrors. */
export async function runCommand(sup: Supervisor, words: readonly string[]): Promise<CommandResult> {
  if (words.length === 0) throw new RootosError({ kind: "UnknownCommand", command: "", known: COMMANDS.map((x) => x.name) });
  return findCommand(words[0]!).run(sup, words.slice(1));
}

/** `50`, `50mips`: MIPS; `25%`: a share of one host core; `off`/`none`: no cap. */
export function parseThrottle(text: string): Throttle | undefined {
  const t = text.trim().toLowerCase();
  if (t === "off" || t === "none") return undefined;
  let m = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
  if (m) return { kind: "share", percent: Number(m[1]) };
  m = /^(\d+(?:\.\d+)?)\s*(?:mips)?$/.exec(t);
  if (m) return { kind: "mips", mips: Number(m[1]) };
  throw bad("throttle", text, "not a cap: write MIPS (e.g. 50), a share of a core (e.g. 25%), or off");
}

/** `500ms`, `10s`, `2m`, or a plain number of ms. */
export function parseDuration(command: string, text: string): number {
  const ms = /^\d+$/.test(text.trim()) ? Number(text) : parseDescriptionDuration(text);
  if (ms === undefined) throw bad(command, text, "not a duration (write e.g. 500ms, 10s or 2m)");
  return ms;
}

function arity(command: string, args: readonly string[], min: number, max: number): readonly string[] {
  if (args.length < min || args.length > max) {
    const usage = COMMANDS.find((c) => c.name === command)?.usage ?? command;
    throw bad(command, args.join(" ") || "(nothing)", `${args.length < min ? "missing arguments" : "too many arguments"} (usage: ${usage})`);
  }
  return args;
}

function atLeast(command: string, args: readonly string[], min: number): readonly string[] {
  return arity(command, args, min, Infinity);
}

/** KEY=VALUE words as the description's data (description/edit.ts), or BadArgument. */
function fieldsOf(command: string, words: readonly string[]): Record<string, unknown> {
  try {
    return wordsToData(words);
  } catch (e) {
    throw bad(command, words.join(" "), (e as Error).message);
  }
}

function bad(command: string, argument: string, why: string): RootosError {
  return new RootosError({ kind: "BadArgument", command, argument, why });
}

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
  if (v.watchdog) lines.push(`  watchdog ${v.watchdog.state}, ${v.watchdog.timeoutMs} ms, action ${v.watchdog.action}; ${v.watchdog.kicks} kicks, ${v.watchdog.expiries} expiries`);
  lines.push(`  devices:${v.devices.length === 0 ? " none" : `\n${formatDevices(v)}`}`);
  if (v.verifiedBoot) lines.push(`  verified boot: ${v.verifiedBoot.bundle} version ${v.verifiedBoot.version}, signed by '${v.verifiedBoot.key}'`);
  if (v.measurements) lines.push(`  measured boot: ${v.measurements.value} (${v.measurements.entries.length} stages; measurements ${v.name})`);
  if (v.lastExit) lines.push(`  last exit: ${v.lastExit}`);
  return lines.join("\n");
}

function formatDevices(v: VmInfo): string {
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

function measurementsOf(info: VmInfo): Measurements {
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
  ].join("\n");
}
