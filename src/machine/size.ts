// Sizes as QEMU writes them (-m 512M, 2G, 1.5G): the one parser for `bulkhead run
// --memory` and the system description's memory, disk and partition sizes.

const SHIFT = { k: 10, m: 20, g: 30, t: 40 } as const;

/**
 * Bytes in `text`: a number with a K, M, G or T suffix (powers of 1024; "KiB"/"KB"
 * spellings too; fractions allowed: 1.5G, rounded down to a byte). A plain number is
 * `plainUnit` (QEMU's -m: MiB), or refused when `plainUnit` is undefined. Undefined when
 * `text` is not a size or the result exceeds 2^53.
 */
export function parseSize(text: string, plainUnit: "K" | "M" | "G" | undefined = "M"): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt])?(?:i?b)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2] ?? plainUnit;
  if (unit === undefined) return undefined;
  const bytes = Math.floor(Number(m[1]) * 2 ** SHIFT[unit.toLowerCase() as keyof typeof SHIFT]);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** 512M, 2G, 1536K, 100: the shortest exact way to write `bytes` with a unit. */
export function formatBytesExact(bytes: number): string {
  for (const [unit, shift] of [["T", 40], ["G", 30], ["M", 20], ["K", 10]] as const) {
    if (bytes >= 2 ** shift && bytes % 2 ** shift === 0) return `${bytes / 2 ** shift}${unit}`;
  }
  return `${bytes}`;
}
