import { describe, expect, it } from 'vitest';
import {
  buildHistogram,
  decodeHistogram,
  encodeHistogram,
  HIGHEST_TRACKABLE_US,
  mergeEncoded,
  recordUs,
  summarize,
  summarizeEncoded,
} from '../../clients/histogram.js';

function histogramOf(values: number[]): ReturnType<typeof buildHistogram> {
  const h = buildHistogram();
  for (const v of values) recordUs(h, v);
  return h;
}

describe('histogram helpers', () => {
  it('summarises 1..1000 µs', () => {
    const s = summarize(histogramOf(Array.from({ length: 1000 }, (_, i) => i + 1)));
    expect(s.count).toBe(1000);
    expect(s.p50Us).toBe(500);
    expect(s.p90Us).toBe(900);
    expect(s.p99Us).toBe(990);
    expect(s.p999Us).toBe(999);
    expect(s.maxUs).toBe(1000);
    expect(s.meanUs).toBeCloseTo(500.5, 0);
    expect(s.encoded).toMatch(/^HISTFAAA/);
  });

  it('round-trips through the compressed base64 encoding', () => {
    const h = histogramOf([3, 30, 300, 3000, 30000]);
    const back = decodeHistogram(encodeHistogram(h));
    expect(back.totalCount).toBe(5);
    expect(back.getValueAtPercentile(100)).toBe(h.getValueAtPercentile(100));
    expect(back.getValueAtPercentile(50)).toBe(h.getValueAtPercentile(50));
  });

  it('merges encoded histograms by adding their counts', () => {
    const a = encodeHistogram(histogramOf(Array(900).fill(100)));
    const b = encodeHistogram(histogramOf(Array(100).fill(10_000)));
    const merged = mergeEncoded([a, b]);
    expect(merged.totalCount).toBe(1000);
    expect(merged.getValueAtPercentile(50)).toBe(100);
    expect(merged.getValueAtPercentile(95)).toBeGreaterThanOrEqual(9_990);
    expect(summarizeEncoded([a, b]).p99Us).toBe(summarize(merged).p99Us);
  });

  it('summarises an empty histogram as zeros, and merging none gives an empty one', () => {
    expect(summarizeEncoded([])).toMatchObject({ count: 0, p50Us: 0, p99Us: 0, maxUs: 0, meanUs: 0 });
  });

  it('clamps negative and out-of-range values instead of throwing', () => {
    const s = summarize(histogramOf([-5, 0.4, 1e12]));
    expect(s.count).toBe(3);
    expect(s.maxUs).toBeGreaterThanOrEqual(HIGHEST_TRACKABLE_US * 0.999);
  });
});
