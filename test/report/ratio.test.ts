import { describe, expect, it } from 'vitest';
import { summarize, tQuantile975 } from '../../bench/stats.js';
import {
  classifyChange,
  MAX_SETTLING_RUNS,
  type RatioEstimate,
  ratioDeltaMethod,
  ratioOfMeans,
  runsToSeparate,
  runsToSettle,
  sampleVariance,
} from '../../report/ratio.js';
import { prng } from './sample-results.js';

function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(rand(), 1e-12))) * Math.cos(2 * Math.PI * rand());
}

describe('ratioOfMeans (Fieller)', () => {
  it('matches a hand-computed interval (Welch df 5.48 → t(5) = 2.571)', () => {
    const est = ratioOfMeans([10, 12, 11, 13], [5, 5.5, 4.5, 5]);
    expect(est.ratio).toBeCloseTo(2.3, 12);
    expect(est.df).toBeCloseTo(5.48, 2);
    expect(est.low).toBeCloseTo(1.912125, 5);
    expect(est.high).toBeCloseTo(2.739116, 5);
    expect(est.unbounded).toBe(false);
  });

  it('its bounds are exactly the roots of (a − R·b)² = t²(va + R²·vb)', () => {
    const num = [101, 97, 103, 99, 100];
    const den = [49, 52, 50, 51, 48];
    const est = ratioOfMeans(num, den);
    const a = num.reduce((x, y) => x + y) / num.length;
    const b = den.reduce((x, y) => x + y) / den.length;
    const va = sampleVariance(num) / num.length;
    const vb = sampleVariance(den) / den.length;
    const t = tQuantile975(Math.floor(est.df!));
    for (const r of [est.low!, est.high!]) expect((a - r * b) ** 2).toBeCloseTo(t * t * (va + r * r * vb), 9);
    expect(est.low!).toBeLessThan(est.ratio);
    expect(est.high!).toBeGreaterThan(est.ratio);
  });

  it('is asymmetric around the ratio and close to the delta method when noise is small', () => {
    const num = [1000, 1010, 990, 1005];
    const den = [500, 502, 498, 500];
    const f = ratioOfMeans(num, den);
    const d = ratioDeltaMethod(num, den);
    expect(f.high! - f.ratio).not.toBeCloseTo(f.ratio - f.low!, 6);
    expect(Math.abs(f.low! - d.low!) / d.low!).toBeLessThan(0.002);
    expect(Math.abs(f.high! - d.high!) / d.high!).toBeLessThan(0.002);
  });

  it('covers the true ratio about 95% of the time (2000 seeded simulations)', () => {
    const rand = prng(1234);
    let covered = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const num = Array.from({ length: 5 }, () => 200 + 12 * normal(rand));
      const den = Array.from({ length: 5 }, () => 100 + 8 * normal(rand));
      const est = ratioOfMeans(num, den);
      if (est.low! <= 2 && 2 <= est.high!) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.93);
    expect(covered / trials).toBeLessThan(0.975);
  });

  it('gives no interval with a single run on either side', () => {
    expect(ratioOfMeans([10], [5, 6])).toMatchObject({ ratio: 10 / 5.5, low: null, high: null, unbounded: false });
    expect(ratioOfMeans([10, 11], [5])).toMatchObject({ low: null, high: null });
  });

  it('says unbounded when the denominator is indistinguishable from 0', () => {
    const est = ratioOfMeans([10, 11, 9], [0.1, -0.2, 0.4]);
    expect(est.unbounded).toBe(true);
    expect(est.low).toBeNull();
  });

  it('collapses to the ratio when repeats are identical', () => {
    expect(ratioOfMeans([4, 4], [2, 2])).toMatchObject({ ratio: 2, low: 2, high: 2 });
  });

  it('NaN ratio for an empty side or a zero denominator', () => {
    expect(ratioOfMeans([], [1, 2]).ratio).toBeNaN();
    expect(ratioOfMeans([1, 2], [0, 0]).ratio).toBeNaN();
  });
});

describe('classifyChange', () => {
  it('higher / lower only when the whole CI is on one side of 1', () => {
    expect(classifyChange(ratioOfMeans([110, 111, 109], [100, 101, 99]))).toBe('higher');
    expect(classifyChange(ratioOfMeans([90, 91, 89], [100, 101, 99]))).toBe('lower');
    expect(classifyChange(ratioOfMeans([100, 110, 90], [100, 101, 99]))).toBe('noise');
    expect(classifyChange(ratioOfMeans([100], [100, 101]))).toBe('unknown');
  });
});

describe('runsToSettle (the repeats a settling run asks for)', () => {
  /** n values with exactly this mean and sample standard deviation (evenly spread, then scaled). */
  function samplesLike(m: number, sd: number, n: number): number[] {
    const z = Array.from({ length: n }, (_, i) => i - (n - 1) / 2);
    const zsd = Math.sqrt(sampleVariance(z));
    return z.map((v) => m + (sd * v) / zsd);
  }
  const above = (k: number) => (e: RatioEstimate) => e.low !== null && e.high !== null && (e.low >= k || e.high < k);
  const sd = (v: number[]) => Math.sqrt(sampleVariance(v));

  it('is the first n at which real runs with these means and spreads settle the rule, and n − 1 does not', () => {
    const num = [15, 19, 17];
    const den = [10, 10.5, 9.5];
    expect(above(1.5)(ratioOfMeans(num, den))).toBe(false);
    const n = runsToSettle(num, den, above(1.5))!;
    expect(n).toBeGreaterThan(3);
    const at = (k: number) => ratioOfMeans(samplesLike(17, sd(num), k), samplesLike(10, sd(den), k));
    expect(above(1.5)(at(n))).toBe(true);
    expect(above(1.5)(at(n - 1))).toBe(false);
  });

  it('null when the ratio sits on the rule (not even MAX_SETTLING_RUNS a side), or a side has a single run', () => {
    expect(runsToSettle([14, 16, 15], [10, 10.4, 9.6], above(1.5))).toBeNull();
    expect(MAX_SETTLING_RUNS).toBe(30);
    expect(runsToSettle([17], [10, 10.5, 9.5], above(1.5))).toBeNull();
  });

  it('runsToSeparate: the first n at which real runs with these means and spreads give CIs apart', () => {
    const apart = (x: { low: number | null; high: number | null }, y: { low: number | null; high: number | null }) => x.low! > y.high! || y.low! > x.high!;
    const a = [20, 30, 25];
    const b = [12, 22, 17];
    expect(apart(summarize(a), summarize(b))).toBe(false);
    const n = runsToSeparate(a, b, apart)!;
    expect(n).toBeGreaterThan(3);
    expect(apart(summarize(samplesLike(25, sd(a), n)), summarize(samplesLike(17, sd(b), n)))).toBe(true);
    expect(apart(summarize(samplesLike(25, sd(a), n - 1)), summarize(samplesLike(17, sd(b), n - 1)))).toBe(false);
    expect(runsToSeparate([10, 30, 20], [12, 28, 19], apart)).toBeNull();
    expect(runsToSeparate([25], b, apart)).toBeNull();
  });

  it('a ratio already settled by its runs needs no more than it has', () => {
    const num = [30, 31, 29];
    const den = [10, 10.2, 9.8];
    expect(above(1.5)(ratioOfMeans(num, den))).toBe(true);
    expect(runsToSettle(num, den, above(1.5))).toBeLessThanOrEqual(3);
  });
});
