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
