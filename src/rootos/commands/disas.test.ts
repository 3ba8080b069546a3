// `disas VM ADDR [N] [phys]` on a halted system: the spin guest's code read through mem's path
// (the VM's thread, hart 0's MMU), listed as GNU objdump lists the same ELF.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, test } from "node:test";
import { RootosError } from "../supervisor/errors.js";
import { Supervisor } from "../supervisor/supervisor.js";
import { guestElf, testSystemPlan, testVmPlan, waitFor } from "../supervisor/testing.js";
import type { DisasView } from "./format.js";
import { runWords } from "./table.js";

const OBJDUMP = "riscv64-linux-gnu-objdump";
const hasObjdump = spawnSync(OBJDUMP, ["--version"]).status === 0;

const sup = new Supervisor(testSystemPlan([testVmPlan("a")]), { eventLog: null });
before(() => sup.up());
after(() => sup.close());

test("disas on a halted VM: objdump's listing of the guest's ELF, virtual and physical", { skip: !hasObjdump && `${OBJDUMP} is not installed`, timeout: 60_000 }, async () => {
  await waitFor("it runs", async () => (await sup.stats("a")).instructions > 0);
  await sup.halt();
  try {
    // objdump's .text of spin.elf, symbolic targets as addresses.
    const listing = spawnSync(OBJDUMP, ["-d", guestElf("spin")], { encoding: "utf8" }).stdout.split("\n")
      .map((l) => /^\s*([0-9a-f]+):\t([0-9a-f ]+?)\s*\t(.*)$/.exec(l)).filter((m) => m !== null)
      .map((m) => ({ addr: `0x${m[1]}`, hex: m[2]!, text: m[3]!.replace(/\b([0-9a-f]+) <[^>]*>/g, "0x$1").replace(/\s+/g, " ").trim() }));
    assert.ok(listing.length >= 40, `${listing.length} instructions in spin.elf`);
    const virt = await runWords(sup, ["disas", "a", listing[0]!.addr, String(listing.length)]);
    const d = virt.data as DisasView;
    assert.deepEqual(d.insns.map((i) => ({ addr: i.addr, hex: i.hex, text: i.text })), listing);
    assert.equal(d.stoppedAt, null);
    const lines = virt.text.split("\n");
    assert.equal(lines[0], `a virtual (hart 0's MMU) 0x80000000, ${listing.length} instructions`);
    assert.match(lines[1]!, /^0000000080000000: {2}[0-9a-f]{4,8} +[a-z.]+/);
    const phys = await runWords(sup, ["disas", "a", "0x80000000", "8", "phys"]);
    assert.deepEqual((phys.data as DisasView).insns.map((i) => i.text), listing.slice(0, 8).map((l) => l.text));
    // Where the hart stands: the instruction at its pc is the one objdump lists there.
    const pc = (await sup.regs("a")).pc;
    const here = await runWords(sup, ["disas", "a", pc, "1"]);
    assert.equal((here.data as DisasView).insns[0]!.text, listing.find((l) => BigInt(l.addr) === BigInt(pc))?.text);
  } finally {
    await sup.continue();
  }
});

test("disas: memory that is not RAM ends the listing; a bad count is refused", async () => {
  const mmio = await runWords(sup, ["disas", "a", "0x10000000", "4", "phys"]);
  assert.equal((mmio.data as DisasView).insns.length, 0);
  assert.equal(mmio.text, "a physical 0x10000000, 0 instructions\n(stopped at 0x10000000: not RAM or not mapped)");
  // The last bytes of RAM: a listing that runs off its end stops there.
  const end = 0x80000000n + BigInt(sup.info("a").ramBytes);
  const tail = await runWords(sup, ["disas", "a", `0x${(end - 8n).toString(16)}`, "16", "phys"]);
  const t = tail.data as DisasView;
  assert.ok(t.insns.length >= 2 && t.insns.length <= 4, `${t.insns.length} instructions in the last 8 bytes`);
  assert.equal(BigInt(t.stoppedAt!), end);
  await assert.rejects(runWords(sup, ["disas", "a", "0x80000000", "0"]), (e) => e instanceof RootosError && /N is 1 to 2048 instructions/.test(e.message));
  await assert.rejects(runWords(sup, ["disas", "a", "0x80000000", "5000"]), /N is 1 to 2048 instructions/);
  await assert.rejects(runWords(sup, ["disas", "a", "main"]), /disas: main: /);
});
