// virtio-net with Debian's own driver (the virtio_net module of the default initramfs,
// loaded by its /init by modalias) on a UDP link, one Ethernet frame per datagram:
//   1. two `bulkhead run` processes, each the other's remote, ping each other;
//   2. a Bulkhead VM and a QEMU VM (`-netdev socket,udp=…,localaddr=…`, when
//      qemu-system-riscv64 is installed) ping each other over the same kind of link.
// Each guest waits for its peer (a ping every second), pings it 3 times, then stays up
// a while to answer the peer's pings. Realtime timing: two machines share a link in
// wall-clock time (under virtual timing an idle guest's clock races ahead, and its
// pings would time out before a peer running in real time answers). One Bulkhead VM
// boots in direct mode, the other through OpenSBI.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, before, it } from "node:test";
import type { CachedImages } from "../../src/images/index.js";
import { describeRun, ensureImages, freeUdpPorts, runBulkhead, runProcess, type ProcessRun } from "../support/bulkhead.js";

const TIMEOUT_MS = 300_000;
const haveQemu = spawnSync("qemu-system-riscv64", ["--version"]).status === 0;

let images: CachedImages;
before(async () => { images = await ensureImages(); }, { timeout: 15 * 60_000 });

/** The guest's command: bring eth0 up as `me`, wait for `peer`, ping it 3 times, stay up to answer. */
function pingCommand(me: string, peer: string): string {
  return `ip link set eth0 up; ip addr add ${me}/24 dev eth0; echo mac=$(cat /sys/class/net/eth0/address); ` +
    `i=0; until ping -c 1 -W 1 ${peer} >/dev/null; do i=$((i+1)); [ $i -gt 200 ] && break; done; ` +
    `ping -c 3 -W 5 ${peer}; s=$?; sleep 15; exit $s`;
}

function append(command: string): string {
  return `console=ttyS0 quiet bulkhead.run64=${Buffer.from(command).toString("base64")}`;
}

function bulkheadVm(me: string, peer: string, local: number, remote: number, mac: string, bios = "builtin"): { args: string[]; run: Promise<ProcessRun> } {
  const args = [
    "run", "--bios", bios, "--memory", "256M",
    "--netdev", `udp,local=127.0.0.1:${local},remote=127.0.0.1:${remote},mac=${mac}`,
    "--append", append(pingCommand(me, peer)),
  ];
  return { args, run: runBulkhead(args, { timeoutMs: TIMEOUT_MS }) };
}

/** The guest saw its MAC, got 3 of 3 replies from `peer`, and ran to the end. */
function assertPinged(what: string, r: ProcessRun, peer: string, mac: string): void {
  const why = describeRun(what, r);
  assert.ok(r.stdout.includes(`mac=${mac}`), `eth0 does not have the configured MAC ${mac}\n${why}`);
  assert.match(r.stdout, new RegExp(`\\d+ bytes from ${peer.replace(/\./g, "\\.")}: seq=\\d`), `no reply from ${peer}\n${why}`);
  assert.match(r.stdout, /3 packets transmitted, 3 packets received, 0% packet loss/, `lost pings\n${why}`);
  assert.ok(r.stdout.includes("bulkhead: run finished, status 0"), `the command did not finish with status 0\n${why}`);
}

describe("virtio-net on a UDP link, Debian's virtio_net driver", { timeout: 2 * TIMEOUT_MS + 20_000 }, () => {
  it("two bulkhead VMs (direct mode, OpenSBI) ping each other", { timeout: TIMEOUT_MS + 10_000 }, async () => {
    const [pa, pb] = await freeUdpPorts(2);
    const a = bulkheadVm("10.0.0.1", "10.0.0.2", pa!, pb!, "52:54:00:00:00:a1");
    const b = bulkheadVm("10.0.0.2", "10.0.0.1", pb!, pa!, "52:54:00:00:00:b2", images.fwDynamic);
    const [ra, rb] = await Promise.all([a.run, b.run]);
    assertPinged(`bulkhead ${a.args.join(" ")}`, ra, "10.0.0.2", "52:54:00:00:00:a1");
    assertPinged(`bulkhead ${b.args.join(" ")}`, rb, "10.0.0.1", "52:54:00:00:00:b2");
    assert.equal(ra.status, 0);
    assert.equal(rb.status, 0);
  });

  it("a bulkhead VM and a QEMU VM ping each other", { timeout: TIMEOUT_MS + 10_000 }, async (t) => {
    if (!haveQemu) {
      t.skip("qemu-system-riscv64 is not installed");
      return;
    }
    const [pq, pb] = await freeUdpPorts(2);
    const qemuArgs = [
      "-M", "virt", "-m", "256M", "-nographic", "-no-reboot", "-bios", images.fwDynamic,
      "-kernel", images.kernel, "-initrd", images.initrd, "-append", append(pingCommand("10.0.0.9", "10.0.0.1")),
      "-netdev", `socket,id=n0,udp=127.0.0.1:${pb},localaddr=127.0.0.1:${pq}`,
      "-device", "virtio-net-pci,netdev=n0,mac=52:54:00:00:00:99",
    ];
    const qemu = runProcess("qemu-system-riscv64", qemuArgs, { timeoutMs: TIMEOUT_MS });
    const ours = bulkheadVm("10.0.0.1", "10.0.0.9", pb!, pq!, "52:54:00:00:00:a1");
    const [rq, rb] = await Promise.all([qemu, ours.run]);
    assertPinged(`qemu-system-riscv64 ${qemuArgs.join(" ")}`, rq, "10.0.0.1", "52:54:00:00:00:99");
    assertPinged(`bulkhead ${ours.args.join(" ")}`, rb, "10.0.0.9", "52:54:00:00:00:a1");
    assert.equal(rb.status, 0);
  });
});
