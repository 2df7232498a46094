/**
 * HDR histograms of latencies in µs, their interchange encoding (compressed base64) and summaries.
 * Workers record and encode; the engine decodes, merges and summarises.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js';
import type { LatencySummary } from './types.js';

export type { Histogram };

/** Largest value recorded, µs (60 s); larger values are clamped to it rather than resizing the histogram. */
export const HIGHEST_TRACKABLE_US = 60_000_000;

/** A latency histogram: 1 µs to 60 s at 3 significant digits. */
export function buildHistogram(): Histogram {
  return build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_TRACKABLE_US, numberOfSignificantValueDigits: 3 });
}

/** Records a µs value, rounded and clamped into [0, HIGHEST_TRACKABLE_US]. */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us <= 0 ? 0 : us >= HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(us));
}

/**
 * buildHistogram()'s bucket layout (3 significant digits, unit 1 µs): values below 2¹¹ each have a count of
 * their own; from there on every power of two holds 1,024 counts, each covering 2^k values. flatIndex gives a
 * value's count in that layout, flatValue the lowest value that count stands for (what HDR calls the lowest
 * equivalent value). 17 × 1,024 counts reach 2²⁶ µs, past HIGHEST_TRACKABLE_US.
 */
const SUB_BUCKET_MAGNITUDE = 10;
const SUB_BUCKET_COUNT = 2 << SUB_BUCKET_MAGNITUDE;
export const FLAT_COUNTS = (17 << SUB_BUCKET_MAGNITUDE) + (1 << SUB_BUCKET_MAGNITUDE);

export function flatIndex(v: number): number {
  if (v < SUB_BUCKET_COUNT) return v;
  const shift = 31 - Math.clz32(v) - SUB_BUCKET_MAGNITUDE;
  return (shift << SUB_BUCKET_MAGNITUDE) + (v >>> shift);
}

export function flatValue(index: number): number {
  if (index < SUB_BUCKET_COUNT) return index;
  const shift = (index >>> SUB_BUCKET_MAGNITUDE) - 1;
  return (index - (shift << SUB_BUCKET_MAGNITUDE)) * 2 ** shift;
}

/** UsRecorder folds after this many counts, so no Uint32 count can overflow. */
const FOLD_EVERY = 2 ** 30;

/**
 * recordUs on the hot path, cheaper: one increment in a flat array laid out as buildHistogram()'s buckets
 * (flatIndex: a shift, no HDR index arithmetic per message), added into the HDR histogram with
 * recordValueWithCount when it is read (`folded()`: once a second for the timeline, at the end for the rest).
 * The counts are exactly those recordUs gives, so the encoded histogram is byte-for-byte the same; only the
 * folded histogram's raw maxValue / minNonZeroValue fields hold the lowest value of their bucket instead of
 * the value itself (they are not in the encoding: a decoded histogram is the same either way).
 */
export class UsRecorder {
  private readonly counts = new Uint32Array(FLAT_COUNTS);
  /** Counts not yet folded, and the index range they cover (lo > hi: none). */
  private unfolded = 0;
  private lo = FLAT_COUNTS;
  private hi = -1;

  constructor(private readonly histogram: Histogram = buildHistogram()) {}

  /** Records a µs value, rounded and clamped into [0, HIGHEST_TRACKABLE_US] as recordUs does. */
  record(us: number): void {
    const i = flatIndex(us <= 0 ? 0 : us >= HIGHEST_TRACKABLE_US ? HIGHEST_TRACKABLE_US : Math.round(us));
    this.counts[i]!++;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
    if (++this.unfolded === FOLD_EVERY) this.fold();
  }

  /** The HDR histogram holding every value recorded so far. */
  folded(): Histogram {
    this.fold();
    return this.histogram;
  }

  /** Forgets every value recorded. */
  reset(): void {
    this.fold();
    this.histogram.reset();
  }

  private fold(): void {
    if (this.unfolded === 0) return;
    const counts = this.counts;
    for (let i = this.lo; i <= this.hi; i++) {
      const n = counts[i]!;
      if (n !== 0) {
        this.histogram.recordValueWithCount(flatValue(i), n);
        counts[i] = 0;
      }
    }
    this.unfolded = 0;
    this.lo = FLAT_COUNTS;
    this.hi = -1;
  }
}

/** HdrHistogram's V2 compressed base64 form, readable by every HdrHistogram implementation. */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded);
}

/** Adds encoded histograms into a new one. */
export function mergeEncoded(encoded: readonly string[]): Histogram {
  const total = buildHistogram();
  for (const e of encoded) {
    const h = decodeHistogram(e);
    total.add(h);
    h.destroy();
  }
  return total;
}

/** Percentiles, max and mean in µs, plus the encoded histogram. An empty histogram gives zeros. */
export function summarize(h: Histogram): LatencySummary {
  const count = h.totalCount;
  const at = (p: number): number => (count === 0 ? 0 : h.getValueAtPercentile(p));
  return {
    count,
    p50Us: at(50),
    p90Us: at(90),
    p99Us: at(99),
    p999Us: at(99.9),
    maxUs: count === 0 ? 0 : h.maxValue,
    meanUs: count === 0 ? 0 : Math.round(h.mean * 10) / 10,
    encoded: encodeHistogram(h),
  };
}

/** summarize(mergeEncoded(encoded)). */
export function summarizeEncoded(encoded: readonly string[]): LatencySummary {
  const h = mergeEncoded(encoded);
  const s = summarize(h);
  h.destroy();
  return s;
}
