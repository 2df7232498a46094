/**
 * Ordinary least squares of y on x (docs/METHOD.md §3: memory per connection is the slope of RSS against open
 * connections over an idle ramp, not RSS / N). Pure: no I/O, no clock.
 */

export interface LinearFit {
  /** Points the fit used. */
  n: number;
  /** dy/dx: e.g. bytes per connection. */
  slope: number;
  /** y at x = 0: e.g. the server's baseline RSS. */
  intercept: number;
  /**
   * Coefficient of determination, 1 − SSres / SStot, in [0, 1] for a least-squares line with an intercept.
   * null when it is undefined (all y equal: SStot = 0).
   */
  r2: number | null;
  /** Standard error of the slope (√(SSres / (n − 2)) / √Sxx); null with fewer than 3 points. */
  slopeStdErr: number | null;
}

/**
 * Fits y = intercept + slope · x. Returns null with fewer than 2 points or when every x is the same
 * (no slope can be told). Centred sums keep large y (RSS in bytes) and small x from losing precision.
 */
export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | null {
  if (xs.length !== ys.length) throw new RangeError(`linearFit: ${xs.length} x values but ${ys.length} y values`);
  const n = xs.length;
  if (n < 2) return null;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += xs[i]!;
    my += ys[i]!;
  }
  mx /= n;
  my /= n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = xs[i]! - mx;
    const dy = ys[i]! - my;
    sxx += dx * dx;
    sxy += dx * dy;
    syy += dy * dy;
  }
  if (sxx === 0) return null;
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  // SSres = Syy − slope · Sxy for the least-squares line; clamp the rounding below 0.
  const ssRes = Math.max(0, syy - slope * sxy);
  const r2 = syy === 0 ? null : Math.min(1, Math.max(0, 1 - ssRes / syy));
  const slopeStdErr = n > 2 ? Math.sqrt(ssRes / (n - 2)) / Math.sqrt(sxx) : null;
  return { n, slope, intercept, r2, slopeStdErr };
}
