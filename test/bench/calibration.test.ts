import { describe, expect, it } from 'vitest';
import { compareEqualLoad, defaultEqualRate, EQUAL_LOAD_TOLERANCE, equalLoadOf, relativeDifference } from '../../bench/calibration.js';
import type { WsBaselineResult } from '../../clients/baseline/ws-baseline.js';
import { latency, loadReport } from '../fixtures/results.js';

describe('calibrate: equal offered load rule', () => {
  it('relative difference is |a − b| / max(a, b): symmetric, 0 for two zeros', () => {
    expect(relativeDifference(1000, 900)).toBeCloseTo(0.1, 12);
    expect(relativeDifference(900, 1000)).toBe(relativeDifference(1000, 900));
    expect(relativeDifference(0, 0)).toBe(0);
    expect(relativeDifference(0, 5)).toBe(1);
  });

  it('agrees when both the rates and the medians are within 10%', () => {
    const c = compareEqualLoad({ rateHz: 2000, p50Us: 100 }, { rateHz: 1960, p50Us: 95 });
    expect(c).toMatchObject({ agree: true, tolerance: EQUAL_LOAD_TOLERANCE, reason: 'rates and medians within 10.0%' });
    expect(c.rateDiff).toBeCloseTo(0.02, 12);
    expect(c.medianDiff).toBeCloseTo(0.05, 12);
  });

  it('disagrees when the achieved rates are more than 10% apart, saying by how much', () => {
    const c = compareEqualLoad({ rateHz: 2000, p50Us: 100 }, { rateHz: 1500, p50Us: 100 });
    expect(c).toMatchObject({ agree: false, medianDiff: 0, reason: 'achieved rates differ by 25.0% > 10.0%' });
  });

  it('disagrees when the medians are more than 10% apart, and names both when both are', () => {
    expect(compareEqualLoad({ rateHz: 2000, p50Us: 100 }, { rateHz: 2000, p50Us: 200 })).toMatchObject({
      agree: false,
      rateDiff: 0,
      reason: 'medians differ by 50.0% > 10.0%',
    });
    expect(compareEqualLoad({ rateHz: 1000, p50Us: 300 }, { rateHz: 2000, p50Us: 100 }).reason).toBe(
      'achieved rates differ by 50.0% > 10.0%; medians differ by 66.7% > 10.0%',
    );
  });

  it('exactly 10% still agrees; just above does not', () => {
    expect(compareEqualLoad({ rateHz: 1000, p50Us: 100 }, { rateHz: 900, p50Us: 90 }).agree).toBe(true);
    expect(compareEqualLoad({ rateHz: 1000, p50Us: 100 }, { rateHz: 899, p50Us: 100 }).agree).toBe(false);
    expect(compareEqualLoad({ rateHz: 1000, p50Us: 100 }, { rateHz: 1000, p50Us: 89.9 }).agree).toBe(false);
  });

  it('a client without replies never agrees', () => {
    expect(compareEqualLoad({ rateHz: 0, p50Us: 0 }, { rateHz: 0, p50Us: 0 })).toMatchObject({
      agree: false,
      reason: 'the generator had no replies in the window; the ws client had no replies in the window',
    });
  });

  it('the default rate is a quarter of the lower closed-loop rate, to 3 significant figures', () => {
    expect(defaultEqualRate(41_234, 12_345)).toBe(3090);
    expect(defaultEqualRate(900, 1_000_000)).toBe(225);
    expect(defaultEqualRate(333.3, 1000)).toBe(83.3);
  });

  it('builds both sides from the generator’s open-loop report and the ws client’s result', () => {
    const gen = loadReport({ targetRateHz: 400, achievedRateHz: 399, corrected: latency([100, 110, 120]) });
    const ws = {
      mode: 'open',
      offeredRateHz: 400,
      roundTripsPerSec: 380,
      corrected: latency([150, 160, 170]),
      service: latency([90, 100]),
    } as WsBaselineResult;
    const eq = equalLoadOf(400, 'flag', gen, ws);
    expect(eq.generator).toMatchObject({ offeredRateHz: 400, achievedRateHz: 399, corrected: { p50Us: 110 } });
    expect(eq.baseline).toMatchObject({ client: 'ws package client (baseline)', offeredRateHz: 400, achievedRateHz: 380, corrected: { p50Us: 160 } });
    expect(eq.comparison.agree).toBe(false);
    expect(eq.comparison.reason).toBe('medians differ by 31.3% > 10.0%');
    expect(() => equalLoadOf(400, 'flag', loadReport(), ws)).toThrow(/closed loop/);
  });
});
