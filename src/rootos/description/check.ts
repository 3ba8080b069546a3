// The static checks: what the schema cannot see. Every name is unique and every
// reference resolves (partitions, networks, keys, board devices, console ports, files);
// no core, byte of board memory, pass-through device, host resource or MAC address is
// given twice; nothing exceeds the board; a partition a VM writes is that VM's alone;
// secure boot admits no unsigned image, trusted keys are Ed25519 public keys, and a signed
// bundle holds images that make a boot (its signature is checked when the VM starts, so
// that a bad bundle stops that VM only). Runs on a Draft, so one run finds everything.
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import type { PortHost } from "../../chardev/open.js";
import { BundleError, peekBundleFile, type PeekedBundle } from "../../images/bundle.js";
import type { GptTable } from "../../images/gpt.js";
import type { CachedImages } from "../../images/store.js";
import { MAX_RAM_BYTES, MIN_RAM_BYTES, RAM_ALIGN, ramProblem } from "../../machine/limits.js";
import { MEMMAP } from "../../platform/memmap.js";
import { layoutPartitions, MAX_PARTITIONS, placeMemory, SECTOR } from "../plan/layout.js";
import { PERSIST_MIN_BYTES } from "../persist/text-log.js";
import { SLOT_AREA_OFFSET, slotPairs } from "../slots/store.js";
import { parsePublicKey } from "../trust/keys.js";
import { formatPath as fmt, type PathSegment, type Problem } from "./errors.js";
import type { RawIssue } from "./parse.js";
import type { Draft, FileRef, SystemDescription } from "./types.js";

/** What is at a host path. */
export type Probe = { readonly kind: "file"; readonly size: number } | { readonly kind: "dir" } | { readonly kind: "missing" } | { readonly kind: "unreadable" };

/** The world the checks look at (the host's files by default; fakes in tests). */
export interface CheckEnv {
  probe(path: string): Probe;
  /** Debian's cached images, or why they are missing; undefined when the description names none. */
  readonly debian?: CachedImages | { readonly error: string };
  /** The initramfs images built for `initrd: { debian: [...] }` by their ref: the file, or why it could not be built. */
  readonly initramfs?: ReadonlyMap<string, string | { readonly error: string }>;
  /** The GPT of an existing disk image, or why it has none; default: every image is unpartitioned. */
  gpt?(path: string): GptTable | { readonly error: string };
  /** A signed bundle's manifest (unverified), or why it cannot be read; default: peekBundle(). */
  bundle?(path: string): PeekedBundle | { readonly error: string };
  /** What is wrong with a file as an Ed25519 public key (PEM), or undefined; default: publicKeyProblem(). */
  keyProblem?(path: string): string | undefined;
  /** A missing disk image is no problem even without create: true (bulkhead disk create is making it). */
  readonly missingDisksOk?: boolean;
}

/** The manifest of the bundle file at `path`, or why it cannot be read. */
export function peekBundle(path: string): PeekedBundle | { readonly error: string } {
  try {
    return peekBundleFile(path);
  } catch (e) {
    return { error: e instanceof BundleError ? e.message : (e as Error).message };
  }
}

/** What is wrong with the file at `path` as an Ed25519 public key, or undefined. */
function publicKeyProblem(path: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return (e as Error).message;
  }
  const key = parsePublicKey(text);
  return "why" in key ? key.why : undefined;
}

/** Probe the host's file system. */
export function probePath(path: string): Probe {
  try {
    const st = statSync(path);
    if (st.isDirectory()) return { kind: "dir" };
    accessSync(path, constants.R_OK);
    return { kind: "file", size: st.size };
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" || (e as NodeJS.ErrnoException).code === "ENOTDIR" ? { kind: "missing" } : { kind: "unreadable" };
  }
}

/** Slots start on 4 KiB boundaries. */
const SLOT_ALIGN = 4096;

type Path = readonly PathSegment[];
type D = Draft<SystemDescription>;

/** Every problem the static checks find in `d`. */
export function checkDescription(d: D, env: CheckEnv): RawIssue[] {
  const issues: RawIssue[] = [];
  const report = (path: Path, problem: Problem): void => { issues.push({ path, problem }); };
  const board = d.board ?? {};
  const vms = d.vms ?? [];

  // --- names: unique within their kind, and the sets references resolve against
  const names = (what: string, items: readonly ({ name?: string } | undefined)[] | undefined, at: (i: number) => Path): Map<string, Path> => {
    const seen = new Map<string, Path>();
    (items ?? []).forEach((item, i) => {
      const name = item?.name;
      if (name === undefined) return;
      const first = seen.get(name);
      if (first) report([...at(i), "name"], { kind: "Duplicate", what, name, first: fmt(first) });
      else seen.set(name, at(i));
    });
    return seen;
  };
  names("vm", vms, (i) => ["vms", i]);
  const keys = names("key", board.trustedKeys, (i) => ["board", "trusted_keys", i]);
  names("disk", board.disks, (i) => ["board", "disks", i]);
  const partitions = new Map<string, { disk: number; index: number }>();
  const partitionPaths = new Map<string, Path>();
  (board.disks ?? []).forEach((disk, i) => (disk?.partitions ?? []).forEach((p, j) => {
    if (p?.name === undefined) return;
    const at: Path = ["board", "disks", i, "partitions", j];
    const first = partitionPaths.get(p.name);
    if (first) report([...at, "name"], { kind: "Duplicate", what: "partition", name: p.name, first: fmt(first) });
    else { partitionPaths.set(p.name, at); partitions.set(p.name, { disk: i, index: j }); }
  }));
  const boardDevices = new Map<string, { kind: "nic" | "serial"; path: Path }>();
  const addBoardDevice = (kind: "nic" | "serial", items: readonly ({ name?: string } | undefined)[] | undefined, key: string): void =>
    (items ?? []).forEach((item, i) => {
      if (item?.name === undefined) return;
      const first = boardDevices.get(item.name);
      if (first) report(["board", key, i, "name"], { kind: "Duplicate", what: "board device", name: item.name, first: fmt(first.path) });
      else boardDevices.set(item.name, { kind, path: ["board", key, i] });
    });
  addBoardDevice("nic", board.nics, "nics");
  addBoardDevice("serial", board.serialPorts, "serial_ports");
  const networks = names("network", d.networks, (i) => ["networks", i]);

  // --- files
  const checkFile = (ref: Draft<FileRef> | undefined, what: string, path: Path): void => {
    if (ref?.kind === "debian") {
      if (env.debian && "error" in env.debian) report(path, { kind: "DebianImages", ref: ref.ref ?? "", message: env.debian.error });
      return;
    }
    if (ref?.kind === "initramfs") {
      const built = env.initramfs?.get(ref.ref ?? "");
      if (built !== undefined && typeof built !== "string") report(path, { kind: "DebianImages", ref: ref.ref ?? "", message: built.error });
      return;
    }
    if (ref?.path === undefined) return;
    const p = env.probe(ref.path);
    if (p.kind !== "file") report(path, { kind: "FileMissing", what, path: ref.path, why: p.kind === "dir" ? "directory" : p.kind === "missing" ? "missing" : "unreadable" });
  };

  // --- host resources: each backs one thing
  const hosts = new Map<string, string>();
  const claimHost = (host: PortHost | Draft<PortHost> | undefined, owner: string, path: Path): void => {
    if (host?.kind === undefined) return;
    const label = host.kind === "stdio" ? "stdio" : host.kind === "tcp" ? `tcp:${host.port}` : `${host.kind}:${host.path}`;
    const by = hosts.get(label);
    if (by !== undefined) report(path, { kind: "HostTaken", host: label, by });
    else hosts.set(label, owner);
    if ((host.kind === "file" || host.kind === "unix") && host.path !== undefined) {
      const dir = dirname(host.path);
      if (env.probe(dir).kind !== "dir") report(path, { kind: "DirMissing", what: `${host.kind}:${host.path}`, path: dir });
    }
  };
  const macs = new Map<string, string>();
  const claimMac = (mac: string | undefined, owner: string, path: Path): void => {
    if (mac === undefined) return;
    const by = macs.get(mac);
    if (by !== undefined) report(path, { kind: "MacTaken", mac, by });
    else macs.set(mac, owner);
  };

  // --- the board
  if (board.secureBoot === true && (board.trustedKeys ?? []).length === 0) report(["board", "secure_boot"], { kind: "SecureBootNoKeys" });
  (board.trustedKeys ?? []).forEach((k, i) => {
    const at: Path = ["board", "trusted_keys", i, "file"];
    checkFile(k?.file, "key file", at);
    if (k?.file?.path === undefined || env.probe(k.file.path).kind !== "file") return;
    const why = (env.keyProblem ?? publicKeyProblem)(k.file.path);
    if (why !== undefined) report(at, { kind: "BadKey", path: k.file.path, why });
  });
  (board.disks ?? []).forEach((disk, i) => {
    if (!disk) return;
    const at: Path = ["board", "disks", i];
    const parts = disk.partitions ?? [];
    if (parts.length > MAX_PARTITIONS) report([...at, "partitions"], { kind: "ListLength", count: parts.length, max: MAX_PARTITIONS, what: "partitions" });
    parts.forEach((p, j) => {
      const x = p?.extlinux, xp: Path = [...at, "partitions", j, "extlinux"];
      checkFile(x?.kernel, "kernel", [...xp, "kernel"]);
      checkFile(x?.initrd, "initrd", [...xp, "initrd"]);
      if (p?.size === undefined) return;
      if (p.size === 0 || p.size % SECTOR !== 0) report([...at, "partitions", j, "size"], { kind: "SizeAlign", what: "partition size", bytes: p.size, align: SECTOR });
    });
    const sizes = parts.map((p) => p?.size);
    if (sizes.some((s) => s === undefined)) return;
    const need = layoutPartitions(sizes as number[]).minImageSize;
    if (disk.size !== undefined && disk.size < need) report([...at, "size"], { kind: "DiskTooSmall", size: disk.size, need });
    if (disk.image?.path === undefined) return;
    const p = env.probe(disk.image.path);
    if (p.kind === "file") {
      // An image that exists is taken as it is: its own GPT must have the described partitions.
      const table = env.gpt?.(disk.image.path) ?? { error: "no GPT signature" };
      if ("error" in table) return report([...at, "image"], { kind: "DiskNoGpt", path: disk.image.path, why: table.error });
      parts.forEach((part, j) => {
        if (part?.name === undefined || part.size === undefined) return;
        const found = table.partitions.find((x) => x.name === part.name);
        if (!found) report([...at, "partitions", j, "name"], { kind: "PartitionNotInImage", partition: part.name, image: disk.image!.path!, have: table.partitions.map((x) => x.name) });
        else if (found.size !== part.size) report([...at, "partitions", j, "size"], { kind: "PartitionSizeDiffers", partition: part.name, inImage: found.size, described: part.size });
      });
    } else if (p.kind === "missing" && disk.create !== true && env.missingDisksOk !== true) {
      report([...at, "image"], { kind: "FileMissing", what: "disk image (add create: true to have the RootOS create it)", path: disk.image.path, why: "missing" });
    } else if (p.kind === "dir" || p.kind === "unreadable") {
      report([...at, "image"], { kind: "FileMissing", what: "disk image", path: disk.image.path, why: p.kind === "dir" ? "directory" : "unreadable" });
    }
  });
  (board.nics ?? []).forEach((n, i) => {
    if (n?.udp?.local?.host !== undefined) {
      const label = `udp ${n.udp.local.host}:${n.udp.local.port}`;
      const by = hosts.get(label);
      if (by !== undefined) report(["board", "nics", i, "udp", "local"], { kind: "HostTaken", host: label, by });
      else hosts.set(label, `board NIC '${n.name}'`);
    }
    claimMac(n?.mac, `board NIC '${n?.name}'`, ["board", "nics", i, "mac"]);
  });
  (board.serialPorts ?? []).forEach((s, i) => claimHost(s?.host, `serial port '${s?.name}'`, ["board", "serial_ports", i, "host"]));

  // --- pass-through devices: one owner each (a VM, or a network as its uplink)
  const owners = new Map<string, string>();
  (d.networks ?? []).forEach((n, i) => {
    if (n?.uplink === undefined) return;
    const path: Path = ["networks", i, "uplink"];
    const dev = boardDevices.get(n.uplink);
    if (dev?.kind !== "nic") {
      report(path, { kind: "Unknown", what: "board NIC", name: n.uplink, known: [...boardDevices].filter(([, v]) => v.kind === "nic").map(([k]) => k) });
      return;
    }
    const by = owners.get(n.uplink);
    if (by !== undefined) report(path, { kind: "DeviceTaken", device: n.uplink, by });
    else owners.set(n.uplink, `network '${n.name}' as its uplink`);
  });

  // --- the VMs
  const coreOwner = new Map<number, string>();
  const boardCores = board.cores;
  const shares = new Map<string, { vm: string; writes: boolean }[]>();
  vms.forEach((vm, i) => {
    if (!vm) return;
    const at: Path = ["vms", i];
    const name = vm.name ?? `#${i}`;
    (vm.cores ?? []).forEach((core, k) => {
      if (core === undefined) return;
      if (boardCores !== undefined && core >= boardCores) return report([...at, "cores", k], { kind: "CoreMissing", core, boardCores });
      const by = coreOwner.get(core);
      if (by !== undefined && by !== name) report([...at, "cores", k], { kind: "CoreTaken", core, vm: by });
      else coreOwner.set(core, name);
    });
    const size = vm.memory?.size;
    const memPath: Path = vm.memory?.at !== undefined ? [...at, "memory", "size"] : [...at, "memory"];
    if (size !== undefined) {
      const problem = ramProblem(size);
      if (problem === "small" || problem === "large") report(memPath, { kind: "SizeRange", what: "VM memory", bytes: size, min: MIN_RAM_BYTES, max: Number(MAX_RAM_BYTES) });
      else if (problem === "unaligned") report(memPath, { kind: "SizeAlign", what: "VM memory", bytes: size, align: RAM_ALIGN });
    }
    if (vm.memory?.at !== undefined && vm.memory.at % RAM_ALIGN !== 0) report([...at, "memory", "at"], { kind: "SizeAlign", what: "memory offset", bytes: vm.memory.at, align: RAM_ALIGN });

    // boot
    const boot = vm.boot;
    if (boot) {
      const bp: Path = [...at, "boot"];
      if (boot.kind === "kernel") {
        checkFile(boot.kernel, "kernel", [...bp, "kernel"]);
        checkFile(boot.initrd, "initrd", [...bp, "initrd"]);
        if (typeof boot.firmware === "object") checkFile(boot.firmware, "firmware", [...bp, "firmware"]);
        if (boot.firmware === "none" && boot.initrd !== undefined) report([...bp, "initrd"], { kind: "BareInitrd" });
      } else if (boot.kind === "staged") {
        checkFile(boot.firmware, "firmware", [...bp, "firmware"]);
        checkFile(boot.bootloader, "bootloader", [...bp, "bootloader"]);
      } else if (boot.kind === "bundle") {
        checkFile(boot.bundle, "bundle", [...bp, "bundle"]);
        if ((board.trustedKeys ?? []).length === 0) report([...bp, "bundle"], { kind: "BundleNoKeys" });
        if (boot.key !== undefined && !keys.has(boot.key)) report([...bp, "key"], { kind: "Unknown", what: "trusted key", name: boot.key, known: [...keys.keys()] });
        const path = boot.bundle?.path;
        if (path !== undefined && env.probe(path).kind === "file") {
          const peeked = (env.bundle ?? peekBundle)(path);
          if ("error" in peeked) report([...bp, "bundle"], { kind: "BadBundle", path, why: peeked.error });
          else {
            const roles = peeked.manifest.files.map((f) => f.role);
            const why = bundleBootProblem(roles, boot.firmware ?? "builtin", boot.disk !== undefined, boot.append !== undefined);
            if (why !== undefined) report([...bp, "bundle"], { kind: "BundleRoles", roles, why });
          }
        }
      }
      if ((boot.kind === "staged" || boot.kind === "bundle") && boot.disk !== undefined) {
        const blocks = (vm.devices ?? []).filter((x) => x?.kind === "block").map((x) => (x as { partition?: string }).partition);
        if (!partitions.has(boot.disk)) report([...bp, "disk"], { kind: "Unknown", what: "partition", name: boot.disk, known: [...partitions.keys()] });
        else if (!blocks.includes(boot.disk)) report([...bp, "disk"], { kind: "BootDiskNotBlock", partition: boot.disk });
      }
      if (boot.kind !== "bundle") {
        // Loose files are unsigned: they boot only where the board and the VM allow it.
        if (boot.unsigned === "allowed" && board.secureBoot === true) report([...bp, "unsigned"], { kind: "UnsignedWithSecureBoot" });
        else if (board.secureBoot === true || boot.unsigned === "refused") report(bp, { kind: "UnsignedImages", secureBoot: board.secureBoot === true });
      }
    }

    // devices
    const ports = new Map<string, Path>();
    const ownPartitions = new Set<string>();
    const tags = new Map<string, Path>();
    let serial: Path | undefined;
    (vm.devices ?? []).forEach((dev, j) => {
      if (!dev) return;
      const dp: Path = [...at, "devices", j];
      switch (dev.kind) {
        case "passthrough": {
          if (dev.name === undefined) return;
          const bd = boardDevices.get(dev.name);
          if (!bd) return report([...dp, "passthrough"], { kind: "Unknown", what: "board NIC or serial port", name: dev.name, known: [...boardDevices.keys()] });
          const by = owners.get(dev.name);
          if (by !== undefined) report([...dp, "passthrough"], { kind: "DeviceTaken", device: dev.name, by });
          else owners.set(dev.name, `vm '${name}'`);
          if (bd.kind === "serial") {
            if (serial) report([...dp, "passthrough"], { kind: "SerialTwice", first: fmt(serial) });
            else serial = dp;
          }
          return;
        }
        case "console":
          (dev.ports ?? []).forEach((port, k) => {
            if (port?.name === undefined) return;
            const pp: Path = [...dp, "ports", k];
            const first = ports.get(port.name);
            if (first) report(pp, { kind: "Duplicate", what: "console port", name: port.name, first: fmt(first) });
            else ports.set(port.name, pp);
            claimHost(port.host, `console port '${port.name}' of vm '${name}'`, [...pp, "host"]);
          });
          return;
        case "block": {
          const p = dev.partition;
          if (p === undefined) return;
          if (!partitions.has(p)) return report([...dp, "partition"], { kind: "Unknown", what: "partition", name: p, known: [...partitions.keys()] });
          if (ownPartitions.has(p)) return report([...dp, "partition"], { kind: "PartitionTwice", partition: p });
          ownPartitions.add(p);
          const writes = dev.readonly !== true;
          const others = shares.get(p) ?? [];
          const clash = others.find((o) => writes || o.writes);
          if (clash) report([...dp, "partition"], { kind: "PartitionShared", partition: p, vm: clash.vm, thisWrites: writes });
          shares.set(p, [...others, { vm: name, writes }]);
          return;
        }
        case "nic":
          if (dev.network !== undefined && !networks.has(dev.network)) {
            report([...dp, "network"], { kind: "Unknown", what: "network", name: dev.network, known: [...networks.keys()] });
          }
          claimMac(dev.mac, `a NIC of vm '${name}'`, [...dp, "mac"]);
          return;
        case "rng":
          return;
        case "share": {
          if (dev.tag !== undefined) {
            const first = tags.get(dev.tag);
            if (first) report([...dp, "tag"], { kind: "Duplicate", what: "share tag", name: dev.tag, first: fmt(first) });
            else tags.set(dev.tag, [...dp, "tag"]);
          }
          if (dev.path !== undefined && env.probe(dev.path).kind !== "dir") report([...dp, "path"], { kind: "DirMissing", what: `share '${dev.tag ?? ""}'`, path: dev.path });
          return;
        }
      }
    });
    if (vm.watchdog?.port !== undefined && !ports.has(vm.watchdog.port)) {
      report([...at, "watchdog", "port"], { kind: "Unknown", what: "console port in this VM", name: vm.watchdog.port, known: [...ports.keys()] });
    }
    // A GDB port is a loopback TCP port like a console's tcp host end (0: a free one, never taken twice).
    const gdb = vm.debug?.gdb;
    if (gdb !== undefined && gdb !== 0) claimHost({ kind: "tcp", port: gdb }, `the GDB port of VM '${name}'`, [...at, "debug", "gdb"]);
  });

  checkUpgrades(d, partitions, report);
  checkPersist(d, partitions, report);

  // --- board memory: carve it up; report what does not fit
  if (board.memory !== undefined) {
    const requests = vms.map((vm) => {
      const size = vm?.memory?.size;
      return size === undefined ? undefined : { size, ...(vm?.memory?.at !== undefined ? { at: vm.memory.at } : {}) };
    });
    const total = requests.reduce((sum, r) => sum + (r?.size ?? 0), 0);
    let exhaustedReported = false;
    placeMemory(requests, board.memory).forEach((pl, i) => {
      if (!pl) return;
      const vm = vms[i]!;
      const base = Number(MEMMAP.ram.base);
      const size = vm.memory?.size ?? 0;
      switch (pl.kind) {
        case "placed": return;
        case "overlap":
          return report(["vms", i, "memory", "at"], { kind: "MemoryOverlap", start: base + pl.offset, end: base + pl.offset + size, vm: vms[pl.other]?.name ?? `#${pl.other}` });
        case "outside":
          return report(["vms", i, "memory", "at"], { kind: "MemoryOutside", start: base + pl.offset, end: base + pl.offset + size, board: board.memory! });
        case "no-room":
          if (total > board.memory!) {
            if (!exhaustedReported) report(["vms", i, "memory"], { kind: "MemoryExhausted", need: total, board: board.memory! });
            exhaustedReported = true;
          } else {
            report(["vms", i, "memory"], { kind: "MemoryNoRoom", size, largestFree: pl.largestFree });
          }
      }
    });
  }
  return issues;
}

/** The persistent partition: it exists, holds the event log's minimum, is not the slots', and no VM has it read-write. */
function checkPersist(d: D, partitions: ReadonlyMap<string, { disk: number; index: number }>, report: (path: Path, problem: Problem) => void): void {
  const board = d.board ?? {};
  const name = board.persist?.partition;
  if (name === undefined) return;
  const at = partitions.get(name);
  if (!at) report(["board", "persist", "partition"], { kind: "Unknown", what: "partition", name, known: [...partitions.keys()] });
  const size = at ? board.disks?.[at.disk]?.partitions?.[at.index]?.size : undefined;
  if (size !== undefined && size < PERSIST_MIN_BYTES) report(["board", "persist", "partition"], { kind: "PersistTooSmall", partition: name, size, min: PERSIST_MIN_BYTES });
  if (board.slots?.partition === name) report(["board", "persist", "partition"], { kind: "PersistIsSlots", partition: name });
  (d.vms ?? []).forEach((vm, i) => (vm?.devices ?? []).forEach((dev, j) => {
    if (dev?.kind === "block" && dev.partition === name && dev.readonly !== true) report(["vms", i, "devices", j, "partition"], { kind: "PersistWritable", partition: name, vm: vm?.name ?? `#${i}` });
  }));
}

/** A/B slots: the partition exists, no VM has it, it fits two slots per bundle-booting VM; upgrade ports and targets resolve. */
function checkUpgrades(d: D, partitions: ReadonlyMap<string, { disk: number; index: number }>, report: (path: Path, problem: Problem) => void): void {
  const board = d.board ?? {};
  const vms = d.vms ?? [];
  const slots = board.slots;
  const bundleVms = vms.filter((vm) => vm?.boot?.kind === "bundle").map((vm) => vm!.name ?? "?");
  if (slots?.partition !== undefined) {
    const at = partitions.get(slots.partition);
    if (!at) report(["board", "slots", "partition"], { kind: "Unknown", what: "partition", name: slots.partition, known: [...partitions.keys()] });
    vms.forEach((vm, i) => (vm?.devices ?? []).forEach((dev, j) => {
      if (dev?.kind === "block" && dev.partition === slots.partition) report(["vms", i, "devices", j, "partition"], { kind: "SlotsPartitionUsed", partition: slots.partition!, vm: vm?.name ?? `#${i}` });
    }));
    const size = at ? board.disks?.[at.disk]?.partitions?.[at.index]?.size : undefined;
    if (slots.slotSize !== undefined && (slots.slotSize === 0 || slots.slotSize % SLOT_ALIGN !== 0)) {
      report(["board", "slots", "slot_size"], { kind: "SizeAlign", what: "slot_size", bytes: slots.slotSize, align: SLOT_ALIGN });
    } else if (size !== undefined && slots.slotSize !== undefined && slotPairs(size, slots.slotSize) < bundleVms.length) {
      report(["board", "slots", "slot_size"], { kind: "SlotsTooSmall", partition: slots.partition, size, slotSize: slots.slotSize, vms: bundleVms, need: SLOT_AREA_OFFSET + 2 * bundleVms.length * slots.slotSize });
    }
  }
  const names = new Set(vms.map((vm) => vm?.name));
  vms.forEach((vm, i) => {
    const up = vm?.upgrade;
    if (!up) return;
    const at: Path = ["vms", i, "upgrade"];
    if (!slots) report(at, { kind: "UpgradeNoSlots" });
    if (up.port !== undefined) {
      const port = (vm.devices ?? []).flatMap((x) => (x?.kind === "console" ? x.ports ?? [] : [])).find((p) => p?.name === up.port);
      if (!port) report([...at, "port"], { kind: "Unknown", what: "console port in this VM", name: up.port, known: (vm.devices ?? []).flatMap((x) => (x?.kind === "console" ? (x.ports ?? []).map((p) => p?.name ?? "") : [])) });
      else if (port.host !== undefined) report([...at, "port"], { kind: "UpgradePortHost", port: up.port });
    }
    (up.targets ?? []).forEach((t, k) => {
      if (t === undefined) return;
      if (!names.has(t)) report([...at, "targets", k], { kind: "Unknown", what: "vm", name: t, known: [...names].filter((n): n is string => n !== undefined) });
      else if (!bundleVms.includes(t)) report([...at, "targets", k], { kind: "UpgradeTargetNotBundle", vm: t });
    });
    if (up.targets === undefined && up.port !== undefined && vm.boot?.kind !== "bundle") report([...at, "port"], { kind: "UpgradeTargetNotBundle", vm: vm.name ?? `#${i}` });
  });
}

/** Why a bundle holding `roles` cannot make a boot, or undefined (derive.ts maps the good ones to a VmBoot). */
function bundleBootProblem(roles: readonly string[], firmware: "builtin" | "none", disk: boolean, append: boolean): string | undefined {
  const has = (r: string) => roles.includes(r);
  if (has("dtb")) return "Bulkhead makes each VM's device tree from its plan; sign the bundle without the dtb";
  if (has("kernel") && has("bootloader")) return "it boots a kernel or a bootloader, not both";
  if (!has("kernel") && !has("bootloader")) return "it needs a kernel, or firmware and a bootloader";
  if (has("bootloader") && !has("firmware")) return "a bootloader needs firmware in the bundle to start it (OpenSBI)";
  if (has("bootloader") && !disk) return "a bootloader boots from a disk: add disk: PARTITION to boot";
  if (!has("bootloader") && disk) return "disk: goes with a bootloader in the bundle; this bundle boots a kernel";
  if (has("bootloader") && append) return "append: goes with a kernel; a bootloader takes the command line from its disk";
  if (has("firmware") && firmware === "none") return "firmware: none runs the kernel with no firmware, but the bundle holds firmware";
  if (has("initrd") && firmware === "none") return "firmware: none runs the kernel ELF in M-mode with no firmware; it takes no initrd";
  return undefined;
}
