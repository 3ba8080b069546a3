import assert from "node:assert/strict";
import { after, test } from "node:test";
import { Scratch } from "../description/testing.js";
import { boardView, formatBoard } from "./board.js";

const scratch = new Scratch();
after(() => scratch.remove());

test("the board view: each core's VM, the memory map in address order with the free range, board devices with their owners, networks", async () => {
  const { plan } = await scratch.load(`
board:
  name: io-board
  cores: 3
  memory: 1G
  disks:
    - { name: disk0, image: disk0.img, create: true, partitions: [{ name: shared, size: 16M }, { name: spare, size: 8M }] }
  nics:
    - { name: eth0, udp: { local: 127.0.0.1:7001, remote: 127.0.0.1:7002 } }
    - { name: eth1, udp: { local: 127.0.0.1:7003, remote: 127.0.0.1:7004 } }
  serial_ports: [{ name: ttyS1, host: "unix:${scratch.dir}/ttyS1.sock" }]
  displays: [{ name: hmi }, { name: spare-screen, width: 800, height: 480 }]
networks:
  - { name: plant, uplink: eth1 }
vms:
  - name: gateway
    cores: [0]
    memory: 512M
    boot: { kernel: debian:kernel, initrd: debian:initrd }
    devices:
      - passthrough: eth0
      - passthrough: ttyS1
      - { virtio: nic, network: plant }
      - { virtio: block, partition: shared, readonly: true }
  - name: controller
    cores: [2]
    memory: 256M
    boot: { kernel: debian:kernel, initrd: debian:initrd }
    devices:
      - { virtio: nic, network: plant }
      - { virtio: block, partition: shared, readonly: true }
      - passthrough: hmi
`);
  const v = boardView(plan);
  assert.deepEqual(v.cores, ["gateway", null, "controller"]);
  assert.deepEqual(v.memory, { base: "0x80000000", size: 1 << 30 });
  assert.deepEqual(v.regions.map((r) => [r.vm, r.size]), [["gateway", 512 << 20], ["controller", 256 << 20], [null, 256 << 20]]);
  let at = 0x8000_0000;
  for (const r of v.regions) { assert.equal(r.base, `0x${at.toString(16)}`, "every byte in one range"); at += r.size; }
  assert.deepEqual(v.devices.map((d) => [d.kind, d.name, d.owners]), [
    ["partition", "disk0/shared", [{ vm: "gateway" }, { vm: "controller" }]],
    ["partition", "disk0/spare", []],
    ["nic", "eth0", [{ vm: "gateway" }]],
    ["nic", "eth1", [{ rootos: "uplink of network plant" }]],
    ["serial", "ttyS1", [{ vm: "gateway" }]],
    ["display", "hmi", [{ vm: "controller" }]],
    ["display", "spare-screen", []],
  ]);
  assert.deepEqual(v.networks, [{ name: "plant", vms: ["gateway", "controller"], uplink: "eth1" }]);
  const text = formatBoard(v);
  assert.match(text, /^board io-board: 3 cores, 1G at 0x80000000\n/);
  assert.match(text, /\n    1: free\n/);
  assert.match(text, /\n    partition disk0\/spare \(8M\): free\n/);
  assert.match(text, /\n    nic eth1 \(udp 127\.0\.0\.1:7003\): RootOS \(uplink of network plant\)\n/);
  assert.match(text, /\n    display hmi \(1280x800\): controller\n/);
  assert.match(text, /\n    plant: gateway, controller, uplink eth1$/);
});
