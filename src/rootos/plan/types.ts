// The partition plan: what a checked system description means for the board and for
// each VM, derived once (derive.ts) and deeply frozen. It is the only thing below the
// description that the RootOS hands on: the supervisor reads the SystemPlan, and each
// VM's runtime receives only its own VmPlan and builds its machine from it. Nothing
// here refers back to the YAML; every path is absolute, every size is in bytes, every
// duration in milliseconds, every default filled in.
//
//   system.yaml ──parse+check──▶ SystemDescription ──derive──▶ SystemPlan ──▶ VmPlan per VM
import type { PortHost } from "../../chardev/open.js";
import type { BootMode } from "../../boot/loader.js";
import type { Role } from "../../images/bundle.js";
import type { Region } from "../../platform/memmap.js";
import type { Endpoint } from "../../net/index.js";

/** How much a VM matters; the supervisor may use it to order starts and report faults. */
export type Criticality = "safety" | "realtime" | "general";

/** The VM's clock (MachineConfig.timing): host monotonic time, or instruction-driven and repeatable. */
export type Timing = "realtime" | "virtual";

/** A file a VM boots, resolved. */
export interface BootFile {
  /** Absolute path on the host. */
  readonly path: string;
  /** As the description wrote it ("debian:kernel", "rt/hello.elf", "linux-a.bundle[kernel]"), for messages and the boot log. */
  readonly ref: string;
  /** Bundle boot: `path` is the bundle, and this file is its file of this role. */
  readonly role?: Role;
}

/** A signed image bundle a VM boots from: verified (src/rootos/trust) before every start. */
export interface BundlePlan {
  /** Absolute path on the host. */
  readonly path: string;
  readonly ref: string;
  /** Anti-rollback: the lowest version accepted (the description's min_version). */
  readonly minVersion?: number;
}

/**
 * What a VM boots, in the terms of MachineConfig.boot:
 * - direct: Bulkhead answers SBI; `kernel` (+ `initrd`, `append`) starts in S-mode.
 * - bare: `kernel` is an ELF program started in M-mode with no firmware (qemu -bios none).
 * - firmware: `firmware` (OpenSBI fw_dynamic/fw_jump) runs first in M-mode, then `kernel`:
 *   a kernel, or in a staged boot the bootloader (U-Boot), which boots from `disk`.
 */
export interface VmBoot {
  readonly mode: BootMode;
  /** Firmware mode: the M-mode firmware loaded at the RAM base. */
  readonly firmware?: BootFile;
  /** The kernel, the bare-metal program, or (staged boot) the bootloader. */
  readonly kernel: BootFile;
  /** Load `kernel` as a flat binary (a staged boot's u-boot.bin), not by its header. */
  readonly rawKernel: boolean;
  readonly initrd?: BootFile;
  /** Kernel command line (/chosen/bootargs). */
  readonly append?: string;
  /** Staged boot: the partition the bootloader boots from; it is also one of the VM's block devices. */
  readonly disk?: string;
  /** The images come from this signed bundle (firmware, kernel, initrd name its roles). */
  readonly bundle?: BundlePlan;
  /** Bundle boot: the trusted key that must have signed it; undefined: any trusted key. */
  readonly key?: string;
  /** Loose files that may boot unverified (never with the board's secure_boot); false for a bundle. */
  readonly unsignedAllowed: boolean;
}

/** A VM's view of one host byte stream (a serial line, a console port). See src/chardev. */
export type { PortHost } from "../../chardev/open.js";

/** The host resource behind a board NIC. */
export type NicHost =
  /** One Ethernet frame per UDP datagram (src/net/udp.ts). */
  | { readonly kind: "udp"; readonly local: Endpoint; readonly remote: Endpoint }
  /** No cable: frames sent are dropped, nothing arrives. */
  | { readonly kind: "none" };

/** One port of a virtio console (Linux: /dev/virtio-ports/NAME; port 0 is hvc0). */
export interface ConsolePortPlan {
  /**
   * A description names every port; "" is port 0 unnamed, hvc0 alone with no
   * /dev/virtio-ports link (`bulkhead run`'s terminal).
   */
  readonly name: string;
  /** Where its host end is; undefined: kept by the host (the RootOS: shell `console VM PORT`, the API; `bulkhead run`: the terminal). */
  readonly host?: PortHost;
}

/** How a virtio device reaches the guest; a description's devices are all on virtio-pci. */
export type VirtioTransport = "virtio-pci" | "virtio-mmio";

/** What every virtio device of a plan may say about its transport (undefined: virtio-pci). */
interface OnTransport {
  readonly transport?: VirtioTransport;
}

/**
 * One device of a VM, in the order the description lists them (or `bulkhead run` its
 * options). The device factory (src/runner/devices.ts) opens each kind's host end.
 */
export type VmDevice =
  /** A board NIC given to this VM alone: a virtio-net device whose backend is the NIC's host resource. */
  | { readonly kind: "passthrough-nic"; readonly name: string; readonly host: NicHost; readonly mac: string } & OnTransport
  /** A board serial port given to this VM alone: the host end of the VM's UART (NS16550A at 0x1000_0000). */
  | { readonly kind: "passthrough-serial"; readonly name: string; readonly host: PortHost }
  /** virtio-console with named ports. */
  | { readonly kind: "console"; readonly ports: readonly ConsolePortPlan[] } & OnTransport
  /** virtio-blk on bytes [offset, offset+size) of `image`: a partition of a board disk, or a `bulkhead run --drive`. */
  | {
      readonly kind: "block";
      /** The board disk and its partition (undefined for a `bulkhead run --drive`: the device is labelled virtio-blkN alone). */
      readonly partition?: string; readonly disk?: string;
      /** The disk image, absolute. */
      readonly image: string;
      readonly offset: number; readonly size: number; readonly readonly: boolean;
    } & OnTransport
  /** virtio-net on a port of the RootOS virtual switch `network`. */
  | { readonly kind: "nic"; readonly network: string; readonly mac: string } & OnTransport
  /** virtio-rng (entropy from the host). */
  | { readonly kind: "rng" } & OnTransport
  /** virtio-9p: the host directory `path` (absolute), mounted by `tag`. */
  | { readonly kind: "share"; readonly path: string; readonly tag: string; readonly readonly: boolean } & OnTransport;

export type VmDeviceKind = VmDevice["kind"];

/** A cap on a VM's speed: instructions per second, or a share of one host core. */
export type Throttle =
  | { readonly kind: "mips"; readonly mips: number }
  | { readonly kind: "share"; readonly percent: number };

/**
 * What the supervisor does when a VM's watchdog expires:
 * restart: the VM is stopped as faulted and its restart policy decides (on: watchdog/always restarts it);
 * stop: stopped, and not restarted whatever the policy; pause: frozen for inspection; log: an event only.
 */
export type WatchdogAction = "restart" | "stop" | "pause" | "log";

export interface WatchdogPlan {
  /** The guest must kick at least this often. */
  readonly timeoutMs: number;
  readonly action: WatchdogAction;
  /** The virtio-console port of this VM the guest kicks through (any byte is a kick); undefined: the supervisor's default channel. */
  readonly port?: string;
}

/**
 * A stop that may restart a VM: crash (guest panic, failure exit, device-model fault),
 * watchdog (expiry with action restart), poweroff (a clean guest power-off). An operator's
 * stop never restarts a VM; a guest reboot always reboots it.
 */
export type RestartCause = "crash" | "watchdog" | "poweroff";

export interface RestartPlan {
  /** The stops that restart the VM: `on: always` is all three, `on: never` none. */
  readonly on: readonly RestartCause[];
  /**
   * Delay before the n-th restart in a row: initialMs × factor^(n-1), at most maxMs.
   * A VM that has run longer than maxMs since its last start counts as healthy again (n = 1).
   */
  readonly backoff: { readonly initialMs: number; readonly maxMs: number; readonly factor: number };
}

/** Field upgrades of a VM (docs/upgrades.md). */
export interface UpgradePlan {
  /** It boots from A/B slots in the board's slot partition (it boots a bundle and the board has slots). */
  readonly slots: boolean;
  /** How long a new image has to come up healthy before the RootOS rolls it back. */
  readonly deadlineMs: number;
  /** The console port (kept by the RootOS) it may send signed bundles through. */
  readonly port?: string;
  /** The VMs it may upgrade through `port`. */
  readonly targets: readonly string[];
}

/** One partition of a board disk the RootOS itself uses: bytes [offset, offset+size) of the image. */
export interface PartitionRangePlan {
  readonly partition: string;
  readonly disk: string;
  /** The disk image, absolute. */
  readonly image: string;
  readonly offset: number;
  readonly size: number;
}

/** Where the A/B slots live. */
export interface SlotsPlan extends PartitionRangePlan {
  readonly slotSize: number;
}

/** How a VM's thread is scheduled on the host. */
export type HostSched =
  /** SCHED_FIFO at this priority (1-99): it preempts every normal thread on its CPUs. */
  | { readonly policy: "fifo"; readonly priority: number }
  /** SCHED_OTHER at this nice value (-20..19). */
  | { readonly policy: "other"; readonly nice: number };

/** A VM's `priority:` as the description says it. */
export type PriorityChoice = { readonly kind: "realtime"; readonly priority: number } | { readonly kind: "nice"; readonly nice: number };

/** Where and how a VM's worker thread runs on the host. */
export interface HostPlacement {
  /** Host CPUs its thread may run on (sched_setaffinity). */
  readonly cpus: readonly number[];
  /** No other VM and not the RootOS runs on them. */
  readonly exclusive: boolean;
  readonly sched: HostSched;
}

/** The board on the host: what the RootOS's own thread gets, and what the plan could not give. */
export interface HostCpuPlan {
  /** Host CPUs the board may use (board.host_cpus, else all the RootOS may run on). */
  readonly cpus: readonly number[];
  /** The RootOS's event loop and the VMs that share. */
  readonly rootos: readonly number[];
  /** What the plan does instead of what was asked or would be the default (too few CPUs, ...); [] when all is as asked. */
  readonly notes: readonly string[];
}

/** Exactly what one VM needs to build and run its machine, and nothing of the others'. */
export interface VmPlan {
  readonly name: string;
  /** OS label from the description ("debian", "rt-exec"); informational. */
  readonly os: string;
  readonly criticality: Criticality;
  /** Board core ids, exclusively this VM's; hart i runs on cores[i]. */
  readonly cores: readonly number[];
  /** Where and how its worker thread runs on the host (host.ts); undefined: where the RootOS runs, at its priority (a plan made by hand). */
  readonly host?: HostPlacement;
  /** = cores.length (MachineConfig.harts). */
  readonly harts: number;
  /** Guest RAM size (MachineConfig.ramBytes). */
  readonly ramBytes: number;
  /**
   * The range of the board's physical memory the RootOS reserves for this VM
   * (size = ramBytes). The guest does not see it: its guest-physical RAM still starts at
   * MEMMAP.ram.base (0x8000_0000), like every virt machine's.
   */
  readonly boardRam: Region;
  readonly boot: VmBoot;
  readonly devices: readonly VmDevice[];
  readonly timing: Timing;
  /** undefined: runs as fast as it can. */
  readonly throttle?: Throttle;
  /** undefined: no watchdog. */
  readonly watchdog?: WatchdogPlan;
  /** undefined: it neither boots from slots nor sends upgrades. */
  readonly upgrade?: UpgradePlan;
  readonly restart: RestartPlan;
  /** `bulkhead up` starts it. */
  readonly autostart: boolean;
  /** Each line of its serial console is an event-log entry (kind console). */
  readonly consoleLog: boolean;
  /** undefined: no GDB port unless `gdb VM PORT` opens one (docs/debugging.md). */
  readonly debug?: DebugPlan;
}

/** A VM's debugger: a GDB port on 127.0.0.1 (0: a free one), and whether it waits for gdb before its first instruction. */
export interface DebugPlan {
  readonly gdb?: number;
  readonly hold: boolean;
}

/** One GPT partition of a board disk, where it is in the image. */
export interface PartitionPlan {
  readonly name: string;
  /** Byte offset in the image (1 MiB aligned, as sgdisk/parted place them). */
  readonly offset: number;
  readonly size: number;
  /** A created image starts this partition as a staged-boot disk: these files under /boot, an extlinux.conf naming them. */
  readonly extlinux?: { readonly kernel: BootFile; readonly initrd?: BootFile; readonly append?: string };
}

export interface DiskPlan {
  readonly name: string;
  /** The image file, absolute. */
  readonly image: string;
  /** The image does not exist yet and the description asks the RootOS to create it (sparse, with this GPT). */
  readonly create: boolean;
  /** The image's size: room for the partitions and both GPT copies. */
  readonly size: number;
  readonly partitions: readonly PartitionPlan[];
}

export interface BoardPlan {
  readonly name: string;
  /** Physical cores, ids 0..cores-1. */
  readonly cores: number;
  /** The board's physical memory: base MEMMAP.ram.base, size as described. */
  readonly memory: Region;
  /** Cores and memory no VM has (for VMs created at run time). */
  readonly freeCores: readonly number[];
  readonly freeMemory: readonly Region[];
  /** The board on the host's CPUs (host.ts); undefined: not placed (a plan made by hand). */
  readonly host?: HostCpuPlan;
  readonly disks: readonly DiskPlan[];
  /** The A/B slot partition; undefined: bundles boot from their files, and there are no upgrades. */
  readonly slots?: SlotsPlan;
  /** The RootOS persistent partition, where it writes its event log as text; undefined: none. */
  readonly persist?: PartitionRangePlan;
  readonly nics: readonly { readonly name: string; readonly host: NicHost; readonly mac: string }[];
  readonly serialPorts: readonly { readonly name: string; readonly host: PortHost }[];
  readonly secureBoot: boolean;
  /** Ed25519 public keys images are verified against (secure boot), absolute paths. */
  readonly trustedKeys: readonly { readonly name: string; readonly path: string }[];
}

/** A RootOS virtual switch. */
export interface NetworkPlan {
  readonly name: string;
  /** A board NIC joined to the switch as one more port. */
  readonly uplink?: { readonly nic: string; readonly host: NicHost };
  /** The VM NICs plugged into it: (vm name, index in that VM's devices). */
  readonly ports: readonly { readonly vm: string; readonly device: number }[];
}

/** The whole system. */
export interface SystemPlan {
  /** The description file, absolute; relative paths in it were resolved from its directory. */
  readonly source: string;
  readonly board: BoardPlan;
  /** In description order. */
  readonly vms: readonly VmPlan[];
  readonly networks: readonly NetworkPlan[];
}
