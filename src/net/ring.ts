// A single-producer/single-consumer ring of Ethernet frames in a SharedArrayBuffer: the
// wire between a VM thread's NIC and its switch port in another thread. Each side holds a
// FrameRing over the same buffer; one thread only pushes, one only pops. The ring holds
// copies (as virtio's DMA does): no thread ever sees another VM's memory.
//
// Layout (little-endian Int32 words, then the data area of `capacity` bytes, a power of 2):
//   HEAD   bytes written, mod 2^32 (producer stores, consumer loads)
//   TAIL   bytes read, mod 2^32    (consumer stores, producer loads)
//   DATA   bumped by the producer after a batch; the consumer waits on it
//   SPACE  bumped by the consumer after it freed room; a blocked producer waits on it
//   SLEEP  1 while the consumer sleeps on DATA (the producer notifies only then)
//   FULL   1 while the producer waits for room (the consumer notifies only then)
// A record is a 4-byte length then the frame, padded to 4 bytes; it may wrap around the
// end of the data area. The consumer trusts nothing it reads: a length that is not a
// frame's, or runs past HEAD, is a torn ring (a lying producer), counted, and the ring is
// emptied so the consumer never reads stale bytes as a frame.
import { ETH_HLEN } from "./index.js";

// Atomics.waitAsync is in Node since 16 but in TypeScript's lib only from ES2024.
type WaitAsync = (a: Int32Array, i: number, v: number) => { async: false; value: string } | { async: true; value: Promise<string> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

const HEAD = 0, TAIL = 1, DATA = 2, SPACE = 3, SLEEP = 4, FULL = 5;
const HEADER_WORDS = 8;
const HEADER_BYTES = HEADER_WORDS * 4;
const LEN_BYTES = 4;

/** Bytes one frame of `len` takes in the ring. */
export const recordBytes = (len: number): number => LEN_BYTES + ((len + 3) & ~3);

/** A new shared buffer for a ring of `capacity` data bytes (a power of two, at least 4 KiB). */
export function ringBuffer(capacity: number): SharedArrayBuffer {
  if (capacity < 4096 || (capacity & (capacity - 1)) !== 0 || capacity > 1 << 30) {
    throw new RangeError(`a frame ring's capacity is a power of two from 4 KiB to 1 GiB, not ${capacity}`);
  }
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

/** One side's view of a ring. `maxFrame` bounds what the consumer accepts. */
export class FrameRing {
  readonly capacity: number;
  private readonly w: Int32Array;
  private readonly data: Uint8Array;
  private readonly dv: DataView;
  private readonly mask: number;
  /** Frames the consumer refused as torn (a bad length from the producer). */
  torn = 0;

  constructor(readonly buffer: SharedArrayBuffer, readonly maxFrame: number) {
    this.capacity = buffer.byteLength - HEADER_BYTES;
    if (this.capacity < 4096 || (this.capacity & (this.capacity - 1)) !== 0) throw new RangeError("not a frame ring buffer (see ringBuffer)");
    if (recordBytes(maxFrame) > this.capacity) throw new RangeError(`a ring of ${this.capacity} bytes cannot hold a ${maxFrame}-byte frame`);
    this.w = new Int32Array(buffer, 0, HEADER_WORDS);
    this.data = new Uint8Array(buffer, HEADER_BYTES);
    this.dv = new DataView(buffer, HEADER_BYTES);
    this.mask = this.capacity - 1;
  }

  /** Bytes waiting to be read. */
  get used(): number {
    return (Atomics.load(this.w, HEAD) - Atomics.load(this.w, TAIL)) >>> 0;
  }

  // --- producer side ---

  /**
   * Copy `frame` in; false when there is no room (nothing written: try again after
   * `waitSpace`). Call `flush` after a batch to wake the consumer.
   */
  push(frame: Uint8Array): boolean {
    const need = recordBytes(frame.length);
    const head = Atomics.load(this.w, HEAD) >>> 0;
    if (this.capacity - ((head - (Atomics.load(this.w, TAIL) >>> 0)) >>> 0) < need) return false;
    const at = head & this.mask;
    // Records are 4-aligned and the capacity a power of two: the length never wraps.
    this.dv.setUint32(at, frame.length, true);
    this.copyIn((at + LEN_BYTES) & this.mask, frame);
    Atomics.store(this.w, HEAD, (head + need) | 0);
    return true;
  }

  /** Wake the consumer if it sleeps. */
  flush(): void {
    Atomics.add(this.w, DATA, 1);
    if (Atomics.load(this.w, SLEEP) === 1) Atomics.notify(this.w, DATA);
  }

  /** Resolves once the consumer freed room (or at once if it already has `need` bytes free). */
  waitSpace(need: number): Promise<void> {
    const seen = Atomics.load(this.w, SPACE);
    Atomics.store(this.w, FULL, 1);
    if (this.capacity - this.used >= need) {
      Atomics.store(this.w, FULL, 0);
      return Promise.resolve();
    }
    const r = waitAsync(this.w, SPACE, seen);
    return (r.async ? r.value : Promise.resolve()).then(() => { Atomics.store(this.w, FULL, 0); });
  }

  // --- consumer side ---

  /**
   * Hand each waiting frame to `each` (a view valid only during the call: copy what you
   * keep), oldest first, stopping early when `each` returns false (the frame stays). Returns
   * how many frames were taken. A torn record empties the ring and counts in `torn`.
   */
  drain(each: (frame: Uint8Array) => boolean, limit = Infinity): number {
    let tail = Atomics.load(this.w, TAIL) >>> 0;
    const head = Atomics.load(this.w, HEAD) >>> 0;
    let n = 0;
    while (tail !== head && n < limit) {
      const avail = (head - tail) >>> 0;
      const at = tail & this.mask;
      const len = avail >= LEN_BYTES && (at & 3) === 0 ? this.dv.getUint32(at, true) : -1;
      if (len < ETH_HLEN || len > this.maxFrame || recordBytes(len) > avail) {
        this.torn++;
        tail = head;
        break;
      }
      if (!each(this.view((at + LEN_BYTES) & this.mask, len))) break;
      tail = (tail + recordBytes(len)) >>> 0;
      n++;
    }
    Atomics.store(this.w, TAIL, tail | 0);
    if (Atomics.load(this.w, FULL) === 1) {
      Atomics.add(this.w, SPACE, 1);
      Atomics.notify(this.w, SPACE);
    }
    return n;
  }

  /** Resolves when frames are waiting (at once if some already are). The wait does not keep the event loop alive. */
  waitData(): Promise<void> {
    const seen = Atomics.load(this.w, DATA);
    Atomics.store(this.w, SLEEP, 1);
    if (this.used > 0) {
      Atomics.store(this.w, SLEEP, 0);
      return Promise.resolve();
    }
    const r = waitAsync(this.w, DATA, seen);
    return (r.async ? r.value : Promise.resolve()).then(() => { Atomics.store(this.w, SLEEP, 0); });
  }

  /** Wake a consumer sleeping in waitData so it can see a close (it finds nothing and returns). */
  wakeConsumer(): void {
    Atomics.add(this.w, DATA, 1);
    Atomics.notify(this.w, DATA);
  }

  private scratch = new Uint8Array(0);

  private view(at: number, len: number): Uint8Array {
    if (at + len <= this.capacity) return this.data.subarray(at, at + len);
    if (this.scratch.length < len) this.scratch = new Uint8Array(this.maxFrame);
    const first = this.capacity - at;
    this.scratch.set(this.data.subarray(at), 0);
    this.scratch.set(this.data.subarray(0, len - first), first);
    return this.scratch.subarray(0, len);
  }

  private copyIn(at: number, frame: Uint8Array): void {
    const first = Math.min(frame.length, this.capacity - at);
    this.data.set(frame.subarray(0, first), at);
    if (first < frame.length) this.data.set(frame.subarray(first), 0);
  }
}
