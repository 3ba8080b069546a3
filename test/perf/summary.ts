// What the benchmarks share to report their runs: medians and aligned tables.

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** The median of what `f` gives for the samples that have it; undefined when none has. */
export function medianOf<S>(samples: readonly S[], f: (s: S) => number | undefined): number | undefined {
  const xs = samples.map(f).filter((x): x is number => x !== undefined);
  return xs.length ? median(xs) : undefined;
}

/** Rows as columns: the first `rightFrom` columns aligned left, the others right. */
export function table(rows: readonly (readonly string[])[], rightFrom = 1): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  return rows.map((r) => "  " + r.map((cell, i) => (i < rightFrom ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("   ").trimEnd()).join("\n");
}
