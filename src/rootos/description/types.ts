// The system description as typed, deeply frozen data: the YAML after parsing, shape
// checks (schema/system.schema.json) and the static checks of check.ts, with defaults
// filled in, sizes in bytes, durations in ms, host paths absolute. References between
// its parts (a partition, a network, a key by name) are still names: the partition plan
// (../plan) resolves them. Reference: docs/system-description.md.
import type { PortHost } from "../../chardev/open.js";
import type { Endpoint } from "../../net/index.js";
import type { Criticality, PriorityChoice, RestartPlan, Throttle, Timing, WatchdogAction } from "../plan/types.js";

/** The cached Debian images a description may name as `debian:NAME` (src/images). */
export const DEBIAN_IMAGES = ["kernel", "initrd", "opensbi", "opensbi-jump", "uboot"] as const;
export type DebianImage = (typeof DEBIAN_IMAGES)[number];

/** A file the description names: a host file, one of Debian's cached images, or an initramfs built from Debian's packages. */
export type FileRef =
  | { readonly kind: "file"; readonly ref: string; /** absolute */ readonly path: string }
  | { readonly kind: "debian"; readonly ref: string; readonly image: DebianImage }
  | InitramfsRef;

/** `initrd: { debian: [nftables], modules: [nf_tables] }`: built (and cached) by the loader, src/images/built-initramfs.ts. */
export interface InitramfsRef {
  readonly kind: "initramfs";
  /** canonical text, the key the built file is found by: "initramfs(debian: nftables; modules: nf_tables)" */
  readonly ref: string;
  readonly packages: readonly string[];
  /** absent: the default initramfs's modules */
  readonly modules?: readonly string[];
  readonly load: readonly string[];
}

export interface SystemDescription {
  /** The YAML file, absolute. */
  readonly file: string;
  readonly board: BoardDescription;
  readonly networks: readonly NetworkDescription[];
  readonly vms: readonly VmDescription[];
}

export interface BoardDescription {
  /** Default: the description file's name without its extension. */
  readonly name: string;
  readonly cores: number;
  readonly memory: number;
  /** Host CPUs the board may use (plan/host.ts); undefined: all the RootOS may. */
  readonly hostCpus?: readonly number[];
  readonly secureBoot: boolean;
  readonly trustedKeys: readonly KeyDescription[];
  readonly disks: readonly DiskDescription[];
  /** A/B boot slots for the VMs that boot bundles, in this partition (docs/upgrades.md). */
  readonly slots?: { readonly partition: string; readonly slotSize: number };
  /** The RootOS persistent partition: its event log as text (docs/supervisor.md). */
  readonly persist?: { readonly partition: string };
  readonly nics: readonly NicDescription[];
  readonly serialPorts: readonly SerialPortDescription[];
}

export interface KeyDescription {
  readonly name: string;
  readonly file: FileRef & { readonly kind: "file" };
}

export interface DiskDescription {
  readonly name: string;
  readonly image: FileRef & { readonly kind: "file" };
  readonly create: boolean;
  readonly size?: number;
  readonly partitions: readonly PartitionDescription[];
}

export interface PartitionDescription {
  readonly name: string;
  readonly size: number;
  /** A created image starts this partition as a staged-boot disk holding these files (src/images/disk-image.ts). */
  readonly extlinux?: { readonly kernel: FileRef; readonly initrd?: FileRef; readonly append?: string };
}

export interface NicDescription {
  readonly name: string;
  /** Undefined: the NIC has no cable. */
  readonly udp?: { readonly local: Endpoint; readonly remote: Endpoint };
  readonly mac?: string;
}

export interface SerialPortDescription {
  readonly name: string;
  readonly host: PortHost;
}

export interface NetworkDescription {
  readonly name: string;
  readonly uplink?: string;
}

/** Loose files may boot unverified (allowed), or not at all (refused); undefined: as secure_boot says. */
export type UnsignedPolicy = "allowed" | "refused";

export type BootDescription =
  | {
      readonly kind: "kernel";
      readonly kernel: FileRef;
      readonly initrd?: FileRef;
      readonly append?: string;
      /** builtin: Bulkhead answers SBI (direct); none: the kernel ELF runs in M-mode (bare). */
      readonly firmware: "builtin" | "none" | FileRef;
      readonly unsigned?: UnsignedPolicy;
    }
  | {
      readonly kind: "staged";
      readonly firmware: FileRef;
      readonly bootloader: FileRef;
      readonly disk: string;
      readonly unsigned?: UnsignedPolicy;
    }
  | {
      /** A signed image bundle: its files' roles decide the boot (firmware, bootloader, kernel, initrd). */
      readonly kind: "bundle";
      readonly bundle: FileRef & { readonly kind: "file" };
      readonly append?: string;
      /** Without a firmware file in the bundle: builtin (direct) or none (bare). */
      readonly firmware: "builtin" | "none";
      /** A bundle with a bootloader boots from this partition. */
      readonly disk?: string;
      /** The trusted key that must have signed it. */
      readonly key?: string;
      /** Anti-rollback: the lowest version accepted. */
      readonly minVersion?: number;
    };

export type DeviceDescription =
  | { readonly kind: "passthrough"; readonly name: string }
  | { readonly kind: "console"; readonly ports: readonly { readonly name: string; readonly host?: PortHost }[] }
  | { readonly kind: "block"; readonly partition: string; readonly readonly: boolean }
  | { readonly kind: "nic"; readonly network: string; readonly mac?: string }
  | { readonly kind: "rng" }
  /** A host directory over virtio-9p; `path` absolute. */
  | { readonly kind: "share"; readonly path: string; readonly tag: string; readonly readonly: boolean };

export interface VmDescription {
  readonly name: string;
  readonly os: string;
  readonly criticality: Criticality;
  readonly cores: readonly number[];
  /** Host CPUs for its thread (plan/host.ts); undefined: the plan chooses. */
  readonly hostCpus?: readonly number[];
  /** Its thread's host scheduling; undefined: by its criticality. */
  readonly priority?: PriorityChoice;
  /** `at`: an offset in the board's memory; undefined: the RootOS places it. */
  readonly memory: { readonly size: number; readonly at?: number };
  readonly boot: BootDescription;
  readonly devices: readonly DeviceDescription[];
  readonly timing: Timing;
  readonly throttle?: Throttle;
  readonly watchdog?: { readonly timeoutMs: number; readonly action: WatchdogAction; readonly port?: string };
  /** Field upgrades: this VM's health deadline after one, and the port it may send them through. */
  readonly upgrade?: { readonly port?: string; readonly targets?: readonly string[]; readonly deadlineMs: number };
  readonly restart: RestartPlan;
  readonly autostart: boolean;
  /** Its serial console's lines go into the event log. */
  readonly consoleLog: boolean;
  /** A GDB port (loopback) and whether the VM waits for gdb before its first instruction. */
  readonly debug?: { readonly gdb?: number; readonly hold: boolean };
}

/**
 * A description while it is being checked: any part may be missing (it was absent or
 * had the wrong shape, and an issue says so already), and list entries that could not be
 * read at all are undefined, so indices still match the file. When no issue was found,
 * every part is there and the draft is a SystemDescription.
 */
export type Draft<T> = T extends string | number | boolean | bigint | Uint8Array ? T
  : T extends readonly (infer U)[] ? readonly (Draft<U> | undefined)[]
  : T extends object
    // `kind` stays: an entry whose kind is unknown is left out whole, so unions still narrow
    ? { readonly [K in keyof T as K extends "kind" ? K : never]: T[K] } & { readonly [K in keyof T as K extends "kind" ? never : K]?: Draft<T[K]> }
  : T;
