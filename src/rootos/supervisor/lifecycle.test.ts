import assert from "node:assert/strict";
import { test } from "node:test";
import { RootosError } from "./errors.js";
import { COMMAND_TABLE, commandTarget, TRANSITIONS, VM_COMMANDS, VM_STATES } from "./lifecycle.js";
import { FakeVm, NO_RESTART } from "./testing.js";

test("every command's move is a transition of the table (or stays, as reconfigure does)", () => {
  for (const c of VM_COMMANDS) {
    for (const [from, to] of Object.entries(COMMAND_TABLE[c])) {
      assert.ok((from === to && c === "reconfigure") || TRANSITIONS[from as keyof typeof TRANSITIONS].includes(to!), `${c}: ${from} -> ${to}`);
    }
  }
});

test("the legal commands of each state", () => {
  const legal = (s: (typeof VM_STATES)[number]) => VM_COMMANDS.filter((c) => commandTarget(s, c) !== undefined);
  assert.deepEqual(legal("created"), ["start", "reconfigure"]);
  assert.deepEqual(legal("booting"), ["stop"]);
  assert.deepEqual(legal("running"), ["stop", "shutdown", "pause", "reset"]);
  assert.deepEqual(legal("paused"), ["stop", "resume", "reset"]);
  assert.deepEqual(legal("stopping"), ["stop"]);
  assert.deepEqual(legal("stopped"), ["start", "reconfigure"]);
  assert.deepEqual(legal("crashed"), ["start", "stop"]);
});

test("an illegal command is a typed error naming the VM, its state and the command; the state stays", () => {
  const vm = new FakeVm({ name: "rt0", restart: NO_RESTART });
  vm.send({ kind: "command", command: "pause" });
  const e = new RootosError(vm.refused!);
  assert.deepEqual(e.info, { kind: "IllegalTransition", vm: "rt0", state: "created", command: "pause", hint: "it is not running; start it first" });
  assert.equal(e.message, "VM 'rt0' is created: cannot pause it (it is not running; start it first)");
  assert.equal(vm.state.life, "created");
  const refused = () => new RootosError(vm.refused!).message;
  vm.send({ kind: "command", command: "start" });
  vm.send({ kind: "loaded" });
  vm.send({ kind: "started", boot: 1 });
  vm.send({ kind: "command", command: "pause" });
  vm.send({ kind: "command", command: "pause" });
  assert.match(refused(), /VM 'rt0' is paused: cannot pause it \(it is already paused\)/);
  vm.send({ kind: "command", command: "shutdown", timeoutMs: 100 });
  assert.match(refused(), /resume it first, or stop it/);
  vm.send({ kind: "command", command: "start" });
  assert.match(refused(), /already paused; stop it first/);
  vm.send({ kind: "command", command: "resume" });
  const changes = vm.logs("state").map((m) => m.replace(/^(\w+) -> (\w+) \((.*)\)$/, "$1>$2:$3"));
  assert.deepEqual(changes, ["created>booting:command start", "booting>running:its machine runs", "running>paused:command pause", "paused>running:command resume"]);
});

test("a move outside the table is our bug: an assertion", () => {
  const vm = new FakeVm({ name: "x", restart: NO_RESTART, watchdog: { timeoutMs: 100, action: "pause" } });
  vm.send({ kind: "command", command: "start" });
  vm.send({ kind: "loaded" });
  vm.send({ kind: "started", boot: 1 });
  vm.send({ kind: "command", command: "pause" });
  // Paused, and its thread ends as if stopped by the host: paused -> stopped is no transition.
  assert.throws(() => vm.send({ kind: "ended", end: { kind: "killed", reason: "no" } }), /assertion: VM x: no transition paused -> stopped/);
});
