import assert from "node:assert/strict";
import { test } from "node:test";
import { describePlacement, formatCpuList, parseCpuList, placeOnHost, type HostRequest } from "./host.js";

const rt = (name: string, extra: Partial<HostRequest> = {}): HostRequest => ({ name, criticality: "realtime", ...extra });
const gen = (name: string, extra: Partial<HostRequest> = {}): HostRequest => ({ name, criticality: "general", ...extra });
const words = (vms: HostRequest[], host: number[], board?: number[]) => {
  const p = placeOnHost(vms, host, board);
  return { rootos: formatCpuList(p.board.rootos), vms: p.vms.map(describePlacement), notes: p.board.notes };
};

test("cpulists both ways", () => {
  assert.deepEqual(parseCpuList("0-2,5,7-8\n"), [0, 1, 2, 5, 7, 8]);
  assert.equal(formatCpuList([8, 0, 1, 2, 5, 7]), "0-2,5,7-8");
});

test("a real-time VM gets the highest CPU alone, FIFO; the others and the RootOS share the rest", () => {
  assert.deepEqual(words([rt("rt"), gen("a"), gen("b")], [0, 1]), {
    rootos: "0",
    vms: ["host CPU 1 alone, SCHED_FIFO 60", "host CPU 0 shared, nice 0", "host CPU 0 shared, nice 0"],
    notes: [],
  });
  assert.deepEqual(words([rt("r1"), rt("r2"), gen("a")], [0, 1, 2, 3]).vms, ["host CPU 3 alone, SCHED_FIFO 60", "host CPU 2 alone, SCHED_FIFO 60", "host CPUs 0-1 shared, nice 0"]);
});

test("too few CPUs: the RootOS keeps one, the VMs left over share it at nice -5, said in a note", () => {
  const p = words([rt("r1"), rt("r2"), gen("a")], [0, 1]);
  assert.deepEqual(p.vms, ["host CPU 1 alone, SCHED_FIFO 60", "host CPU 0 shared, nice -5", "host CPU 0 shared, nice 0"]);
  assert.match(p.notes.join("\n"), /host has 2 CPUs for the board: 2 real-time VMs want one each and the RootOS keeps one; r2 shares CPU 0 with the RootOS at nice -5/);
  const one = words([rt("r1")], [0]);
  assert.deepEqual(one.vms, ["host CPU 0 shared, nice -5"]);
  assert.equal(one.notes.length, 1);
});

test("board.host_cpus, a VM's host_cpus and priority", () => {
  const p = words([rt("r", { priority: { kind: "realtime", priority: 80 } }), gen("a", { priority: { kind: "nice", nice: 5 } }), gen("b", { hostCpus: [1] })], [0, 1, 2, 3], [1, 2, 3, 9]);
  assert.deepEqual(p.vms, ["host CPU 3 alone, SCHED_FIFO 80", "host CPU 2 shared, nice 5", "host CPU 1 alone, nice 0"]);
  assert.equal(p.rootos, "2");
  assert.match(p.notes.join("\n"), /board.host_cpus: CPU 9 not on this host \(it has 0-3\): left out/);
  // A general VM may ask for FIFO; a real-time VM on a CPU it shares runs nice -5, not FIFO.
  const q = words([gen("g", { priority: { kind: "realtime", priority: 10 } }), rt("r", { hostCpus: [0] }), gen("a", { hostCpus: [0] })], [0, 1, 2]);
  assert.deepEqual(q.vms, ["host CPU 2 alone, SCHED_FIFO 10", "host CPU 0 shared, nice -5", "host CPU 0 shared, nice 0"]);
  assert.match(q.notes.join("\n"), /r: host_cpus 0 shared with another VM: nice -5, not SCHED_FIFO/);
});
