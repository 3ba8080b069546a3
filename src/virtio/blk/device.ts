// virtio-blk requests (spec §5.2.6): header, data, status byte; IN, OUT, FLUSH, GET_ID.
// One queue. Every request is checked against the backing range before the backend sees
// it, so a guest never reaches bytes outside [0, capacity); readonly devices refuse every
// write with IOERR. A chain too short for a header or a status byte cannot be answered:
// that is a VirtioError, and the device needs a reset (as QEMU's "missing headers").
import { feature, VIRTIO_ID, type VirtioContext, type VirtioDevice } from "../device.js";
import type { DescriptorChain, Virtqueue } from "../queue.js";
import {
  type BlockBackend, SECTOR_SIZE, VIRTIO_BLK_CFG_BLK_SIZE, VIRTIO_BLK_CFG_CAPACITY, VIRTIO_BLK_CFG_NUM_QUEUES,
  VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_CFG_SIZE, VIRTIO_BLK_F_BLK_SIZE, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_HDR_SIZE, VIRTIO_BLK_ID_BYTES, VIRTIO_BLK_S_IOERR, VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_GET_ID, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT,
} from "./spec.js";

export const BLK_QUEUE_SIZE = 256;
/**
 * Transfers go through a bounce buffer this big: one host read or write per chunk instead
 * of one per guest page (a 1 MiB request is ~256 scattered pages; a syscall each costs
 * several times the copy).
 */
export const BLK_BOUNCE_BYTES = 1 << 20;

export interface BlkOptions {
  readonly backend: BlockBackend;
  /** VIRTIO_BLK_F_RO: the guest sees a read-only disk, and every write fails with IOERR. */
  readonly readOnly: boolean;
  /** The GET_ID serial (/sys/block/vdX/serial), at most 20 bytes used. */
  readonly serial?: string;
  readonly label?: string;
  /** Host log for failed requests (rate-limited here). */
  readonly log?: (line: string) => void;
}

/** Requests served, and those answered with an error status. */
export interface BlkStats {
  reads: number;
  writes: number;
  flushes: number;
  ioErrors: number;
  unsupported: number;
}

const LOGGED_ERRORS = 5;

export class VirtioBlk implements VirtioDevice {
  readonly type = VIRTIO_ID.block;
  readonly label: string;
  readonly queueSizes = [BLK_QUEUE_SIZE];
  readonly stats: BlkStats = { reads: 0, writes: 0, flushes: 0, ioErrors: 0, unsupported: 0 };
  private readonly cfg = new Uint8Array(VIRTIO_BLK_CFG_SIZE);
  private readonly sectors: bigint;
  private readonly serial: Uint8Array;
  private ctx: VirtioContext | undefined;
  private bounce: Uint8Array | undefined;

  constructor(private readonly opts: BlkOptions) {
    this.label = opts.label ?? "virtio-blk0";
    this.sectors = BigInt(Math.floor(opts.backend.size / SECTOR_SIZE));
    const dv = new DataView(this.cfg.buffer);
    dv.setBigUint64(VIRTIO_BLK_CFG_CAPACITY, this.sectors, true);
    dv.setUint32(VIRTIO_BLK_CFG_SEG_MAX, BLK_QUEUE_SIZE - 2, true);
    dv.setUint32(VIRTIO_BLK_CFG_BLK_SIZE, SECTOR_SIZE, true);
    dv.setUint16(VIRTIO_BLK_CFG_NUM_QUEUES, 1, true);
    this.serial = new TextEncoder().encode(opts.serial ?? this.label).subarray(0, VIRTIO_BLK_ID_BYTES);
  }

  features(): bigint {
    return feature(VIRTIO_BLK_F_SEG_MAX) | feature(VIRTIO_BLK_F_BLK_SIZE) | feature(VIRTIO_BLK_F_FLUSH) |
      (this.opts.readOnly ? feature(VIRTIO_BLK_F_RO) : 0n);
  }

  config(): Uint8Array { return this.cfg; }
  activate(ctx: VirtioContext): void { this.ctx = ctx; }
  reset(): void { this.ctx = undefined; }

  notify(q: number, vq: Virtqueue): void {
    for (let c = vq.pop(); c; c = vq.pop()) vq.addUsed(c.head, this.serve(c));
    this.ctx?.signalUsed(q);
  }

  /** Serve one request; returns the bytes written to the chain (data + status). */
  private serve(c: DescriptorChain): number {
    const r = c.reader(), w = c.writer();
    const hdr = new DataView(r.readExact(VIRTIO_BLK_HDR_SIZE, "a virtio-blk request header").buffer);
    const status = w.splitEnd(1, "a virtio-blk status byte");
    const type = hdr.getUint32(0, true), sector = hdr.getBigUint64(8, true);
    let st = VIRTIO_BLK_S_OK;
    switch (type) {
      case VIRTIO_BLK_T_IN: {
        this.stats.reads++;
        // Data is the writable part; readable bytes past the header mean swapped flags.
        const off = this.range(sector, w.remaining, r.remaining === 0, "read");
        if (off === undefined) { st = VIRTIO_BLK_S_IOERR; break; }
        if (!this.io("read", () => this.chunks(w.remaining, (at, buf) => { this.opts.backend.read(off + at, buf); w.write(buf); }))) st = VIRTIO_BLK_S_IOERR;
        break;
      }
      case VIRTIO_BLK_T_OUT: {
        this.stats.writes++;
        if (this.opts.readOnly) { st = this.fail("write to a read-only disk"); break; }
        const off = this.range(sector, r.remaining, w.remaining === 0, "write");
        if (off === undefined) { st = VIRTIO_BLK_S_IOERR; break; }
        if (!this.io("write", () => this.chunks(r.remaining, (at, buf) => { r.readInto(buf); this.opts.backend.write(off + at, buf); }))) st = VIRTIO_BLK_S_IOERR;
        break;
      }
      case VIRTIO_BLK_T_FLUSH:
        this.stats.flushes++;
        if (!this.opts.readOnly && !this.io("flush", () => this.opts.backend.flush())) st = VIRTIO_BLK_S_IOERR;
        break;
      case VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(Math.min(VIRTIO_BLK_ID_BYTES, w.remaining));
        id.set(this.serial.subarray(0, id.length));
        w.write(id);
        break;
      }
      default:
        this.stats.unsupported++;
        st = VIRTIO_BLK_S_UNSUPP;
    }
    status.write(Uint8Array.of(st));
    return w.count + 1;
  }

  /**
   * The byte offset of a `len`-byte transfer at `sector`, or undefined (logged as an
   * IOERR) when it is ragged, leaves the disk, or the chain's shape is wrong.
   */
  private range(sector: bigint, len: number, shapeOk: boolean, what: string): number | undefined {
    if (!shapeOk) return void this.fail(`${what} request with buffers of the wrong direction`);
    if (len % SECTOR_SIZE !== 0) return void this.fail(`${what} of ${len} bytes, not a multiple of ${SECTOR_SIZE}`);
    const end = sector + BigInt(len / SECTOR_SIZE);
    if (end > this.sectors) return void this.fail(`${what} of sectors [${sector}, ${end}) past the end of the disk (${this.sectors} sectors)`);
    return Number(sector) * SECTOR_SIZE;
  }

  /** Call `each` for consecutive pieces of a `len`-byte transfer, in the bounce buffer. */
  private chunks(len: number, each: (at: number, buf: Uint8Array) => void): void {
    this.bounce ??= new Uint8Array(BLK_BOUNCE_BYTES);
    for (let at = 0; at < len; at += BLK_BOUNCE_BYTES) each(at, this.bounce.subarray(0, Math.min(BLK_BOUNCE_BYTES, len - at)));
  }

  /** Run a backend call; a host I/O error becomes an IOERR for the guest (false). */
  private io(what: string, fn: () => void): boolean {
    try {
      fn();
      return true;
    } catch (e) {
      this.fail(`host ${what} failed: ${(e as Error).message}`);
      return false;
    }
  }

  private fail(why: string): number {
    const n = ++this.stats.ioErrors;
    if (n <= LOGGED_ERRORS) this.opts.log?.(`${this.label}: I/O error: ${why}${n === LOGGED_ERRORS ? " (further errors are counted, not logged)" : ""}`);
    return VIRTIO_BLK_S_IOERR;
  }
}
