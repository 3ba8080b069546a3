import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DescriptionError } from "./errors.js";
import { DescriptionEditor, EditError, wordsToData } from "./edit.js";
import { Scratch } from "./testing.js";

const s = new Scratch();
after(() => s.remove());
s.bundle("a.bundle", "a");
s.bundle("dtb.bundle", "a", ["kernel", "dtb"]);
s.bundle("uboot.bundle", "a", ["firmware", "bootloader"]);
s.bundle("fw.bundle", "a", ["firmware", "kernel", "initrd"]);
writeFileSync(join(s.dir, "private.pem"), s.key.privatePem);
writeFileSync(join(s.dir, "rsa.pub"), generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "pem", type: "spki" }));
/** A board with secure boot and the key the scratch bundles are signed with. */
const SECURE = `board:
  cores: 4
  memory: 1G
  secure_boot: true
  trusted_keys: [{ name: vendor, file: key.pub }]
`;
const boot = (b: string) => `vms:
  - name: a
    cores: [0]
    memory: 128M
    boot: ${b}
`;

/** The board disk of RICH_BOARD and SLOTS_BOARD: partitions data and shared, 16M each. */
const DISK0 = `  disks:
    - name: disk0
      image: disk0.img
      create: true
      partitions:
        - { name: data, size: 16M }
        - { name: shared, size: 16M }
`;

/** Secure boot and A/B slots in partition 'shared' (16M), 4M a slot. */
const SLOTS_BOARD = `${SECURE}${DISK0}  slots: { partition: shared, slot_size: 4M }
`;

/** One VM, enough to be valid; `extra` lines are appended to it (indented 4). */
const vm = (name: string, cores: string, memory = "128M", extra = ""): string =>
  `  - name: ${name}\n    cores: ${cores}\n    memory: ${memory}\n    boot: { kernel: kernel.elf }\n${extra}`;

const BOARD = `board:
  cores: 4
  memory: 1G
`;

/** A board with a disk (partitions data, shared), a NIC eth0, serial ports ttyS1/ttyS2 and a key. */
const RICH_BOARD = `board:
  cores: 4
  memory: 1G
  trusted_keys:
    - { name: vendor, file: key.pub }
${DISK0}  nics:
    - { name: eth0, udp: { local: "127.0.0.1:7001", remote: "127.0.0.1:7002" } }
    - { name: eth1 }
  serial_ports:
    - { name: ttyS1, host: "unix:ttyS1.sock" }
    - { name: ttyS2, host: "tcp:4555" }
networks:
  - name: lan
`;

interface Case {
  readonly name: string;
  readonly yaml: string;
  /** The path of the (first) issue, and what its message says. */
  readonly path: string;
  readonly message: RegExp;
  readonly line?: number;
}

const CASES: readonly Case[] = [
  // a core, a byte of memory, a pass-through device given to two VMs
  { name: "a core given to two VMs", yaml: `${BOARD}vms:\n${vm("a", "[0, 1]")}${vm("b", "[1]")}`,
    path: "vms[1].cores[0]", message: /^core 1 is also given to vm 'a'/, line: 10 },
  { name: "board memory given to two VMs (explicit ranges)",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "{ size: 256M, at: 0 }")}${vm("b", "[1]", "{ size: 256M, at: 128M }")}`,
    path: "vms[1].memory.at", message: /^board memory 0x8800_0000-0x97ff_ffff is also given to vm 'a'/ },
  { name: "a pass-through NIC given to two VMs",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: eth0 }]\n")}${vm("b", "[1]", "128M", "    devices: [{ passthrough: eth0 }]\n")}`,
    path: "vms[1].devices[0].passthrough", message: /^eth0 is also given to vm 'a' \(a pass-through device belongs to one VM\)/ },
  { name: "a pass-through serial port given to two VMs",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: ttyS1 }]\n")}${vm("b", "[1]", "128M", "    devices: [{ passthrough: ttyS1 }]\n")}`,
    path: "vms[1].devices[0].passthrough", message: /^ttyS1 is also given to vm 'a'/ },
  { name: "a NIC that is a network's uplink and passed through",
    yaml: `${RICH_BOARD.replace("  - name: lan\n", "  - name: lan\n    uplink: eth1\n")}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: eth1 }]\n")}`,
    path: "vms[0].devices[0].passthrough", message: /^eth1 is also given to network 'lan' as its uplink/ },
  // more than the board has
  { name: "a core the board does not have", yaml: `${BOARD}vms:\n${vm("a", "[3, 4]")}`,
    path: "vms[0].cores[1]", message: /^core 4 does not exist: the board has cores 0-3/ },
  { name: "more memory than the board has", yaml: `${BOARD}vms:\n${vm("a", "[0]", "512M")}${vm("b", "[1]", "768M")}`,
    path: "vms[1].memory", message: /^the VMs need 1280M of memory in all; the board has 1G/ },
  { name: "a range beyond the board's memory", yaml: `${BOARD}vms:\n${vm("a", "[0]", "{ size: 256M, at: 900M }")}`,
    path: "vms[0].memory.at", message: /is beyond the board's 1G/ },
  { name: "memory that fits in all but not in one piece",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "{ size: 256M, at: 256M }")}${vm("b", "[1]", "{ size: 256M, at: 768M }")}${vm("c", "[2]", "384M")}`,
    path: "vms[2].memory", message: /^no free range of board memory holds 384M \(the largest free one is 256M\)/ },
  { name: "VM memory too small", yaml: `${BOARD}vms:\n${vm("a", "[0]", "1M")}`,
    path: "vms[0].memory", message: /^VM memory 1M is too small \(at least 2M\)/ },
  // references that do not resolve
  { name: "a partition that does not exist",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices:\n      - { virtio: block, partition: dta }\n")}`,
    path: "vms[0].devices[0].partition", message: /^there is no partition 'dta' \(did you mean 'data'\?\); known: data, shared/ },
  { name: "a network that does not exist",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices:\n      - { virtio: nic, network: wan }\n")}`,
    path: "vms[0].devices[0].network", message: /^there is no network 'wan' \(did you mean 'lan'\?\); known: lan/ },
  { name: "a key that does not exist",
    yaml: `${RICH_BOARD}${boot("{ bundle: a.bundle, key: vendr }")}`,
    path: "vms[0].boot.key", message: /^there is no trusted key 'vendr' \(did you mean 'vendor'\?\)/ },
  { name: "a board device that does not exist",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: eth9 }]\n")}`,
    path: "vms[0].devices[0].passthrough", message: /^there is no board NIC or serial port 'eth9'/ },
  { name: "a kernel file that does not exist",
    yaml: `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: vmlinux }\n`,
    path: "vms[0].boot.kernel", message: /^kernel \/.*\/vmlinux does not exist \(relative paths are from the description's directory\)/ },
  { name: "a key file that does not exist",
    yaml: `board:\n  cores: 1\n  memory: 1G\n  trusted_keys: [{ name: k, file: keys/k.pub }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.trusted_keys[0].file", message: /^key file .*keys\/k\.pub does not exist/ },
  { name: "a disk image that does not exist (and is not to be created)",
    yaml: `board:\n  cores: 1\n  memory: 1G\n  disks: [{ name: d, image: nope.img, partitions: [{ name: p, size: 1M }] }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.disks[0].image", message: /^disk image \(add create: true.*does not exist/ },
  { name: "a cached Debian image with a typo",
    yaml: `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: "debian:kernal" }\n`,
    path: "vms[0].boot.kernel", message: /^there is no cached Debian image 'debian:kernal' \(did you mean 'debian:kernel'\?\)/ },
  { name: "a share whose directory does not exist",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: share, path: tools, tag: t }]\n")}`,
    path: "vms[0].devices[0].path", message: /^share 't': the directory \/.*\/tools does not exist/ },
  { name: "a share whose path is a file",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: share, path: kernel.elf, tag: t }]\n")}`,
    path: "vms[0].devices[0].path", message: /^share 't': the directory \/.*\/kernel\.elf does not exist/ },
  { name: "two shares with one tag",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: share, path: ., tag: t }, { virtio: share, path: debian, tag: t }]\n")}`,
    path: "vms[0].devices[1].tag", message: /share tag 't'/ },
  { name: "a share tag a mount command line would split",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: share, path: ., tag: 'a b' }]\n")}`,
    path: "vms[0].devices[0].tag", message: /^must match pattern/ },
  { name: "a watchdog port that is not one of the VM's console ports",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: console, ports: [shell] }]\n    watchdog: { timeout: 5s, port: wd }\n")}`,
    path: "vms[0].watchdog.port", message: /^there is no console port in this VM 'wd'; known: shell/ },
  { name: "a staged boot from a partition that is not the VM's",
    yaml: `${RICH_BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { firmware: fw.bin, bootloader: uboot.bin, disk: data }\n`,
    path: "vms[0].boot.disk", message: /^partition 'data' is not one of this VM's block devices/ },
  { name: "an extlinux partition whose kernel is missing",
    yaml: `board:\n  cores: 1\n  memory: 1G\n  disks: [{ name: d, image: boot.img, create: true, partitions: [{ name: p, size: 64M, extlinux: { kernel: vmlinux, initrd: initrd.img } }] }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.disks[0].partitions[0].extlinux.kernel", message: /^kernel .*vmlinux does not exist/ },
  { name: "an extlinux partition without a kernel",
    yaml: `board:\n  cores: 1\n  memory: 1G\n  disks: [{ name: d, image: boot.img, create: true, partitions: [{ name: p, size: 64M, extlinux: { initrd: initrd.img } }] }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.disks[0].partitions[0].extlinux.kernel", message: /^.kernel. is required/ },
  // sharing partitions
  { name: "a read-write partition given to two VMs",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: block, partition: data }]\n")}${vm("b", "[1]", "128M", "    devices: [{ virtio: block, partition: data }]\n")}`,
    path: "vms[1].devices[0].partition", message: /^partition 'data' is also given to vm 'a'; a partition a VM writes is that VM's alone/ },
  { name: "a read-only share of a partition another VM writes",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: block, partition: data }]\n")}${vm("b", "[1]", "128M", "    devices: [{ virtio: block, partition: data, readonly: true }]\n")}`,
    path: "vms[1].devices[0].partition", message: /^partition 'data' is writable by vm 'a'/ },
  { name: "a partition given to one VM twice",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices:\n      - { virtio: block, partition: data, readonly: true }\n      - { virtio: block, partition: data, readonly: true }\n")}`,
    path: "vms[0].devices[1].partition", message: /^partition 'data' is given to this VM twice/ },
  // unknown keys, wrong types, missing keys, bad values
  { name: "an unknown key", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    colour: red\n")}`,
    path: "vms[0].colour", message: /^unknown key 'colour'; expected one of: name, os, criticality, cores, memory/ },
  { name: "an unknown key close to a known one", yaml: `${BOARD}network: []\nvms:\n${vm("a", "[0]")}`,
    path: "network", message: /^unknown key 'network' \(did you mean 'networks'\?\)/, line: 4 },
  { name: "cores that are not a list", yaml: `${BOARD}vms:\n${vm("a", "2")}`,
    path: "vms[0].cores", message: /^expected a list, not the number 2/ },
  { name: "memory without a unit", yaml: `${BOARD}vms:\n${vm("a", "[0]", "512")}`,
    path: "vms[0].memory", message: /^expected a string or a mapping \(key: value\), not the number 512/ },
  { name: "memory that is not a size", yaml: `${BOARD}vms:\n${vm("a", "[0]", "lots")}`,
    path: "vms[0].memory", message: /^'lots' is not a size with a unit/ },
  { name: "a core id that is not a number", yaml: `${BOARD}vms:\n${vm("a", "[zero]")}`,
    path: "vms[0].cores[0]", message: /^expected a whole number, not the string 'zero'/ },
  { name: "a VM without cores", yaml: `${BOARD}vms:\n${vm("a", "[]")}`,
    path: "vms[0].cores", message: /^needs at least 1 core$/ },
  { name: "a VM with more harts than a machine has", yaml: `board:\n  cores: 9\n  memory: 1G\nvms:\n${vm("a", "[0, 1, 2, 3, 4, 5, 6, 7, 8]")}`,
    path: "vms[0].cores", message: /^has 9 cores; at most 8 are allowed$/ },
  { name: "a core listed twice in one VM", yaml: `${BOARD}vms:\n${vm("a", "[1, 1]")}`,
    path: "vms[0].cores[1]", message: /^1 is listed twice/ },
  { name: "an unknown criticality", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    criticality: high\n")}`,
    path: "vms[0].criticality", message: /^'high' is not one of: safety, realtime, general/ },
  { name: "a VM without boot", yaml: `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n`,
    path: "vms[0].boot", message: /^'boot' is required/ },
  { name: "a boot with neither kernel nor bootloader", yaml: `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { append: quiet }\n`,
    path: "vms[0].boot.kernel", message: /^'kernel' is required \(a boot is \{ kernel, initrd, append, firmware \}, \{ firmware, bootloader, disk \} or \{ bundle \}\)/ },
  { name: "a kernel in a staged boot",
    yaml: `${RICH_BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { firmware: fw.bin, bootloader: uboot.bin, disk: data, kernel: kernel.elf }\n    devices: [{ virtio: block, partition: data }]\n`,
    path: "vms[0].boot.kernel", message: /^'kernel' does not go with 'bootloader'/ },
  { name: "a staged boot with the builtin firmware",
    yaml: `${RICH_BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { firmware: builtin, bootloader: uboot.bin, disk: data }\n    devices: [{ virtio: block, partition: data }]\n`,
    path: "vms[0].boot.firmware", message: /^a staged boot needs a firmware file/ },
  { name: "an initrd with firmware: none",
    yaml: `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: kernel.elf, initrd: initrd.img, firmware: none }\n`,
    path: "vms[0].boot.initrd", message: /^firmware: none runs the kernel ELF in M-mode/ },
  { name: "a device that is both passthrough and virtio",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: eth0, virtio: rng }]\n")}`,
    path: "vms[0].devices[0].virtio", message: /^'virtio' does not go with 'passthrough'/ },
  { name: "a device that is neither", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ partition: data }]\n")}`,
    path: "vms[0].devices[0]", message: /^a device is either 'passthrough: NAME'/ },
  { name: "an unknown key in a block device",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: block, partition: data, read_only: true }]\n")}`,
    path: "vms[0].devices[0].read_only", message: /^unknown key 'read_only' \(did you mean 'readonly'\?\)/ },
  { name: "a throttle with both mips and share", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    throttle: { mips: 10, share: 50% }\n")}`,
    path: "vms[0].throttle", message: /^a throttle is either \{ mips: N \} or \{ share: N% \}/ },
  { name: "a share over 100%", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    throttle: { share: 150% }\n")}`,
    path: "vms[0].throttle.share", message: /^a share of 150% is not from 1% to 100%/ },
  { name: "a duration without a unit", yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    watchdog: { timeout: 5 }\n")}`,
    path: "vms[0].watchdog.timeout", message: /^expected a string, not the number 5/ },
  { name: "a restart backoff whose maximum is below its start",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    restart: { on: crash, backoff: { initial: 10s, max: 1s } }\n")}`,
    path: "vms[0].restart.backoff.max", message: /^the longest delay \(1000 ms\) is shorter than the first \(10000 ms\)/ },
  { name: "a bad UDP address", yaml: `board:\n  cores: 1\n  memory: 1G\n  nics: [{ name: e, udp: { local: "example.com:1", remote: "127.0.0.1:2" } }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.nics[0].udp.local", message: /names are not looked up/ },
  // names
  { name: "two VMs with one name", yaml: `${BOARD}vms:\n${vm("a", "[0]")}${vm("a", "[1]")}`,
    path: "vms[1].name", message: /^vm 'a' is described twice \(first at vms\[0\]\)/ },
  { name: "two partitions with one name",
    yaml: `board:\n  cores: 1\n  memory: 1G\n  disks: [{ name: d, image: d.img, create: true, partitions: [{ name: p, size: 1M }, { name: p, size: 1M }] }]\nvms:\n${vm("a", "[0]")}`,
    path: "board.disks[0].partitions[1].name", message: /^partition 'p' is described twice/ },
  // host resources and addresses
  { name: "one host socket behind two things",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: console, ports: [{ name: x, host: 'tcp:4555' }] }]\n")}`,
    path: "vms[0].devices[0].ports[0].host", message: /^tcp:4555 is also the host end of serial port 'ttyS2'/ },
  { name: "one GDB port for two VMs",
    yaml: `${BOARD}vms:\n${vm("a", "[0]", "128M", "    debug: { gdb: 1234 }\n")}${vm("b", "[1]", "128M", "    debug: { gdb: 1234, hold: true }\n")}`,
    path: "vms[1].debug.gdb", message: /^tcp:1234 is also the host end of the GDB port of VM 'a'/ },
  { name: "one MAC address on two NICs",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices:\n      - { virtio: nic, network: lan, mac: '52:54:00:00:00:01' }\n      - { virtio: nic, network: lan, mac: '52:54:00:00:00:01' }\n")}`,
    path: "vms[0].devices[1].mac", message: /^MAC address 52:54:00:00:00:01 is also used by a NIC of vm 'a'/ },
  { name: "two serial ports passed through to one VM",
    yaml: `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ passthrough: ttyS1 }, { passthrough: ttyS2 }]\n")}`,
    path: "vms[0].devices[1].passthrough", message: /^a VM has one UART/ },
  // secure boot
  { name: "unsigned images allowed with secure boot",
    yaml: `${RICH_BOARD.replace("  memory: 1G\n", "  memory: 1G\n  secure_boot: true\n")}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: kernel.elf, unsigned: allowed }\n`,
    path: "vms[0].boot.unsigned", message: /^unsigned images are not allowed: the board has secure_boot: true/ },
  { name: "loose (unsigned) files with secure boot", yaml: `${SECURE}${boot("{ kernel: kernel.elf }")}`,
    path: "vms[0].boot", message: /^the board has secure_boot: true, and these are loose \(unsigned\) files: sign them into a bundle/ },
  { name: "loose files in a VM that refuses unsigned images", yaml: `${RICH_BOARD}${boot("{ kernel: kernel.elf, unsigned: refused }")}`,
    path: "vms[0].boot", message: /^unsigned: refused, and these are loose \(unsigned\) files/ },
  { name: "a trusted key file that is no key", yaml: `${SECURE.replace("key.pub", "fw.bin")}${boot("{ bundle: a.bundle }")}`,
    path: "board.trusted_keys[0].file", message: /^key file .*fw\.bin is not a PEM public key/ },
  { name: "a private key as a trusted key", yaml: `${SECURE.replace("key.pub", "private.pem")}${boot("{ bundle: a.bundle }")}`,
    path: "board.trusted_keys[0].file", message: /private\.pem is a private key: list the public key/ },
  { name: "an RSA key as a trusted key", yaml: `${SECURE.replace("key.pub", "rsa.pub")}${boot("{ bundle: a.bundle }")}`,
    path: "board.trusted_keys[0].file", message: /rsa\.pub is a rsa key, not Ed25519/ },
  { name: "a bundle that is not a bundle", yaml: `${SECURE}${boot("{ bundle: kernel.elf }")}`,
    path: "vms[0].boot.bundle", message: /kernel\.elf: not a Bulkhead image bundle/ },
  { name: "a bundle that does not exist", yaml: `${SECURE}${boot("{ bundle: nope.bundle }")}`,
    path: "vms[0].boot.bundle", message: /^bundle .*nope\.bundle does not exist/ },
  { name: "a bundle with no trusted key to check it", yaml: `${BOARD}${boot("{ bundle: a.bundle }")}`,
    path: "vms[0].boot.bundle", message: /^a bundle is verified against board\.trusted_keys, and none is listed/ },
  { name: "a bundle with a device tree", yaml: `${SECURE}${boot("{ bundle: dtb.bundle }")}`,
    path: "vms[0].boot.bundle", message: /^the bundle holds kernel, dtb: Bulkhead makes each VM's device tree from its plan/ },
  { name: "a bundle with a bootloader and no disk", yaml: `${SECURE}${boot("{ bundle: uboot.bundle }")}`,
    path: "vms[0].boot.bundle", message: /a bootloader boots from a disk: add disk: PARTITION/ },
  { name: "a bundle with firmware and firmware: none", yaml: `${SECURE}${boot("{ bundle: fw.bundle, firmware: none }")}`,
    path: "vms[0].boot.bundle", message: /the bundle holds firmware/ },
  { name: "a bundle and a loose kernel", yaml: `${SECURE}${boot("{ bundle: a.bundle, kernel: kernel.elf }")}`,
    path: "vms[0].boot.kernel", message: /^'kernel' does not go with 'bundle' \(the signed bundle holds the images/ },
  { name: "unsigned: with a bundle", yaml: `${SECURE}${boot("{ bundle: a.bundle, unsigned: allowed }")}`,
    path: "vms[0].boot.unsigned", message: /^'unsigned' does not go with 'bundle'/ },
  { name: "a key with loose files", yaml: `${RICH_BOARD}${boot("{ kernel: kernel.elf, key: vendor }")}`,
    path: "vms[0].boot.key", message: /^'key' does not go with 'loose files' \(it applies to a signed bundle/ },
  { name: "a negative min_version", yaml: `${SECURE}${boot("{ bundle: a.bundle, min_version: -1 }")}`,
    path: "vms[0].boot.min_version", message: /^-1 is less than 0/ },
  { name: "secure boot without trusted keys", yaml: `board:\n  cores: 1\n  memory: 1G\n  secure_boot: true\nvms:\n${vm("a", "[0]")}`,
    path: "board.secure_boot", message: /^secure_boot needs at least one key/ },
  // A/B slots and upgrades
  { name: "slots in a partition that does not exist", yaml: `${SLOTS_BOARD.replace("partition: shared", "partition: sharde")}${boot("{ bundle: a.bundle }")}`,
    path: "board.slots.partition", message: /^there is no partition 'sharde' \(did you mean 'shared'\?\)/ },
  { name: "slots too small for the bundle VMs", yaml: `${SLOTS_BOARD.replace("slot_size: 4M", "slot_size: 8M")}${boot("{ bundle: a.bundle }")}vms_extra`,
    path: "board.slots.slot_size", message: /^partition 'shared' \(16M\) is too small for two 8M slots for each of a, b and the boot-control area: it needs 32832K/ },
  { name: "a slot size not in whole 4 KiB", yaml: `${SLOTS_BOARD.replace("slot_size: 4M", "slot_size: 5K")}${boot("{ bundle: a.bundle }")}`,
    path: "board.slots.slot_size", message: /^slot_size 5120 bytes is not a multiple of 4K/ },
  { name: "the slot partition given to a VM", yaml: `${SLOTS_BOARD}${boot("{ bundle: a.bundle }")}    devices: [{ virtio: block, partition: shared, readonly: true }]\n`,
    path: "vms[0].devices[0].partition", message: /^partition 'shared' holds the RootOS's A\/B slots; it cannot also be a device of vm 'a'/ },
  { name: "an upgrade without slots", yaml: `${SECURE}${boot("{ bundle: a.bundle }")}    upgrade: { deadline: 5s }\n`,
    path: "vms[0].upgrade", message: /^upgrades are written to A\/B slots, and the board has none: add board\.slots/ },
  { name: "an upgrade port with a host end", yaml: `${SLOTS_BOARD}${boot("{ bundle: a.bundle }")}    devices: [{ virtio: console, ports: [hvc, { name: up, host: "file:up.log" }] }]\n    upgrade: { port: up }\n`,
    path: "vms[0].upgrade.port", message: /^console port 'up' has a host end; the upgrade port must be one the RootOS keeps/ },
  { name: "an upgrade port that is not a port", yaml: `${SLOTS_BOARD}${boot("{ bundle: a.bundle }")}    devices: [{ virtio: console, ports: [hvc, up] }]\n    upgrade: { port: upp }\n`,
    path: "vms[0].upgrade.port", message: /^there is no console port in this VM 'upp' \(did you mean 'up'\?\)/ },
  { name: "an upgrade target that boots loose files", yaml: `${SLOTS_BOARD}${boot("{ bundle: a.bundle }")}    devices: [{ virtio: console, ports: [hvc, up] }]\n    upgrade: { port: up, targets: [a, c] }\n${vm("c", "[1]")}`.replace("  secure_boot: true\n", ""),
    path: "vms[0].upgrade.targets[1]", message: /^vm 'c' does not boot a signed bundle, so it has no slots to upgrade/ },
  { name: "an upgrade target that does not exist", yaml: `${SLOTS_BOARD}${boot("{ bundle: a.bundle }")}    devices: [{ virtio: console, ports: [hvc, up] }]\n    upgrade: { port: up, targets: [zz] }\n`,
    path: "vms[0].upgrade.targets[0]", message: /^there is no vm 'zz'/ },
  // the RootOS persistent partition
  { name: "a persistent partition that does not exist", yaml: `${SECURE}${DISK0}  persist: { partition: dat }\n${boot("{ kernel: kernel.elf }")}`,
    path: "board.persist.partition", message: /^there is no partition 'dat' \(did you mean 'data'\?\)/ },
  { name: "a persistent partition too small for the log", yaml: `${SECURE}${DISK0.replace("{ name: data, size: 16M }", "{ name: data, size: 32K }")}  persist: { partition: data }\n${boot("{ bundle: a.bundle }")}`,
    path: "board.persist.partition", message: /^partition 'data' \(32K\) is too small for the RootOS's event log: it needs at least 64K/ },
  { name: "the persistent partition given to a VM read-write", yaml: `${SECURE}${DISK0}  persist: { partition: data }\n${boot("{ bundle: a.bundle }")}    devices: [{ virtio: block, partition: data, readonly: true }, { virtio: block, partition: data }]\n`,
    path: "vms[0].devices[1].partition", message: /^partition 'data' is the RootOS's persistent partition; vm 'a' may have it only read-only \(add readonly: true\)/ },
  { name: "the persistent partition also the slots'", yaml: `${SLOTS_BOARD}  persist: { partition: shared }\n${boot("{ bundle: a.bundle }")}`,
    path: "board.persist.partition", message: /^partition 'shared' holds the RootOS's A\/B slots; the persistent partition must be another one/ },
  // the text itself
  { name: "broken YAML", yaml: `board:\n  cores: 4\n  memory: [1G\nvms: []\n`, path: "", message: /./, line: 4 },
  { name: "a key written twice", yaml: `${BOARD}vms:\n${vm("a", "[0]")}    cores: [1]\n`, path: "", message: /unique/ },
  { name: "an empty file", yaml: ``, path: "", message: /^expected a mapping \(key: value\), not nothing/ },
];

for (const c of CASES) {
  test(`validate rejects ${c.name}`, async () => {
    const issues = await s.issues(c.yaml.replace("vms_extra", "  - name: b\n    cores: [1]\n    memory: 64M\n    boot: { bundle: a.bundle }\n"));
    assert.ok(issues.length > 0, "accepted");
    const hit = issues.find((i) => i.path === c.path && c.message.test(i.message));
    assert.ok(hit, `no issue at ${c.path} matching ${c.message}; got:\n${issues.map((i) => `  ${i.line}: ${i.path}: ${i.message}`).join("\n")}`);
    if (c.line !== undefined) assert.equal(hit.line, c.line);
  });
}

test("every problem is reported at once, in file order, each with its line", async () => {
  const yaml = `${RICH_BOARD}vms:\n${vm("a", "[0, 9]", "128M", "    devices: [{ virtio: block, partition: nope }]\n")}${vm("b", "[0]", "lots", "    speed: 3\n")}`;
  const issues = await s.issues(yaml);
  assert.deepEqual(issues.map((i) => i.path), [
    "vms[0].cores[1]", "vms[0].devices[0].partition", "vms[1].cores[0]", "vms[1].memory", "vms[1].speed",
  ]);
  const lines = issues.map((i) => i.line!);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
  assert.ok(lines.every((l) => l > 20));
});

test("read-only shares of a partition are fine, and so are the examples' patterns", async () => {
  const yaml = `${RICH_BOARD}vms:\n${vm("a", "[0]", "128M", "    devices: [{ virtio: block, partition: shared, readonly: true }, { virtio: block, partition: data }]\n")}${vm("b", "[1]", "128M", "    devices: [{ virtio: block, partition: shared, readonly: true }]\n")}`;
  assert.deepEqual(await s.issues(yaml), []);
});

test("a description becomes deeply frozen typed data with defaults", async () => {
  const { description: d } = await s.load(`${BOARD}vms:\n${vm("a", "[2, 3]")}`);
  assert.equal(d.board.name, "system");
  assert.equal(d.board.memory, 1 << 30);
  assert.equal(d.board.secureBoot, false);
  const v = d.vms[0]!;
  assert.deepEqual([v.criticality, v.timing, v.autostart, v.os], ["general", "realtime", true, ""]);
  assert.deepEqual(v.restart, { on: [], backoff: { initialMs: 1000, maxMs: 60_000, factor: 2 } });
  assert.deepEqual(v.boot, { kind: "kernel", kernel: { kind: "file", ref: "kernel.elf", path: `${s.dir}/kernel.elf` }, firmware: "builtin" });
  assert.ok(Object.isFrozen(d) && Object.isFrozen(d.vms) && Object.isFrozen(v.cores) && Object.isFrozen(v.boot));
  assert.throws(() => { (v.cores as number[]).push(1); }, TypeError);
});

test("a share: its path from the description's directory, read-only unless written false", async () => {
  const { plan } = await s.load(`${BOARD}vms:\n${vm("a", "[0]", "128M", "    devices:\n      - { virtio: share, path: debian, tag: images }\n      - { virtio: share, path: ., tag: rw, readonly: false }\n")}`);
  assert.deepEqual(plan.vms[0]!.devices, [
    { kind: "share", path: join(s.dir, "debian"), tag: "images", readonly: true },
    { kind: "share", path: s.dir, tag: "rw", readonly: false },
  ]);
});

test("debug: a GDB port and hold reach the VM's plan; absent, none", async () => {
  const { plan } = await s.load(`${BOARD}vms:\n${vm("a", "[0]", "128M", "    debug: { gdb: 0, hold: true }\n")}${vm("b", "[1]")}`);
  assert.deepEqual(plan.vms[0]!.debug, { gdb: 0, hold: true });
  assert.equal(plan.vms[1]!.debug, undefined);
});

test("restart on: always and never, a list, and durations", async () => {
  const { description: d } = await s.load(`${BOARD}vms:\n${vm("a", "[0]", "128M", "    restart: { on: always, backoff: { initial: 500ms, max: 2m, factor: 1.5 } }\n    watchdog: { timeout: 1.5s, action: pause }\n")}${vm("b", "[1]", "128M", "    restart: { on: [watchdog, crash] }\n")}`);
  assert.deepEqual(d.vms[0]!.restart, { on: ["crash", "watchdog", "poweroff"], backoff: { initialMs: 500, maxMs: 120_000, factor: 1.5 } });
  assert.deepEqual(d.vms[0]!.watchdog, { timeoutMs: 1500, action: "pause" });
  assert.deepEqual(d.vms[1]!.restart.on, ["crash", "watchdog"]);
});

test("Debian's images are asked for only when named, and a failure to get them is an issue at each use", async () => {
  let asked = 0;
  await s.load(`${BOARD}vms:\n${vm("a", "[0]")}`, { debianImages: async () => { asked++; return s.debian; } });
  assert.equal(asked, 0);
  const issues = await s.issues(`${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: "debian:kernel", initrd: "debian:initrd" }\n`,
    { debianImages: async () => { throw new Error("run 'bulkhead images fetch'"); } });
  assert.deepEqual(issues.map((i) => [i.path, i.message]), [
    ["vms[0].boot.kernel", "debian:kernel is not available: run 'bulkhead images fetch'"],
    ["vms[0].boot.initrd", "debian:initrd is not available: run 'bulkhead images fetch'"],
  ]);
});

test("an initrd built from Debian's packages: built once per distinct content, its path in the plan, a failure an issue at its key", async () => {
  const built: string[] = [];
  const yaml = (initrd: string) => `${BOARD}vms:\n  - name: a\n    cores: [0]\n    memory: 128M\n    boot: { kernel: "debian:kernel", initrd: ${initrd} }\n`;
  const { plan } = await s.load(yaml("{ debian: [nftables, libc6], load: [nf_tables] }"),
    { buildInitramfs: async (ref) => { built.push(ref.ref); assert.deepEqual([ref.packages, ref.modules, ref.load], [["libc6", "nftables"], undefined, ["nf_tables"]]); return s.debian.initrd; } });
  assert.deepEqual(built, ["initramfs(debian: libc6, nftables; load: nf_tables)"]);
  const boot = plan.vms[0]!.boot;
  assert.equal(boot.mode === "direct" ? boot.initrd?.path : undefined, s.debian.initrd);
  const issues = await s.issues(yaml("{ debian: [nftables], modules: [nf_tablez] }"),
    { buildInitramfs: async () => { throw new Error("kernel module 'nf_tablez' is not in modules.dep"); } });
  assert.deepEqual(issues.map((i) => [i.path, i.message]), [
    ["vms[0].boot.initrd", "initramfs(debian: nftables; modules: nf_tablez) is not available: kernel module 'nf_tablez' is not in modules.dep"],
  ]);
  const bad = await s.issues(yaml("{ debian: ['-o=Dir::Etc=/'] }"), { buildInitramfs: async () => assert.fail("not built") });
  assert.equal(bad.length, 1);
  assert.deepEqual([bad[0]!.path, bad[0]!.message], ["vms[0].boot.initrd.debian[0]", "'-o=Dir::Etc=/' is not a Debian package name (lower-case letters, digits, '+', '-' and '.', as in nftables)"]);
});

test("the schema, the reference page and the examples agree: every key is documented, every example names the schema", async () => {
  const { readFileSync, readdirSync } = await import("node:fs");
  const root = new URL("../../../../", import.meta.url);
  const schema = JSON.parse(readFileSync(new URL("schema/system.schema.json", root), "utf8")) as unknown;
  const keys = new Set<string>();
  const walk = (o: unknown): void => {
    if (Array.isArray(o)) o.forEach(walk);
    else if (typeof o === "object" && o !== null) {
      for (const [k, v] of Object.entries(o)) {
        if (k === "properties") Object.keys(v as object).forEach((p) => keys.add(p));
        walk(v);
      }
    }
  };
  walk(schema);
  const doc = readFileSync(new URL("docs/system-description.md", root), "utf8");
  const undocumented = [...keys].filter((k) => !doc.includes(`\`${k}\``) && !doc.includes(`\`${k}:`) && !doc.includes(`.${k}\``));
  assert.deepEqual(undocumented, []);
  assert.match(doc, /schema\/system\.schema\.json/);
  for (const f of readdirSync(new URL("examples/", root)).filter((x) => x.endsWith(".yaml"))) {
    const first = readFileSync(new URL(`examples/${f}`, root), "utf8").split("\n")[0];
    assert.equal(first, "# yaml-language-server: $schema=../schema/system.schema.json", f);
  }
});

test("a description changed in code gets the same checks (the shell's assign, unassign, create)", async () => {
  const file = join(s.dir, "edit.yaml");
  writeFileSync(file, `${RICH_BOARD}vms:\n${vm("a", "[0, 1]", "512M", "    devices: [{ virtio: block, partition: data }]\n")}`);
  const ed = await DescriptionEditor.open(file, s.options());
  const refused = async (p: Promise<unknown>): Promise<string> => {
    try {
      await p;
    } catch (e) {
      if (e instanceof DescriptionError) return e.issues.map((i) => `${i.path}: ${i.problem.kind}`).join("; ");
      if (e instanceof EditError) return e.message;
      throw e;
    }
    assert.fail("the edit was accepted");
  };
  // create: every check a file gets, with paths into the edited description
  assert.equal(await refused(ed.create({ name: "b", cores: [1, 3], memory: "768M", kernel: "kernel.elf", devices: [{ virtio: "block", partition: "data", readonly: true }] }, s.dir)),
    "vms[1].cores[0]: CoreTaken; vms[1].devices[0].partition: PartitionShared; vms[1].memory: MemoryExhausted");
  assert.equal(await refused(ed.create({ name: "b", cores: 3, memory: "16M", kernel: "kernel.elf" }, s.dir)), "create: 3 core(s) asked for, but only 2 are free (2, 3)");
  assert.equal(await refused(ed.create({ name: "b", cores: 1, memory: "16M", kernel: "kernel.elf", colour: "red" }, s.dir)), "vms[1].colour: UnknownKey");
  const made = await ed.create({ name: "b", cores: 2, memory: "256M", kernel: "kernel.elf" }, s.dir);
  assert.deepEqual(made.plan.vms.map((v) => [v.name, v.cores, v.boardRam.base, v.autostart]), [["a", [0, 1], 0x8000_0000n, true], ["b", [2, 3], 0xa000_0000n, false]]);
  assert.deepEqual(made.plan.board.freeCores, []);
  assert.equal(ed.loaded.plan.vms.length, 1, "nothing changes before commit");
  made.commit();
  assert.equal(ed.loaded.plan.vms.length, 2);
  // assign: a read-write share of a partition another VM has is refused; a read-only one of another is not
  assert.equal(await refused(ed.assign("b", { virtio: "block", partition: "data" })), "vms[1].devices[0].partition: PartitionShared");
  assert.equal(await refused(ed.assign("b", { virtio: "block", partition: "nope" })), "vms[1].devices[0].partition: Unknown");
  assert.equal(await refused(ed.assign("c", { virtio: "rng" })), "no vm 'c' (the VMs: a, b)");
  const given = await ed.assign("b", { virtio: "block", partition: "shared", readonly: true });
  given.commit();
  assert.deepEqual(ed.loaded.plan.vms[1]!.devices.map((d) => d.kind === "block" && [d.partition, d.readonly]), [["shared", true]]);
  // unassign: by number or by fields
  assert.equal(await refused(ed.unassign("b", 3)), "vm 'b' has no device 3 (it has 1: 0: virtio: block, partition: shared, readonly: true)");
  assert.equal(await refused(ed.unassign("a", { partition: "shared" })), "vm 'a' has no device with partition=shared (it has: 0: virtio: block, partition: data)");
  (await ed.unassign("b", { partition: "shared" })).commit();
  assert.deepEqual(ed.loaded.plan.vms[1]!.devices, []);
});

test("KEY=VALUE words read as the description's YAML values", () => {
  assert.deepEqual(wordsToData(["virtio=console", "ports=[a, b]", "readonly=true", "cores=2", "boot.kernel=x.elf", "append=console=ttyS0 quiet"]),
    { virtio: "console", ports: ["a", "b"], readonly: true, cores: 2, boot: { kernel: "x.elf" }, append: "console=ttyS0 quiet" });
  assert.throws(() => wordsToData(["readonly"]), /'readonly' is not KEY=VALUE/);
  assert.throws(() => wordsToData(["a=1", "a=2"]), /a is given twice/);
});

test("a signed bundle's roles make the boot: direct, firmware, staged; secure boot accepts it", async () => {
  const { plan } = await s.load(`${RICH_BOARD.replace("  memory: 1G\n", "  memory: 1G\n  secure_boot: true\n")}vms:
  - name: a
    cores: [0]
    memory: 128M
    boot: { bundle: a.bundle, append: console=ttyS0, key: vendor, min_version: 2 }
  - name: b
    cores: [1]
    memory: 128M
    boot: { bundle: fw.bundle }
  - name: c
    cores: [2]
    memory: 128M
    boot: { bundle: uboot.bundle, disk: data }
    devices: [{ virtio: block, partition: data }]
`);
  const [a, b, c] = plan.vms.map((v) => v.boot);
  const at = (bundle: string, role: string) => ({ path: join(s.dir, bundle), ref: `${bundle}[${role}]`, role });
  assert.deepEqual(a, {
    mode: "direct", kernel: at("a.bundle", "kernel"), rawKernel: false, initrd: at("a.bundle", "initrd"), append: "console=ttyS0",
    bundle: { path: join(s.dir, "a.bundle"), ref: "a.bundle", minVersion: 2 }, key: "vendor", unsignedAllowed: false,
  });
  assert.equal(b!.mode, "firmware");
  assert.deepEqual([b!.firmware, b!.kernel, b!.initrd], [at("fw.bundle", "firmware"), at("fw.bundle", "kernel"), at("fw.bundle", "initrd")]);
  assert.deepEqual([c!.mode, c!.firmware, c!.kernel, c!.rawKernel, c!.disk], ["firmware", at("uboot.bundle", "firmware"), at("uboot.bundle", "bootloader"), true, "data"]);
});

test("A/B slots: the partition's place on the disk, each bundle VM's deadline, an upgrade port and its targets", async () => {
  const { plan } = await s.load(`${SLOTS_BOARD.replace("slot_size: 4M", "slot_size: 2M")}vms:
  - name: a
    cores: [0]
    memory: 128M
    boot: { bundle: a.bundle }
    devices: [{ virtio: console, ports: [hvc, org.bulkhead.upgrade] }]
    upgrade: { port: org.bulkhead.upgrade, deadline: 30s }
  - name: b
    cores: [1]
    memory: 64M
    boot: { bundle: a.bundle }
  - name: c
    cores: [2]
    memory: 64M
    boot: { bundle: a.bundle }
    devices: [{ virtio: console, ports: [hvc, up] }]
    upgrade: { port: up, targets: [a, b] }
`);
  assert.deepEqual(plan.board.slots, { partition: "shared", disk: "disk0", image: join(s.dir, "disk0.img"), offset: 17 << 20, size: 16 << 20, slotSize: 2 << 20 });
  assert.deepEqual(plan.vms.map((v) => v.upgrade), [
    { slots: true, deadlineMs: 30_000, port: "org.bulkhead.upgrade", targets: ["a"] },
    { slots: true, deadlineMs: 60_000, targets: [] },
    { slots: true, deadlineMs: 60_000, port: "up", targets: ["a", "b"] },
  ]);
});

test("the persistent partition: its place on the disk; a VM may have it read-only", async () => {
  const { plan } = await s.load(`${SLOTS_BOARD}  persist: { partition: data }\n${boot("{ bundle: a.bundle }")}    devices: [{ virtio: block, partition: data, readonly: true }]\n`);
  assert.deepEqual(plan.board.persist, { partition: "data", disk: "disk0", image: join(s.dir, "disk0.img"), offset: 1 << 20, size: 16 << 20 });
});

test("loose files boot unverified where secure boot is off, unless the VM refuses them", async () => {
  const { plan } = await s.load(`${BOARD}vms:\n${vm("a", "[0]")}`);
  assert.equal(plan.vms[0]!.boot.unsignedAllowed, true);
});
