import { describe, expect, it } from 'vitest';
import { median, summarize, tQuantile975 } from '../../bench/stats.js';

describe('stats', () => {
  it('median of odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('95% CI of the mean uses Student t', () => {
    // values 10, 12, 14: mean 12, s = 2, t(2) = 4.303 → half-width 4.303 * 2 / sqrt(3)
    const s = summarize([10, 12, 14]);
    const half = (4.303 * 2) / Math.sqrt(3);
    expect(s.mean).toBe(12);
    expect(s.low).toBeCloseTo(12 - half, 9);
    expect(s.high).toBeCloseTo(12 + half, 9);
    expect(tQuantile975(100)).toBe(1.96);
  });
  it('no interval from a single value', () => {
    expect(summarize([5])).toEqual({ n: 1, median: 5, mean: 5, low: null, high: null });
  });
});
