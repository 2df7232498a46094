/** Small statistics for repeated cells (docs/METHOD.md §5): median, and a 95% CI of the mean (Student t). */

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function mean(values: number[]): number {
  return values.length === 0 ? NaN : values.reduce((a, b) => a + b, 0) / values.length;
}

export function stddev(values: number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((a, v) => a + (v - m) ** 2, 0) / (values.length - 1));
}

// Two-sided 97.5% quantiles of Student's t for df = 1..30; beyond that the normal 1.96 is close enough.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069,
  2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

export function tQuantile975(df: number): number {
  return df >= 1 && df <= T975.length ? T975[df - 1]! : 1.96;
}

export interface Interval {
  n: number;
  median: number;
  mean: number;
  /** 95% CI of the mean; null with fewer than 2 values. */
  low: number | null;
  high: number | null;
}

export function summarize(values: number[]): Interval {
  return summarizeAs(values, values.length);
}

/**
 * `values`' median, mean and spread, with the 95% CI of the mean they would have over `n` runs (Student t,
 * n − 1 degrees of freedom): summarize when n is their count, a projection otherwise (report/ratio.ts).
 */
export function summarizeAs(values: number[], n: number): Interval {
  const m = mean(values);
  if (n < 2 || values.length < 2) return { n, median: median(values), mean: m, low: null, high: null };
  const half = (tQuantile975(n - 1) * stddev(values)) / Math.sqrt(n);
  return { n, median: median(values), mean: m, low: m - half, high: m + half };
}
