// GUID Partition Tables: find a partition of a raw disk image by number or name, and
// write a fresh GPT (tests, and images the RootOS creates). Spec: UEFI 2.10 §5.3 (GPT
// header, partition entries, CRC32s, the backup copy at the end of the disk) and §5.2.3
// (the protective MBR). Partition numbers are 1-based table indices, as Linux's /dev/vdaN.
// Pure: the caller reads the bytes (src/images/disk.ts reads the image file).
import { ImagesError } from "./errors.js";

export const GPT_SIGNATURE = "EFI PART";
export const GPT_REVISION = 0x0001_0000;
export const GPT_HEADER_SIZE = 92;
export const GPT_ENTRY_SIZE = 128;
export const GPT_ENTRIES = 128;
/** "Linux filesystem data", what sgdisk's type 8300 writes. */
export const LINUX_FS_TYPE = "0fc63daf-8483-4772-8e79-3d69d8477de4";
/** Attribute bit 2, "legacy BIOS bootable": U-Boot's distro boot scans the partitions that have it first. */
export const LEGACY_BIOS_BOOTABLE = 1n << 2n;
/** Entries past this many are not believed (a lying header would have us read gigabytes). */
const MAX_ENTRIES = 4096;

/** One used entry of the table. */
export interface GptPartition {
  /** 1-based index in the table. */
  readonly number: number;
  readonly name: string;
  readonly type: string;
  readonly guid: string;
  /** The entry's attribute bits (LEGACY_BIOS_BOOTABLE, ...). */
  readonly attributes: bigint;
  readonly firstLba: number;
  /** Inclusive, as in the table. */
  readonly lastLba: number;
  /** Byte range in the image. */
  readonly offset: number;
  readonly size: number;
}

export interface GptTable {
  readonly sectorSize: number;
  readonly diskGuid: string;
  readonly partitions: readonly GptPartition[];
  /** The primary header was damaged and the backup at the end of the disk was used. */
  readonly fromBackup: boolean;
}

/** Reads `len` bytes at byte `offset` of the image (short only at its end). */
export type ReadAt = (offset: number, len: number) => Uint8Array;

/**
 * Read the GPT of an image of `imageSize` bytes. Tries 512-byte then 4096-byte sectors,
 * the primary header then the backup. Throws ImagesError NotGpt naming `what` (the path).
 */
export function readGpt(read: ReadAt, imageSize: number, what: string): GptTable {
  const problems: string[] = [];
  for (const sectorSize of [512, 4096]) {
    const sectors = Math.floor(imageSize / sectorSize);
    if (sectors < 3) continue;
    for (const [lba, backup] of [[1, false], [sectors - 1, true]] as const) {
      const r = parseAt(read, sectorSize, sectors, lba);
      if (typeof r !== "string") return { ...r, sectorSize, fromBackup: backup };
      if (sectorSize === 512 || r !== "no GPT signature") problems.push(`${backup ? "backup" : "primary"} header (${sectorSize}-byte sectors): ${r}`);
    }
  }
  const why = problems.every((p) => p.endsWith("no GPT signature")) ? "no GPT partition table (no \"EFI PART\" header)" : problems.join("; ");
  throw new ImagesError({ kind: "NotGpt", path: what, why });
}

/** Pick a partition by number or by name; throws ImagesError NoPartition listing what there is. */
export function findPartition(table: GptTable, want: { number: number } | { name: string }, what: string): GptPartition {
  const p = "number" in want ? table.partitions.find((x) => x.number === want.number) : table.partitions.find((x) => x.name === want.name);
  if (p) return p;
  const have = table.partitions.map((x) => `${x.number}${x.name ? ` '${x.name}'` : ""}`);
  throw new ImagesError({ kind: "NoPartition", path: what, want: "number" in want ? `partition ${want.number}` : `a partition named '${want.name}'`, have });
}

function parseAt(read: ReadAt, ss: number, sectors: number, lba: number): Omit<GptTable, "sectorSize" | "fromBackup"> | string {
  const h = read(lba * ss, ss);
  if (h.length < GPT_HEADER_SIZE || ascii(h.subarray(0, 8)) !== GPT_SIGNATURE) return "no GPT signature";
  const dv = view(h);
  const hsize = dv.getUint32(12, true);
  if (hsize < GPT_HEADER_SIZE || hsize > ss) return `header size ${hsize} is not within ${GPT_HEADER_SIZE}..${ss}`;
  const copy = h.slice(0, hsize);
  view(copy).setUint32(16, 0, true);
  if (crc32(copy) !== dv.getUint32(16, true)) return "header CRC mismatch";
  if (Number(dv.getBigUint64(24, true)) !== lba) return `header says it is at LBA ${dv.getBigUint64(24, true)}, not ${lba}`;
  const entriesLba = Number(dv.getBigUint64(72, true));
  const count = dv.getUint32(80, true), esize = dv.getUint32(84, true);
  if (count > MAX_ENTRIES || esize < GPT_ENTRY_SIZE || esize % 8 !== 0 || esize > 4096) return `implausible table: ${count} entries of ${esize} bytes`;
  const bytes = count * esize;
  if (entriesLba < 1 || entriesLba + Math.ceil(bytes / ss) > sectors) return `the partition entries (LBA ${entriesLba}) lie outside the image`;
  const entries = read(entriesLba * ss, bytes);
  if (entries.length !== bytes || crc32(entries) !== dv.getUint32(88, true)) return "partition entries CRC mismatch";
  const partitions: GptPartition[] = [];
  for (let i = 0; i < count; i++) {
    const e = entries.subarray(i * esize, i * esize + GPT_ENTRY_SIZE);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const ev = view(e);
    const first = Number(ev.getBigUint64(32, true)), last = Number(ev.getBigUint64(40, true));
    if (first > last || last >= sectors) return `partition ${i + 1} [LBA ${first}, ${last}] lies outside the image (${sectors} sectors)`;
    partitions.push({
      number: i + 1, name: utf16(e.subarray(56, 128)), type: guid(e.subarray(0, 16)), guid: guid(e.subarray(16, 32)), attributes: ev.getBigUint64(48, true),
      firstLba: first, lastLba: last, offset: first * ss, size: (last - first + 1) * ss,
    });
  }
  return { diskGuid: guid(h.subarray(56, 72)), partitions };
}

export interface GptLayoutPartition {
  readonly name: string;
  readonly size: number;
  readonly type?: string;
  readonly attributes?: bigint;
}

/** Bytes to write at an offset of the image. */
export interface ImageWrite { readonly offset: number; readonly bytes: Uint8Array }

/**
 * A fresh GPT for an image of `imageSize` bytes (512-byte sectors): protective MBR,
 * primary header and entries, backup entries and header. Partitions follow each other
 * from 1 MiB, each starting 1 MiB-aligned, as sgdisk and parted place them. GUIDs derive
 * from `seed` and the names, so the same layout gives the same bytes. Returns the writes
 * and where each partition landed.
 */
export function buildGpt(imageSize: number, parts: readonly GptLayoutPartition[], seed = "bulkhead"): { writes: ImageWrite[]; partitions: GptPartition[] } {
  const ss = 512, sectors = Math.floor(imageSize / ss);
  const entrySectors = (GPT_ENTRIES * GPT_ENTRY_SIZE) / ss;
  const lastUsable = sectors - 2 - entrySectors;
  const align = (1 << 20) / ss;
  const entries = new Uint8Array(GPT_ENTRIES * GPT_ENTRY_SIZE);
  const partitions: GptPartition[] = [];
  let next = align;
  if (parts.length > GPT_ENTRIES) throw new RangeError(`a GPT holds ${GPT_ENTRIES} partitions, not ${parts.length}`);
  parts.forEach((p, i) => {
    const n = Math.ceil(p.size / ss), first = next, last = first + n - 1;
    if (n < 1 || last > lastUsable) throw new RangeError(`partition ${i + 1} '${p.name}' (${p.size} bytes) does not fit in a ${imageSize}-byte image`);
    const e = entries.subarray(i * GPT_ENTRY_SIZE, (i + 1) * GPT_ENTRY_SIZE), ev = view(e);
    const type = p.type ?? LINUX_FS_TYPE, id = derivedGuid(`${seed}/part/${i}/${p.name}`);
    e.set(guidBytes(type), 0);
    e.set(guidBytes(id), 16);
    ev.setBigUint64(32, BigInt(first), true);
    ev.setBigUint64(40, BigInt(last), true);
    ev.setBigUint64(48, p.attributes ?? 0n, true);
    if (p.name.length > 36) throw new RangeError(`partition name '${p.name}' is longer than 36 characters`);
    for (let k = 0; k < p.name.length; k++) ev.setUint16(56 + 2 * k, p.name.charCodeAt(k), true);
    partitions.push({ number: i + 1, name: p.name, type, guid: id, attributes: p.attributes ?? 0n, firstLba: first, lastLba: last, offset: first * ss, size: n * ss });
    next = Math.ceil((last + 1) / align) * align;
  });
  const entriesCrc = crc32(entries);
  const disk = derivedGuid(`${seed}/disk`);
  const header = (mine: number, alt: number, entriesLba: number): Uint8Array => {
    const h = new Uint8Array(ss), dv = view(h);
    h.set(new TextEncoder().encode(GPT_SIGNATURE), 0);
    dv.setUint32(8, GPT_REVISION, true);
    dv.setUint32(12, GPT_HEADER_SIZE, true);
    dv.setBigUint64(24, BigInt(mine), true);
    dv.setBigUint64(32, BigInt(alt), true);
    dv.setBigUint64(40, BigInt(2 + entrySectors), true);
    dv.setBigUint64(48, BigInt(lastUsable), true);
    h.set(guidBytes(disk), 56);
    dv.setBigUint64(72, BigInt(entriesLba), true);
    dv.setUint32(80, GPT_ENTRIES, true);
    dv.setUint32(84, GPT_ENTRY_SIZE, true);
    dv.setUint32(88, entriesCrc, true);
    dv.setUint32(16, crc32(h.subarray(0, GPT_HEADER_SIZE)), true);
    return h;
  };
  const mbr = new Uint8Array(ss), mv = view(mbr);
  mbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446);
  mv.setUint32(454, 1, true);
  mv.setUint32(458, Math.min(sectors - 1, 0xffff_ffff), true);
  mbr[510] = 0x55; mbr[511] = 0xaa;
  const primary = new Uint8Array(ss * (2 + entrySectors));
  primary.set(mbr, 0);
  primary.set(header(1, sectors - 1, 2), ss);
  primary.set(entries, 2 * ss);
  const backup = new Uint8Array(ss * (1 + entrySectors));
  backup.set(entries, 0);
  backup.set(header(sectors - 1, 1, sectors - 1 - entrySectors), entrySectors * ss);
  return { writes: [{ offset: 0, bytes: primary }, { offset: (sectors - 1 - entrySectors) * ss, bytes: backup }], partitions };
}

/** CRC-32 (IEEE 802.3, reflected, as zlib and the UEFI spec). */
export function crc32(b: Uint8Array): number {
  let c = 0xffff_ffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffff_ffff) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb8_8320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** A GUID's text form from its on-disk bytes (the first three fields little-endian). */
export function guid(b: Uint8Array): string {
  const h = (from: number, to: number, rev: boolean) => {
    const s = [...b.subarray(from, to)].map((x) => x.toString(16).padStart(2, "0"));
    return (rev ? s.reverse() : s).join("");
  };
  return `${h(0, 4, true)}-${h(4, 6, true)}-${h(6, 8, true)}-${h(8, 10, false)}-${h(10, 16, false)}`;
}

/** The on-disk bytes of a GUID's text form. */
export function guidBytes(text: string): Uint8Array {
  const hex = text.replace(/-/g, "");
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`bad GUID '${text}'`);
  const b = Uint8Array.from({ length: 16 }, (_, i) => parseInt(hex.slice(2 * i, 2 * i + 2), 16));
  b.subarray(0, 4).reverse(); b.subarray(4, 6).reverse(); b.subarray(6, 8).reverse();
  return b;
}

/** A version-4-shaped GUID derived from text (deterministic; not random). */
function derivedGuid(text: string): string {
  const b = new Uint8Array(16);
  const src = new TextEncoder().encode(text);
  for (let i = 0; i < 16; i++) b[i] = crc32(Uint8Array.of(i, ...src)) & 0xff;
  b[7] = (b[7]! & 0x0f) | 0x40; // on disk, byte 7 is the high byte of time_hi_and_version
  b[8] = (b[8]! & 0x3f) | 0x80;
  return guid(b);
}

function view(b: Uint8Array): DataView { return new DataView(b.buffer, b.byteOffset, b.byteLength); }
function ascii(b: Uint8Array): string { return String.fromCharCode(...b); }
function utf16(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i + 1 < b.length; i += 2) {
    const c = b[i]! | (b[i + 1]! << 8);
    if (c === 0) break;
    s += String.fromCharCode(c);
  }
  return s;
}
