// The debugger under the supervisor, against real VM threads running the spin guest:
// the system's halt freezes every hart (registers, instruction counts and mtime read the
// same twice, apart in time), the looks (regs, mem, translate, where) answer while halted,
// continue lets them run on; a VM's GDB port relays to the stub in its thread (one
// debugger at a time, a stop that holds the watchdog off); `debug.hold` waits for gdb.
import assert from "node:assert/strict";
import net from "node:net";
import { after, test } from "node:test";
import { encodePacket, expandRuns } from "../../debug/rsp.js";
import { runWords } from "../commands/index.js";
import { Supervisor } from "./supervisor.js";
import { testSystemPlan, testVmPlan, waitFor } from "./testing.js";

const sups: Supervisor[] = [];
after(async () => { for (const s of sups) await s.close(); });
function supervisor(...a: ConstructorParameters<typeof Supervisor>): Supervisor {
  const s = new Supervisor(...a);
  sups.push(s);
  return s;
}
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));
const S0 = 8; // spin counts in s0

test("halt: every hart of every VM stands still, the looks answer, continue runs them on", async () => {
  const sup = supervisor(testSystemPlan([testVmPlan("a"), testVmPlan("b", { cores: [1] })]), { eventLog: null });
  await sup.up();
  await waitFor("both count", async () => BigInt((await sup.regs("a")).x[S0]!) > 0n && BigInt((await sup.regs("b")).x[S0]!) > 0n);
  const t0 = performance.now();
  const halted = await sup.halt();
  const haltMs = performance.now() - t0;
  assert.equal(halted.halted, true);
  assert.deepEqual(halted.vms.map((v) => [v.vm, v.debug?.state]), [["a", "halted"], ["b", "halted"]]);
  const look = async () => Promise.all(["a", "b"].map(async (vm) => {
    const r = await sup.regs(vm);
    return [r.pc, r.x[S0], r.csrs.mstatus, (await sup.stats(vm)).instructions];
  }));
  const first = await look();
  await sleep(400);
  assert.deepEqual(await look(), first, "nothing moved in 400 ms");
  assert.ok(haltMs < 1000, `halt answered in ${haltMs.toFixed(0)} ms`);

  const where = await runWords(sup, ["where"]);
  assert.match(where.text, /^system halted\nVM\s+STATE\s+DEBUG\s+HART\s+PC\s+PRIV\s+HART STATE\s+SATP\na\s+running\s+halted\s+0\s+0x8\w+\s+M\s+running\s+0x0\nb\s/);
  const regs = await runWords(sup, ["regs", "a"]);
  assert.match(regs.text, /^a hart 0: pc 0x8\w+, M-mode, running, satp 0x0\n {2}x0\/zero\s+0x0 {2}x1\/ra/);
  assert.match(regs.text, /mstatus\s+0x\w+/);
  // The ELF's first bytes, physical and virtual (M-mode: the same), in hex and ASCII.
  const phys = await runWords(sup, ["mem", "a", "0x80000000", "32", "phys"]);
  const virt = await runWords(sup, ["mem", "a", "0x8000_0000", "32"]);
  assert.equal((phys.data as { hex: string }).hex.length, 64);
  assert.equal((phys.data as { hex: string }).hex, (virt.data as { hex: string }).hex);
  assert.match(phys.text, /^a physical 0x80000000, 32 of 32 bytes\n0000000080000000 {2}([0-9a-f]{2} ){15}[0-9a-f]{2} {2}.{16}\n/);
  assert.match((await runWords(sup, ["mem", "a", "0x10000000", "8", "phys"])).text, /0 of 8 bytes \(the rest is not RAM or not mapped\)$/, "MMIO is not read");
  assert.match((await runWords(sup, ["translate", "a", "0x80001234"])).text, /through satp 0x0 \(Bare\)\n {2}no paging: physical 0x80001234$/);
  await assert.rejects(runWords(sup, ["regs", "a", "3"]), /VM 'a': hart 3 does not exist: the VM has 1 \(0\.\.0\)/);
  await assert.rejects(runWords(sup, ["mem", "a", "0x80000000", "1M"]), /a length is 1 to 65536 bytes/);

  const go = await sup.continue();
  assert.deepEqual(go.vms.map((v) => v.debug?.state), ["running", "running"]);
  await waitFor("both run on", async () => (await look()).every((v, i) => v[1] !== first[i]![1]));
  assert.equal((await sup.stats("a")).state, "running");
});

/** A raw RSP client: send a packet, read one reply (acks skipped). */
class Rsp {
  private buf = "";
  private waiters: (() => void)[] = [];
  constructor(readonly s: net.Socket) {
    s.setEncoding("latin1").on("data", (d: string) => { this.buf += d; for (const w of this.waiters.splice(0)) w(); });
  }
  static connect(port: number): Promise<Rsp> {
    return new Promise((res, rej) => { const s = net.connect(port, "127.0.0.1", () => res(new Rsp(s))); s.once("error", rej); });
  }
  async reply(): Promise<string> {
    for (;;) {
      this.buf = this.buf.replace(/^\++/, "");
      const m = /^\$([^#]*)#[0-9a-f]{2}/.exec(this.buf);
      if (m) { this.buf = this.buf.slice(m[0].length); this.s.write("+"); return expandRuns(m[1]!); }
      await new Promise<void>((res, rej) => { this.waiters.push(res); setTimeout(() => rej(new Error(`no reply; have ${JSON.stringify(this.buf)}`)), 10_000); });
    }
  }
  async ask(payload: string): Promise<string> { this.s.write(encodePacket(payload)); return this.reply(); }
}

test("a VM's GDB port: the stub in its thread answers through the RootOS, one debugger at a time, and its stop holds the watchdog off", async () => {
  const sup = supervisor(testSystemPlan([testVmPlan("a", { program: (await import("./testing.js")).guestElf("kick"), watchdog: { timeoutMs: 400, action: "stop" } })]), { eventLog: null });
  await sup.up();
  await waitFor("a watchdog kick", () => (sup.info("a").watchdog?.kicks ?? 0) > 0);
  const opened = await runWords(sup, ["gdb", "a", "0"]);
  const port = (opened.data as { port: number }).port;
  assert.match(opened.text, /^a: gdb port 127\.0\.0\.1:\d+ \(gdb-multiarch -ex 'target remote :\d+'\)$/);
  const gdb = await Rsp.connect(port);
  assert.match(await gdb.ask("qSupported:multiprocess+"), /PacketSize=/);
  assert.equal(await gdb.ask("?"), "T05thread:1;", "a debugger that connects stops the VM");
  const pc = (await gdb.ask("p20"));
  assert.match(pc, /^[0-9a-f]{16}$/);
  // A second debugger is refused while the first is attached.
  const other = await Rsp.connect(port);
  assert.match(await other.reply(), /^E\.another debugger is attached/);
  // Stopped for longer than its watchdog's timeout: not an expiry (the stop is not the guest's silence).
  await sleep(1000);
  assert.equal(sup.info("a").state, "running");
  assert.equal(sup.info("a").watchdog?.expiries, 0);
  assert.equal(await gdb.ask("p20"), pc, "still stopped");
  assert.equal(await gdb.ask("D"), "OK");
  await waitFor("its watchdog runs again once gdb lets go", () => sup.info("a").watchdog?.state === "armed");
  assert.equal(sup.info("a").watchdog?.expiries, 0);
  gdb.s.destroy();
  other.s.destroy();
  assert.equal((await runWords(sup, ["gdb", "a", "off"])).text, "a: gdb port closed");
  await assert.rejects(Rsp.connect(port), /ECONNREFUSED/);
});

test("debug.hold: the VM waits before its first instruction until gdb continues it", async () => {
  const sup = supervisor(testSystemPlan([testVmPlan("a", { debug: { gdb: 0, hold: true } })]), { eventLog: null });
  await sup.up();
  const port = Number(/gdb port open on 127\.0\.0\.1:(\d+)/.exec(sup.log({ vm: "a" }).map((e) => e.message).join("\n"))![1]);
  await sleep(300);
  assert.equal((await sup.stats("a")).instructions, 0, "held");
  const w = await sup.where();
  assert.equal(w.vms[0]!.debug?.state, "stopped");
  const gdb = await Rsp.connect(port);
  assert.equal(await gdb.ask("?"), "T05thread:1;");
  gdb.s.write(encodePacket("c"));
  await waitFor("it runs", async () => (await sup.stats("a")).instructions > 0);
  gdb.s.write("\x03"); // Ctrl-C
  assert.equal(await gdb.reply(), "T05thread:1;");
  const n = (await sup.stats("a")).instructions;
  await sleep(200);
  assert.equal((await sup.stats("a")).instructions, n, "stopped by Ctrl-C");
  gdb.s.destroy();
  await waitFor("it runs on once gdb is gone", async () => (await sup.stats("a")).instructions > n);
});
