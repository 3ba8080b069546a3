// The RootOS's commands as one table, for the three front ends (the RootOS shell,
// `bulkhead ctl`, the HTTP API; docs/api.md is checked against it): each row declares
// its typed parameters and routes once (command.ts), calls the Supervisor with the
// parsed values, and answers with plain data (JSON as is) and the same as text for
// people. A front end needs `runWords(sup, words)` or a row's `run` with arguments it
// parsed (src/api/params.ts), and COMMANDS for help, completion and routes.
import { RootosError } from "../supervisor/errors.js";
import { formatLogEntry, type LogKind } from "../supervisor/event-log.js";
import { formatThrottle } from "../../runner/pacer.js";
import type { Supervisor, VmInfo } from "../supervisor/supervisor.js";
import { boardView, formatBoard } from "./board.js";
import { command, route, type Command, type CommandResult } from "./command.js";
import {
  disasView, DISAS_MAX, formatDisas, formatDevices, formatInfo, formatList, formatMeasurements, formatMem, formatRegs, formatSlots, formatStats, formatTranslate, formatUpgrade,
  formatWhere, measurementsOf,
} from "./format.js";
import { bytes, cap, choice, count, device, duration, fields, name, port, size, stream, tcpPort, u64, vm } from "./params.js";
import { argsFromWords, type Supplied } from "./words.js";

export const LOG_KINDS: readonly LogKind[] = ["state", "command", "check", "fault", "restart", "info", "console"];

/** A lifecycle command on one VM: `NAME VM`, POST /v1/vms/{vm}/NAME. */
function lifecycle(verb: "start" | "stop" | "pause" | "resume" | "reset", help: string): Command {
  return command({
    name: verb, help, params: { vm: vm() }, routes: [route(`POST /v1/vms/{vm}/${verb}`)],
    async run(sup, a) {
      const info = await sup[verb](a.vm);
      return { data: info, text: `${info.name}: ${info.state}` };
    },
  });
}

/** A command that reads one thing about one VM: `NAME VM` at GET `path`, answered with `get`'s data and `format`'s text. */
function aboutVm<T>(verb: string, path: string, help: string, get: (sup: Supervisor, vm: string) => T | Promise<T>, format: (data: T) => string): Command {
  return command({
    name: verb, help, params: { vm: vm() }, routes: [route(`GET ${path}`)],
    async run(sup, a) {
      const data = await get(sup, a.vm);
      return { data, text: format(data) };
    },
  });
}

const devicesNow = (info: VmInfo): CommandResult => ({ data: info, text: `${info.name}: devices now\n${formatDevices(info)}` });

export const COMMANDS: readonly Command[] = [
  command({
    name: "list", help: "the VMs: state, cores, memory, boot, throttle, starts, how the last run ended", params: {}, routes: [route("GET /v1/vms")],
    async run(sup) {
      const vms = sup.list();
      return { data: vms, text: formatList(vms) };
    },
  }),
  aboutVm("info", "/v1/vms/{vm}", "one VM in full", (sup, v) => sup.info(v), formatInfo),
  lifecycle("start", "start a created, stopped or crashed VM (now, if a restart is pending)"),
  lifecycle("stop", "stop a VM at once (hard); cancels a pending restart"),
  command({
    name: "shutdown", help: "ask the guest to power off (SysRq s, u, o on its serial console); stop it hard after TIMEOUT (default 10s)",
    params: { vm: vm(), timeout: duration("how long the guest has before it is stopped hard (default 10s)", { optional: true, metavar: "TIMEOUT" }) },
    routes: [route("POST /v1/vms/{vm}/shutdown")],
    async run(sup, a) {
      const info = await sup.shutdown(a.vm, ...(a.timeout !== undefined ? [a.timeout] : []));
      return { data: info, text: `${info.name}: ${info.state} (${info.lastExit})` };
    },
  }),
  lifecycle("pause", "freeze a VM: no instruction retires until resume"),
  lifecycle("resume", "let a paused VM run again"),
  lifecycle("reset", "reboot a VM cold: fresh RAM and devices from the same plan, its boot images read and verified again"),
  command({
    name: "throttle", help: "cap a VM's speed: instructions per µs (e.g. 50), or a share of one host core (e.g. 25%); off removes the cap",
    params: { vm: vm(), cap: cap("MIPS (50), a share of one host core (25%), or off") },
    routes: [route("PUT /v1/vms/{vm}/throttle"), route("POST /v1/vms/{vm}/throttle")],
    async run(sup, a) {
      const info = await sup.throttle(a.vm, a.cap);
      return { data: info, text: `${info.name}: throttle ${formatThrottle(info.throttle ?? undefined)}` };
    },
  }),
  aboutVm("stats", "/v1/vms/{vm}/stats", "a VM's counters: instructions, MIPS, interrupts, exits, console bytes", (sup, v) => sup.stats(v), formatStats),
  aboutVm("measurements", "/v1/vms/{vm}/measurements", "a VM's measured boot: each stage's SHA-256 in load order and the chained value (what the guest sees under /chosen)",
    (sup, v) => measurementsOf(sup.info(v)), formatMeasurements),
  command({
    name: "assign", help: "give a stopped VM one more device, written as in the description: assign linux-a virtio=block partition=data readonly=true",
    params: { vm: vm(), device: fields("the device, as an entry of the VM's devices in the description", { virtio: "block", partition: "data" }) },
    routes: [route("POST /v1/vms/{vm}/assign")],
    run: async (sup, a) => devicesNow(await sup.assign(a.vm, a.device)),
  }),
  command({
    name: "unassign", help: "take a device from a stopped VM: its number in `info VM`, or fields that pick it (partition=data)",
    params: { vm: vm(), device: device("the device's number in `info VM`, or fields only it has") },
    routes: [route("POST /v1/vms/{vm}/unassign")],
    run: async (sup, a) => devicesNow(await sup.unassign(a.vm, a.device)),
  }),
  command({
    name: "create", help: "add a VM from free cores and memory, written as in the description: create rt2 cores=1 memory=16M kernel=rt.elf firmware=none (cores=N takes N free cores; kernel=@FILE uploads the file from where the command runs); start it with start",
    params: { name: name("the new VM's name"), spec: fields("the VM, as an entry of vms in the description (boot keys at the top: kernel=FILE, or kernel=@FILE to upload it)", { cores: 1, memory: "16M", kernel: "rt.elf" }, { files: true }) },
    routes: [route("POST /v1/vms", "result")],
    async run(sup, a) {
      const info = await sup.create({ name: a.name, ...a.spec });
      return { data: info, text: formatInfo(info) };
    },
  }),
  command({
    name: "upgrade", help: "install a signed bundle in a VM's inactive A/B slot and restart the VM from it; rolled back if it does not come up healthy in time (docs/upgrades.md)",
    params: { vm: vm(), bundle: bytes("the signed bundle", "the signed bundle (a file where the command runs)", { metavar: "BUNDLE-FILE" }) },
    routes: [route("POST /v1/vms/{vm}/upgrade", "result")],
    async run(sup, a) {
      const res = await sup.upgrade(a.vm, a.bundle.bytes, a.bundle.from);
      return { data: res, text: formatUpgrade(res) };
    },
  }),
  aboutVm("slots", "/v1/vms/{vm}/slots", "a VM's A/B slots: which one boots, the version each holds (verified), an upgrade on trial", (sup, v) => sup.slots(v), formatSlots),
  command({
    name: "board", help: "the board: which VM has each core, the memory map, each board device and its owner, the networks", params: {}, routes: [route("GET /v1/board")],
    async run(sup) {
      const view = boardView(sup.plan);
      return { data: view, text: formatBoard(view) };
    },
  }),
  command({
    name: "log", help: `the event log, newest last (the last 50 unless -n); KIND is one of ${LOG_KINDS.join(", ")}`,
    params: {
      vm: vm("only this VM's entries", { optional: true }),
      kind: choice(LOG_KINDS, "a kind of entry", "the kinds", "only entries of this kind", { optional: true, metavar: "KIND" }),
      n: count("a number of entries", "how many of the newest (default 50)", { optional: true, flag: "-n" }),
    },
    routes: [route("GET /v1/log")],
    async run(sup, a) {
      const entries = sup.log({ ...(a.vm !== undefined ? { vm: a.vm } : {}), ...(a.kind ? { kind: a.kind } : {}), limit: a.n ?? 50 });
      return { data: entries, text: entries.map(formatLogEntry).join("\n") };
    },
  }),
  command({
    name: "console", help: "join this terminal to a VM's serial console, or to a console port the RootOS keeps; Ctrl-] detaches",
    params: { vm: vm(), port: port("a virtio-console port the RootOS keeps (default: the serial console)", { optional: true }), io: stream("the terminal or WebSocket") },
    routes: [route("WebSocket /v1/vms/{vm}/console")],
    async run(sup, a) {
      const attachment = sup.attachConsole(a.vm, a.io, a.port !== undefined ? { port: a.port } : {});
      return { data: { vm: a.vm, port: a.port ?? null }, text: `[attached to ${a.vm}${a.port ? ` port ${a.port}` : ""}: Ctrl-] detaches]`, attachment };
    },
  }),
  // ---- the debugger (docs/debugging.md) ----
  command({
    name: "gdb", help: "open a GDB port on a VM (127.0.0.1:PORT; none given or 0: a free one) for gdb-multiarch's target remote, or close it (off)",
    params: { vm: vm(), port: tcpPort("a TCP port on 127.0.0.1 (0: a free one), or off", { optional: true }) },
    routes: [route("PUT /v1/vms/{vm}/gdb"), route("POST /v1/vms/{vm}/gdb")],
    async run(sup, a) {
      const r = await sup.gdb(a.vm, a.port === "off" ? undefined : a.port ?? 0);
      return { data: r, text: r.port === null ? `${r.vm}: gdb port closed` : `${r.vm}: gdb port 127.0.0.1:${r.port} (gdb-multiarch -ex 'target remote :${r.port}')` };
    },
  }),
  command({
    name: "halt", help: "halt the whole system: every hart of every VM stops at an instruction boundary, every clock frozen, until continue",
    params: {}, routes: [route("POST /v1/system/halt")],
    async run(sup) {
      const w = await sup.halt();
      return { data: w, text: formatWhere(w) };
    },
  }),
  command({
    name: "continue", help: "let every VM run on, together, from where halt stopped it",
    params: {}, routes: [route("POST /v1/system/continue")],
    async run(sup) {
      const w = await sup.continue();
      return { data: w, text: formatWhere(w) };
    },
  }),
  command({
    name: "where", help: "every hart of every VM: pc, privilege, state, satp, and whether it is halted or stopped by gdb",
    params: {}, routes: [route("GET /v1/system/where")],
    async run(sup) {
      const w = await sup.where();
      return { data: w, text: formatWhere(w) };
    },
  }),
  command({
    name: "regs", help: "a hart's registers: x0-x31, pc, privilege and the key CSRs (halt first for a still picture)",
    params: { vm: vm(), hart: count("a hart number", "which hart (default 0)", { optional: true, metavar: "HART" }) },
    routes: [route("GET /v1/vms/{vm}/regs")],
    async run(sup, a) {
      const r = await sup.regs(a.vm, a.hart ?? 0);
      return { data: r, text: formatRegs(a.vm, r) };
    },
  }),
  command({
    name: "mem", help: "LEN bytes of a VM's memory at ADDR, in hex and ASCII: virtual through hart 0's MMU, or physical (phys)",
    params: {
      vm: vm(), addr: u64("the address (virtual, or physical with phys)"), len: size("how many bytes (at most 64K)", { metavar: "LEN" }),
      space: choice(["phys", "virt"] as const, "an address space", "the address spaces", "phys: a physical address; virt (default): through the MMU", { optional: true, metavar: "phys" }),
    },
    routes: [route("GET /v1/vms/{vm}/mem")],
    async run(sup, a) {
      const m = await sup.mem(a.vm, a.addr, a.len, a.space === "phys");
      return { data: m, text: formatMem(a.vm, m, a.len) };
    },
  }),
  command({
    name: "translate", help: "a virtual address through a hart's page tables (its satp): each level's PTE with its flags, then the physical address or the fault",
    params: { vm: vm(), va: u64("the virtual address", { metavar: "VA" }), hart: count("a hart number", "whose satp (default 0)", { optional: true, metavar: "HART" }) },
    routes: [route("GET /v1/vms/{vm}/translate")],
    async run(sup, a) {
      const t = await sup.translate(a.vm, a.va, a.hart ?? 0);
      return { data: t, text: formatTranslate(a.vm, t) };
    },
  }),
  command({
    name: "disas", help: "N instructions (default 16) at ADDR in a VM, RV64GC as GNU objdump prints them: virtual through hart 0's MMU, or physical (phys)",
    params: {
      vm: vm(), addr: u64("the first instruction's address (virtual, or physical with phys)"),
      n: count("a number of instructions", `how many instructions (default 16, at most ${DISAS_MAX})`, { optional: true }),
      space: choice(["phys", "virt"] as const, "an address space", "the address spaces", "phys: a physical address; virt (default): through the MMU", { optional: true, metavar: "phys" }),
    },
    routes: [route("GET /v1/vms/{vm}/disas")],
    async run(sup, a) {
      const n = a.n ?? 16;
      if (!(n >= 1 && n <= DISAS_MAX)) throw new RootosError({ kind: "BadArgument", command: "disas", argument: String(n), why: `N is 1 to ${DISAS_MAX} instructions`, param: "n" });
      // The longest encoding is 22 bytes: enough for n of any length, in one read (mem's path).
      const m = await sup.mem(a.vm, a.addr, n * 22, a.space === "phys");
      const d = disasView(m, n);
      return { data: d, text: formatDisas(a.vm, d) };
    },
  }),
];

/** The row named `name`; UnknownCommand otherwise. */
export function findCommand(name: string): Command {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) throw new RootosError({ kind: "UnknownCommand", command: name, known: COMMANDS.map((x) => x.name) });
  return c;
}

/** Run `words` (`["pause", "linux1"]`) against the supervisor. Errors are RootosErrors. */
export async function runWords(sup: Supervisor, words: readonly string[], supplied: Supplied = {}): Promise<CommandResult> {
  if (words.length === 0) throw new RootosError({ kind: "UnknownCommand", command: "", known: COMMANDS.map((x) => x.name) });
  const c = findCommand(words[0]!);
  return c.run(sup, await argsFromWords(c, words.slice(1), supplied) as never);
}
