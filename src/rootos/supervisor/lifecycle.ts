// The lifecycle of one VM under the supervisor: its states, the operator's commands,
// and which command is legal in which state. The one table below is the whole truth;
// the supervisor asks it before it acts, and an illegal command is a RootosError
// (IllegalTransition) naming the VM, its state and the command.
//
//   created
//      │ start
//      ▼            the thread is up              pause
//   booting ────────────────────────▶ running ──────────▶ paused
//    ▲ ▲ ▲                            │  │   ◀──────────   │  │
//    │ │ │   reset, guest reboot      │  │     resume      │  │
//    │ │ └────────────────────────────┘  │                 │  │
//    │ └──────────── reset ──────────────┼─────────────────┘  │
//    │                                   │ stop, shutdown     │ stop
//    │          booting ── stop ──▶      ▼                    │
//    │                              stopping ◀────────────────┘
//    │                                   │ the thread ends (power-off, stop, time-out)
//    │  start, restart                   ▼
//    ├─────────────────────────────── stopped ◀── running: the guest powers off
//    │  start, restart                   ▲
//    └─────────────────────────────── crashed ── stop (cancels a pending restart)
//                                        ▲
//              booting, running, paused: fault, panic, watchdog, the thread dies
//
// crashed: the guest panicked, failed (test finisher, lost hart), its watchdog expired
// (action restart), a device model threw, or its thread died. From booting, running or
// paused. The restart policy may then start it again after a back-off.
import { RootosError } from "./errors.js";
import type { VmCommand, VmState } from "./vm-state.js";

export type { VmCommand, VmState } from "./vm-state.js";

export const VM_STATES: readonly VmState[] = ["created", "booting", "running", "paused", "stopping", "stopped", "crashed"];
export const VM_COMMANDS: readonly VmCommand[] = ["start", "stop", "shutdown", "pause", "resume", "reset", "reconfigure"];

/** Each command: the states it is legal in, and the state it leads to. */
export const COMMAND_TABLE: { readonly [C in VmCommand]: Partial<Record<VmState, VmState>> } = {
  start: { created: "booting", stopped: "booting", crashed: "booting" },
  // stop on stopping escalates a shutdown to a hard stop; on crashed it cancels a pending restart.
  stop: { booting: "stopping", running: "stopping", paused: "stopping", stopping: "stopping", crashed: "stopped" },
  shutdown: { running: "stopping" },
  pause: { running: "paused" },
  resume: { paused: "running" },
  reset: { running: "booting", paused: "booting" },
  // assign and unassign: a new plan for a VM with no thread (a crashed one may have a restart pending: stop it first).
  reconfigure: { created: "created", stopped: "stopped" },
};

/** Every transition, by command or by event (the thread is up, the guest powered off, a fault). */
export const TRANSITIONS: { readonly [S in VmState]: readonly VmState[] } = {
  created: ["booting"],
  booting: ["running", "stopping", "stopped", "crashed"],
  running: ["paused", "booting", "stopping", "stopped", "crashed"],
  paused: ["running", "booting", "stopping", "crashed"],
  stopping: ["stopping", "stopped"],
  stopped: ["booting"],
  crashed: ["booting", "stopped"],
};

/** The state `command` leads to from `state`, or undefined when it is not legal there. */
export function commandTarget(state: VmState, command: VmCommand): VmState | undefined {
  return COMMAND_TABLE[command][state];
}

/** Why `command` is not legal in `state`, and what to do instead (for IllegalTransition). */
export function illegalHint(state: VmState, command: VmCommand): string {
  const live = state === "booting" || state === "running" || state === "paused";
  switch (command) {
    case "start":
      return state === "stopping" ? "it is stopping; start it again once it has stopped" : `it is already ${state}; stop it first to start it afresh`;
    case "stop":
      return state === "stopped" || state === "created" ? "it is not running" : "nothing to stop";
    case "shutdown":
      if (state === "paused") return "a paused guest cannot react; resume it first, or stop it (hard)";
      if (state === "booting") return "it is still booting; stop it (hard), or wait until it runs";
      if (state === "stopping") return "it is already stopping; stop it to stop it at once";
      return "it is not running";
    case "pause":
      if (state === "paused") return "it is already paused";
      if (state === "booting") return "it is still booting; try again when it runs";
      return live ? "it is not running" : "it is not running; start it first";
    case "resume":
      if (state === "running" || state === "booting") return "it is not paused";
      return "it is not paused; start it to run it";
    case "reset":
      if (state === "booting") return "it is already booting";
      return "it is not running; start it instead";
    case "reconfigure":
      return state === "crashed" ? "stop it first: that cancels its pending restart" : "its devices change only while it is stopped; stop or shut it down first";
  }
}

/**
 * One VM's current state. `command` checks an operator's command against the table and
 * moves; `enter` moves on an event and asserts the move is in TRANSITIONS (a wrong one is
 * our bug, not the user's).
 */
export class Lifecycle {
  private current: VmState;
  /** When the current state was entered (ms since the epoch). */
  since = Date.now();

  /** `state`: where a VM re-planned at run time (assign, unassign) stands already; default created. */
  constructor(readonly vm: string, private readonly onChange: (from: VmState, to: VmState, why: string) => void = () => {}, state: VmState = "created") {
    this.current = state;
  }

  get state(): VmState { return this.current; }

  /** The state `command` leads to; throws IllegalTransition when it is not legal now. Does not move. */
  check(command: VmCommand): VmState {
    const to = commandTarget(this.current, command);
    if (to === undefined) throw new RootosError({ kind: "IllegalTransition", vm: this.vm, state: this.current, command, hint: illegalHint(this.current, command) });
    return to;
  }

  /** Check and apply an operator's command. */
  command(command: VmCommand, why = `command ${command}`): VmState {
    const to = this.check(command);
    this.move(to, why);
    return to;
  }

  /** Move on an event. */
  enter(to: VmState, why: string): void {
    if (!TRANSITIONS[this.current].includes(to)) {
      throw new Error(`assertion: VM ${this.vm}: no transition ${this.current} -> ${to} (${why})`);
    }
    this.move(to, why);
  }

  private move(to: VmState, why: string): void {
    const from = this.current;
    this.current = to;
    this.since = Date.now();
    if (from !== to) this.onChange(from, to, why);
  }
}
