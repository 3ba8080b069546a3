// Two Debian VMs (Debian's kernel, the default busybox initramfs) under the supervisor,
// each in its own worker thread with its own devices. Both print their /init output. One
// (with a virtio-rng) is made to panic (echo c > /proc/sysrq-trigger) and is restarted by
// its policy, while the other's counters keep rising, its console keeps printing and its
// watchdog (kicked from a busybox shell loop through a virtio-console port the RootOS
// keeps) stays quiet; it first reads a note from a host directory shared read-only over
// virtio-9p (opened in its own thread, as its other devices). Then the other is shut down with SysRq over its serial console,
// and powers off. A second test puts two VMs on a RootOS network: they ping each other
// through the virtual switch, each NIC reaching it over a channel the RootOS made; one of
// them boots Debian's kernel and initramfs from a signed bundle (verified boot) and reads
// its measured-boot log from /proc/device-tree/chosen, as the RootOS measured it.
//
// Each boot takes about 10 s of wall time when the two share the host's cores; the whole
// test about a minute.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { MEMMAP } from "../../src/platform/memmap.js";
import type { VmPlan } from "../../src/rootos/plan/index.js";
import { Supervisor } from "../../src/rootos/supervisor/supervisor.js";
import { testBundle, testKey } from "../../src/rootos/trust/testing.js";
import { sleep, testSystemPlan, waitFor } from "../../src/rootos/supervisor/testing.js";
import { ensureImages, tail } from "../support/bulkhead.js";

const BOOT_MS = 90_000;
const RAM = 256 << 20;
const INIT_BANNER = "bulkhead: init started";

let images: CachedImages;
let sup: Supervisor | undefined;

before(async () => { images = await ensureImages(); }, { timeout: 15 * 60_000 });
after(async () => { await sup?.close(); });

function linuxVm(name: string, command: string, over: Partial<VmPlan>): VmPlan {
  return {
    name, os: "debian", criticality: "general", cores: [0], harts: 1, ramBytes: RAM,
    boardRam: { base: MEMMAP.ram.base, size: BigInt(RAM) },
    boot: {
      mode: "direct",
      kernel: { path: images.kernel, ref: "debian:kernel" },
      initrd: { path: images.initrd, ref: "debian:initrd" },
      rawKernel: false,
      append: `console=ttyS0 bulkhead.run64=${Buffer.from(command).toString("base64")}`,
      unsignedAllowed: true,
    },
    devices: [], timing: "realtime",
    restart: { on: [], backoff: { initialMs: 500, maxMs: 60_000, factor: 2 } },
    autostart: true, consoleLog: false,
    ...over,
  };
}

const count = (text: string, what: string) => text.split(what).length - 1;

test("two Linux VMs: one panics and is restarted by policy, the other runs on; then SysRq shuts it down", { timeout: 5 * BOOT_MS }, async () => {
  const notes = mkdtempSync(join(tmpdir(), "bulkhead-notes-"));
  after(() => rmSync(notes, { recursive: true, force: true }));
  writeFileSync(join(notes, "note"), "a note from the host share\n");
  sup = new Supervisor(testSystemPlan([
    // The watchdog is kicked through a virtio-console port the RootOS keeps, from a shell loop.
    linuxVm("steady", `mount -t 9p -o trans=virtio,version=9p2000.L notes /mnt && cat /mnt/note; echo steady-up; i=0; while :; do i=$((i+1)); echo steady-alive $i; echo kick > /dev/virtio-ports/watchdog; sleep 1; done`, {
      devices: [{ kind: "console", ports: [{ name: "console" }, { name: "watchdog" }] }, { kind: "share", path: notes, tag: "notes", readonly: true }],
      watchdog: { timeoutMs: 10_000, action: "restart", port: "watchdog" },
      restart: { on: ["watchdog"], backoff: { initialMs: 500, maxMs: 60_000, factor: 2 } },
    }),
    linuxVm("crashy", "echo crashy-up; echo pci: $(ls /sys/bus/pci/devices | wc -l); echo c > /proc/sysrq-trigger", {
      devices: [{ kind: "rng" }],
      restart: { on: ["crash"], backoff: { initialMs: 500, maxMs: 60_000, factor: 2 } },
    }),
  ]), { eventLog: process.env.BULKHEAD_TEST_EVENT_LOG ?? null });
  const s = sup;
  // Whole consoles (the scroll-back keeps only the last 64 KiB: less than two boots).
  const text: Record<string, string> = { steady: "", crashy: "" };
  for (const vm of ["steady", "crashy"]) s.attachConsole(vm, { write: (b) => { text[vm] += Buffer.from(b).toString("latin1"); } });
  const why = (vm: string) => `\n--- ${vm} console (tail)\n${tail(s.scrollback(vm), 25)}\n--- log\n${s.log().map((e) => `${e.vm ?? "-"} ${e.kind} ${e.message}`).slice(-25).join("\n")}`;

  const up = await s.up();
  assert.deepEqual(up, [{ vm: "steady", ok: true }, { vm: "crashy", ok: true }]);
  await waitFor("both /init banners", () => s.scrollback("steady").includes(INIT_BANNER) && s.scrollback("crashy").includes(INIT_BANNER), BOOT_MS)
    .catch((e: Error) => assert.fail(`${e.message}${why("steady")}${why("crashy")}`));
  await waitFor("steady read the host's note", () => text.steady!.includes("a note from the host share"), BOOT_MS)
    .catch((e: Error) => assert.fail(`${e.message}${why("steady")}`));

  // crashy panics; the supervisor sees it, stops it after the report, and restarts it.
  await waitFor("crashy's panic", () => s.log({ vm: "crashy", kind: "fault" }).length > 0, BOOT_MS).catch((e: Error) => assert.fail(`${e.message}${why("crashy")}`));
  assert.equal(s.log({ vm: "crashy", kind: "fault" })[0]!.message, "guest panic: Kernel panic - not syncing: sysrq triggered crash", why("crashy"));
  const atPanic = await s.stats("steady");
  await waitFor("crashy restarted and up again", () => s.info("crashy").starts >= 2 && count(text.crashy!, "crashy-up") >= 2, BOOT_MS)
    .catch((e: Error) => assert.fail(`${e.message}${why("crashy")}`));
  assert.match(s.log({ vm: "crashy", kind: "restart" })[0]!.message, /^restarting in 500 ms \(crash; restart 1 in a row\)$/);
  assert.ok(text.crashy!.includes("pci: 2"), `crashy's PCI bus holds the host bridge and its virtio-rng${why("crashy")}`);
  // steady prints a line a second of its own time; on a loaded host that time can lag
  // crashy's reboot, so wait for its lines (crashy may panic and restart again meanwhile).
  const aliveCount = () => [...text.steady!.matchAll(/steady-alive (\d+)/g)].length;
  await waitFor("steady's console keeps printing", () => aliveCount() >= 5, BOOT_MS).catch((e: Error) => assert.fail(`${e.message}${why("steady")}`));
  await s.stop("crashy");

  // steady ran on throughout, untouched.
  const now = await s.stats("steady");
  assert.ok(now.instructions > atPanic.instructions, "steady's counters keep rising");
  assert.equal(s.info("steady").state, "running");
  assert.equal(s.info("steady").starts, 1);
  const alive = [...text.steady!.matchAll(/steady-alive (\d+)/g)].map((m) => Number(m[1]));
  assert.ok(alive.length >= 5 && alive.at(-1)! >= 5, `steady's console keeps printing${why("steady")}`);
  const wd = s.info("steady").watchdog!;
  assert.ok(wd.kicks >= 5 && wd.expiries === 0 && wd.state === "armed", `steady kicks its watchdog through its console port: ${JSON.stringify(wd)}${why("steady")}`);
  assert.match(s.scrollback("steady", "watchdog"), /^(kick\n)+$/, "the port's bytes are kept too");

  // Shutdown: SysRq s, u, o over the serial console; Linux powers off.
  const t0 = performance.now();
  const down = await s.shutdown("steady", 20_000);
  assert.equal(down.state, "stopped");
  assert.equal(down.lastExit, "the guest powered off", why("steady"));
  assert.ok(performance.now() - t0 < 20_000);
  assert.match(s.scrollback("steady"), /sysrq: Power Off/, why("steady"));
  await sleep(0);
});

test("two Linux VMs on a RootOS network ping each other; one boots from a signed bundle and reads its measurements", { timeout: 3 * BOOT_MS }, async (t) => {
  await sup?.close();
  sup = undefined;
  const nic = (mac: string) => [{ kind: "nic" as const, network: "lan", mac }];
  // pong boots from a bundle signed here; its /init prints the measurements /chosen offers it.
  const dir = mkdtempSync(join(tmpdir(), "bulkhead-linux-bundle-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const key = testKey("release");
  writeFileSync(join(dir, "release.pub"), key.publicPem);
  const bundle = join(dir, "pong.bundle");
  const [kernel, initrd] = [readFileSync(images.kernel), readFileSync(images.initrd)];
  writeFileSync(bundle, testBundle(key, "pong", 1, [{ role: "kernel", name: "vmlinux", bytes: kernel }, { role: "initrd", name: "initrd.cpio.gz", bytes: initrd }]));
  const pongCommand = "echo measured-value $(cat /proc/device-tree/chosen/bulkhead,measurement); tr '\\000' '\\n' < /proc/device-tree/chosen/bulkhead,measurements; "
    + "ip addr add 10.0.0.2/24 dev eth0; ip link set eth0 up; echo pong-ready; sleep 600";
  const pong = linuxVm("pong", pongCommand, { devices: nic("52:54:00:00:00:02") });
  const plan = testSystemPlan([
    linuxVm("ping", "ip addr add 10.0.0.1/24 dev eth0; ip link set eth0 up; i=0; while [ $i -lt 90 ] && ! ping -c 1 -W 1 10.0.0.2 >/dev/null; do i=$((i+1)); done; ping -c 3 10.0.0.2", { devices: nic("52:54:00:00:00:01") }),
    { ...pong, boot: {
      ...pong.boot, kernel: { path: bundle, ref: "pong.bundle[kernel]", role: "kernel" }, initrd: { path: bundle, ref: "pong.bundle[initrd]", role: "initrd" },
      bundle: { path: bundle, ref: "pong.bundle" }, unsignedAllowed: false,
    } },
  ], ["lan"]);
  const s = new Supervisor({ ...plan, board: { ...plan.board, secureBoot: true, trustedKeys: [{ name: "release", path: join(dir, "release.pub") }] } }, { eventLog: null });
  sup = s;
  const text: Record<string, string> = { ping: "", pong: "" };
  for (const vm of ["ping", "pong"]) s.attachConsole(vm, { write: (b) => { text[vm] += Buffer.from(b).toString("latin1"); } });
  await s.up();
  await waitFor("ping's power-off", () => s.info("ping").state === "stopped", 2 * BOOT_MS).catch((e: Error) => assert.fail(`${e.message}\n${tail(text.ping!, 30)}`));
  assert.match(text.ping!, /3 packets transmitted, 3 packets received, 0% packet loss/, tail(text.ping!, 30));
  assert.equal(s.info("ping").lastExit, "the guest powered off");
  assert.equal(s.info("pong").state, "running");

  // Measured boot, as the guest reads it: the RootOS's log, and digests anyone can compute.
  const m = s.info("pong").measurements!;
  const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
  assert.deepEqual(m.entries.map((e) => [e.stage, e.digest]), [["kernel", sha(kernel)], ["initrd", sha(initrd)], ["cmdline", sha(Buffer.from(pong.boot.append!))]]);
  assert.deepEqual(s.info("pong").verifiedBoot, { bundle, version: 1, key: "release" });
  assert.ok(text.pong!.includes(`measured-value ${m.value}\r\n`), `the guest sees the value${tail(text.pong!, 30)}`);
  for (const e of m.entries) assert.ok(text.pong!.includes(`${e.stage} sha256:${e.digest} ${e.name}\r\n`), `the guest sees ${e.stage}${tail(text.pong!, 30)}`);
  await s.close();
  sup = undefined;
});
