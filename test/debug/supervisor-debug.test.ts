// The debugger under the supervisor (each VM in its worker thread), with gdb-multiarch and
// Debian's kernel as the judges:
// - the real-time executive, held by its description's `debug: { gdb: 0, hold: true }`:
//   gdb with the ELF's symbols stops it at `control` by name, `next` steps out of it, a
//   watchpoint sees `integral` change, `monitor where` runs a RootOS command, a stop
//   longer than the watchdog's timeout; then it runs on, its watchdog never fired and no
//   deadline counted missed for the stop;
// - whole-system stop-mode: the executive beside a Debian VM; `halt`, then the executive's
//   activation counter (s5) and Linux's jiffies (its address from /proc/kallsyms) read
//   the same twice, 2 s apart, as do the instruction counts; `translate` walks jiffies'
//   address through the kernel's tables; `continue`, and both run on: no RCU stall
//   reported (its timeout set to 3 s, the halt longer), no miss counted for the halt;
// - random and truncated packets on a VM's port: the VM runs on, the stub still answers,
//   the RootOS too.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, afterEach, before, describe, it } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { MEMMAP } from "../../src/platform/memmap.js";
import { runWords } from "../../src/rootos/commands/index.js";
import type { VmPlan } from "../../src/rootos/plan/index.js";
import { Supervisor } from "../../src/rootos/supervisor/supervisor.js";
import { sleep, testSystemPlan, testVmPlan, waitFor } from "../../src/rootos/supervisor/testing.js";
import { splitWords } from "../../src/shell/shell.js";
import { ensureImages, repoRoot, runProcess, tail } from "../support/bulkhead.js";

const hasGdb = spawnSync("gdb-multiarch", ["--version"]).status === 0;
const RT_ELF = join(repoRoot, "guests/rt-executive/rt-executive.elf");
const STATUS = /^rt: t=(\d+)s cycles=(\d+) jitter max=(\d+)us misses=(\d+)/gm;
const S5 = 21; // the executive counts its activations in s5

let scratch: string;
let sup: Supervisor | undefined;
before(() => { scratch = mkdtempSync(join(tmpdir(), "bulkhead-supdebug-")); });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });
afterEach(async () => { await sup?.close(); sup = undefined; });

function supervisor(vms: VmPlan[]): Supervisor {
  const s: Supervisor = new Supervisor(testSystemPlan(vms), { eventLog: null, monitor: async (line) => (await runWords(s, splitWords(line))).text });
  sup = s;
  return s;
}

/** The rt VM of the default system: realtime, watchdog 3 s, restarted on crash and watchdog. */
function rtPlan(over: Partial<VmPlan> = {}): VmPlan {
  return testVmPlan("rt", {
    program: RT_ELF, criticality: "realtime", timing: "realtime",
    watchdog: { timeoutMs: 3000, action: "restart" },
    restart: { on: ["crash", "watchdog"], backoff: { initialMs: 100, maxMs: 2000, factor: 2 } },
    ...over,
  });
}

/** Console text as it comes (the scroll-back keeps only the last 64 KiB). */
function record(s: Supervisor, vm: string): () => string {
  let text = "";
  s.attachConsole(vm, { write: (b) => { text += Buffer.from(b).toString("latin1"); } });
  return () => text;
}

const statuses = (text: string) => [...text.replace(/\r/g, "").matchAll(STATUS)].map((m) => ({ t: Number(m[1]), misses: Number(m[4]) }));

async function gdb(script: string, port: number, elf?: string): Promise<string> {
  const file = join(scratch, `s${Math.random().toString(36).slice(2)}.gdb`);
  writeFileSync(file, `set pagination off\nset confirm off\nset architecture riscv:rv64\ntarget remote 127.0.0.1:${port}\n${script}\n`);
  const r = await runProcess("gdb-multiarch", ["-q", "-nx", "-batch", "-x", file, ...(elf ? [elf] : [])], { timeoutMs: 180_000 });
  assert.equal(r.timedOut, false, `gdb timed out:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  return r.stdout + r.stderr;
}

const gdbPort = (s: Supervisor, vm: string): number =>
  Number(/gdb port open on 127\.0\.0\.1:(\d+)/.exec(s.log({ vm }).map((e) => e.message).join("\n"))?.[1] ?? NaN);

describe("the debugger under the supervisor", { skip: !hasGdb && "gdb-multiarch is not installed", timeout: 10 * 60_000 }, () => {
  it("the real-time executive: held by its description, break by name, next, a watchpoint, monitor, a stop its watchdog does not see", { timeout: 180_000 }, async () => {
    const s = supervisor([rtPlan({ debug: { gdb: 0, hold: true } })]);
    const console = record(s, "rt");
    await s.up();
    const port = gdbPort(s, "rt");
    assert.ok(port > 0, "the description's port opened");
    assert.equal((await s.stats("rt")).instructions, 0, "held before its first instruction");
    const out = await gdb(`
break control
continue
p/x $pc
next
p/x $pc
delete
watch *(long *)&integral
continue
p *(long *)&integral
delete
monitor where
shell sleep 4
detach`, port, RT_ELF);
    const at = /Breakpoint 1 at (0x[0-9a-f]+)/.exec(out)?.[1];
    assert.ok(at, `gdb found control in the ELF's symbols:\n${out}`);
    assert.match(out, /Breakpoint 1, [^\n]*in control \(\)/, out);
    const p = [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]!);
    assert.equal(BigInt(p[0]!), BigInt(at), `stopped at the breakpoint in control:\n${out}`);
    assert.match(out, /Single stepping until exit from function control/, out);
    assert.notEqual(p[1], p[0], `next left control:\n${out}`);
    assert.match(out, /Hardware watchpoint 2: \*\(long \*\)&integral\s+Old value = -?\d+\s+New value = -?\d+/, `the watchpoint saw integral change:\n${out}`);
    assert.match(out, /system running\nVM\s+STATE\s+DEBUG[^\n]*\nrt\s+running\s+stopped, gdb\s+0\s+0x8/, `monitor runs a RootOS command:\n${out}`);
    // It runs on: 4 s held (more than its watchdog's 3 s) neither fired the watchdog nor counted as missed deadlines.
    await waitFor("3 more status lines", () => statuses(console()).length >= 3, 60_000).catch((e: Error) => assert.fail(`${e.message}\n${tail(console())}`));
    const info = s.info("rt");
    assert.equal(info.starts, 1, "never restarted");
    assert.equal(info.watchdog?.expiries, 0, `its watchdog did not fire: ${JSON.stringify(info.watchdog)}\n${s.log({ vm: "rt" }).map((e) => e.message).join("\n")}`);
    assert.ok(info.watchdog!.kicks >= 2);
    const misses = Math.max(...statuses(console()).map((x) => x.misses));
    assert.ok(misses < 100, `the stops are not seen as missed deadlines (misses=${misses}; 4 s would be 400):\n${tail(console())}`);
  });

  it("the system port: every VM a process; a breakpoint in one stops both; memory read from both; detach lets both run", { timeout: 120_000 }, async () => {
    const s = supervisor([testVmPlan("spin"), rtPlan({ cores: [1] })]);
    const rtConsole = record(s, "rt");
    await s.up();
    const port = await s.openSystemPort(0);
    const control = /^([0-9a-f]+) t control$/m.exec(spawnSync("riscv64-linux-gnu-nm", [RT_ELF], { encoding: "utf8" }).stdout ?? "")?.[1]
      ?? /Breakpoint 1 at 0x([0-9a-f]+)/.exec(await gdb("break control\ndetach", (await s.gdb("rt", 0)).port!, RT_ELF))![1]!;
    await s.gdb("rt", undefined);
    const out = await gdb(`
info inferiors
info threads
set schedule-multiple on
inferior 2
break *0x${control}
continue
p/x $pc
info threads
x/2xw 0x80000000
inferior 1
x/2xw 0x80000000
monitor regs spin
shell sleep 0.5
monitor regs spin
detach inferiors 1 2`, port);
    assert.match(out, /\* 1\s+process 1[^\n]*\n\s+2\s+process 2/, `both VMs are processes:\n${out}`);
    assert.match(out, /Thread 1\.1 \(spin: hart 0 \[M-mode, pc 0x8[^\n]*\n\s+2\.1\s+Thread 2\.1 \(rt: hart 0/, `their harts are threads, named by VM:\n${out}`);
    assert.match(out, new RegExp(`Thread 2\\.1 hit Breakpoint 1, 0x0*${control} in \\?\\? \\(\\)`), `the breakpoint in rt stopped it:\n${out}`);
    const p = [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]!);
    assert.equal(BigInt(p[0]!), BigInt(`0x${control}`));
    const s0 = [...out.matchAll(/x8\/s0\s+(0x[0-9a-f]+)/g)].map((m) => m[1]);
    assert.equal(s0.length, 2, `monitor regs (a RootOS command, live) ran twice:\n${out}`);
    assert.equal(s0[0], s0[1], `spin, which hit nothing, was stopped too: its counter s0 the same 0.5 s apart:\n${out}`);
    const words = [...out.matchAll(/^0x80000000:\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)$/gm)].map((m) => `${m[1]} ${m[2]}`);
    assert.equal(words.length, 2, `memory read from both:\n${out}`);
    assert.notEqual(words[0], words[1], "two VMs, two programs at 0x80000000");
    assert.match(out, /\[Inferior 1 \(process 1\) detached\][\s\S]*\[Inferior 2 \(process 2\) detached\]/, out);
    // Both were stopped while gdb looked (spin too, which hit nothing): the log says when gdb came and went; both run on now.
    const n = statuses(rtConsole()).length;
    await waitFor("rt runs on", () => statuses(rtConsole()).length > n, 30_000);
    const a = (await s.regs("spin")).x[8];
    await waitFor("spin runs on", async () => (await s.regs("spin")).x[8] !== a);
    assert.deepEqual((await s.where()).vms.map((v) => v.debug?.state), ["running", "running"]);
  });

  it("random and truncated packets on a VM's port: the VM runs on, the stub still answers, the RootOS too", { timeout: 120_000 }, async () => {
    const s = supervisor([rtPlan()]);
    const console = record(s, "rt");
    await s.up();
    const port = (await s.gdb("rt", 0)).port!;
    let seed = 11;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const alphabet = "?gGpPmMXcsvqQHTZz$#}*+-:,;0123456789abcdef\x03";
    for (let round = 0; round < 4; round++) {
      const c = net.connect(port, "127.0.0.1");
      c.on("error", () => {});
      c.on("data", () => {});
      await new Promise((r) => c.once("connect", r));
      for (let i = 0; i < 300; i++) {
        let pk = "";
        for (let k = rnd(60); k > 0; k--) pk += rnd(4) === 0 ? String.fromCharCode(rnd(256)) : alphabet[rnd(alphabet.length)];
        if (/^[kD]/.test(pk)) continue; // kill and detach end the session on purpose
        let sum = 0;
        for (const ch of pk) sum = (sum + ch.charCodeAt(0)) & 0xff;
        const pkt = `$${pk}#${sum.toString(16).padStart(2, "0")}`;
        c.write(Buffer.from(rnd(3) === 0 ? pkt.slice(0, rnd(pkt.length)) : pkt, "latin1"));
      }
      if (round === 3) c.write(Buffer.from("$m0,ffffffff#00")); // and vanish mid-stream
      c.destroy();
      await sleep(200);
    }
    const out = await gdb("p $pc != 0\ninfo threads\ndetach", port, RT_ELF);
    assert.match(out, /^\$1 = 1$/m, `the stub still answers a debugger:\n${out}`);
    const n = statuses(console()).length;
    await waitFor("the VM runs on", () => statuses(console()).length > n, 30_000);
    assert.equal(s.info("rt").state, "running");
    assert.equal(s.info("rt").starts, 1, "the VM was never faulted by the debugger's input");
    assert.equal((await runWords(s, ["list"])).data instanceof Array, true, "the RootOS answers");
  });
});

describe("whole-system stop-mode", { timeout: 10 * 60_000 }, () => {
  let images: CachedImages;
  before(async () => { images = await ensureImages(); }, { timeout: 15 * 60_000 });

  it("halt: the executive's counter and Linux's jiffies read the same twice, 2 s apart; continue: no RCU stall, no miss", { timeout: 400_000 }, async () => {
    const RAM = 256 << 20;
    const cmd = `grep -w jiffies /proc/kallsyms; echo linux-up; i=0; while :; do sleep 1; i=$((i+1)); echo tick $i; done`;
    const linux: VmPlan = {
      name: "linux", os: "debian", criticality: "general", cores: [1], harts: 1, ramBytes: RAM,
      boardRam: { base: MEMMAP.ram.base + (64n << 20n), size: BigInt(RAM) },
      boot: {
        mode: "direct", kernel: { path: images.kernel, ref: "debian:kernel" }, initrd: { path: images.initrd, ref: "debian:initrd" }, rawKernel: false,
        append: `console=ttyS0 rcupdate.rcu_cpu_stall_timeout=3 bulkhead.run64=${Buffer.from(cmd).toString("base64")}`, unsignedAllowed: true,
      },
      devices: [], timing: "realtime", restart: { on: [], backoff: { initialMs: 500, maxMs: 60_000, factor: 2 } }, autostart: true, consoleLog: false,
    };
    const s = supervisor([rtPlan(), linux]);
    const rtText = record(s, "rt"), linuxText = record(s, "linux");
    await s.up();
    await waitFor("Linux's shell loop", () => /tick 2\b/.test(linuxText()), 300_000).catch((e: Error) => assert.fail(`${e.message}\n${tail(linuxText())}`));
    const jiffies = BigInt("0x" + /^([0-9a-f]{16}) [dDbB] jiffies\r?$/m.exec(linuxText())![1]);

    const beforeHalt = linuxText().length;
    const halted = await runWords(s, ["halt"]);
    assert.match(halted.text, /^system halted\n/);
    assert.match(halted.text, /\nrt\s+running\s+halted\s+0\s+0x8\w+\s+M\s/);
    assert.match(halted.text, /\nlinux\s+running\s+halted\s+0\s+0x\w+\s+[US]\s+running\s+0x[89]\w{15}$/m, "Linux's hart with paging on");
    const look = async () => {
      const rt = await s.regs("rt");
      const mem = await s.mem("linux", jiffies, 8, false);
      return { counter: BigInt(rt.x[S5]!), jiffies: Buffer.from(mem.hex, "hex").readBigUInt64LE(), rtPc: rt.pc, linuxPc: (await s.regs("linux")).pc,
        instructions: [(await s.stats("rt")).instructions, (await s.stats("linux")).instructions] };
    };
    const first = await look();
    assert.ok(first.counter > 100n, `the executive has been counting (s5 = ${first.counter})`);
    assert.ok(first.jiffies > 0n);
    await sleep(2000);
    assert.deepEqual(await look(), first, "2 s later, halted: the same counter, jiffies, pcs and instruction counts");
    const walk = await runWords(s, ["translate", "linux", `0x${jiffies.toString(16)}`]);
    assert.match(walk.text, /through satp 0x[89]\w+ \(Sv(39|48)\)\n( {2}level \d: PTE at 0x\w+ = 0x\w+ {2}[V-][R-][W-][X-][U-][G-][A-][D-] {2}ppn 0x\w+\n)+ {2}-> physical 0x\w+ \(a \d+[KMG]? page\)$/, walk.text);
    assert.match(walk.text, /V[R-][W-]-[U-]GAD {2}ppn/, `jiffies' page is valid, writable data, global, accessed and dirty:\n${walk.text}`);
    await sleep(2500); // 4.5 s halted in all: more than the 3 s RCU stall timeout

    const ticks = (linuxText().match(/tick \d+/g) ?? []).length, rtLines = statuses(rtText()).length;
    const go = await runWords(s, ["continue"]);
    assert.match(go.text, /^system running\n/);
    await waitFor("both run on", () => (linuxText().match(/tick \d+/g) ?? []).length >= ticks + 4 && statuses(rtText()).length >= rtLines + 4, 120_000)
      .catch((e: Error) => assert.fail(`${e.message}\n${tail(linuxText())}\n${tail(rtText())}`));
    const after = await look();
    assert.ok(after.counter > first.counter && after.jiffies > first.jiffies, "the counters move again");
    assert.match(linuxText(), /RCU CPU stall warnings timeout set to 3 /, "the kernel took the 3 s stall timeout");
    assert.doesNotMatch(linuxText().slice(beforeHalt), /stall/i, `no RCU stall for the halt:\n${tail(linuxText())}`);
    const misses = Math.max(...statuses(rtText()).map((x) => x.misses));
    assert.ok(misses < 100, `the halt is not counted as missed deadlines (misses=${misses}; 4.5 s would be 450):\n${tail(rtText())}`);
    assert.equal(s.info("rt").watchdog?.expiries, 0, "the executive's watchdog did not fire");
    assert.deepEqual([s.info("rt").starts, s.info("linux").starts], [1, 1]);
  });
});
