import * as hdr from 'hdr-histogram-js';

/**
 * Latency percentile spectra from the HDR histograms stored in result files (compressed base64,
 * HdrHistogram's interchange encoding). The x coordinate is 1/(1−p): 1 at p=0, 10 at 90%, 100 at
 * 99%, 1000 at 99.9% — the axis HdrHistogram's own plots use, which gives the tail room.
 */

export interface SpectrumPoint {
  /** 1/(1−p); p = 1 − 1/inverseTail. */
  inverseTail: number;
  /** Percentile 0–100. */
  percentile: number;
  valueUs: number;
}

/** Decodes and sums histograms (repeats of one cell); null when none decode or all are empty. */
export function mergeEncoded(encoded: string[]): hdr.Histogram | null {
  let merged: hdr.Histogram | null = null;
  for (const e of encoded) {
    let h: hdr.Histogram;
    try {
      h = hdr.decodeFromCompressedBase64(e);
    } catch {
      continue;
    }
    if (merged === null) merged = h;
    else {
      merged.add(h);
      h.destroy();
    }
  }
  if (merged !== null && merged.totalCount === 0) {
    merged.destroy();
    return null;
  }
  return merged;
}

/**
 * Points of the percentile spectrum: ten per decade of 1/(1−p), up to the resolution the sample
 * count supports (1/(1−p) ≤ count), then the maximum at one step beyond.
 */
export function spectrum(h: hdr.Histogram, stepsPerDecade = 10): SpectrumPoint[] {
  const count = h.totalCount;
  const points: SpectrumPoint[] = [];
  const maxInverse = Math.max(1, count);
  let k = 0;
  for (;;) {
    const inverseTail = 10 ** (k / stepsPerDecade);
    if (inverseTail > maxInverse) break;
    const percentile = 100 * (1 - 1 / inverseTail);
    points.push({ inverseTail, percentile, valueUs: h.getValueAtPercentile(percentile) });
    k++;
  }
  const last = points[points.length - 1];
  points.push({ inverseTail: (last?.inverseTail ?? 1) * 10 ** (1 / stepsPerDecade), percentile: 100, valueUs: h.maxValue });
  return points;
}

/** Spectrum of the merged histograms, or [] when there is nothing to decode. */
export function spectrumOf(encoded: string[]): SpectrumPoint[] {
  const h = mergeEncoded(encoded);
  if (h === null) return [];
  try {
    return spectrum(h);
  } finally {
    h.destroy();
  }
}

/** Value at a percentile of the merged histograms (µs), or null. */
export function percentileOf(encoded: string[], percentile: number): number | null {
  const h = mergeEncoded(encoded);
  if (h === null) return null;
  try {
    return h.getValueAtPercentile(percentile);
  } finally {
    h.destroy();
  }
}
