import * as hdr from 'hdr-histogram-js';
import { describe, expect, it } from 'vitest';
import {
  buildHistogram,
  decodeHistogram,
  encodeHistogram,
  FLAT_COUNTS,
  flatIndex,
  flatValue,
  HIGHEST_TRACKABLE_US,
  mergeEncoded,
  recordUs,
  summarize,
  summarizeEncoded,
  UsRecorder,
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

describe('UsRecorder', () => {
  it('builds exactly the histogram recordUs builds, across folds and resets', () => {
    const rec = new UsRecorder();
    const ref = buildHistogram();
    let x = 12345;
    const next = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      return x;
    };
    const values: number[] = [-5, 0, 0.4, 0.6, 1, 2047, 2048, 2049, 65_535, 65_536, 65_537, 4095, 4096, 4097, 1e9, HIGHEST_TRACKABLE_US];
    for (let i = 0; i < 20_000; i++) values.push(next() % 200_000, (next() % 5000) + 0.5);
    for (const [k, v] of values.entries()) {
      rec.record(v);
      recordUs(ref, v);
      if (k === 7_000) expect(encodeHistogram(rec.folded())).toBe(encodeHistogram(ref));
    }
    const h = rec.folded();
    expect(h.totalCount).toBe(ref.totalCount);
    expect(decodeHistogram(encodeHistogram(h)).maxValue).toBe(decodeHistogram(encodeHistogram(ref)).maxValue);
    expect(h.mean).toBe(ref.mean);
    expect(h.getValueAtPercentile(99)).toBe(ref.getValueAtPercentile(99));
    expect(encodeHistogram(h)).toBe(encodeHistogram(ref));
    rec.reset();
    expect(rec.folded().totalCount).toBe(0);
    rec.record(5);
    rec.record(70_000);
    expect(rec.folded().totalCount).toBe(2);
    expect(rec.folded().minNonZeroValue).toBe(5);
  });

  it("lays counts out as the HDR buckets: flatValue(flatIndex(v)) is the lowest value of v's bucket", () => {
    const h = buildHistogram();
    // lowestEquivalentValue is public on the JS histogram (the one buildHistogram makes without WebAssembly).
    if (!(h instanceof hdr.JsHistogram)) throw new Error('expected the JS histogram');
    let last = -1;
    for (const v of [0, 1, 2047, 2048, 2049, 2050, 4095, 4096, 65_537, 1_000_003, 33_554_431, HIGHEST_TRACKABLE_US]) {
      const i = flatIndex(v);
      expect(i).toBeGreaterThanOrEqual(last);
      last = i;
      expect(flatValue(i)).toBe(h.lowestEquivalentValue(v));
    }
    expect(flatIndex(HIGHEST_TRACKABLE_US)).toBeLessThan(FLAT_COUNTS);
  });
});
