// Carving up the board: where each VM's RAM sits in the board's physical memory, and
// where each partition sits in its disk image. The checks (description/check.ts) and the
// plan (derive.ts) share these, so what is checked is what is planned.

/** What a VM asks of board memory: a size, and an offset in board memory if it chose one. */
export interface MemoryRequest {
  readonly size: number;
  readonly at?: number;
}

export type Placement =
  | { readonly kind: "placed"; readonly offset: number }
  /** Its explicit range overlaps request `other`'s (an earlier one with an explicit range). */
  | { readonly kind: "overlap"; readonly offset: number; readonly other: number }
  /** Its explicit range goes beyond the board's memory. */
  | { readonly kind: "outside"; readonly offset: number }
  /** No free range is large enough; `largestFree` is the largest there is. */
  | { readonly kind: "no-room"; readonly largestFree: number };

/**
 * Place every request in `[0, boardBytes)`: first the ones with an explicit `at` (in
 * order; each must lie inside the board and clear of the ones before), then the others,
 * in order, each at the lowest free offset where it fits. An undefined request (one that
 * could not be read) takes nothing. Offsets are relative to the board's memory base.
 */
export function placeMemory(requests: readonly (MemoryRequest | undefined)[], boardBytes: number): (Placement | undefined)[] {
  const out: (Placement | undefined)[] = requests.map(() => undefined);
  const taken: { start: number; end: number; index: number }[] = [];
  requests.forEach((r, i) => {
    if (r?.at === undefined) return;
    const start = r.at, end = r.at + r.size;
    if (end > boardBytes) { out[i] = { kind: "outside", offset: start }; return; }
    const clash = taken.find((t) => start < t.end && t.start < end);
    if (clash) { out[i] = { kind: "overlap", offset: start, other: clash.index }; return; }
    taken.push({ start, end, index: i });
    out[i] = { kind: "placed", offset: start };
  });
  requests.forEach((r, i) => {
    if (r === undefined || r.at !== undefined) return;
    const gaps = freeRanges(taken, boardBytes);
    const gap = gaps.find((g) => g.end - g.start >= r.size);
    if (!gap) { out[i] = { kind: "no-room", largestFree: Math.max(0, ...gaps.map((g) => g.end - g.start)) }; return; }
    taken.push({ start: gap.start, end: gap.start + r.size, index: i });
    out[i] = { kind: "placed", offset: gap.start };
  });
  return out;
}

/** The ranges of `[0, total)` not covered by `taken`, in order. */
export function freeRanges(taken: readonly { start: number; end: number }[], total: number): { start: number; end: number }[] {
  const sorted = [...taken].sort((a, b) => a.start - b.start);
  const gaps: { start: number; end: number }[] = [];
  let at = 0;
  for (const t of sorted) {
    if (t.start > at) gaps.push({ start: at, end: t.start });
    at = Math.max(at, t.end);
  }
  if (at < total) gaps.push({ start: at, end: total });
  return gaps;
}

/** GPT partitions start at 1 MiB and on 1 MiB boundaries, as sgdisk and parted place them. */
export const PARTITION_ALIGN = 1 << 20;
/** Room left after the last partition for the backup GPT (33 sectors, rounded up as above). */
export const GPT_TAIL = 1 << 20;
/** Partition sizes are whole sectors. */
export const SECTOR = 512;
/** A GPT holds 128 partition entries. */
export const MAX_PARTITIONS = 128;

const alignUp = (n: number, a: number): number => Math.ceil(n / a) * a;

/** Offsets of partitions of these sizes, and the smallest image that holds them. */
export function layoutPartitions(sizes: readonly number[]): { offsets: number[]; minImageSize: number } {
  const offsets: number[] = [];
  let at = PARTITION_ALIGN;
  for (const s of sizes) {
    offsets.push(at);
    at = alignUp(at + s, PARTITION_ALIGN);
  }
  return { offsets, minImageSize: at + GPT_TAIL };
}
