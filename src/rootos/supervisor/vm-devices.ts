// A VM's virtio devices, opened in its own thread from its plan (VmDevice[]): the host
// ends live where the device models do, so a guest's I/O never crosses a thread except
// where the RootOS must see it.
//
//   block              a FileDisk over exactly [offset, offset+size) of the image
//   rng                the host's CSPRNG (a seeded source under virtual timing: runs repeat)
//   console            a multiport virtio-console; a port with a `host` opens it here
//                      (socket, file, stdio); a port without one is kept by the RootOS:
//                      its bytes cross to the supervisor (attach, watchdog port)
//   passthrough-nic    the board NIC's own link (UDP), bound here; `none`: no cable
//   nic                a port of a RootOS virtual switch, reached through a MessagePort
//                      the RootOS made for this NIC (DESIGN: "a channel the RootOS made")
//   passthrough-serial the VM's UART; its host end is the supervisor's (not here)
//   share              a host directory over virtio-9p (src/share: the guest reaches nothing outside it)
//
// Every device sits on virtio-pci, in plan order. Backends are opened once per thread
// and outlive reboots (each boot builds fresh device models over them).
import { randomFillSync } from "node:crypto";
import type { MessagePort } from "node:worker_threads";
import { openPortHost } from "../../chardev/open.js";
import type { PortBackend } from "../../chardev/index.js";
import { CallbackPort } from "../../chardev/stream.js";
import { FileDisk } from "../../images/disk.js";
import { type NetBackend, parseMac } from "../../net/index.js";
import { openUdpLink } from "../../net/udp.js";
import { openShare } from "../../share/index.js";
import { VirtioBlk } from "../../virtio/blk/index.js";
import { VirtioConsole } from "../../virtio/console/index.js";
import type { VirtioDeviceConfig } from "../../virtio/device.js";
import { VirtioNet } from "../../virtio/net/index.js";
import { seededEntropy, VirtioRng } from "../../virtio/rng/index.js";
import type { Timing, VmDevice } from "../plan/index.js";

export interface OpenedVmDevices {
  readonly devices: readonly VirtioDeviceConfig[];
  /** The console ports the RootOS keeps, by name: its input for the guest goes in here. */
  readonly keptPorts: ReadonlyMap<string, CallbackPort>;
  /** Close every host end (socket files removed, disks closed); idempotent. */
  close(): Promise<void>;
}

export interface VmDeviceContext {
  readonly timing: Timing;
  /** One MessagePort per `nic` device, in plan order: the other end is a switch port in the RootOS. */
  readonly nicPorts: readonly MessagePort[];
  /** Output of a console port the RootOS keeps. */
  portOutput(name: string, bytes: Uint8Array): void;
}

/** Open the host ends of `devices`, all or nothing (a failure closes what was opened, then throws). */
export async function openVmDevices(devices: readonly VmDevice[], ctx: VmDeviceContext): Promise<OpenedVmDevices> {
  const closers: (() => void | Promise<void>)[] = [];
  const close = async (): Promise<void> => {
    for (const c of closers.splice(0).reverse()) {
      try { await c(); } catch { /* closing what is already broken */ }
    }
  };
  const out: VirtioDeviceConfig[] = [];
  const keptPorts = new Map<string, CallbackPort>();
  let blk = 0, net = 0, nicIndex = 0, p9 = 0;
  try {
    for (const d of devices) {
      switch (d.kind) {
        case "block": {
          const disk = FileDisk.open(d.image, { range: { kind: "bytes", offset: d.offset, size: d.size }, readOnly: d.readonly });
          closers.push(() => disk.close());
          const label = `virtio-blk${blk++} (${d.disk}/${d.partition})`;
          out.push({ transport: "virtio-pci", create: (env) => new VirtioBlk({ backend: disk, readOnly: d.readonly, label, log: (l) => env.log(l) }) });
          break;
        }
        case "rng": {
          const source = ctx.timing === "virtual" ? seededEntropy() : { fill: (b: Uint8Array) => { randomFillSync(b); } };
          out.push({ transport: "virtio-pci", create: () => new VirtioRng(source) });
          break;
        }
        case "console": {
          const ports: { name?: string; backend: PortBackend }[] = [];
          for (const p of d.ports) {
            let backend: PortBackend;
            if (p.host) {
              backend = await openPortHost(p.host);
            } else {
              const kept = new CallbackPort(`rootos ${p.name}`, (bytes) => ctx.portOutput(p.name, bytes));
              keptPorts.set(p.name, kept);
              backend = kept;
            }
            closers.push(() => backend.close());
            ports.push({ name: p.name, backend });
          }
          out.push({
            transport: "virtio-pci", hostInput: true,
            create: (env) => new VirtioConsole({ ports, label: "virtio-console0", wake: () => env.wake(), log: (l) => env.log(l) }),
          });
          break;
        }
        case "passthrough-nic":
        case "nic": {
          let backend: NetBackend;
          if (d.kind === "nic") backend = new MessagePortLink(ctx.nicPorts[nicIndex++]!, `switch ${d.network}`);
          else if (d.host.kind === "udp") backend = await openUdpLink({ local: d.host.local, remote: d.host.remote });
          else backend = new NoCable(d.name);
          closers.push(() => backend.close());
          const label = `virtio-net${net++}`;
          const mac = parseMac(d.mac);
          out.push({ transport: "virtio-pci", hostInput: true, create: (env) => new VirtioNet({ backend, mac, label, wake: () => env.wake() }) });
          break;
        }
        case "share": {
          const share = openShare({ path: d.path, tag: d.tag, readOnly: d.readonly, transport: "virtio-pci", label: `virtio-9p${p9++} (${d.tag})` });
          closers.push(() => share.close());
          out.push(share.config);
          break;
        }
        case "passthrough-serial":
          break; // the UART: its host end is the supervisor's
      }
    }
  } catch (e) {
    await close();
    throw e;
  }
  return { devices: out, keptPorts, close };
}

/** A NIC's link to its switch port in the RootOS: one frame per message, moved, not copied. */
export class MessagePortLink implements NetBackend {
  private handler: ((frame: Uint8Array) => void) | undefined;
  private closed = false;

  constructor(private readonly port: MessagePort, readonly label: string) {
    port.on("message", (frame: Uint8Array) => { if (!this.closed) this.handler?.(frame); });
  }

  send(frame: Uint8Array): void {
    if (this.closed) return;
    const copy = frame.slice();
    this.port.postMessage(copy, [copy.buffer]);
  }

  receive(handler: (frame: Uint8Array) => void): void { this.handler = handler; }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.port.close();
  }
}

/** A board NIC with no host resource behind it: frames sent are dropped, none arrive. */
class NoCable implements NetBackend {
  readonly label: string;
  constructor(name: string) { this.label = `${name} (no cable)`; }
  send(): void {}
  receive(): void {}
  close(): void {}
}
