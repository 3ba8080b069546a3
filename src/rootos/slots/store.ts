// The A/B slot store: a byte range of a board disk image (the board's RootOS system
// partition, `board.slots`) that holds every bundle-booting VM's two boot slots and the
// boot-control record that says which slot each VM boots. It survives a SIGKILL or a
// power cut at any instant: the record is kept twice, a writer overwrites the older copy
// and fsyncs, and a reader takes the valid copy with the highest sequence number, so a
// torn write leaves either the old or the new record; a slot is written whole and synced
// before the record points at it, and a bundle is self-delimiting (src/images/bundle.ts),
// so a half-written slot reads as invalid. Nothing is ever written outside the range.
//
//   range offset     size        content
//   0                4 KiB       boot-control copy 0
//   4 KiB            4 KiB       boot-control copy 1
//   64 KiB           slot_size   pair 0 slot A   (pairs are given to VMs by name, in the record)
//   64 KiB + s       slot_size   pair 0 slot B
//   64 KiB + 2s      ...         pair 1 slot A, ...
//
// A boot-control copy (integers little-endian):
//   0   8   magic "BHBOOTC1"
//   8   8   sequence number, u64 (the newer copy has the higher one)
//   16  4   JSON length J, u32 (at most 4096 - 52)
//   20  32  SHA-256 of bytes 0..20 and the J JSON bytes
//   52  J   the record as JSON (BootControl without seq)
import { createHash } from "node:crypto";
import { closeSync, fsyncSync, openSync, readSync, writeSync } from "node:fs";
import { open } from "node:fs/promises";
import { BundleError, bundleLength, HEADER_BYTES, parseBundle } from "../../images/bundle.js";

export const CONTROL_COPY_BYTES = 4096;
export const SLOT_AREA_OFFSET = 64 * 1024;
const CONTROL_MAGIC = "BHBOOTC1";
const CONTROL_HEADER = 52;
/** Slot writes go in chunks this big (BULKHEAD_TEST_SLOW_SLOT_WRITE pauses between them). */
export const SLOT_CHUNK_BYTES = 64 * 1024;

export type SlotName = "A" | "B";
export const otherSlot = (s: SlotName): SlotName => (s === "A" ? "B" : "A");

/** A new image on trial: it must come up healthy by `deadline`, or `previous` boots again. */
export interface Trial {
  readonly slot: SlotName;
  readonly previous: SlotName;
  readonly version: number;
  /** ISO time the trial began (for people). */
  readonly since: string;
}

/** One VM's slots as the record keeps them. */
export interface VmSlots {
  /** Which pair of slots in the range is this VM's. */
  readonly pair: number;
  readonly active: SlotName;
  /** The version installed in each slot when it was written; null: never written. */
  readonly versions: { readonly A: number | null; readonly B: number | null };
  /** Anti-rollback: the highest version that came up healthy; a slot below it does not boot. */
  readonly committed: number;
  readonly trial: Trial | null;
}

export interface BootControl {
  /** 0: no valid copy yet (a new partition). */
  readonly seq: number;
  readonly vms: Readonly<Record<string, VmSlots>>;
}

/** Where the store lives: bytes [offset, offset+size) of `image`. */
export interface SlotRange {
  readonly image: string;
  readonly offset: number;
  readonly size: number;
  readonly slotSize: number;
}

/** How many VMs' pairs fit in a range. */
export const slotPairs = (size: number, slotSize: number): number => Math.max(0, Math.floor((size - SLOT_AREA_OFFSET) / (2 * slotSize)));

/** What a slot holds, by its bytes' structure (not yet verified against keys). */
export type SlotContent =
  | { readonly kind: "empty" }
  | { readonly kind: "bundle"; readonly bytes: Uint8Array }
  | { readonly kind: "invalid"; readonly why: string };

/** A record copy's bytes. Throws if the record does not fit a copy (our bug: too many VMs for 4 KiB). */
export function encodeControl(c: BootControl): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ vms: c.vms }));
  if (json.length > CONTROL_COPY_BYTES - CONTROL_HEADER) throw new Error(`encodeControl: record of ${json.length} bytes does not fit ${CONTROL_COPY_BYTES - CONTROL_HEADER}`);
  const out = new Uint8Array(CONTROL_HEADER + json.length);
  const v = new DataView(out.buffer);
  out.set(new TextEncoder().encode(CONTROL_MAGIC), 0);
  v.setBigUint64(8, BigInt(c.seq), true);
  v.setUint32(16, json.length, true);
  out.set(json, CONTROL_HEADER);
  out.set(createHash("sha256").update(out.subarray(0, 20)).update(json).digest(), 20);
  return out;
}

/** The record in one copy's bytes, or undefined when the copy is not valid (never written, torn, corrupt). */
export function decodeControl(bytes: Uint8Array): BootControl | undefined {
  if (bytes.length < CONTROL_HEADER || new TextDecoder().decode(bytes.subarray(0, 8)) !== CONTROL_MAGIC) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const len = v.getUint32(16, true);
  if (len > bytes.length - CONTROL_HEADER) return undefined;
  const json = bytes.subarray(CONTROL_HEADER, CONTROL_HEADER + len);
  const sum = createHash("sha256").update(bytes.subarray(0, 20)).update(json).digest();
  if (!sum.equals(bytes.subarray(20, 52))) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(json)) as { vms: Record<string, VmSlots> };
    return { seq: Number(v.getBigUint64(8, true)), vms: parsed.vms };
  } catch {
    return undefined;
  }
}

/** The valid record with the highest sequence number of the two copies; an empty one if neither is valid. */
export function newestControl(copy0: Uint8Array, copy1: Uint8Array): BootControl & { readonly copy: 0 | 1 | null } {
  const a = decodeControl(copy0), b = decodeControl(copy1);
  if (a && (!b || a.seq >= b.seq)) return { ...a, copy: 0 };
  if (b) return { ...b, copy: 1 };
  return { seq: 0, vms: {}, copy: null };
}

/** A slot's content judged by structure alone: empty (no bytes written), a complete bundle, or invalid and why. */
export function slotContent(head: Uint8Array, readRest: (total: number) => Uint8Array, slotSize: number): SlotContent {
  if (head.subarray(0, 8).every((b) => b === 0)) return { kind: "empty" };
  try {
    const total = bundleLength(head);
    if (total > slotSize) return { kind: "invalid", why: `its header says ${total} bytes, more than the slot's ${slotSize}` };
    const bytes = readRest(total);
    parseBundle(bytes, { exact: true });
    return { kind: "bundle", bytes };
  } catch (e) {
    if (e instanceof BundleError) return { kind: "invalid", why: e.message };
    throw e;
  }
}

/**
 * The slot store on its disk image. Synchronous for the small record, asynchronous for
 * slots (a bundle is megabytes: the RootOS keeps serving the VMs meanwhile).
 */
export class SlotStore {
  private readonly fd: number;
  /** The copy the current record came from (the next write goes to the other). */
  private copy: 0 | 1 | null;
  private record: BootControl;
  /** Pairs given out by pairFor that the record does not have yet. */
  private readonly reserved = new Map<string, number>();

  constructor(readonly range: SlotRange, private readonly opts: { readonly chunkDelayMs?: number } = {}) {
    this.fd = openSync(range.image, "r+");
    const newest = newestControl(this.readAt(0, CONTROL_COPY_BYTES), this.readAt(CONTROL_COPY_BYTES, CONTROL_COPY_BYTES));
    this.copy = newest.copy;
    this.record = { seq: newest.seq, vms: newest.vms };
  }

  get control(): BootControl { return this.record; }

  /** How many VMs the range has slots for. */
  get capacity(): number { return slotPairs(this.range.size, this.range.slotSize); }

  /** Write a new record (sequence + 1) over the older copy, and fsync: when it returns, it is what the next reader sees. */
  writeControl(vms: Readonly<Record<string, VmSlots>>): BootControl {
    const next = { seq: this.record.seq + 1, vms };
    const target = this.copy === 0 ? 1 : 0;
    const bytes = new Uint8Array(CONTROL_COPY_BYTES);
    bytes.set(encodeControl(next));
    this.writeAt(target * CONTROL_COPY_BYTES, bytes);
    fsyncSync(this.fd);
    this.copy = target;
    this.record = next;
    return next;
  }

  /**
   * The pair a VM's slots are in: its own from the record, or the first one no VM has,
   * kept for it from now on (two VMs installing at once get different pairs).
   */
  pairFor(vm: string): number | undefined {
    const own = this.record.vms[vm]?.pair ?? this.reserved.get(vm);
    if (own !== undefined) return own;
    const taken = new Set([...Object.values(this.record.vms).map((s) => s.pair), ...this.reserved.values()]);
    for (let p = 0; p < this.capacity; p++) {
      if (taken.has(p)) continue;
      this.reserved.set(vm, p);
      return p;
    }
    return undefined;
  }

  /** A slot's content (structure only: verify a bundle with src/rootos/trust before booting it). */
  readSlot(pair: number, slot: SlotName): SlotContent {
    const at = this.slotOffset(pair, slot);
    return slotContent(this.readAt(at, HEADER_BYTES), (total) => this.readAt(at, total), this.range.slotSize);
  }

  /**
   * Write `bundle` at the start of a slot, in chunks, then fsync. The slot is invalid
   * from the first byte written until the last (its end marker is written last).
   * `progress` is told the bytes written so far.
   */
  async writeSlot(pair: number, slot: SlotName, bundle: Uint8Array, progress?: (written: number) => void): Promise<void> {
    if (bundle.length > this.range.slotSize) throw new Error(`writeSlot: ${bundle.length} bytes do not fit a slot of ${this.range.slotSize}`);
    const at = this.slotOffset(pair, slot);
    this.checkRange(at, bundle.length);
    const fh = await open(this.range.image, "r+");
    try {
      for (let done = 0; done < bundle.length; done += SLOT_CHUNK_BYTES) {
        const chunk = bundle.subarray(done, Math.min(bundle.length, done + SLOT_CHUNK_BYTES));
        await fh.write(chunk, 0, chunk.length, this.range.offset + at + done);
        progress?.(done + chunk.length);
        if (this.opts.chunkDelayMs) await new Promise((r) => setTimeout(r, this.opts.chunkDelayMs));
      }
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private slotOffset(pair: number, slot: SlotName): number {
    if (!(Number.isInteger(pair) && pair >= 0 && pair < this.capacity)) throw new Error(`SlotStore: no pair ${pair} (capacity ${this.capacity})`);
    return SLOT_AREA_OFFSET + (2 * pair + (slot === "B" ? 1 : 0)) * this.range.slotSize;
  }

  /** The one guard of every write: inside the range, never beyond. */
  private checkRange(at: number, len: number): void {
    if (!(at >= 0 && len >= 0 && at + len <= this.range.size)) throw new Error(`SlotStore: a write of ${len} bytes at ${at} leaves the range of ${this.range.size} bytes`);
  }

  private writeAt(at: number, bytes: Uint8Array): void {
    this.checkRange(at, bytes.length);
    writeSync(this.fd, bytes, 0, bytes.length, this.range.offset + at);
  }

  private readAt(at: number, len: number): Uint8Array {
    const buf = new Uint8Array(Math.max(0, Math.min(len, this.range.size - at)));
    let got = 0;
    while (got < buf.length) {
      const n = readSync(this.fd, buf, got, buf.length - got, this.range.offset + at + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  }
}
