// gdb-multiarch against the GDB stub (src/debug), with QEMU's gdbstub as the reference:
// - Debian's kernel, 2 harts, held by -S: threads, a hardware breakpoint at start_kernel
//   (its address read from /proc/kallsyms in an earlier boot of the same kernel, which has
//   no KASLR), x/2i, stepi, a software breakpoint once paging is on, satp, a kernel
//   variable, detach, and the guest boots on and powers off with status 0. The same
//   script against QEMU stops at the same addresses.
// - The real-time executive with its ELF's symbols, realtime timing: a breakpoint by
//   name, nexti, a watchpoint on a variable that changes, a stop held for 2 s that the
//   executive does not see (not counted as 200 missed deadlines), detach.
// - Random and truncated packets over TCP leave the VM running and the stub answering.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { cli, ensureImages, repoRoot, runBulkhead, runProcess, tail } from "../support/bulkhead.js";

const hasGdb = spawnSync("gdb-multiarch", ["--version"]).status === 0;
const hasQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;
const RT_ELF = join(repoRoot, "guests/rt-executive/rt-executive.elf");
const KSYMS = ["start_kernel", "kernel_init", "jiffies"] as const;

let scratch: string;
before(() => { scratch = mkdtempSync(join(tmpdir(), "bulkhead-gdb-")); });
after(() => { if (scratch) rmSync(scratch, { recursive: true, force: true }); });

interface Vm { child: ChildProcess; port: number; stdout: () => string; stderr: () => string; done: Promise<number | null> }

/** `bulkhead run ARGS --gdb 127.0.0.1:0`, once its stub listens. */
async function startVm(args: readonly string[], timeoutMs: number): Promise<Vm> {
  const child = spawn(process.execPath, [cli, ...args, "--gdb", "127.0.0.1:0"], { cwd: repoRoot, stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const done = new Promise<number | null>((res) => child.on("close", (code) => { clearTimeout(timer); res(code); }));
  const port = await new Promise<number>((res, rej) => {
    child.stderr!.setEncoding("utf8").on("data", (d: string) => {
      err += d;
      const m = /gdb stub on 127\.0\.0\.1:(\d+)/.exec(err);
      if (m) res(Number(m[1]));
    });
    void done.then(() => rej(new Error(`bulkhead ended before its stub listened:\n${tail(err)}`)));
  });
  return { child, port, stdout: () => out, stderr: () => err, done };
}

async function gdb(script: string, port: number, elf?: string): Promise<string> {
  const file = join(scratch, `s${Math.random().toString(36).slice(2)}.gdb`);
  writeFileSync(file, `set pagination off\nset confirm off\nset architecture riscv:rv64\ntarget remote 127.0.0.1:${port}\n${script}\n`);
  const r = await runProcess("gdb-multiarch", ["-q", "-nx", "-batch", "-x", file, ...(elf ? [elf] : [])], { timeoutMs: 180_000 });
  assert.equal(r.timedOut, false, `gdb timed out:\n${tail(r.stdout)}\n${tail(r.stderr)}`);
  return r.stdout + r.stderr;
}

/** The values gdb printed as `$N = VALUE`, in order. */
const printed = (out: string): string[] => [...out.matchAll(/^\$\d+ = (.*)$/gm)].map((m) => m[1]!);

describe("gdb-multiarch against the stub", { skip: !hasGdb && "gdb-multiarch is not installed", timeout: 15 * 60_000 }, () => {
  let images: CachedImages;
  const ksym = new Map<string, string>();

  before(async () => {
    images = await ensureImages();
    // One boot to read the kernel's symbols; the next boots of the same kernel put them at the same addresses.
    const r = await runBulkhead(["run", "--timing", "virtual", "--memory", "256M", "--append",
      `console=ttyS0 bulkhead.run64=${Buffer.from(`grep -wE "${KSYMS.join("|")}" /proc/kallsyms`).toString("base64")}`],
    { timeoutMs: 240_000 });
    for (const m of r.stdout.matchAll(/^([0-9a-f]{16}) [tTdDbB] (\w+)\r?$/gm)) ksym.set(m[2]!, m[1]!);
    for (const s of KSYMS) assert.ok(ksym.has(s), `${s} not in /proc/kallsyms:\n${tail(r.stdout)}`);
  }, { timeout: 300_000 });

  const kernelScript = (): string => `
info threads
hbreak *0x${ksym.get("start_kernel")}
continue
p/x $pc
p $priv
x/2i $pc
stepi
p/x $pc
delete
break *0x${ksym.get("kernel_init")}
continue
p/x $pc
p/x (unsigned long)$satp >> 60
p $priv
p/x *(unsigned long *)0x${ksym.get("jiffies")}
delete
detach`;

  /** The stops of the kernel script: pc at start_kernel, priv, pc after stepi, pc at kernel_init, satp mode, priv. */
  function checkKernelStops(out: string, who: string): string[] {
    const p = printed(out);
    assert.ok(p.length >= 7, `${who}: gdb printed ${p.length} values:\n${out}`);
    assert.equal(p[0], `0x${ksym.get("start_kernel")}`, `${who}: stopped at start_kernel\n${out}`);
    assert.equal(p[1], "1", `${who}: start_kernel runs in S-mode\n${out}`);
    assert.match(out, new RegExp(`=> 0x${ksym.get("start_kernel")}:\\s+\\S+`), `${who}: x/2i disassembles at the pc`);
    assert.notEqual(p[2], p[0], `${who}: stepi moved the pc`);
    assert.equal(p[3], `0x${ksym.get("kernel_init")}`, `${who}: the breakpoint at kernel_init stopped there`);
    assert.ok(["0x8", "0x9", "0xa"].includes(p[4]!), `${who}: satp shows paging (Sv39/48/57), got ${p[4]}`);
    assert.equal(p[5], "1", `${who}: kernel_init runs in S-mode`);
    assert.match(p[6]!, /^0x[0-9a-f]+$/, `${who}: jiffies reads`);
    return [p[0]!, p[1]!, p[2]!, p[3]!, p[5]!];
  }

  it("Debian's kernel, 2 harts, -S: threads, hbreak at start_kernel, stepi, break once paging is on, detach; same stops as QEMU", { timeout: 400_000 }, async () => {
    const vm = await startVm(["run", "--smp", "2", "--timing", "virtual", "--memory", "256M", "-S",
      "--append", "console=ttyS0 bulkhead.run='echo gdb-boot-ok'"], 300_000);
    const out = await gdb(kernelScript(), vm.port);
    assert.match(out, /\* 1\s+Thread 1 \(hart 0[^\n]*\n\s+2\s+Thread 2 \(hart 1/, `info threads lists both harts:\n${out}`);
    assert.match(out, /Thread 1 hit Breakpoint 1, 0x/, out);
    const ours = checkKernelStops(out, "bulkhead");
    const status = await vm.done;
    assert.equal(status, 0, `the guest boots on after detach and powers off cleanly:\n${tail(vm.stdout())}\n${tail(vm.stderr())}`);
    assert.match(vm.stdout(), /^gdb-boot-ok\r?$/m);

    if (!hasQemu) return;
    const port = await new Promise<number>((res) => { const s = net.createServer().listen(0, "127.0.0.1", () => { const p = (s.address() as net.AddressInfo).port; s.close(() => res(p)); }); });
    const qemu = spawn("qemu-system-riscv64", ["-M", "virt", "-smp", "2", "-m", "256M", "-nographic", "-kernel", images.kernel,
      "-initrd", images.initrd, "-append", "console=ttyS0 bulkhead.run='echo gdb-boot-ok'", "-gdb", `tcp:127.0.0.1:${port}`, "-S"], { stdio: ["ignore", "pipe", "pipe"] });
    const qdone = new Promise<number | null>((res) => qemu.on("close", res));
    const timer = setTimeout(() => qemu.kill("SIGKILL"), 200_000);
    await new Promise((r) => setTimeout(r, 500));
    const qout = await gdb(kernelScript(), port);
    const theirs = checkKernelStops(qout, "qemu");
    await qdone;
    clearTimeout(timer);
    assert.deepEqual(ours, theirs, "the same stops as QEMU's gdbstub");
  });

  it("the real-time executive: break by name, nexti, a watchpoint, a 2 s stop it does not notice", { timeout: 120_000 }, async () => {
    const vm = await startVm(["run", "--bios", "none", "--kernel", RT_ELF, "-m", "16M", "-S"], 100_000);
    const out = await gdb(`
break control
continue
p/x $pc
nexti
p/x $pc
delete
watch *(long *)&integral
continue
p *(long *)&integral
delete
shell sleep 2
info threads
detach`, vm.port, RT_ELF);
    const at = /Breakpoint 1 at (0x[0-9a-f]+)/.exec(out)?.[1];
    assert.ok(at, `gdb found control in the ELF's symbols:\n${out}`);
    assert.match(out, /Breakpoint 1, [^\n]*in control \(\)/, out);
    const p = printed(out);
    assert.equal(BigInt(p[0]!), BigInt(at), `stopped at the breakpoint in control:\n${out}`);
    assert.ok([2n, 4n].includes(BigInt(p[1]!) - BigInt(at)), `nexti moved one instruction:\n${out}`);
    assert.match(out, /Hardware watchpoint 2: \*\(long \*\)&integral\s+Old value = -?\d+\s+New value = -?\d+/, `the watchpoint saw integral change:\n${out}`);
    // Let it run 3 s of its clock after the 2 s held, then look at its status lines.
    const deadline = Date.now() + 60_000;
    while (!/t=3s[^\n]*\n/.test(vm.stdout()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    vm.child.kill("SIGTERM");
    await vm.done;
    const lines = vm.stdout().split(/\r?\n/).filter((l) => l.startsWith("rt: t="));
    assert.ok(lines.length >= 3, `the executive runs on after detach:\n${tail(vm.stdout())}`);
    // Held 2 s with its clock running, it would skip 200 activations of 10 ms and count each
    // as a miss. A loaded host makes it miss a few on its own (realtime), so the bound is
    // what the stop would add, not zero.
    const misses = Math.max(...lines.map((l) => Number(/misses=(\d+)/.exec(l)?.[1] ?? "NaN")));
    assert.ok(misses < 100, `the 2 s stop is not seen as missed deadlines (misses=${misses}):\n${lines.join("\n")}`);
  });

  it("random and truncated packets leave the VM running and the stub answering", { timeout: 120_000 }, async () => {
    const vm = await startVm(["run", "--bios", "none", "--kernel", RT_ELF, "-m", "16M", "--timing", "virtual"], 100_000);
    let seed = 7;
    const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const alphabet = "?gGpPmMXcsvqQHTZz$#}*+-:,;0123456789abcdef\x03";
    for (let round = 0; round < 4; round++) {
      const s = net.connect(vm.port, "127.0.0.1");
      s.on("error", () => {});
      s.on("data", () => {});
      await new Promise((r) => s.once("connect", r));
      for (let i = 0; i < 300; i++) {
        let p = "";
        for (let k = rnd(60); k > 0; k--) p += rnd(4) === 0 ? String.fromCharCode(rnd(256)) : alphabet[rnd(alphabet.length)];
        if (/^[kD]/.test(p)) continue; // kill and detach end the session on purpose
        let sum = 0;
        for (const c of p) sum = (sum + c.charCodeAt(0)) & 0xff;
        const pkt = `$${p}#${sum.toString(16).padStart(2, "0")}`;
        s.write(Buffer.from(rnd(3) === 0 ? pkt.slice(0, rnd(pkt.length)) : pkt, "latin1"));
      }
      if (round === 3) s.write(Buffer.from("$m0,ffffffff#" + "00")); // and vanish mid-stream
      s.destroy();
      await new Promise((r) => setTimeout(r, 100));
    }
    const out = await gdb("p $pc != 0\ninfo threads\ndetach", vm.port, RT_ELF);
    assert.equal(printed(out)[0], "1", `the stub still answers a debugger:\n${out}`);
    const before = vm.stdout().length;
    const deadline = Date.now() + 30_000;
    while (vm.stdout().length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(vm.stdout().length > before, "the VM still runs after the debugger left");
    vm.child.kill("SIGTERM");
    await vm.done;
  });
});
