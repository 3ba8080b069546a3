// A display's devices, as every machine that has one gets them: a virtio-gpu whose scanout
// feeds a ScanoutSink, a virtio keyboard and a virtio tablet, on virtio-pci in that order.
// Each boot builds fresh device models; the InputRouter follows them, so input sent during
// a reboot is dropped (false) rather than queued for a driver that is not there yet.
import type { VirtioDeviceConfig } from "../virtio/device.js";
import { type DisplayMode, type ScanoutSink, VirtioGpu } from "../virtio/gpu/index.js";
import { KEYBOARD_PROFILE, TABLET_PROFILE, VirtioInput } from "../virtio/input/index.js";
import type { InputPacket } from "./input.js";

/** Input packets to the devices of the current boot. */
export class InputRouter {
  private readonly devices: { keyboard?: VirtioInput; tablet?: VirtioInput } = {};

  /** The device models of a new boot. */
  attach(kind: "keyboard" | "tablet", dev: VirtioInput): void { this.devices[kind] = dev; }

  /** Deliver one packet; false when the guest's driver is not running to take it. */
  send(p: InputPacket): boolean { return this.devices[p.device]?.inject(p.events) ?? false; }
}

/** The GPU, keyboard and tablet of one display. */
export function displayDevices(mode: DisplayMode, sink: ScanoutSink, router: InputRouter): VirtioDeviceConfig[] {
  const input = (kind: "keyboard" | "tablet", n: number): VirtioDeviceConfig => ({
    transport: "virtio-pci",
    hostInput: true,
    create: (env) => {
      const dev = new VirtioInput({ profile: kind === "keyboard" ? KEYBOARD_PROFILE : TABLET_PROFILE, label: `virtio-input${n} (${kind})`, wake: () => env.wake() });
      router.attach(kind, dev);
      return dev;
    },
  });
  return [
    { transport: "virtio-pci", create: (env) => new VirtioGpu({ sink, mode, log: (l) => env.log(l) }) },
    input("keyboard", 0),
    input("tablet", 1),
  ];
}
