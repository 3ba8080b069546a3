// A virtio device's counters: kept by the queues and the transport core, read by
// Machine.deviceStats(). A leaf: queue.ts and device.ts both import it.

/**
 * One device's traffic, counted where every device's requests pass: its queues count
 * chains and bytes, its transport notifications, interrupts and guest errors. Plain
 * numbers, bumped on the device path; `bulkhead run --dump-stats` and Machine.deviceStats() read them.
 */
export interface VirtioCounters {
  /** Chains the device took from the driver (blk requests, net frames, console buffers, rng reads). */
  requests: number;
  /** Bytes of the chains' device-readable buffers: what the driver handed the device. */
  bytesRead: number;
  /** Bytes the device wrote into guest buffers (the used lengths). */
  bytesWritten: number;
  /** Queue notifications (kicks) from the driver, including those for queues not running. */
  notifications: number;
  /** Interrupts raised: the device's line went from low to high (used buffers or a configuration change). */
  interrupts: number;
  /** Guest errors: requests that broke the protocol (NEEDS_RESET, or ignored as harmless). */
  errors: number;
}

/** A fresh set of counters, all zero. */
export function newCounters(): VirtioCounters {
  return { requests: 0, bytesRead: 0, bytesWritten: 0, notifications: 0, interrupts: 0, errors: 0 };
}
