// The device factory: a VM's plan devices (VmDevice[], src/rootos/plan) opened into the
// machine's virtio device list, the same for `bulkhead run` and for a VM of a system
// description (its worker thread). The host ends live where the device models do, so a
// guest's I/O never crosses a thread except where the host must see it.
//
//   block              a FileDisk over exactly [offset, offset+size) of the image
//   rng                the host's CSPRNG (a seeded source under virtual timing: runs repeat)
//   console            a multiport virtio-console; a port with a `host` opens it here
//                      (socket, file, stdio); a port without one is kept by the host (the
//                      RootOS: attach, watchdog port; `bulkhead run`: the terminal): its
//                      bytes go to portOutput, its input comes through keptPorts
//   passthrough-nic    the NIC's own link (UDP), bound here; `none`: no cable
//   nic                a port of a RootOS virtual switch, reached through shared-memory rings
//                      the RootOS made for this NIC (DESIGN: "a channel the RootOS made")
//   passthrough-serial the VM's UART; its host end is the supervisor's (not here)
//
// Adding a device: one VmDevice kind in src/rootos/plan/types.ts, one case in `open`
// below. Both `bulkhead run` (an option that produces the kind) and descriptions then get it.
//
// A device sits on its plan transport (virtio-pci unless it says virtio-mmio), in plan
// order. Backends are opened once per run and outlive reboots (each boot builds fresh
// device models over them).
import { randomFillSync } from "node:crypto";
import { openPortHost } from "../chardev/open.js";
import type { PortBackend } from "../chardev/index.js";
import { CallbackPort } from "../chardev/stream.js";
import { FileDisk } from "../images/disk.js";
import { type NetBackend, parseMac } from "../net/index.js";
import { type NicRings, RingLink } from "../net/ring-link.js";
import { openUdpLink } from "../net/udp.js";
import type { Timing, VmDevice } from "../rootos/plan/index.js";
import { openShare } from "../share/index.js";
import { VirtioBlk } from "../virtio/blk/index.js";
import { VirtioConsole } from "../virtio/console/index.js";
import type { VirtioDeviceConfig } from "../virtio/device.js";
import { VirtioNet } from "../virtio/net/index.js";
import { seededEntropy, VirtioRng } from "../virtio/rng/index.js";

export interface OpenedDevices {
  readonly devices: readonly VirtioDeviceConfig[];
  /** The console ports the host keeps, by name ("" for an unnamed port 0): its input for the guest goes in here. */
  readonly keptPorts: ReadonlyMap<string, CallbackPort>;
  /** Close every host end (socket files removed, disks closed); idempotent. */
  close(): Promise<void>;
}

export interface DeviceContext {
  readonly timing: Timing;
  /** The rings of each `nic` device, in plan order: their other end is a switch port in the RootOS. */
  readonly nicRings: readonly NicRings[];
  /** Output of a console port the host keeps. */
  portOutput(name: string, bytes: Uint8Array): void;
}

/**
 * Opening device `index` of the plan failed (for a console, the host end of its port
 * `port`); `cause` says why, and its message is this one's.
 */
export class DeviceOpenError extends Error {
  constructor(readonly index: number, readonly device: VmDevice, override readonly cause: unknown, readonly port?: number) {
    super((cause as Error)?.message ?? String(cause));
    this.name = "DeviceOpenError";
  }
}

/**
 * Open the host ends of `devices`, all or nothing: the first failure closes what was
 * opened and throws a DeviceOpenError naming the device's index in the plan.
 */
export async function openDevices(devices: readonly VmDevice[], ctx: DeviceContext): Promise<OpenedDevices> {
  const closers: (() => void | Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try { await c(); } catch { /* closing what is already broken */ }
    }
  };
  const out: VirtioDeviceConfig[] = [];
  const keptPorts = new Map<string, CallbackPort>();
  const count = { blk: 0, net: 0, nic: 0, p9: 0 };
  for (const [i, d] of devices.entries()) {
    try {
      const config = await open(d, ctx, count, closers, keptPorts);
      if (config) out.push(config);
    } catch (e) {
      await close();
      throw e instanceof PortFailed ? new DeviceOpenError(i, d, e.cause, e.port) : new DeviceOpenError(i, d, e);
    }
  }
  return { devices: out, keptPorts, close };
}

/** One device's host end and its model's factory; undefined for the UART (not a virtio device). */
async function open(
  d: VmDevice, ctx: DeviceContext, count: { blk: number; net: number; nic: number; p9: number },
  closers: (() => void | Promise<void>)[], keptPorts: Map<string, CallbackPort>,
): Promise<VirtioDeviceConfig | undefined> {
  switch (d.kind) {
    case "block": {
      const disk = FileDisk.open(d.image, { range: { kind: "bytes", offset: d.offset, size: d.size }, readOnly: d.readonly });
      closers.push(() => disk.close());
      const n = count.blk++;
      const label = d.disk !== undefined && d.partition !== undefined ? `virtio-blk${n} (${d.disk}/${d.partition})` : `virtio-blk${n}`;
      return { transport: d.transport ?? "virtio-pci", create: (env) => new VirtioBlk({ backend: disk, readOnly: d.readonly, label, log: (l) => env.log(l) }) };
    }
    case "rng": {
      const source = ctx.timing === "virtual" ? seededEntropy() : { fill: (b: Uint8Array) => { randomFillSync(b); } };
      return { transport: d.transport ?? "virtio-pci", create: () => new VirtioRng(source) };
    }
    case "console": {
      const ports: { name?: string; backend: PortBackend }[] = [];
      for (const [i, p] of d.ports.entries()) {
        let backend: PortBackend;
        if (p.host) {
          try {
            backend = await openPortHost(p.host);
          } catch (e) {
            throw new PortFailed(i, e);
          }
        } else {
          const kept = new CallbackPort(p.name === "" ? "terminal" : `rootos ${p.name}`, (bytes) => ctx.portOutput(p.name, bytes));
          keptPorts.set(p.name, kept);
          backend = kept;
        }
        closers.push(() => backend.close());
        ports.push({ ...(p.name !== "" ? { name: p.name } : {}), backend });
      }
      return {
        transport: d.transport ?? "virtio-pci", hostInput: true,
        create: (env) => new VirtioConsole({ ports, label: "virtio-console0", wake: () => env.wake(), log: (l) => env.log(l) }),
      };
    }
    case "passthrough-nic":
    case "nic": {
      let backend: NetBackend;
      if (d.kind === "nic") backend = new RingLink(ctx.nicRings[count.nic++]!, `switch ${d.network}`);
      else if (d.host.kind === "udp") backend = await openUdpLink({ local: d.host.local, remote: d.host.remote });
      else backend = new NoCable(d.name);
      closers.push(() => backend.close());
      const label = `virtio-net${count.net++}`;
      const mac = parseMac(d.mac);
      return { transport: d.transport ?? "virtio-pci", hostInput: true, create: (env) => new VirtioNet({ backend, mac, label, wake: () => env.wake() }) };
    }
    case "share": {
      const share = openShare({ path: d.path, tag: d.tag, readOnly: d.readonly, transport: d.transport ?? "virtio-pci", label: `virtio-9p${count.p9++}` });
      closers.push(() => share.close());
      return share.config;
    }
    case "passthrough-serial":
      return undefined; // the UART: its host end is the supervisor's
  }
}

/** A console port's host end failed to open (which port, for the DeviceOpenError). */
class PortFailed {
  constructor(readonly port: number, readonly cause: unknown) {}
}

/** A board NIC with no host resource behind it: frames sent are dropped, none arrive. */
class NoCable implements NetBackend {
  readonly label: string;
  constructor(name: string) { this.label = `${name} (no cable)`; }
  send(): boolean { return true; }
  receive(): void {}
  close(): void {}
}
