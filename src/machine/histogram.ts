// A latency histogram in microseconds with fixed log-spaced bucket bounds (1-2-5 per
// decade, as Prometheus client libraries lay latency buckets out), the exact maximum and
// sum beside it: cheap to record on a hot path (no allocation), plain data to post
// between threads, and the shape /metrics exports as a Prometheus histogram.

/** Upper bounds (µs, inclusive) of every bucket but the last, which is +Inf. */
export const LATENCY_BOUNDS_US: readonly number[] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000];

export interface LatencyHistogram {
  /** counts[i]: samples ≤ LATENCY_BOUNDS_US[i] and above the bound before; the last: above every bound. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumUs: number;
  readonly maxUs: number;
}

/** A histogram being filled. */
export class LatencyRecorder {
  private readonly counts = new Array<number>(LATENCY_BOUNDS_US.length + 1).fill(0);
  private count = 0;
  private sumUs = 0;
  private maxUs = 0;

  record(us: number): void {
    let i = 0;
    while (i < LATENCY_BOUNDS_US.length && us > LATENCY_BOUNDS_US[i]!) i++;
    this.counts[i]!++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  snapshot(): LatencyHistogram {
    return { counts: [...this.counts], count: this.count, sumUs: this.sumUs, maxUs: this.maxUs };
  }
}

export function emptyHistogram(): LatencyHistogram {
  return new LatencyRecorder().snapshot();
}

/** The q-quantile (0..1) as the upper bound of the bucket it falls in (never above the maximum); 0 with no samples. */
export function quantileUs(h: LatencyHistogram, q: number): number {
  if (h.count === 0) return 0;
  const rank = Math.ceil(q * h.count);
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    seen += h.counts[i]!;
    if (seen >= rank) return Math.min(LATENCY_BOUNDS_US[i] ?? h.maxUs, h.maxUs);
  }
  return h.maxUs;
}

/** "n=1234 p50≤20us p99≤100us p99.9≤200us max=153us". */
export function formatHistogram(h: LatencyHistogram): string {
  if (h.count === 0) return "no samples";
  const p = (q: number) => `${quantileUs(h, q)}us`;
  return `n=${h.count} p50<=${p(0.5)} p99<=${p(0.99)} p99.9<=${p(0.999)} max=${Math.round(h.maxUs)}us`;
}
