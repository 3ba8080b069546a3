// Fixtures for the supervisor's tests: VmPlans and SystemPlans without a description file,
// the test guests (test/guests/bin), waiting for a condition, and a VM controller driven
// by hand (FakeVm).
import { fileURLToPath } from "node:url";
import { MEMMAP } from "../../platform/memmap.js";
import type { RestartPlan, SystemPlan, VmBoot, VmPlan } from "../plan/index.js";
import { type Control, type ControlAction, type ControlEvent, type ControlPlan, newControl, step, type TimerName } from "./controller.js";
import type { RootosErrorInfo } from "./errors.js";
import type { LogKind } from "./event-log.js";

/** The repository root (from dist/src/rootos/supervisor). */
export const repoRoot = fileURLToPath(new URL("../../../../", import.meta.url));

/** A bare-metal test guest: test/guests/bin/NAME.elf (spin, kick, crash, panic, probe, fill, echo). */
export function guestElf(name: string): string {
  return `${repoRoot}test/guests/bin/${name}.elf`;
}

export const NO_RESTART: RestartPlan = { on: [], backoff: { initialMs: 100, maxMs: 1000, factor: 2 } };

/** A VmPlan with test defaults: one hart, 16 MiB, bare boot of `program`, realtime, no restart. */
export function testVmPlan(name: string, over: Partial<VmPlan> & { program?: string } = {}): VmPlan {
  const { program, ...rest } = over;
  const boot: VmBoot = { mode: "bare", kernel: { path: program ?? guestElf("spin"), ref: "spin" }, rawKernel: false, unsignedAllowed: true };
  return {
    name,
    os: "bare-metal",
    criticality: "general",
    cores: [0],
    harts: 1,
    ramBytes: 16 << 20,
    boardRam: { base: MEMMAP.ram.base, size: BigInt(16 << 20) },
    boot,
    devices: [],
    timing: "realtime",
    restart: NO_RESTART,
    autostart: true,
    consoleLog: false,
    ...rest,
  };
}

export function testSystemPlan(vms: readonly VmPlan[], networks: readonly string[] = []): SystemPlan {
  return {
    source: "/test/system.yaml",
    board: {
      name: "test-board", cores: 4, memory: { base: MEMMAP.ram.base, size: 1n << 30n },
      freeCores: [], freeMemory: [], disks: [], nics: [], serialPorts: [], displays: [], secureBoot: false, trustedKeys: [],
    },
    vms,
    networks: networks.map((name) => ({
      name,
      ports: vms.flatMap((vm) => vm.devices.flatMap((d, i) => (d.kind === "nic" && d.network === name ? [{ vm: vm.name, device: i }] : []))),
    })),
  };
}

/** Poll `cond` every 20 ms until it is truthy (returns it) or `timeoutMs` passes (throws, naming `what`). */
export async function waitFor<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v) return v as NonNullable<T>;
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A VM controller (controller.ts) driven without threads, timers or disks: a fake clock,
 * every action recorded, and the timers it arms kept here and fired by `advance`.
 */
export class FakeVm {
  now = 1_000_000;
  state: Control;
  /** The actions since the last take(), in order. */
  readonly actions: ControlAction[] = [];
  /** Every log action, in order (take() keeps them). */
  private readonly logged: Extract<ControlAction, { kind: "log" }>[] = [];
  /** The last step's refusal. */
  refused: RootosErrorInfo | undefined;
  private readonly timers = new Map<TimerName, { at: number; token: number }>();

  constructor(plan: ControlPlan, state?: Partial<Control>) {
    this.state = { ...newControl(plan, this.now), ...state };
  }

  /** Feed one event; its actions. */
  send(e: ControlEvent): readonly ControlAction[] {
    const s = step(this.state, e, this.now);
    this.state = s.state;
    this.refused = s.refused;
    this.actions.push(...s.actions);
    for (const a of s.actions) {
      if (a.kind === "log") this.logged.push(a);
      if (a.kind === "arm") this.timers.set(a.timer, { at: this.now + a.ms, token: a.token });
      if (a.kind === "cancel") this.timers.delete(a.timer);
    }
    return s.actions;
  }

  /** Move the clock on `ms`, firing each timer that falls due (unless `hold`: then they are returned, undelivered). */
  advance(ms: number, hold = false): ControlEvent[] {
    const end = this.now + ms;
    const held: ControlEvent[] = [];
    for (;;) {
      const due = [...this.timers].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      const [timer, t] = due;
      this.timers.delete(timer);
      this.now = t.at;
      const e: ControlEvent = { kind: "timer", timer, token: t.token };
      if (hold) held.push(e); else this.send(e);
    }
    this.now = end;
    return held;
  }

  armed(): TimerName[] { return [...this.timers.keys()].sort(); }

  /** Start it and bring it to running (boot 1), from created, stopped or crashed. */
  boot(): void {
    this.send({ kind: "command", command: "start" });
    this.send({ kind: "loaded" });
    this.send({ kind: "started", boot: 1 });
  }

  /** The messages of the log actions so far (of `kind`). */
  logs(kind?: LogKind): string[] {
    return this.logged.flatMap((a) => (kind === undefined || a.log === kind ? [a.message] : []));
  }

  /** The states it moved to, in order. */
  moves(): string[] {
    return this.logged.flatMap((a) => (a.log === "state" ? [String(a.fields!.to)] : []));
  }

  /** The actions since the last take() but logs and timers, as KIND or KIND:DETAIL; forgets them (not the logs). */
  take(): string[] {
    const out = this.actions.flatMap((a): string[] => {
      switch (a.kind) {
        case "log": case "arm": case "cancel": return [];
        case "settle": return [a.failed === undefined ? "settle" : `settle:${a.failed}`];
        case "load": return [`load:${a.for}`];
        case "stop": return [`stop:${a.reason}`];
        case "sysrq": return [`sysrq:${a.keys}`];
        case "commit": case "rollback": case "start-trial": return [`${a.kind}:${a.why}`];
        default: return [a.kind];
      }
    });
    this.actions.length = 0;
    return out;
  }
}
