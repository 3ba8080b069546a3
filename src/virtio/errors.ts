// The one error type of src/virtio: everything a driver (the guest) can get wrong in
// guest memory, the rings, the descriptor chains and the transports' registers. A
// VirtioError is never a host failure: the transport catches it, sets DEVICE_NEEDS_RESET
// and raises a configuration interrupt (spec §2.1.2); a device that can answer with a
// status (VIRTIO_BLK_S_IOERR) does so instead. The messages name what the guest did.

/** What the guest did wrong, with the facts each message needs. Addresses are guest-physical. */
export type VirtioErrorInfo =
  /** A buffer or ring lies (partly) outside guest RAM. */
  | { kind: "OutsideRam"; addr: bigint; len: number; what: string }
  /** avail.idx moved more than the queue size past the last index we consumed. */
  | { kind: "AvailIndex"; queue: number; availIdx: number; lastAvail: number; size: number }
  /** A head or next index at or past the queue size (or an indirect table's length). */
  | { kind: "DescriptorIndex"; queue: number; index: number; limit: number }
  /** More descriptors than the queue (or indirect table) can hold: a loop, or a lie. */
  | { kind: "ChainTooLong"; queue: number; head: number; limit: number }
  | { kind: "IndirectNotNegotiated"; queue: number; head: number }
  | { kind: "NestedIndirect"; queue: number; head: number }
  /** An indirect descriptor with NEXT set, or a table length that is 0 or not a multiple of 16. */
  | { kind: "BadIndirect"; queue: number; head: number; why: string }
  /** A device-readable descriptor after a device-writable one (spec §2.7.4.2). */
  | { kind: "ReadableAfterWritable"; queue: number; head: number }
  /** A request that does not fit its chain (too short for the header, no room for a status). */
  | { kind: "ShortChain"; queue: number; head: number; need: number; have: number; what: string }
  /** The driver enabled a queue whose size is 0, not a power of 2, or above the maximum. */
  | { kind: "QueueSize"; queue: number; size: number; max: number }
  /** The rings of an enabled queue are misaligned. */
  | { kind: "RingAlignment"; queue: number; what: string; addr: bigint; align: number }
  /** The driver used the device before negotiating (FEATURES_OK / DRIVER_OK). */
  | { kind: "NotReady"; what: string }
  /** The driver asked for features the device did not offer, or left out VIRTIO_F_VERSION_1. */
  | { kind: "Features"; why: string };

/** A guest's 64-bit value in hex, exactly (a bigint: never rounded through a number). */
const hex = (v: bigint): string => "0x" + v.toString(16);

function describe(e: VirtioErrorInfo): string {
  switch (e.kind) {
    case "OutsideRam":
      return `${e.what} [${hex(e.addr)}, ${hex(e.addr + BigInt(e.len))}) lies outside guest RAM`;
    case "AvailIndex":
      return `queue ${e.queue}: avail.idx ${e.availIdx} is more than the queue size ${e.size} ahead of ${e.lastAvail}`;
    case "DescriptorIndex":
      return `queue ${e.queue}: descriptor index ${e.index} is out of range (limit ${e.limit})`;
    case "ChainTooLong":
      return `queue ${e.queue}: the chain at head ${e.head} has more than ${e.limit} descriptors (a loop?)`;
    case "IndirectNotNegotiated":
      return `queue ${e.queue}: head ${e.head} uses an indirect descriptor, but VIRTIO_F_INDIRECT_DESC was not negotiated`;
    case "NestedIndirect":
      return `queue ${e.queue}: head ${e.head}: an indirect table refers to another indirect table`;
    case "BadIndirect":
      return `queue ${e.queue}: head ${e.head}: bad indirect descriptor: ${e.why}`;
    case "ReadableAfterWritable":
      return `queue ${e.queue}: head ${e.head}: a device-readable descriptor follows a device-writable one`;
    case "ShortChain":
      return `queue ${e.queue}: head ${e.head}: ${e.what} needs ${e.need} bytes, the chain has ${e.have}`;
    case "QueueSize":
      return `queue ${e.queue}: size ${e.size} is not a power of 2 from 1 to ${e.max}`;
    case "RingAlignment":
      return `queue ${e.queue}: ${e.what} at ${hex(e.addr)} is not ${e.align}-byte aligned`;
    case "NotReady":
      return `the driver ${e.what} before the device was ready`;
    case "Features":
      return `feature negotiation failed: ${e.why}`;
  }
}

/** Error thrown for guest mistakes in src/virtio: `info.kind` for code, `message` for logs. */
export class VirtioError extends Error {
  override readonly name = "VirtioError";
  constructor(readonly info: VirtioErrorInfo) {
    super(describe(info));
  }
}
