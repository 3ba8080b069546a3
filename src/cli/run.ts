// `bulkhead run`: boot one virtual machine on this terminal, with QEMU-like options.
// The guest's UART is stdin/stdout; on a TTY the terminal is raw and Ctrl-A is the
// escape key, as QEMU's -nographic (Ctrl-A x exits, Ctrl-A h helps).
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { ChardevError } from "../chardev/index.js";
import { formatSize, type ImageFile } from "../boot/loader.js";
import { ImagesError } from "../images/errors.js";
import { hartsOk, MAX_HARTS, MAX_RAM_BYTES, MIN_RAM_BYTES, ramProblem } from "../machine/limits.js";
import { parseSize } from "../machine/size.js";
import type { DeviceStats, MachineConfig, MachineExit, MachineStats } from "../machine/machine.js";
import { NetError } from "../net/index.js";
import type { VmDevice } from "../rootos/plan/index.js";
import { DeviceOpenError } from "../runner/devices.js";
import { type RunPlan, VmRunner } from "../runner/runner.js";
import { ShareError } from "../share/index.js";
import { checkDisplayMode, DEFAULT_DISPLAY_MODE, type DisplayMode } from "../virtio/gpu/index.js";
import { Screen } from "../display/screen.js";
import { type DisplayServer, type ListenAddress, parseListen, startDisplayServer } from "../display/server.js";
import { GdbServer, type GdbListen, parseGdbListen } from "../debug/server.js";
import type { Machine } from "../machine/machine.js";
import { CliError, usageError } from "./cli-error.js";
import { DRIVE_HELP, type DriveSpec, drivePlan, parseDrive, parseVirtfs, virtfsPlan, VIRTFS_HELP, type VirtfsSpec } from "./devices.js";
import {
  type ConsoleChoice, consolePlan, NETDEV_HELP, type NetdevSpec, netdevPlan, parseConsole, parseNetdevs, parsePorts, PORT_HELP, type PortSpec,
} from "./io-devices.js";

export const RUN_HELP = `usage: bulkhead run [options]

Boot a RISC-V virtual machine (QEMU virt layout) on this terminal. Without --kernel,
boots the Debian kernel and initramfs fetched by 'bulkhead images fetch'.

options:
  --kernel FILE          kernel: a RISC-V Linux Image, or an ELF program
  --initrd FILE          initial ramdisk for the kernel
  --append STRING        kernel command line
  --bios builtin|none|FILE
                         builtin (default): Bulkhead answers SBI calls, the kernel starts in S-mode
                         none: run the --kernel ELF in M-mode, no firmware (as qemu -bios none)
                         FILE: M-mode firmware such as OpenSBI fw_dynamic.bin, then the kernel
  --raw-kernel           load --kernel as a flat binary (e.g. u-boot.bin) instead of refusing
                         a file with no ELF or Image header
  -m, --memory SIZE      RAM, e.g. 512M, 2G; a plain number is MiB (default 512M, at most ${formatSize(MAX_RAM_BYTES)})
  --smp N                harts, 1 to ${MAX_HARTS} (default 1)
  --timing realtime|virtual
                         realtime (default): the guest clock is the host clock
                         virtual: time advances with instructions; runs repeat byte for byte
  --drive ${DRIVE_HELP}
                         a virtio-blk disk: a raw image, or one GPT partition of it by number
                         or name; readonly=on refuses every write; if= picks the transport
                         (default virtio-pci). Repeatable: /dev/vda, /dev/vdb, ... in order
  --virtfs ${VIRTFS_HELP}
                         a virtio-9p share of host directory DIR, mounted in the guest with
                         mount -t 9p -o trans=virtio,version=9p2000.L TAG /mnt; readonly=on
                         refuses every write. The guest reaches nothing outside DIR (symlinks
                         are its own to resolve); files are written as this user. Repeatable
  --rng                  a virtio-rng device (entropy from the host; seeded under --timing virtual)
  --netdev ${NETDEV_HELP}
                         a virtio-net NIC on a UDP link: each Ethernet frame one datagram to
                         remote=, taken only from remote= at local= (QEMU's -netdev
                         socket,udp=REMOTE,localaddr=LOCAL). Repeatable: eth0, eth1, ...
                         (MACs 52:54:00:12:34:56, ...:57, ... unless mac= is given)
  --port ${PORT_HELP}
                         a named virtio-console port, /dev/virtio-ports/NAME in the guest. Its
                         host end: a Unix socket or a TCP port on 127.0.0.1 to connect to (one
                         client at a time), or a file the guest's output is appended to.
                         Repeatable
  --console serial|hvc   where this terminal's keys go: the UART (serial, default) or the
                         virtio-console's port 0 (hvc, boot with --append console=hvc0)
  --dtb-out FILE         also write the generated device tree blob to FILE (for dtc)
  --dump-stats           print instruction count, MIPS, TLB misses and MMIO exits at exit,
                         and each virtio device's requests, bytes, notifications, interrupts, errors
  --no-reboot            exit when the guest reboots instead of booting it again
  --display [WxH]        a screen: a virtio-gpu with one WxH scanout (default 1280x800, Linux's
                         virtio_gpu gives /dev/fb0 and fbcon) and a virtio keyboard and tablet
                         (virtio_input: /dev/input/event*)
  --screen [HOST:]PORT   serve --display's screen on PORT (HOST: 127.0.0.1 unless named; 0: any
                         free port, printed): GET /screen.png, and a WebSocket /screen that
                         streams damaged rectangles and takes keys and the pointer (docs/display.md)
  --gdb [HOST:]PORT      a GDB stub on PORT (HOST: 127.0.0.1 unless named): gdb-multiarch's
                         target remote :PORT, harts as threads (docs/debugging.md)
  -S, --paused           hold the VM before its first instruction until gdb continues it
  -h, --help             show this help

console: the guest's serial port is this terminal, and so is hvc0 (virtio-console port
0) when there is a virtio-console (--port or --console hvc). On a terminal, Ctrl-A x
exits, Ctrl-A h lists the keys, Ctrl-A Ctrl-A sends Ctrl-A.

exit status: 0 when the guest powers off (or Ctrl-A x); the guest's code when it
reports failure through the test device; 1 for errors on the host side.
`;

export type BiosChoice = { readonly kind: "builtin" } | { readonly kind: "none" } | { readonly kind: "file"; readonly path: string };

export interface RunOptions {
  readonly help: boolean;
  readonly kernel?: string;
  readonly initrd?: string;
  readonly append?: string;
  readonly bios: BiosChoice;
  readonly rawKernel: boolean;
  readonly memoryBytes: number;
  readonly smp: number;
  readonly timing: "realtime" | "virtual";
  readonly dtbOut?: string;
  readonly dumpStats: boolean;
  readonly noReboot: boolean;
  readonly gdb?: GdbListen;
  readonly paused: boolean;
  readonly drives: readonly DriveSpec[];
  readonly shares: readonly VirtfsSpec[];
  readonly rng: boolean;
  readonly netdevs: readonly NetdevSpec[];
  readonly ports: readonly PortSpec[];
  readonly console: ConsoleChoice;
  readonly display?: DisplayMode;
  readonly screen?: ListenAddress;
}

const OPTIONS = {
  kernel: { type: "string" },
  initrd: { type: "string" },
  append: { type: "string" },
  bios: { type: "string" },
  "raw-kernel": { type: "boolean" },
  memory: { type: "string", short: "m" },
  smp: { type: "string" },
  timing: { type: "string" },
  "dtb-out": { type: "string" },
  "dump-stats": { type: "boolean" },
  gdb: { type: "string" },
  paused: { type: "boolean", short: "S" },
  "no-reboot": { type: "boolean" },
  drive: { type: "string", multiple: true },
  virtfs: { type: "string", multiple: true },
  rng: { type: "boolean" },
  netdev: { type: "string", multiple: true },
  port: { type: "string", multiple: true },
  console: { type: "string" },
  display: { type: "string" },
  screen: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parse `bulkhead run` arguments. Throws a usage CliError (exit 2) naming the bad option. */
export function parseRunArgs(argv: readonly string[]): RunOptions {
  let values;
  try {
    ({ values } = parseArgs({ args: valuesStartingWithDash(displayModeOptional(argv)), options: OPTIONS, strict: true, allowPositionals: false }));
  } catch (e) {
    throw usageError(`run: ${describeParseError(e)} (see bulkhead run --help)`);
  }
  const biosText = values.bios ?? "builtin";
  const bios: BiosChoice = biosText === "builtin" ? { kind: "builtin" } : biosText === "none" ? { kind: "none" } : { kind: "file", path: biosText };
  const timing = values.timing ?? "realtime";
  if (timing !== "realtime" && timing !== "virtual") throw usageError(`run: --timing must be realtime or virtual, not '${timing}'`);
  const smpText = values.smp ?? "1";
  const smp = /^\d+$/.test(smpText) ? Number(smpText) : NaN;
  if (!hartsOk(smp)) throw usageError(`run: --smp must be a number of harts from 1 to ${MAX_HARTS}, not '${smpText}'`);
  const memoryBytes = parseMemorySize(values.memory ?? "512M");
  if (bios.kind === "none" && values.kernel === undefined) throw usageError("run: --bios none needs --kernel (an ELF program to run in M-mode)");
  let gdb: GdbListen | undefined;
  try {
    if (values.gdb !== undefined) gdb = parseGdbListen(values.gdb);
  } catch (e) {
    throw usageError(`run: ${(e as Error).message}`);
  }
  if (values.paused && gdb === undefined) throw usageError("run: -S (--paused) holds the VM for a debugger: give --gdb PORT too");
  if (bios.kind === "none" && values.initrd !== undefined) throw usageError("run: --initrd needs a kernel that reads it; it is not used with --bios none");
  const display = values.display === undefined ? undefined : parseDisplayMode(values.display);
  let screen: ListenAddress | undefined;
  if (values.screen !== undefined) {
    if (!display) throw usageError("run: --screen serves the screen of --display: give --display too");
    try {
      screen = parseListen("--screen", values.screen);
    } catch (e) {
      throw usageError(`run: ${(e as Error).message}`);
    }
  }
  return {
    help: values.help ?? false,
    ...(values.kernel !== undefined ? { kernel: values.kernel } : {}),
    ...(values.initrd !== undefined ? { initrd: values.initrd } : {}),
    ...(values.append !== undefined ? { append: values.append } : {}),
    bios,
    rawKernel: values["raw-kernel"] ?? false,
    memoryBytes,
    smp,
    timing,
    ...(values["dtb-out"] !== undefined ? { dtbOut: values["dtb-out"] } : {}),
    dumpStats: values["dump-stats"] ?? false,
    noReboot: values["no-reboot"] ?? false,
    ...(gdb ? { gdb } : {}),
    paused: values.paused ?? false,
    drives: (values.drive ?? []).map(parseDrive),
    shares: (values.virtfs ?? []).map(parseVirtfs),
    rng: values.rng ?? false,
    netdevs: parseNetdevs(values.netdev ?? []),
    ports: parsePorts(values.port ?? []),
    console: parseConsole(values.console),
    ...(display ? { display } : {}),
    ...(screen ? { screen } : {}),
  };
}

/** `--display` alone (last, or before another option) means the default mode. */
function displayModeOptional(argv: readonly string[]): string[] {
  return argv.map((a, i) => (a === "--display" && (i + 1 === argv.length || argv[i + 1]!.startsWith("-")) ? `--display=${DEFAULT_MODE_TEXT}` : a));
}

const DEFAULT_MODE_TEXT = `${DEFAULT_DISPLAY_MODE.width}x${DEFAULT_DISPLAY_MODE.height}`;

function parseDisplayMode(text: string): DisplayMode {
  const m = /^(\d{1,5})x(\d{1,5})$/.exec(text);
  const mode = m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
  const problem = mode ? checkDisplayMode(mode) : "it is not WIDTHxHEIGHT";
  if (problem !== undefined || !mode) throw usageError(`run: --display ${text}: ${problem} (e.g. --display ${DEFAULT_MODE_TEXT})`);
  return mode;
}

/**
 * `-m -5` as `--memory=-5`: node's parseArgs refuses a value that starts with a dash
 * (it may be a forgotten value before the next option), so a value that is not one of our
 * options is joined to its option here, and the option's own check says what is wrong with it.
 */
function valuesStartingWithDash(argv: readonly string[]): string[] {
  const takesValue = new Map<string, string>();
  for (const [name, o] of Object.entries(OPTIONS)) {
    if (o.type !== "string") continue;
    takesValue.set(`--${name}`, name);
    if ("short" in o) takesValue.set(`-${o.short}`, name);
  }
  const isOption = (a: string) => takesValue.has(a.split("=")[0]!) || a.replace(/^--?/, "").split("=")[0]! in OPTIONS || a === "-h";
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!, next = argv[i + 1];
    const name = takesValue.get(a);
    if (name !== undefined && next !== undefined && next.startsWith("-") && next !== "-" && !isOption(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

/** node:util parseArgs errors, as one short line naming the option. */
function describeParseError(e: unknown): string {
  const err = e as { code?: string; message?: string };
  const quoted = /'([^']*)'/.exec(err.message ?? "")?.[1] ?? "";
  switch (err.code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION": return `unknown option '${quoted}'`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": return `unexpected argument '${quoted}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const name = quoted.split(" ")[0]!.replace(/^-[a-z], /, "");
      return /argument missing|argument is ambiguous/.test(err.message ?? "") ? `option ${name} needs a value` : `option ${name} takes no value`;
    }
    default: return err.message ?? String(e);
  }
}

/**
 * A memory size in QEMU's -m syntax: a number with an optional K, M, G or T suffix
 * (powers of 1024; "MiB"/"MB" spellings too); a plain number is MiB. Fractions allowed (1.5G).
 */
export function parseMemorySize(text: string): number {
  const bytes = parseSize(text);
  if (bytes === undefined) throw usageError(`run: --memory '${text}' is not a size (try 512M or 2G)`);
  switch (ramProblem(bytes)) {
    case "large": throw usageError(`run: --memory ${text} is more than a VM can have (at most ${formatSize(MAX_RAM_BYTES)})`);
    case "small": throw usageError(`run: --memory ${text} is too small (at least ${formatSize(BigInt(MIN_RAM_BYTES))})`);
    case "unaligned": throw usageError(`run: --memory ${text} is not a whole number of 4 KiB pages`);
    case undefined: return bytes;
  }
}

/** Read an image file; a missing or unreadable file is a one-line error naming what it was for. */
export function readImage(path: string, what: string): ImageFile {
  try {
    return { name: path, bytes: new Uint8Array(readFileSync(path)) };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : code === "EISDIR" ? "is a directory" : code === "EACCES" ? "permission denied" : (e as Error).message;
    throw new CliError(`${what} ${path}: ${why}`);
  }
}

/**
 * The cached Debian kernel and initramfs (src/images), fetched on first use; loaded
 * lazily so `run --kernel` never needs it.
 */
async function cachedDebian(): Promise<{ kernel: string; initrd: string }> {
  const images = await import("../images/index.js");
  return images.ensureImages();
}

/** Turn options into the machine's boot configuration, reading the files. */
export async function bootConfigOf(opts: RunOptions): Promise<MachineConfig["boot"]> {
  let kernelPath = opts.kernel;
  let initrdPath = opts.initrd;
  if (kernelPath === undefined) {
    const cached = await cachedDebian();
    kernelPath = cached.kernel;
    initrdPath ??= cached.initrd;
  }
  const mode = opts.bios.kind === "builtin" ? "direct" : opts.bios.kind === "none" ? "bare" : "firmware";
  return {
    mode,
    kernel: readImage(kernelPath, "kernel"),
    ...(opts.rawKernel ? { rawKernel: true } : {}),
    ...(initrdPath !== undefined ? { initrd: readImage(initrdPath, "initrd") } : {}),
    ...(opts.append !== undefined ? { append: opts.append } : {}),
    ...(opts.bios.kind === "file" ? { bios: readImage(opts.bios.path, "firmware") } : {}),
  };
}

/** The process exit status for a machine exit. */
export function exitStatus(exit: MachineExit): number {
  switch (exit.kind) {
    case "poweroff": return 0;
    case "fail": return exit.code;
    case "reset": return 0;
    case "stopped": return 0;
    case "hang": return 1;
  }
}

/** Ctrl-A h. Plain newlines: the raw terminal still maps NL to CR-NL (ONLCR), as QEMU's. */
export const ESCAPE_HELP = "\nC-a h    print this help\nC-a x    exit the emulator\nC-a C-a  send C-a\n";

/**
 * QEMU's console escape on a TTY: Ctrl-A then a key. Bytes that are not an escape pass
 * through to `send` unchanged and in order.
 */
export class EscapeFilter {
  private escaped = false;

  constructor(private readonly actions: { send(bytes: Uint8Array): void; exit(): void; help(): void }) {}

  push(chunk: Uint8Array): void {
    let start = 0;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.escaped) {
        if (b === 0x01) {
          if (i > start) this.actions.send(chunk.subarray(start, i));
          this.escaped = true;
          start = i + 1;
        }
        continue;
      }
      this.escaped = false;
      start = i + 1;
      if (b === 0x78 /* x */) { this.actions.exit(); return; }
      if (b === 0x68 /* h */ || b === 0x3f /* ? */) this.actions.help();
      else if (b === 0x01) this.actions.send(Uint8Array.of(0x01));
      // any other key after Ctrl-A is dropped, as QEMU does
    }
    if (start < chunk.length && !this.escaped) this.actions.send(chunk.subarray(start));
  }
}

/**
 * stdin/stdout around a running machine: raw mode and the escape key on a TTY,
 * SIGINT/SIGTERM stop the machine, and everything is put back by restore(), on every
 * exit path (a process 'exit' hook covers the ones restore() does not see).
 */
class Terminal {
  private readonly tty = process.stdin.isTTY === true;
  private readonly filter: EscapeFilter;
  private rawSet = false;
  signal: NodeJS.Signals | undefined;
  private readonly onData = (chunk: Buffer): void => {
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.tty) this.filter.push(bytes);
    else this.send(bytes);
  };
  private readonly onEnd = (): void => this.runner.closeInput();
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    this.signal = sig;
    this.runner.stop(`terminating on signal ${sig}`);
  };
  private readonly onExit = (): void => this.unraw();

  /** @param hvc the keys go to hvc0 (--console hvc: the unnamed port 0) instead of to the UART */
  constructor(private readonly runner: VmRunner, private readonly hvc: boolean) {
    this.filter = new EscapeFilter({
      send: (b) => this.send(b),
      exit: () => this.runner.stop("stopped by Ctrl-A x"),
      help: () => process.stderr.write(ESCAPE_HELP),
    });
    if (this.tty) {
      process.stdin.setRawMode(true);
      this.rawSet = true;
    }
    process.on("exit", this.onExit);
    process.on("SIGINT", this.onSignal);
    process.on("SIGTERM", this.onSignal);
    process.stdin.on("data", this.onData);
    process.stdin.on("end", this.onEnd);
    if (process.stdin.readableEnded) runner.closeInput();
    process.stdin.resume();
  }

  private send(bytes: Uint8Array): void {
    if (this.hvc) this.runner.portInput("", bytes);
    else this.runner.input(bytes);
  }

  restore(): void {
    process.stdin.off("data", this.onData);
    process.stdin.off("end", this.onEnd);
    process.off("SIGINT", this.onSignal);
    process.off("SIGTERM", this.onSignal);
    process.stdin.pause();
    this.unraw();
    process.off("exit", this.onExit);
  }

  private unraw(): void {
    if (this.rawSet) {
      this.rawSet = false;
      process.stdin.setRawMode(false);
    }
  }
}

/**
 * `bulkhead run`'s options as the one-VM plan the runner runs, the same slice a system
 * description gives a VM: its machine (images read) and its devices, in the order the
 * guest sees them (drives, the rng, NICs, the console); `options[i]` is the option of
 * `devices[i]`, for messages.
 */
export async function runPlanOf(opts: RunOptions): Promise<RunPlan & { readonly options: readonly string[] }> {
  const boot = await bootConfigOf(opts);
  const { devices, options } = planDevices(opts);
  return { machine: { harts: opts.smp, ramBytes: opts.memoryBytes, timing: opts.timing, boot }, devices, options, noReboot: opts.noReboot };
}

/** The devices of --drive, --rng, --netdev, --port and --console, and the option of each. */
export function planDevices(opts: Pick<RunOptions, "drives" | "rng" | "netdevs" | "ports" | "console"> & Partial<Pick<RunOptions, "shares" | "display">>): { devices: VmDevice[]; options: string[] } {
  const devices: VmDevice[] = [], options: string[] = [];
  const add = (d: VmDevice, option: string) => { devices.push(d); options.push(option); };
  for (const d of opts.drives) add(drivePlan(d), `--drive ${d.text}`);
  for (const v of opts.shares ?? []) add(virtfsPlan(v), `--virtfs ${v.text}`);
  if (opts.rng) add({ kind: "rng" }, "--rng");
  opts.netdevs.forEach((n, i) => add(netdevPlan(n, i), `--netdev ${n.text}`));
  const console = consolePlan(opts.ports, opts.console);
  if (console) add(console, opts.ports.length ? opts.ports.map((p) => `--port ${p.text}`).join(" ") : "--console hvc");
  if (opts.display) add({ kind: "display", name: "display", ...opts.display }, "--display");
  return { devices, options };
}

/**
 * A device that could not be opened, as one line naming its option: for the console, the
 * --port whose host end failed. Anything else (a bug) is rethrown as it is.
 */
export function deviceOptionError(e: unknown, opts: Pick<RunOptions, "ports">, options: readonly string[]): unknown {
  if (!(e instanceof DeviceOpenError)) return e;
  const cause = e.cause;
  if (!(cause instanceof ImagesError || cause instanceof NetError || cause instanceof ChardevError || cause instanceof ShareError)) return cause;
  // Port 0 is the terminal; port n the n-th --port.
  const port = e.device.kind === "console" && e.port !== undefined ? opts.ports[e.port - 1] : undefined;
  return new CliError(`${port ? `--port ${port.text}` : options[e.index]!}: ${cause.message}`);
}

/** `bulkhead run`. */
export async function runVerb(argv: readonly string[]): Promise<number> {
  const opts = parseRunArgs(argv);
  if (opts.help) {
    process.stdout.write(RUN_HELP);
    return 0;
  }
  const plan = await runPlanOf(opts);
  const out = new ConsoleOutput();
  const say = out.say;
  let runner: VmRunner;
  const screen = opts.display ? new Screen() : undefined;
  const gdb = opts.gdb ? new GdbPerBoot(opts.gdb, opts.paused, say, (why) => runner.stop(why)) : undefined;
  try {
    runner = await VmRunner.open(plan, {
      console: out.write,
      portOutput: (_port, bytes) => out.write(bytes), // port 0, the only one kept: the terminal
      deviceLog: (line) => say(line),
      ...(screen ? { screen } : {}),
      started: (boot, m) => {
        if (boot === 1 && opts.dtbOut !== undefined) writeFdt(opts.dtbOut, m.fdt);
        gdb?.open(boot, m);
      },
      ended: (exit, m) => {
        gdb?.close();
        if (exit.kind === "hang") say(`the guest hung: ${exit.reason}`);
        if (exit.kind === "stopped") say(exit.reason);
        if (opts.dumpStats) for (const line of formatStats(m.stats(), m.deviceStats())) say(line);
      },
    });
  } catch (e) {
    throw deviceOptionError(e, opts, plan.options);
  }
  let viewer: DisplayServer | undefined;
  if (screen && opts.screen) {
    try {
      viewer = await startDisplayServer(screen, (p) => runner.displayInput(p), opts.screen.host, opts.screen.port);
    } catch (e) {
      throw new CliError(`--screen ${opts.screen.host}:${opts.screen.port}: ${(e as Error).message}`);
    }
    say(`screen on http://${viewer.address}/screen.png and ws://${viewer.address}/screen`);
  }
  const term = new Terminal(runner, opts.console === "hvc");
  try {
    const exit = await runner.run();
    if (gdb?.failure) throw gdb.failure;
    if (term.signal) return 128 + (term.signal === "SIGINT" ? 2 : 15);
    return exitStatus(exit);
  } finally {
    gdb?.close();
    await viewer?.close();
    term.restore();
  }
}

/**
 * The GDB stub of `--gdb`, one per machine the runner boots. A stub holds its machine from
 * the moment it is made (GdbServer's constructor, before the machine runs), so `-S` holds
 * the first boot before its first instruction; its port is listened on as the machine starts,
 * and a port that cannot be had stops the run with that reason.
 */
class GdbPerBoot {
  private server: GdbServer | undefined;
  private boot = 0;
  failure: CliError | undefined;
  constructor(private readonly listen: GdbListen, private readonly paused: boolean, private readonly say: (line: string) => void, private readonly stop: (why: string) => void) {}

  open(boot: number, machine: Machine): void {
    this.boot = boot;
    const hold = boot === 1 && this.paused;
    GdbServer.open(machine, this.listen, { hold, log: this.say }).then((g) => {
      if (this.boot !== boot) { g.close(); return; } // that machine ended before its stub listened
      this.server = g;
      const a = g.address();
      this.say(`gdb stub on ${a.host}:${a.port}${hold ? ", the VM is held until gdb continues it" : ""}`);
    }, (e: Error) => {
      this.failure = new CliError(`--gdb ${this.listen.host}:${this.listen.port}: ${e.message}`);
      this.stop(this.failure.message);
    });
  }

  close(): void {
    this.boot = 0;
    this.server?.close();
    this.server = undefined;
  }
}

/** The terminal's output: the guest's bytes (UART, SBI, hvc0), and our messages, each starting on a fresh line. */
class ConsoleOutput {
  /** The guest's last output line is unfinished: start our messages on a new line. */
  private lineOpen = false;
  readonly write = (b: Uint8Array): void => {
    if (b.length) this.lineOpen = b[b.length - 1] !== 0x0a;
    process.stdout.write(b);
  };
  readonly say = (line: string): void => {
    process.stderr.write(`${this.lineOpen ? "\n" : ""}bulkhead: ${line}\n`);
    this.lineOpen = false;
  };
}

function writeFdt(path: string, fdt: Uint8Array): void {
  try {
    writeFileSync(path, fdt);
  } catch (e) {
    throw new CliError(`--dtb-out ${path}: ${(e as Error).message}`);
  }
}

/** --dump-stats lines (without the "bulkhead: " prefix): the machine's, then one per virtio device. */
export function formatStats(s: MachineStats, devices: readonly DeviceStats[] = []): string[] {
  return [
    `${s.instructions} instructions in ${s.seconds.toFixed(2)} s (${s.mips.toFixed(1)} MIPS)`,
    `${s.tlbMisses} TLB misses, ${s.mmioExits} MMIO exits, ${s.traps} traps, ${s.interrupts} interrupts, ${s.sbiCalls} SBI calls`,
    `${s.decodes} instructions decoded into ${s.codePages} code pages`,
    ...devices.map((d) =>
      `${d.label} (${d.where}): ${d.requests} requests, ${d.bytesRead} bytes read and ${d.bytesWritten} written by the device, ` +
      `${d.notifications} notifications, ${d.interrupts} interrupts, ${d.errors} errors`),
  ];
}
