// A field upgrade from inside a Linux VM, and the RootOS killed in the middle of one.
// `bulkhead up --headless` runs a Debian VM that boots a signed bundle (Debian's kernel
// and initramfs, version 1) from A/B slots in the board's RootOS system partition. A
// read-only partition carries the raw bytes of two more signed bundles (versions 2 and 3)
// into the guest. A marker on a small writable partition tells the guest which boot it is:
//   boot 1 (version 1): `head -c SIZE /dev/vdX > /dev/virtio-ports/org.bulkhead.upgrade`;
//          the RootOS replies `ok: …` on the port, writes slot B, and restarts the VM;
//   boot 2 (version 2, committed once it still runs at its deadline): garbage on the port
//          gets `error: not a bundle …`; then it sends version 3, which the RootOS writes
//          slowly (BULKHEAD_TEST_SLOW_SLOT_WRITE), and the test SIGKILLs the RootOS mid-write;
//   then `bulkhead up` again: slot A is reported invalid, version 2 boots from slot B, and
//          no byte of the disk outside the RootOS system partition changed.
// The guest writes each reply it reads to a second port whose host end is a file.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, existsSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { buildGpt } from "../../src/images/gpt.js";
import { layoutPartitions } from "../../src/rootos/plan/layout.js";
import { testKey } from "../../src/rootos/trust/testing.js";
import { signBundle } from "../../src/rootos/trust/keys.js";
import { cli, ensureImages, repoRoot } from "../support/bulkhead.js";

const M = 1 << 20;
const dir = mkdtempSync(join(tmpdir(), "bulkhead-upgrade-linux-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let images: CachedImages;
before(async () => { images = await ensureImages(); }, { timeout: 15 * 60_000 });

const PARTS = [{ name: "rootos-system", size: 96 * M }, { name: "media", size: 72 * M }, { name: "data", size: 1 * M }];
const V3_AT = 36 * M; // version 3's offset in the media partition
const SCRIPT_AT = 71 * M; // the guest's script (the kernel command line holds 1 KiB at most on RISC-V)
const MEDIA_SECTORS = 72 * M / 512;
/** The kernel command line's part: find the media partition by its size, run the script in it. */
const BOOTSTRAP = `for d in /sys/block/vd*; do [ $(cat $d/size) = ${MEDIA_SECTORS} ] && dd if=/dev/\${d##*/} bs=1M skip=${SCRIPT_AT / M} 2>/dev/null | tr -d '\\000' > /s; done; sh /s`;

/** Link /dev/virtio-ports/NAME for each named port, as udev would (the initramfs has no udev). */
const LINK_PORTS = "mkdir -p /dev/virtio-ports; for d in /sys/class/virtio-ports/*; do n=$(cat $d/name 2>/dev/null) && ln -s ../${d##*/} /dev/virtio-ports/$n; done";

function guestScript(v2: number, v3: number): string {
  return [
    LINK_PORTS,
    // the media (72M) and data (1M) partitions, by size in sectors
    `for d in /sys/block/vd*; do case $(cat $d/size) in ${MEDIA_SECTORS}) MEDIA=/dev/\${d##*/};; 2048) DATA=/dev/\${d##*/};; esac; done`,
    "exec >/dev/virtio-ports/out 2>&1", // everything the script prints goes to the file guest.out
    "say() { echo \"$*\"; }",
    "exec 3<>/dev/virtio-ports/org.bulkhead.upgrade",
    "boot=$(head -c 1 $DATA | tr -d '\\000')",
    "case \"$boot\" in",
    `'') printf 1 | dd of=$DATA conv=notrunc 2>/dev/null; sync; say boot-1; head -c ${v2} $MEDIA >&3; read -r r <&3; say "REPLY1: $r";;`,
    `1) printf 2 | dd of=$DATA conv=notrunc 2>/dev/null; sync; say boot-2; echo hello RootOS >&3; read -r r <&3; say "REPLY2: $r"; sleep 8; say sending-3; dd if=$MEDIA bs=1M skip=${V3_AT / M} 2>/dev/null | head -c ${v3} >&3; read -r r <&3; say "REPLY3: $r";;`,
    "*) say boot-3;;",
    "esac",
    "while :; do sleep 1; done",
  ].join("\n");
}

/** `bulkhead up --headless FILE` as a child, its stdout (the events) collected. */
function up(file: string, env: NodeJS.ProcessEnv = {}): { child: ChildProcess; out: () => string; waitFor(re: RegExp, ms: number): Promise<RegExpMatchArray> } {
  const child = spawn(cli, ["up", "--headless", "--log", join(dir, "events.log"), file], {
    cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, XDG_STATE_HOME: dir, ...env },
  });
  let out = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  child.stderr!.setEncoding("utf8").on("data", (d: string) => { out += d; });
  return {
    child,
    out: () => out,
    async waitFor(re, ms) {
      const end = Date.now() + ms;
      for (;;) {
        const m = out.match(re);
        if (m) return m;
        if (/the guest powered off/.test(out)) throw new Error(`the guest powered off (its script ended) before ${re}:\n${guestOut()}`);
        if (child.exitCode !== null || Date.now() > end) throw new Error(`no ${re} in bulkhead up's output (${child.exitCode !== null ? `it exited: ${child.exitCode}` : `after ${ms} ms`}):\n${out.split("\n").slice(-40).join("\n")}\n--- guest\n${guestOut()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}

const guestOut = () => (existsSync(join(dir, "guest.out")) ? readFileSync(join(dir, "guest.out"), "utf8") : "");
const ended = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.on("exit", () => r())));

test("an upgrade sent from inside a Linux VM; garbage refused on the port; the RootOS killed mid-write boots the old image", { timeout: 20 * 60_000 }, async () => {
  const key = testKey("release");
  writeFileSync(join(dir, "release.pub"), key.publicPem);
  const files = [
    { role: "kernel" as const, name: "vmlinux", bytes: new Uint8Array(readFileSync(images.kernel)) },
    { role: "initrd" as const, name: "initramfs.cpio.gz", bytes: new Uint8Array(readFileSync(images.initrd)) },
  ];
  const bundle = (version: number) => signBundle({ target: "linux", version, files }, key.private);
  writeFileSync(join(dir, "linux-v1.bundle"), bundle(1));
  const v2 = bundle(2), v3 = bundle(3);

  // The board disk: GPT, and the two bundles' raw bytes in the media partition.
  const { minImageSize } = layoutPartitions(PARTS.map((p) => p.size));
  const { writes, partitions } = buildGpt(minImageSize, PARTS, "bulkhead/test");
  const disk = join(dir, "board.img");
  const fd = openSync(disk, "w");
  ftruncateSync(fd, minImageSize);
  for (const w of writes) writeSync(fd, w.bytes, 0, w.bytes.length, w.offset);
  writeSync(fd, v2, 0, v2.length, partitions[1]!.offset);
  writeSync(fd, v3, 0, v3.length, partitions[1]!.offset + V3_AT);
  const script = new TextEncoder().encode(guestScript(v2.length, v3.length));
  writeSync(fd, script, 0, script.length, partitions[1]!.offset + SCRIPT_AT);
  closeSync(fd);
  const sys = partitions[0]!;
  const outside = () => {
    const b = readFileSync(disk);
    return createHash("sha256").update(b.subarray(0, sys.offset)).update(b.subarray(sys.offset + sys.size)).digest("hex");
  };

  const append = `console=ttyS0 bulkhead.run64=${Buffer.from(BOOTSTRAP).toString("base64")}`;
  const file = join(dir, "system.yaml");
  writeFileSync(file, `board:
  cores: 2
  memory: 1G
  secure_boot: true
  trusted_keys: [{ name: release, file: release.pub }]
  disks:
    - name: board
      image: board.img
      partitions:
${PARTS.map((p) => `        - { name: ${p.name}, size: ${p.size / M}M }`).join("\n")}
  slots: { partition: rootos-system, slot_size: 40M }
vms:
  - name: linux
    cores: [0]
    memory: 256M
    boot: { bundle: linux-v1.bundle, append: "${append}" }
    devices:
      - virtio: console
        ports: [hvc, org.bulkhead.upgrade, { name: out, host: "file:guest.out" }]
      - { virtio: block, partition: media, readonly: true }
      - { virtio: block, partition: data }
    upgrade: { port: org.bulkhead.upgrade, deadline: 5s }
`);

  // Run 1: a slot write pauses 4 ms per 64 KiB (about 2 s for a 34 MB bundle).
  const run1 = up(file, { BULKHEAD_TEST_SLOW_SLOT_WRITE: "4" });
  try {
    await run1.waitFor(/slots: installed linux-v1\.bundle \(version 1\) in slot A of rootos-system/, 60_000);
    await run1.waitFor(/verified boot: slot A of rootos-system version 1, signed by 'release'/, 60_000);
    await run1.waitFor(/upgrade port org\.bulkhead\.upgrade: ok: linux version 2 installed in slot B; restarting linux/, 5 * 60_000);
    await run1.waitFor(/verified boot: slot B of rootos-system version 2/, 60_000);
    await run1.waitFor(/upgrade: version 2 in slot B is healthy \(still running after 5000 ms\): committed/, 5 * 60_000);
    await run1.waitFor(/upgrade port org\.bulkhead\.upgrade: error: not a bundle/, 5 * 60_000);
    await run1.waitFor(/upgrade: writing version 3 \(\d+ bytes, signed by 'release', from port org\.bulkhead\.upgrade of linux\) to slot A/, 5 * 60_000);
    await new Promise((r) => setTimeout(r, 700)); // some of slot A written, not all
    run1.child.kill("SIGKILL");
    await ended(run1.child);
  } finally {
    run1.child.kill("SIGKILL");
  }
  assert.doesNotMatch(run1.out(), /version 3 .*switched/, "killed before the switch");
  const g = guestOut();
  assert.match(g, /boot-1\nREPLY1: ok: linux version 2 installed in slot B; restarting linux\n/);
  assert.match(g, /boot-2\nREPLY2: error: not a bundle \(no BHBUNDLE magic at its start; send a file made by bulkhead image sign\)\nsending-3\n/);
  const afterKill = outside();

  // Run 2: the old image (version 2) boots; the half-written slot is reported invalid.
  const run2 = up(file);
  try {
    await run2.waitFor(/linux +check +slot A is invalid \((truncated bundle|bad bundle header)[^)]*\)?[^\n]*it does not boot, and the next upgrade overwrites it/, 60_000);
    await run2.waitFor(/verified boot: slot B of rootos-system version 2, signed by 'release'/, 60_000);
    const deadline = Date.now() + 5 * 60_000;
    while (!/boot-3/.test(guestOut()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    assert.match(guestOut(), /boot-3\n$/);
    run2.child.kill("SIGTERM");
    await ended(run2.child);
  } finally {
    run2.child.kill("SIGKILL");
  }
  assert.doesNotMatch(run2.out(), /rollback/, "no trial was open: nothing to roll back");
  assert.equal(outside(), afterKill, "no byte outside the RootOS system partition changed");
});
