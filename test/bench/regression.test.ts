import { describe, expect, it } from 'vitest';
import { linearFit } from '../../bench/regression.js';

describe('linearFit', () => {
  it('recovers an exact line', () => {
    const xs = [0, 1, 2, 3, 4];
    const fit = linearFit(
      xs,
      xs.map((x) => 7 + 3 * x),
    )!;
    expect(fit.n).toBe(5);
    expect(fit.slope).toBeCloseTo(3, 12);
    expect(fit.intercept).toBeCloseTo(7, 12);
    expect(fit.r2).toBe(1);
    expect(fit.slopeStdErr).toBeCloseTo(0, 12);
  });

  it('small line with known noise: exact slope, intercept, R² and slope error', () => {
    // Noise [1, −1, −1, 1] sums to 0 and is orthogonal to x, so least squares returns the true line;
    // SSres = 4, Sxx = 5, SStot = 2²·5 + 4 = 24, R² = 1 − 4/24 = 5/6, se(slope) = √(4/2) / √5.
    const xs = [0, 1, 2, 3];
    const noise = [1, -1, -1, 1];
    const fit = linearFit(
      xs,
      xs.map((x, i) => 1000 + 2 * x + noise[i]!),
    )!;
    expect(fit.slope).toBeCloseTo(2, 12);
    expect(fit.intercept).toBeCloseTo(1000, 10);
    expect(fit.r2).toBeCloseTo(5 / 6, 12);
    expect(fit.slopeStdErr).toBeCloseTo(Math.sqrt(2 / 5), 12);
  });

  it('RSS-sized data: 10 KiB per connection over a 50 MB baseline, with symmetric noise', () => {
    // Centred quadratic noise is orthogonal to a constant and to x (by symmetry), so the true line comes back.
    const xs = [0, 1000, 2000, 3000, 4000, 5000];
    const noise = xs.map((_, i) => ((i - 2.5) ** 2 - 35 / 12) * 100_000);
    const ys = xs.map((x, i) => 50_000_000 + 10_240 * x + noise[i]!);
    const fit = linearFit(xs, ys)!;
    expect(fit.slope).toBeCloseTo(10_240, 6);
    expect(fit.intercept).toBeCloseTo(50_000_000, 3);
    const ssRes = noise.reduce((a, e) => a + e * e, 0);
    const sxx = 17_500_000; // Σ(x − 2500)² for x = 0 … 5000 step 1000
    expect(fit.r2).toBeCloseTo(1 - ssRes / (10_240 ** 2 * sxx + ssRes), 12);
    expect(fit.r2!).toBeGreaterThan(0.999);
    expect(fit.slopeStdErr).toBeCloseTo(Math.sqrt(ssRes / 4) / Math.sqrt(sxx), 9);
  });

  it('pure noise gives a slope near 0 and R² near 0', () => {
    const xs = [0, 1, 2, 3];
    const fit = linearFit(xs, [5, 3, 3, 5])!;
    expect(fit.slope).toBeCloseTo(0, 12);
    expect(fit.intercept).toBeCloseTo(4, 12);
    expect(fit.r2).toBeCloseTo(0, 12);
  });

  it('undefined cases: too few points, no spread in x, no spread in y, mismatched lengths', () => {
    expect(linearFit([], [])).toBeNull();
    expect(linearFit([1], [2])).toBeNull();
    expect(linearFit([3, 3, 3], [1, 2, 3])).toBeNull();
    const flat = linearFit([0, 1, 2], [4, 4, 4])!;
    expect(flat.slope).toBe(0);
    expect(flat.r2).toBeNull();
    expect(linearFit([0, 1], [0, 1])!.slopeStdErr).toBeNull();
    expect(() => linearFit([0, 1], [0])).toThrow('2 x values but 1 y values');
  });
});
