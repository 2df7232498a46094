import { describe, expect, it } from 'vitest';
import { phaseTimes, START_MARGIN_MS } from '../../../clients/engine/phase-times.js';

const plan = { warmupMs: 1000, durationMs: 5000, drainMs: 500 };
const clock = { nowMonoUs: 50_000_000, nowWallMs: 1_700_000_000_000 };

describe('phaseTimes', () => {
  it('starts the warmup a margin after now when no start was agreed', () => {
    const t = phaseTimes(plan, clock);
    expect(t.warmupStartUs).toBe(clock.nowMonoUs + START_MARGIN_MS * 1000);
    expect(t.measureStartUs - t.warmupStartUs).toBe(1_000_000);
    expect(t.measureEndUs - t.measureStartUs).toBe(5_000_000);
    expect(t.drainEndUs - t.measureEndUs).toBe(500_000);
  });

  it('puts the measured window at the agreed wall-clock instant, converted to the monotonic clock', () => {
    const t = phaseTimes(plan, clock, clock.nowWallMs + 4000);
    expect(t.measureStartUs).toBe(clock.nowMonoUs + 4_000_000);
    expect(t.warmupStartUs).toBe(clock.nowMonoUs + 3_000_000);
  });

  it('starts as soon as it can when the agreed instant is already too close or past', () => {
    expect(phaseTimes(plan, clock, clock.nowWallMs + 500).warmupStartUs).toBe(clock.nowMonoUs + START_MARGIN_MS * 1000);
    expect(phaseTimes(plan, clock, clock.nowWallMs - 10_000).warmupStartUs).toBe(clock.nowMonoUs + START_MARGIN_MS * 1000);
  });
});
