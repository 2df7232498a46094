import { type Interval, mean, summarizeAs, tQuantile975 } from '../bench/stats.js';

/**
 * Ratio of two means with a 95% confidence interval by Fieller's theorem (independent samples).
 *
 * For means a (numerator) and b (denominator) with squared standard errors va = s²a/na and vb = s²b/nb,
 * the interval is every R with (a − R·b)² ≤ t²·(va + R²·vb): the roots of
 * (b² − t²vb)·R² − 2ab·R + (a² − t²va) = 0. Degrees of freedom for t come from Welch–Satterthwaite
 * for a − R̂·b at the point estimate R̂ = a/b, rounded down (a smaller df gives a wider, safer interval).
 * Unlike the delta method the interval is asymmetric around R̂, as a ratio's should be, and it says
 * honestly when the denominator is too noisy to bound the ratio (g = t²vb/b² ≥ 1: unbounded).
 */
export interface RatioEstimate {
  /** mean(numerator) / mean(denominator). NaN when the denominator mean is 0 or either side is empty. */
  ratio: number;
  /** 95% CI bounds; null when either side has fewer than 2 values or the interval is unbounded. */
  low: number | null;
  high: number | null;
  /** True when the denominator's CI includes 0, so no finite interval exists. */
  unbounded: boolean;
  nNumerator: number;
  nDenominator: number;
  /** Welch–Satterthwaite degrees of freedom used for t (null without an interval). */
  df: number | null;
}

export function ratioOfMeans(numerator: number[], denominator: number[]): RatioEstimate {
  return fieller(moments(numerator), moments(denominator));
}

/** What Fieller's interval needs of one side: its mean, the sample variance and the number of runs. */
interface SideMoments {
  mean: number;
  variance: number;
  n: number;
}

const moments = (values: number[]): SideMoments => ({ mean: mean(values), variance: sampleVariance(values), n: values.length });

function fieller(num: SideMoments, den: SideMoments): RatioEstimate {
  const { n: na, mean: a } = num;
  const { n: nb, mean: b } = den;
  const ratio = na > 0 && nb > 0 && b !== 0 ? a / b : NaN;
  const none = { ratio, low: null, high: null, unbounded: false, nNumerator: na, nDenominator: nb, df: null };
  if (na < 2 || nb < 2 || !Number.isFinite(ratio)) return none;

  const va = num.variance / na;
  const vb = den.variance / nb;
  // No spread on either side: the ratio is known exactly from these runs.
  if (va === 0 && vb === 0) return { ...none, low: ratio, high: ratio, df: Infinity };

  const termA = va;
  const termB = ratio * ratio * vb;
  const df = (termA + termB) ** 2 / (termA ** 2 / (na - 1) + termB ** 2 / (nb - 1));
  const t = tQuantile975(Math.max(1, Math.floor(df)));
  const g = (t * t * vb) / (b * b);
  if (g >= 1) return { ...none, unbounded: true, df };

  const quadA = b * b - t * t * vb;
  const disc = t * t * (va * b * b + vb * a * a - t * t * va * vb);
  const root = Math.sqrt(Math.max(0, disc));
  const r1 = (a * b - root) / quadA;
  const r2 = (a * b + root) / quadA;
  return { ...none, low: Math.min(r1, r2), high: Math.max(r1, r2), df };
}

/** The most runs a side a settling command asks for: past this the effect sits too close to the rule to settle. */
export const MAX_SETTLING_RUNS = 30;

/**
 * How many runs a side a fresh run needs for the ratio's 95% CI to settle (`settles`: the caller's rule, e.g.
 * the whole CI on one side of a claim's threshold), projected from these runs: the means and spreads stay, the CI narrows with the runs (as 1/√n, and t shrinks).
 * It is a projection, not a promise (new runs bring their own spread). null when there is nothing to project
 * from (a side with fewer than 2 runs), or when even MAX_SETTLING_RUNS a side would not settle it (the ratio
 * sits on the rule).
 */
export function runsToSettle(numerator: number[], denominator: number[], settles: (est: RatioEstimate) => boolean): number | null {
  const num = moments(numerator);
  const den = moments(denominator);
  if (num.n < 2 || den.n < 2 || den.mean === 0) return null;
  for (let n = 2; n <= MAX_SETTLING_RUNS; n++) {
    if (settles(fieller({ ...num, n }, { ...den, n }))) return n;
  }
  return null;
}

/**
 * runsToSettle for rules that compare two 95% CIs of the mean (bench/stats.ts summarize), e.g. "the CIs do not
 * overlap": the runs a side after which CIs with these means and spreads would settle, or null (a side with a
 * single run, or not within MAX_SETTLING_RUNS).
 */
export function runsToSeparate(a: number[], b: number[], settles: (ia: Interval, ib: Interval) => boolean): number | null {
  if (a.length < 2 || b.length < 2) return null;
  for (let n = 2; n <= MAX_SETTLING_RUNS; n++) if (settles(summarizeAs(a, n), summarizeAs(b, n))) return n;
  return null;
}

/**
 * The delta-method (first-order Taylor) interval for the same ratio, R̂ ± t·R̂·√(va/a² + vb/b²).
 * Kept for comparison and tests: it agrees with Fieller when both means are far from 0 relative to
 * their errors, and is symmetric (so it can dip below 0) when they are not.
 */
export function ratioDeltaMethod(numerator: number[], denominator: number[]): { ratio: number; low: number | null; high: number | null } {
  const na = numerator.length;
  const nb = denominator.length;
  const a = mean(numerator);
  const b = mean(denominator);
  const ratio = na > 0 && nb > 0 && b !== 0 ? a / b : NaN;
  if (na < 2 || nb < 2 || !Number.isFinite(ratio)) return { ratio, low: null, high: null };
  const va = sampleVariance(numerator) / na;
  const vb = sampleVariance(denominator) / nb;
  const se = Math.abs(ratio) * Math.sqrt(va / (a * a) + vb / (b * b));
  const termB = ratio * ratio * vb;
  const df = va + termB === 0 ? Infinity : (va + termB) ** 2 / (va ** 2 / (na - 1) + termB ** 2 / (nb - 1));
  const t = tQuantile975(Math.max(1, Math.floor(df)));
  return { ratio, low: ratio - t * se, high: ratio + t * se };
}

/** Unbiased sample variance (n − 1); 0 for fewer than 2 values. */
export function sampleVariance(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return values.reduce((acc, v) => acc + (v - m) ** 2, 0) / (values.length - 1);
}

/** Where a ratio's CI lies relative to 1 (no change). */
export type ChangeClass = 'higher' | 'lower' | 'noise' | 'unknown';

/** 'higher'/'lower' only when the whole 95% CI is above/below 1; 'unknown' without a CI. */
export function classifyChange(est: RatioEstimate): ChangeClass {
  if (est.low === null || est.high === null) return 'unknown';
  if (est.low > 1) return 'higher';
  if (est.high < 1) return 'lower';
  return 'noise';
}
