import assert from "node:assert/strict";
import { test } from "node:test";
import { RootosError } from "./errors.js";
import { COMMAND_TABLE, commandTarget, Lifecycle, TRANSITIONS, VM_COMMANDS, VM_STATES } from "./lifecycle.js";

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
  const changes: string[] = [];
  const l = new Lifecycle("rt0", (from, to, why) => changes.push(`${from}>${to}:${why}`));
  assert.throws(() => l.command("pause"), (e: unknown) => {
    assert.ok(e instanceof RootosError);
    assert.deepEqual(e.info, { kind: "IllegalTransition", vm: "rt0", state: "created", command: "pause", hint: "it is not running; start it first" });
    assert.equal(e.message, "VM 'rt0' is created: cannot pause it (it is not running; start it first)");
    return true;
  });
  assert.equal(l.state, "created");
  l.command("start");
  l.enter("running", "up");
  l.command("pause");
  assert.throws(() => l.command("pause"), /VM 'rt0' is paused: cannot pause it \(it is already paused\)/);
  assert.throws(() => l.command("shutdown"), /resume it first, or stop it/);
  assert.throws(() => l.command("start"), /already paused; stop it first/);
  l.command("resume");
  assert.deepEqual(changes, ["created>booting:command start", "booting>running:up", "running>paused:command pause", "paused>running:command resume"]);
});

test("a move outside the table is our bug: an assertion", () => {
  const l = new Lifecycle("x");
  assert.throws(() => l.enter("paused", "no"), /assertion: VM x: no transition created -> paused/);
});
