// A checked SystemDescription to its SystemPlan: names resolved, board memory carved up
// (layout.ts), partitions located in their images, MAC addresses assigned, cached
// images turned into paths; then the whole plan is frozen.
import { closeSync, openSync, readSync } from "node:fs";
import { peekBundleFile, type PeekedBundle, type Role } from "../../images/bundle.js";
import type { GptTable } from "../../images/gpt.js";
import type { CachedImages } from "../../images/store.js";
import { MEMMAP } from "../../platform/memmap.js";
import { defaultMac, formatMac } from "../../net/index.js";
import type { DebianImage, FileRef, PartitionDescription, SystemDescription, VmDescription } from "../description/types.js";
import { freeRanges, layoutPartitions, placeMemory } from "./layout.js";
import { hostCpus, placeOnHost } from "./host.js";
import { DEFAULT_UPGRADE_DEADLINE_MS } from "../description/convert.js";
import type { BootFile, DiskPlan, NicHost, PartitionRangePlan, SystemPlan, UpgradePlan, VmBoot, VmDevice, VmPlan } from "./types.js";

export interface DeriveEnv {
  /** Debian's cached images; needed when the description names any (debian:kernel, ...). */
  readonly debian?: CachedImages;
  /** The initramfs images built for `initrd: { debian: [...] }`, by their ref. */
  readonly initramfs?: ReadonlyMap<string, string>;
  /** Whether a file is an ELF (a staged boot loads a non-ELF bootloader as a flat binary). Default: reads its first bytes. */
  readonly isElf?: (path: string) => boolean;
  /** Disk images that exist already, with their GPT: partitions are where the image has them. */
  readonly existingImages?: ReadonlyMap<string, { readonly size: number; readonly gpt: GptTable }>;
  /** Signed bundles' manifests by path (the checks read them); default: read them. */
  readonly bundles?: ReadonlyMap<string, PeekedBundle>;
  /** Host CPUs the VMs and the RootOS may run on; default: this process's (hostCpus()). */
  readonly hostCpus?: readonly number[];
}

const DEBIAN_FIELD: Record<DebianImage, keyof CachedImages> = {
  kernel: "kernel", initrd: "initrd", opensbi: "fwDynamic", "opensbi-jump": "fwJump", uboot: "uboot",
};

/** The plan of a description that passed every check (loadSystem); throws on our own bugs only. */
export function derivePlan(d: SystemDescription, env: DeriveEnv = {}): SystemPlan {
  const base = Number(MEMMAP.ram.base);
  const placements = placeMemory(d.vms.map((vm) => vm.memory), d.board.memory);
  const offsets = placements.map((p, i) => {
    if (p?.kind !== "placed") throw new Error(`derivePlan: vm '${d.vms[i]!.name}' has no memory (the description was not checked)`);
    return p.offset;
  });

  const file = (ref: FileRef): BootFile => {
    if (ref.kind === "file") return { path: ref.path, ref: ref.ref };
    if (ref.kind === "initramfs") {
      const built = env.initramfs?.get(ref.ref);
      if (built === undefined) throw new Error(`derivePlan: ${ref.ref} named but not built`);
      return { path: built, ref: ref.ref };
    }
    if (!env.debian) throw new Error(`derivePlan: ${ref.ref} named but no Debian images given`);
    return { path: env.debian[DEBIAN_FIELD[ref.image]], ref: ref.ref };
  };
  const contents = (p: PartitionDescription) => (p.extlinux ? {
    extlinux: {
      kernel: file(p.extlinux.kernel),
      ...(p.extlinux.initrd ? { initrd: file(p.extlinux.initrd) } : {}),
      ...(p.extlinux.append !== undefined ? { append: p.extlinux.append } : {}),
    },
  } : {});
  const disks: DiskPlan[] = d.board.disks.map((disk) => {
    const existing = env.existingImages?.get(disk.image.path);
    if (existing) {
      return {
        name: disk.name, image: disk.image.path, create: false, size: existing.size,
        partitions: disk.partitions.map((p) => ({ name: p.name, offset: existing.gpt.partitions.find((x) => x.name === p.name)!.offset, size: p.size, ...contents(p) })),
      };
    }
    const { offsets: at, minImageSize } = layoutPartitions(disk.partitions.map((p) => p.size));
    return {
      name: disk.name, image: disk.image.path, create: disk.create, size: disk.size ?? minImageSize,
      partitions: disk.partitions.map((p, i) => ({ name: p.name, offset: at[i]!, size: p.size, ...contents(p) })),
    };
  });
  const partitionAt = new Map(disks.flatMap((disk) => disk.partitions.map((p) => [p.name, { disk, p }] as const)));

  // MAC addresses: the ones given, then QEMU's defaults (52:54:00:12:34:56 + n) skipping those.
  const used = new Set<string>([
    ...d.board.nics.flatMap((n) => (n.mac ? [n.mac] : [])),
    ...d.vms.flatMap((vm) => vm.devices.flatMap((x) => (x.kind === "nic" && x.mac ? [x.mac] : []))),
  ]);
  let n = 0;
  const nextMac = (): string => {
    for (;;) {
      const mac = formatMac(defaultMac(n++));
      if (!used.has(mac)) { used.add(mac); return mac; }
    }
  };
  const nics = d.board.nics.map((nic) => ({
    name: nic.name,
    host: (nic.udp ? { kind: "udp", local: nic.udp.local, remote: nic.udp.remote } : { kind: "none" }) as NicHost,
    mac: nic.mac ?? nextMac(),
  }));
  const serialPorts = d.board.serialPorts.map((s) => ({ name: s.name, host: s.host }));

  const isElf = env.isElf ?? sniffElf;

  const bootOf = (vm: VmDescription): VmBoot => {
    const b = vm.boot;
    if (b.kind === "bundle") {
      // The bundle's roles decide the boot, as the loose forms' keys do.
      const peeked = env.bundles?.get(b.bundle.path) ?? peekBundleFile(b.bundle.path);
      const has = (r: Role) => peeked.manifest.files.some((f) => f.role === r);
      const at = (role: Role): BootFile => ({ path: b.bundle.path, ref: `${b.bundle.ref}[${role}]`, role });
      const common = {
        bundle: { path: b.bundle.path, ref: b.bundle.ref, ...(b.minVersion !== undefined ? { minVersion: b.minVersion } : {}) },
        ...(b.key !== undefined ? { key: b.key } : {}), unsignedAllowed: false,
      };
      if (has("bootloader")) {
        const head = peeked.heads.get("bootloader") ?? new Uint8Array();
        return { mode: "firmware", firmware: at("firmware"), kernel: at("bootloader"), rawKernel: !isElfHead(head), disk: b.disk!, ...common };
      }
      return {
        mode: has("firmware") ? "firmware" : b.firmware === "none" ? "bare" : "direct",
        ...(has("firmware") ? { firmware: at("firmware") } : {}),
        kernel: at("kernel"),
        rawKernel: false,
        ...(has("initrd") ? { initrd: at("initrd") } : {}),
        ...(b.append !== undefined ? { append: b.append } : {}),
        ...common,
      };
    }
    const common = { unsignedAllowed: !d.board.secureBoot && b.unsigned !== "refused" };
    if (b.kind === "staged") {
      const bootloader = file(b.bootloader);
      return { mode: "firmware", firmware: file(b.firmware), kernel: bootloader, rawKernel: !isElf(bootloader.path), disk: b.disk, ...common };
    }
    return {
      mode: b.firmware === "builtin" ? "direct" : b.firmware === "none" ? "bare" : "firmware",
      ...(typeof b.firmware === "object" ? { firmware: file(b.firmware) } : {}),
      kernel: file(b.kernel),
      rawKernel: false,
      ...(b.initrd ? { initrd: file(b.initrd) } : {}),
      ...(b.append !== undefined ? { append: b.append } : {}),
      ...common,
    };
  };

  const devicesOf = (vm: VmDescription): VmDevice[] => vm.devices.map((x): VmDevice => {
    switch (x.kind) {
      case "passthrough": {
        const nic = nics.find((c) => c.name === x.name);
        if (nic) return { kind: "passthrough-nic", name: nic.name, host: nic.host, mac: nic.mac };
        return { kind: "passthrough-serial", name: x.name, host: serialPorts.find((s) => s.name === x.name)!.host };
      }
      case "console": return { kind: "console", ports: x.ports.map((p) => ({ name: p.name, ...(p.host ? { host: p.host } : {}) })) };
      case "block": {
        const { disk, p } = partitionAt.get(x.partition)!;
        return { kind: "block", partition: p.name, disk: disk.name, image: disk.image, offset: p.offset, size: p.size, readonly: x.readonly };
      }
      case "nic": return { kind: "nic", network: x.network, mac: x.mac ?? nextMac() };
      case "rng": return { kind: "rng" };
      case "share": return { kind: "share", path: x.path, tag: x.tag, readonly: x.readonly };
    }
  });

  const upgradeOf = (vm: VmDescription): UpgradePlan | undefined => {
    const slots = d.board.slots !== undefined && vm.boot.kind === "bundle";
    if (!slots && !vm.upgrade) return undefined;
    const port = vm.upgrade?.port;
    return {
      slots,
      deadlineMs: vm.upgrade?.deadlineMs ?? DEFAULT_UPGRADE_DEADLINE_MS,
      ...(port !== undefined ? { port } : {}),
      targets: port === undefined ? [] : vm.upgrade?.targets ?? [vm.name],
    };
  };
  const rangeOf = (name: string): PartitionRangePlan => {
    const { disk, p } = partitionAt.get(name)!;
    return { partition: p.name, disk: disk.name, image: disk.image, offset: p.offset, size: p.size };
  };

  const onHost = placeOnHost(d.vms, env.hostCpus ?? hostCpus(), d.board.hostCpus);
  const vms: VmPlan[] = d.vms.map((vm, i) => ({
    name: vm.name,
    os: vm.os,
    criticality: vm.criticality,
    cores: vm.cores,
    host: onHost.vms[i]!,
    harts: vm.cores.length,
    ramBytes: vm.memory.size,
    boardRam: { base: BigInt(base + offsets[i]!), size: BigInt(vm.memory.size) },
    boot: bootOf(vm),
    devices: devicesOf(vm),
    timing: vm.timing,
    ...(vm.throttle ? { throttle: vm.throttle } : {}),
    ...(vm.watchdog ? { watchdog: vm.watchdog } : {}),
    ...(upgradeOf(vm) ? { upgrade: upgradeOf(vm)! } : {}),
    restart: vm.restart,
    autostart: vm.autostart,
    consoleLog: vm.consoleLog,
    ...(vm.debug ? { debug: vm.debug } : {}),
  }));

  const taken = vms.map((vm) => ({ start: Number(vm.boardRam.base) - base, end: Number(vm.boardRam.base) - base + vm.ramBytes }));
  const usedCores = new Set(d.vms.flatMap((vm) => vm.cores));
  const plan: SystemPlan = {
    source: d.file,
    board: {
      name: d.board.name,
      cores: d.board.cores,
      memory: { base: BigInt(base), size: BigInt(d.board.memory) },
      freeCores: Array.from({ length: d.board.cores }, (_, c) => c).filter((c) => !usedCores.has(c)),
      freeMemory: freeRanges(taken, d.board.memory).map((g) => ({ base: BigInt(base + g.start), size: BigInt(g.end - g.start) })),
      host: onHost.board,
      disks,
      ...(d.board.slots ? { slots: { ...rangeOf(d.board.slots.partition), slotSize: d.board.slots.slotSize } } : {}),
      ...(d.board.persist ? { persist: rangeOf(d.board.persist.partition) } : {}),
      nics,
      serialPorts,
      secureBoot: d.board.secureBoot,
      trustedKeys: d.board.trustedKeys.map((k) => ({ name: k.name, path: k.file.path })),
    },
    vms,
    networks: d.networks.map((net) => {
      const uplink = net.uplink === undefined ? undefined : nics.find((c) => c.name === net.uplink)!;
      return {
        name: net.name,
        ...(uplink ? { uplink: { nic: uplink.name, host: uplink.host } } : {}),
        ports: vms.flatMap((vm) => vm.devices.flatMap((x, j) => (x.kind === "nic" && x.network === net.name ? [{ vm: vm.name, device: j }] : []))),
      };
    }),
  };
  return deepFreeze(plan);
}

/** Freeze `o` and everything reachable from it (plain data only). */
export function deepFreeze<T>(o: T): T {
  if (typeof o === "object" && o !== null && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o)) deepFreeze(v);
  }
  return o;
}

function sniffElf(path: string): boolean {
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(4);
    return readSync(fd, head, 0, 4, 0) === 4 && isElfHead(head);
  } finally {
    closeSync(fd);
  }
}

const isElfHead = (head: Uint8Array): boolean => head.length >= 4 && head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
