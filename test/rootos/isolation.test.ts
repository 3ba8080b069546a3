// Bulkhead issue 4: a VM reaches nothing but its own memory and devices. The guest
// test/guests/bin/probe.elf learns what it owns from its device tree, then loads, stores,
// jumps and runs an AMO at every page of [0, 2^33) outside that (and at alias addresses
// above, and across the end of its RAM) and must get an access fault each time; it reads
// all of its own RAM and a word of each of its devices, which must work. Two runs:
// - a system description with two VMs on a four-core board: the probe (two harts, PCI
//   devices) and fill, which has filled its RAM with a pattern and keeps rewriting it;
//   placed so that fill's RAM lies, in a flat layout of the board's memory, right after
//   the probe's. The probe must read none of it, and see the pattern nowhere.
// - `bulkhead run` alone, with a virtio-mmio disk (a device window narrower than a page
//   neighbours probed addresses).
// Each probe run takes a few seconds of CPU (about two million addresses, six million traps).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { type Region, MEMMAP, VIRTIO_MMIO_SLOTS } from "../../src/platform/memmap.js";
import { loadSystemText } from "../../src/rootos/description/index.js";
import { Supervisor } from "../../src/rootos/supervisor/supervisor.js";
import { guestElf, waitFor } from "../../src/rootos/supervisor/testing.js";
import { describeRun, runBulkhead, tail } from "../support/bulkhead.js";

const RUN_MS = 240_000;
const MiB = 1n << 20n;
/** The probe's dense range, [0, 2^33), and its stride. */
const DENSE_END = 1n << 33n;
const PAGE = 0x1000n;

const scratch = mkdtempSync(join(tmpdir(), "bulkhead-isolation-"));
let sup: Supervisor | undefined;
after(async () => {
  await sup?.close();
  rmSync(scratch, { recursive: true, force: true });
});

interface Own { readonly kind: "ram" | "device" | "rom" | "slots"; readonly region: Region }

/** The probe's "own" lines, in its format. */
function ownLines(own: readonly Own[]): string[] {
  const hex = (v: bigint) => `0x${v.toString(16).padStart(16, "0")}`;
  return [...own].sort((a, b) => (a.region.base < b.region.base ? -1 : a.region.base > b.region.base ? 1 : 0))
    .map((o) => `probe: own ${o.kind} ${hex(o.region.base)}-${hex(o.region.base + o.region.size)}`);
}

/**
 * How many addresses a complete probe covers below DENSE_END: in each hole between own
 * regions, its first byte, every 4 KiB page start inside it, and its last word.
 */
function denseCount(own: readonly Own[]): number {
  const sorted = own.map((o) => o.region).sort((a, b) => (a.base < b.base ? -1 : 1));
  let n = 0n, at = 0n;
  const hole = (s: bigint, e: bigint) => {
    if (s >= e) return;
    const pages = (e - 1n) / PAGE - s / PAGE; // page starts in (s, e)
    n += 1n + pages;
    const lastPage = s / PAGE * PAGE + pages * PAGE;
    if (e - 8n > (pages > 0n ? lastPage : s)) n += 1n;
  };
  for (const r of sorted) {
    hole(at, r.base);
    if (r.base + r.size > at) at = r.base + r.size;
  }
  hole(at, DENSE_END);
  return Number(n);
}

/**
 * The machine's own devices (memmap.ts), the boot ROM, the eight virtio-mmio slots (an
 * empty one answers "no device", as on QEMU virt), and RAM of `ram` bytes at MEMMAP.ram.base;
 * in the probe's order for regions that start at the same address (the device tree's first).
 */
function virtOwn(ram: bigint, extra: readonly Region[]): Own[] {
  return [
    { kind: "rom", region: MEMMAP.bootRom },
    ...[MEMMAP.finisher, MEMMAP.rtc, MEMMAP.clint, MEMMAP.plic, MEMMAP.uart0, ...extra].map((region) => ({ kind: "device" as const, region })),
    { kind: "slots", region: { base: MEMMAP.virtioMmio.base, size: MEMMAP.virtioMmio.size * BigInt(VIRTIO_MMIO_SLOTS) } },
    { kind: "ram", region: { base: MEMMAP.ram.base, size: ram } },
  ];
}

/** What a probe that passed printed, for a VM owning `own`. */
function checkProbe(out: string, own: readonly Own[], ram: bigint, why: string): void {
  const lines = out.replace(/\r/g, "").split("\n");
  assert.deepEqual(lines.filter((l) => l.startsWith("probe: own ")), ownLines(own), `the probe owns what the plan gives it${why}`);
  assert.deepEqual(lines.filter((l) => l.startsWith("probe: LEAK")), [], `no address outside it answered${why}`);
  const devices = own.filter((o) => o.kind !== "ram").length;
  assert.ok(lines.includes(`probe: control: ${ram / 8n} RAM words read, 0 hold the other VM's pattern; ${devices} own devices read`), `its own RAM and devices read${why}`);
  const dense = denseCount(own), sparse = 31 * (2 + 2 * own.length);
  assert.ok(lines.includes(`probe: dense 0x0000000000000000-0x0000000200000000: ${dense} addresses`), `every page below 2^33 outside it probed (${dense})${why}`);
  assert.ok(lines.includes(`probe: sparse above: ${sparse} addresses`), why);
  assert.ok(lines.includes("probe: across the end of RAM: 1 address"), why);
  // Every address takes a load, a store, a jump and an AMO; the one across the end of RAM no AMO (it is misaligned).
  const n = dense + sparse + 1;
  assert.ok(lines.includes(`probe: probed ${n}; faults: load ${n}, store ${n}, fetch ${n}, amo ${n - 1}; leaks 0`), `each an access fault${why}`);
  assert.ok(lines.includes("probe: PASS"), why);
}

test("two VMs from a system description: the probe reads nothing outside its RAM and devices, and never the other VM's pattern", { timeout: RUN_MS }, async () => {
  const yaml = `
board: { name: isolation, cores: 4, memory: 64M }
vms:
  - name: probe
    cores: [0, 1]
    memory: 16M
    boot: { kernel: ${guestElf("probe")}, firmware: none }
    devices:
      - virtio: rng
      - virtio: console
        ports: [log]
    autostart: false
  - name: fill
    cores: [2]
    memory: 16M
    boot: { kernel: ${guestElf("fill")}, firmware: none }
`;
  const { plan } = await loadSystemText(yaml, join(scratch, "system.yaml"));
  const probeVm = plan.vms.find((v) => v.name === "probe")!, fillVm = plan.vms.find((v) => v.name === "fill")!;
  const ram = BigInt(probeVm.ramBytes);
  // In a flat layout of the board's memory (each VM's RAM where the plan reserves it, the
  // probe's at 0x8000_0000 as in its own view), fill's RAM is just past the probe's: inside
  // the dense range, outside the probe's own RAM.
  assert.equal(probeVm.boardRam.base, MEMMAP.ram.base);
  assert.ok(fillVm.boardRam.base >= MEMMAP.ram.base + ram && fillVm.boardRam.base + fillVm.boardRam.size <= DENSE_END, JSON.stringify(fillVm.boardRam, (_, v: unknown) => (typeof v === "bigint" ? `0x${v.toString(16)}` : v)));

  sup = new Supervisor(plan, { eventLog: null });
  const s = sup;
  const why = (vm: string) => `\n--- ${vm} console\n${tail(s.scrollback(vm), 30)}\n--- log\n${s.log().map((e) => `${e.vm ?? "-"} ${e.kind} ${e.message}`).slice(-15).join("\n")}`;
  assert.deepEqual(await s.up(), [{ vm: "fill", ok: true }]);
  await waitFor("fill's RAM filled", () => s.scrollback("fill").includes("fill: RAM filled with the pattern"), 60_000).catch((e: Error) => assert.fail(`${e.message}${why("fill")}`));
  const before = await s.stats("fill");

  await s.start("probe");
  await waitFor("the probe's end", () => ["stopped", "crashed"].includes(s.info("probe").state), RUN_MS - 70_000).catch((e: Error) => assert.fail(`${e.message}${why("probe")}`));
  assert.equal(s.info("probe").lastExit, "the guest powered off", why("probe"));
  const pciEcam = MEMMAP.pcieEcam, pciWindow = MEMMAP.pcieMmio;
  checkProbe(s.scrollback("probe"), virtOwn(ram, [pciEcam, pciWindow]), ram, why("probe"));

  // fill ran all along, rewriting its pattern.
  assert.equal(s.info("fill").state, "running", why("fill"));
  assert.ok((await s.stats("fill")).instructions > before.instructions, "fill kept running");
});

test("bulkhead run alone: the probe with a virtio-mmio disk faults everywhere outside its own map", { timeout: RUN_MS }, async () => {
  const disk = join(scratch, "disk.img");
  writeFileSync(disk, new Uint8Array(1 << 20));
  const args = ["run", "--bios", "none", "--kernel", guestElf("probe"), "--memory", "32M", "--smp", "2", "--timing", "virtual", "--drive", `file=${disk},if=virtio-mmio`];
  const r = await runBulkhead(args, { timeoutMs: RUN_MS - 10_000 });
  const why = describeRun(`bulkhead ${args.join(" ")}`, r);
  assert.equal(r.status, 0, why);
  const ram = 32n * MiB;
  checkProbe(r.stdout, virtOwn(ram, [{ base: MEMMAP.virtioMmio.base, size: MEMMAP.virtioMmio.size }]), ram, why);
});
