// The virtio device model, between transports and devices. Spec: Virtio 1.2 §2 (status
// §2.1, feature bits §2.2, config space §2.5, virtqueues §2.6-2.7), §3.1 (initialization),
// §6 (reserved feature bits), §5 (device IDs). A device (blk, rng, console, net) knows
// nothing of the transport; a transport (mmio, pci) knows nothing of the device type.
//
// Lifecycle, as the transport drives it:
//
//   built ──driver: status ACK|DRIVER, features, FEATURES_OK, queues──▶ DRIVER_OK: activate(ctx)
//     ▲                                                                    │
//     │                                          notify(q) ◀── driver kicks │ host events ──▶ ctx.signalUsed(q)
//     │                                                                    │
//     └──── reset() ◀── driver writes status 0 ◀── (bad guest input: NEEDS_RESET, device stops until then)
import type { VirtioError } from "./errors.js";
import type { GuestMemory } from "./guest-memory.js";
import type { Virtqueue } from "./queue.js";
export { newCounters, type VirtioCounters } from "./counters.js";

/** Device IDs (spec §5), the `type` of a VirtioDevice. */
export const VIRTIO_ID = { net: 1, block: 2, console: 3, entropy: 4, gpu: 16, input: 18 } as const;
export type VirtioType = (typeof VIRTIO_ID)[keyof typeof VIRTIO_ID] | number;

/** Device status bits (spec §2.1). */
export const VIRTIO_CONFIG_S_ACKNOWLEDGE = 1;
export const VIRTIO_CONFIG_S_DRIVER = 2;
export const VIRTIO_CONFIG_S_DRIVER_OK = 4;
export const VIRTIO_CONFIG_S_FEATURES_OK = 8;
export const VIRTIO_CONFIG_S_NEEDS_RESET = 0x40;
export const VIRTIO_CONFIG_S_FAILED = 0x80;

/** Transport- and ring-level feature bits (spec §6), as bit numbers. */
export const VIRTIO_F_INDIRECT_DESC = 28;
export const VIRTIO_F_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;

/** The feature mask of a bit number: `feature(VIRTIO_BLK_F_RO)`. */
export function feature(bit: number): bigint {
  return 1n << BigInt(bit);
}

/** Whether `features` has bit `bit`. */
export function hasFeature(features: bigint, bit: number): boolean {
  return (features & feature(bit)) !== 0n;
}

/** What the transport hands a device at DRIVER_OK: guest memory, its queues, its interrupts. */
export interface VirtioContext {
  readonly mem: GuestMemory;
  /** The device's queues by index; a queue the driver did not enable pops nothing. */
  readonly queues: readonly Virtqueue[];
  /** The features the driver accepted (device-specific and transport bits). */
  readonly features: bigint;
  /**
   * Used buffers were added to queue q: interrupt the driver unless it suppressed it
   * (VIRTQ_AVAIL_F_NO_INTERRUPT, EVENT_IDX). Call once per batch, after the addUsed calls.
   */
  signalUsed(q: number): void;
  /** The device changed its config space (spec §2.5.1): bump the generation, interrupt. */
  signalConfig(): void;
  /**
   * The guest broke the protocol in a way no status can report: set DEVICE_NEEDS_RESET,
   * interrupt, and stop calling the device until the driver resets it. For errors found
   * outside notify() (host events); inside notify() just let the VirtioError propagate.
   */
  fail(err: VirtioError): void;
}

/**
 * One virtio device model. Each method runs on the VM's thread, synchronously, from a
 * guest MMIO access or a host event; none may block.
 */
export interface VirtioDevice {
  /** Device ID (spec §5): VIRTIO_ID.block, ... */
  readonly type: VirtioType;
  /** Short name for logs ("virtio-blk0"). */
  readonly label: string;
  /** Maximum size of each queue (powers of 2); the length is the number of queues. */
  readonly queueSizes: readonly number[];
  /** Device-specific feature bits offered (the transport adds VERSION_1, INDIRECT_DESC, EVENT_IDX). */
  features(): bigint;
  /** The device config space (spec §2.5), live: the transport reads it little-endian at each access. */
  config(): Uint8Array;
  /** The driver wrote `data` at `offset` of the config space (only writable fields matter; default: ignored). */
  writeConfig?(offset: number, data: Uint8Array): void;
  /** DRIVER_OK: the device may use its queues and raise interrupts through `ctx` from now on. */
  activate(ctx: VirtioContext): void;
  /**
   * The driver made buffers available on queue q (after activate). Pop chains, read and
   * write them, addUsed, then ctx.signalUsed(q). A VirtioError thrown here is a guest
   * error: the transport sets NEEDS_RESET. Anything else is a bug in the device.
   */
  notify(q: number, vq: Virtqueue): void;
  /** The driver reset the device (status 0): forget ctx and every chain in flight. */
  reset(): void;
}

/** Host services a machine offers the device models it builds. */
export interface DeviceEnv {
  /** virtual: the run must repeat byte for byte, so no host randomness or wall clock in the device. */
  readonly timing: "realtime" | "virtual";
  /** Wake the machine's run loop when a host event (input, a packet) raised an interrupt while the guest idles. */
  wake(): void;
  /** A host-side log line about this device (rate-limit repeated guest errors before calling it). */
  log(line: string): void;
}

/** A device in a machine's configuration: which transport it sits on, and how to build its model. */
export interface VirtioDeviceConfig {
  readonly transport: "virtio-pci" | "virtio-mmio";
  /** Build the device model for one boot (each reboot builds a fresh one over the same host backend). */
  readonly create: (env: DeviceEnv) => VirtioDevice;
  /**
   * The host can raise the device's interrupts at any time (frames from a link, bytes
   * into a console port; it calls env.wake()): while it exists, a machine whose harts all
   * wait with no timer armed waits for it instead of calling the guest hung.
   */
  readonly hostInput?: boolean;
}
