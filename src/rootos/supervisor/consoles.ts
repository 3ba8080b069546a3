// The consoles service: the console streams the RootOS keeps for each VM (its UART, and
// the virtio-console ports without a host end), their scroll-back and attached clients;
// what reads them for guest panics and watchdog kicks (console-watch.ts); a
// passthrough-serial port, the UART's host end; and the event log's text copy in the
// board's persistent partition. It decides nothing about a VM: the signals go to the
// VM's controller (controller.ts) through `signal` and `kick`.
import type { PortBackend } from "../../chardev/index.js";
import { openPortHost } from "../../chardev/open.js";
import type { PartitionRangePlan, PortHost, VmPlan } from "../plan/index.js";
import { TextLog } from "../persist/text-log.js";
import { ConsoleWatch, type ConsoleSignal, Scrollback, WATCHDOG_KICK_TEXT } from "./console-watch.js";
import { errnoText, RootosError } from "./errors.js";
import { type EventLog, formatLogEntry } from "./event-log.js";
import type { ConsoleAttachment, ConsoleSink } from "./types.js";

/** One console stream the RootOS keeps (the UART, or a virtio-console port): scroll-back and attached clients. */
class Channel {
  readonly scrollback: Scrollback;
  readonly sinks = new Set<ConsoleSink>();

  constructor(bytes: number, private readonly onSinkError: (e: Error) => void) {
    this.scrollback = new Scrollback(bytes);
  }

  write(bytes: Uint8Array): void {
    this.scrollback.push(bytes);
    for (const sink of this.sinks) {
      try {
        sink.write(bytes);
      } catch (e) {
        this.sinks.delete(sink);
        this.onSinkError(e as Error);
      }
    }
  }
}

/** Where a VM's console input goes and what its console output means. */
export interface ConsoleHooks {
  record: EventLog["record"];
  /** A panic line, the end of a panic report, a kick line. */
  signal(s: ConsoleSignal): void;
  /** A byte on the watchdog's port. */
  portKick(): void;
  /** Input for the UART / a port of the VM's current thread (dropped without one). */
  input(bytes: Uint8Array): void;
  portInput(port: string, bytes: Uint8Array): void;
  sysrq(keys: string): void;
}

/** One VM's consoles. */
export class VmConsoles {
  /** The serial console (UART), and what reads it for panics and kicks. */
  private readonly uart: Channel;
  private readonly watch: ConsoleWatch;
  /** The virtio-console ports the RootOS keeps, by name; the first port (hvc0) is also read for panics. */
  private readonly ports = new Map<string, Channel>();
  private readonly hvcName: string | undefined;
  private readonly hvcWatch: ConsoleWatch;
  /** A passthrough-serial device: the board serial port that is the UART's host end. */
  private readonly serialHost: { readonly name: string; readonly host: PortHost } | undefined;
  private serial: PortBackend | undefined;

  constructor(private readonly plan: VmPlan, scrollbackBytes: number, private readonly hooks: ConsoleHooks) {
    const sinkError = (e: Error) => hooks.record("info", plan.name, `a console client failed and was detached: ${e.message}`);
    this.uart = new Channel(scrollbackBytes, sinkError);
    // A watchdog on a named port is kicked there (any byte), not by console lines.
    const kickText = plan.watchdog?.port === undefined ? WATCHDOG_KICK_TEXT : undefined;
    this.watch = new ConsoleWatch(hooks.signal, kickText, plan.consoleLog
      ? (line) => { if (line !== "" && line !== kickText) hooks.record("console", plan.name, line); } : undefined);
    this.hvcWatch = new ConsoleWatch(hooks.signal, undefined);
    for (const d of plan.devices) {
      if (d.kind === "console") for (const p of d.ports) if (!p.host) this.ports.set(p.name, new Channel(scrollbackBytes, sinkError));
    }
    const firstConsole = plan.devices.find((d) => d.kind === "console");
    this.hvcName = firstConsole?.kind === "console" && !firstConsole.ports[0]?.host ? firstConsole.ports[0]?.name : undefined;
    const serial = plan.devices.find((d) => d.kind === "passthrough-serial");
    this.serialHost = serial?.kind === "passthrough-serial" ? { name: serial.name, host: serial.host } : undefined;
  }

  /** The ports it keeps, by name. */
  portNames(): string[] { return [...this.ports.keys()]; }

  /** The watchdog's port is one it keeps (or the watchdog listens on the console). */
  watchdogReachable(): boolean {
    const port = this.plan.watchdog?.port;
    return port === undefined || this.ports.has(port);
  }

  /** Output of the UART. */
  fromUart(bytes: Uint8Array): void {
    this.uart.write(bytes);
    this.watch.push(bytes);
    this.serial?.write(bytes);
  }

  /** Output of a kept port (not the upgrade port's: that is a bundle). */
  fromPort(port: string, bytes: Uint8Array): void {
    this.ports.get(port)?.write(bytes);
    if (port === this.hvcName) this.hvcWatch.push(bytes);
    if (port === this.plan.watchdog?.port && bytes.length > 0) this.hooks.portKick();
  }

  /** A new boot: forget partial lines. */
  resetWatch(): void {
    this.watch.reset();
    this.hvcWatch.reset();
  }

  scrollback(port: string | undefined, command: string): string { return this.channel(port, command).scrollback.text(); }

  /**
   * Attach `sink` to the UART or a kept port: first the scroll-back (unless replay is
   * false), then its output until detach(). Any number may be attached; all may type.
   */
  attach(sink: ConsoleSink, opts: { readonly replay?: boolean; readonly port?: string }): ConsoleAttachment {
    const vm = this.plan.name;
    const port = opts.port;
    const ch = this.channel(port, "console");
    if (opts.replay !== false) {
      const back = ch.scrollback.bytes();
      if (back.length) sink.write(back);
    }
    ch.sinks.add(sink);
    const what = port === undefined ? "console" : `console port ${port}`;
    this.hooks.record("command", vm, `${what} attached`);
    let attached = true;
    return {
      vm,
      port,
      send: (bytes) => {
        if (!attached) return;
        if (port === undefined) this.hooks.input(bytes); else this.hooks.portInput(port, bytes);
      },
      sysrq: (keys) => { if (attached && port === undefined) this.hooks.sysrq(keys); },
      detach: () => {
        if (!attached) return;
        attached = false;
        ch.sinks.delete(sink);
        this.hooks.record("command", vm, `${what} detached`);
      },
    };
  }

  /** The passthrough serial port's host end (opened at the VM's first start, kept until close). */
  async openSerial(): Promise<void> {
    const s = this.serialHost;
    if (!s || this.serial) return;
    const backend = await openPortHost(s.host);
    this.serial = backend;
    backend.attach({
      data: (bytes) => this.hooks.input(bytes),
      connection: (open) => this.hooks.record("info", this.plan.name, `serial ${s.name} (${backend.label}): client ${open ? "connected" : "left"}`),
    });
    this.hooks.record("check", this.plan.name, `serial ${s.name}: the UART's host end is ${backend.label}`);
  }

  async close(): Promise<void> {
    await this.serial?.close();
    this.serial = undefined;
  }

  private channel(port: string | undefined, command: string): Channel {
    if (port === undefined) return this.uart;
    const ch = this.ports.get(port);
    if (!ch) {
      const kept = [...this.ports.keys()];
      throw new RootosError({ kind: "BadArgument", command, argument: port, why: `VM '${this.plan.name}' has no console port '${port}' that the RootOS keeps (${kept.length ? `it keeps: ${kept.join(", ")}` : "it keeps none"})` });
    }
    return ch;
  }
}

/**
 * Open the event log's text copy in the persistent partition and feed it every entry
 * from now on; a failed write later is logged and ends the copy (the VMs matter more).
 * A partition that cannot be opened closes the event log and throws (EventLog).
 */
export function openPersistLog(events: EventLog, p: PartitionRangePlan): TextLog {
  const where = `partition ${p.partition} of ${p.disk}`;
  let log: TextLog;
  try {
    log = TextLog.open(p, { onError: (e) => events.record("fault", undefined, `event log in ${where}: ${errnoText(e)}; it is no longer written`) });
  } catch (e) {
    events.close();
    throw new RootosError({ kind: "EventLog", path: `${p.image} (${where})`, why: errnoText(e) });
  }
  events.subscribe((e) => log.append(formatLogEntry(e)));
  const start = { new: "a new log", continued: "continuing the log there", cleared: "it held no event log, so it was zeroed" }[log.start];
  events.record("info", undefined, `event log in ${where}: ${start}`, { partition: p.partition, start: log.start });
  return log;
}
