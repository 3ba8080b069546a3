// `bulkhead up` with the default system (examples/mixed-criticality.yaml: a bare-metal
// real-time VM on core 0, Debian VMs on core 1 and cores 2-3), driven through a
// pseudo-terminal as a person would: help, list, Tab completion, errors that change
// nothing, then `console` into each Linux VM, where Debian's kernel reports exactly the
// cores, memory and PCI devices the description gave that VM; Ctrl-] detaches; quit.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ensureImages } from "../support/bulkhead.js";
import { Pty } from "../support/pty.js";

const BOOT_MS = 180_000;
const state = mkdtempSync(join(tmpdir(), "bulkhead-up-"));
after(() => rmSync(state, { recursive: true, force: true }));
before(async () => { await ensureImages(); }, { timeout: 15 * 60_000 });

/** In a VM's busybox shell: its harts, RAM and PCI functions on one line. */
const PROBE = "echo CPUS=$(grep -c ^processor /proc/cpuinfo) MEM=$(sed -n 's/MemTotal: *//p' /proc/meminfo) PCI=$(ls /sys/bus/pci/devices | wc -l) IDS=$(cat /sys/bus/pci/devices/*/device | tr '\\n' ,)";
const PROBED = /CPUS=(\d+) MEM=(\d+) kB PCI=(\d+) IDS=(\S+)/;

test("bulkhead up: the shell through a pty; each Linux VM sees only its own cores, memory and devices", { timeout: 3 * BOOT_MS }, async () => {
  const log = join(state, "events.log");
  const pty = new Pty(["./bin/bulkhead", "up", "--api", "off", "--log", log], { ...process.env, XDG_STATE_HOME: state });
  try {
    await pty.expect("bulkhead> ", 60_000);
    pty.type("help\r");
    const help = await pty.expect(/console VM \[PORT\][\s\S]*bulkhead> /, 10_000);
    for (const c of ["list", "start VM", "shutdown VM", "throttle VM", "assign VM", "unassign VM", "create NAME", "log [VM]", "quit"]) assert.match(help[0], new RegExp(`\\n  ${c.replace(/[[\]]/g, "\\$&")}`), c);

    pty.type("list\r");
    const list = await pty.expect(/NAME +STATE[\s\S]*bulkhead> /, 10_000);
    for (const vm of ["rt", "linux-a", "linux-b"]) assert.match(list[0], new RegExp(`\\n${vm} `));

    // Tab completes a command and a VM name (readline completes only a Tab that comes on its own, not in a paste).
    pty.type("inf");
    await pty.expect("inf", 5_000);
    pty.type("\t");
    await pty.expect("o ", 5_000);
    pty.type("linux-");
    await pty.expect("linux-", 5_000);
    pty.type("\t");
    await pty.sleep(300);
    pty.type("\t");
    await pty.expect(/linux-a +linux-b/, 5_000);
    pty.type("b\r");
    await pty.expect(/linux-b: \w+ since[\s\S]*cores 2,3 \(2 harts\)[\s\S]*4: virtio rng/, 10_000);

    // Mistakes: one clear line each, nothing changes.
    pty.type("frobnicate linux-a\r");
    await pty.expect("error: unknown command 'frobnicate' (the commands are: list, info", 10_000);
    pty.type("pause nosuch\r");
    await pty.expect("error: no VM named 'nosuch' (the VMs are: rt, linux-a, linux-b)", 10_000);
    pty.type("assign linux-a virtio=rng\r");
    await pty.expect(/error: VM 'linux-a' is (booting|running): cannot reconfigure it/, 10_000);
    pty.type("throttle linux-b fast\r");
    await pty.expect("error: throttle: fast: not a cap", 10_000);

    // linux-b boots with a cap (50% of a core); lifted at run time, so the test waits less.
    pty.type("throttle linux-b off\r");
    await pty.expect("linux-b: throttle none", 10_000);

    const probe = async (vm: string): Promise<{ cpus: number; memKb: number; pci: number; ids: string[] }> => {
      pty.type(`console ${vm}\r`);
      await pty.expect(`[attached to ${vm}: Ctrl-] detaches]`, 10_000);
      await pty.expect("starting a shell", BOOT_MS);
      pty.type(`${PROBE}\r`);
      const m = await pty.expect(PROBED, 60_000);
      pty.type("\x1d");
      await pty.expect(`[detached from ${vm}]`, 10_000);
      await pty.expect("bulkhead> ", 10_000);
      return { cpus: Number(m[1]), memKb: Number(m[2]), pci: Number(m[3]), ids: m[4]!.split(",").filter(Boolean) };
    };
    // linux-a: core 1, 512M; linux-b: cores 2-3, 768M. Each: the host bridge and its own
    // console, two disks, NIC and rng (virtio 1.x ids 0x1043, 0x1042 ×2, 0x1041, 0x1044).
    const a = await probe("linux-a");
    assert.equal(a.cpus, 1);
    assert.ok(a.memKb > 400 * 1024 && a.memKb <= 512 * 1024, `linux-a MemTotal ${a.memKb} kB`);
    const b = await probe("linux-b");
    assert.equal(b.cpus, 2);
    assert.ok(b.memKb > 640 * 1024 && b.memKb <= 768 * 1024, `linux-b MemTotal ${b.memKb} kB`);
    for (const [vm, p] of [["linux-a", a], ["linux-b", b]] as const) {
      assert.equal(p.pci, 6, vm);
      assert.deepEqual([...p.ids].sort(), ["0x0008", "0x1041", "0x1042", "0x1042", "0x1043", "0x1044"], vm);
    }

    pty.type("stats linux-a\r");
    await pty.expect(/linux-a: running[\s\S]*\d+ instructions in/, 10_000);
    pty.type("quit\r");
    assert.equal(await pty.exit(60_000), 0);
  } finally {
    pty.kill();
  }
  // The shell kept its history, and the event log has the commands and their outcomes.
  const history = readFileSync(join(state, "bulkhead", "history"), "utf8");
  assert.match(history, /^help$/m);
  assert.match(history, /^frobnicate linux-a$/m);
  assert.ok(existsSync(log));
  const events = readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { kind: string; vm?: string; message: string; to?: string });
  assert.ok(events.some((e) => e.kind === "command" && /^pause nosuch: no VM named/.test(e.message)), "the refused command is in the log");
  for (const vm of ["linux-a", "linux-b"]) assert.ok(events.some((e) => e.kind === "state" && e.vm === vm && e.to === "running"), `${vm} ran`);
});
