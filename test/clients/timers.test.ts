import { afterEach, describe, expect, it, vi } from 'vitest';
import { atMonoUs, MAX_TIMEOUT_MS } from '../../clients/timers.js';

// Fake timers move Date along as they run, so Date stands in for the monotonic clock.
const now = () => Date.now() * 1000;

describe('atMonoUs (issue 14: setTimeout past 2³¹−1 ms fires after 1 ms)', () => {
  afterEach(() => vi.useRealTimers());

  it('plain setTimeout would fire at once for such a delay; the chained timer waits the whole time', () => {
    vi.useFakeTimers({ now: 0 });
    const delayMs = 30 * 86_400_000; // 30 days > 2³¹−1 ms
    expect(delayMs).toBeGreaterThan(MAX_TIMEOUT_MS);
    let plain = false;
    setTimeout(() => (plain = true), delayMs);
    let fired = false;
    atMonoUs(now() + delayMs * 1000, () => (fired = true), now);
    vi.advanceTimersByTime(1);
    expect(plain).toBe(true); // the defect the helper exists for
    expect(fired).toBe(false);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(delayMs - MAX_TIMEOUT_MS - 3);
    expect(fired).toBe(false);
    vi.advanceTimersByTime(2);
    expect(fired).toBe(true);
  });

  it('clear() stops it, also between links', () => {
    vi.useFakeTimers({ now: 0 });
    let fired = false;
    const t = atMonoUs(now() + 3 * MAX_TIMEOUT_MS * 1000, () => (fired = true), now);
    vi.advanceTimersByTime(MAX_TIMEOUT_MS + 5);
    t.clear();
    vi.advanceTimersByTime(3 * MAX_TIMEOUT_MS);
    expect(fired).toBe(false);
  });
});
