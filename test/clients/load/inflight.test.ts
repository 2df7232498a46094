import { describe, expect, it } from 'vitest';
import { DEFAULT_INFLIGHT_WINDOW, DUPLICATE, InflightTable, inflightWindowFor, LATE, UNEXPECTED } from '../../../clients/load/inflight.js';

describe('InflightTable', () => {
  it('hands out increasing seqs and returns what was stored', () => {
    const t = new InflightTable(4);
    expect(t.add(10, 11, 0, false)).toBe(0);
    expect(t.add(20, 21, 1, true)).toBe(1);
    const slot = t.take(1);
    expect(slot).toBeGreaterThanOrEqual(0);
    expect([t.intendedUs[slot], t.sentUs[slot], t.cls[slot], t.lastTakenInWindow]).toEqual([20, 21, 1, true]);
    t.take(0);
    expect(t.lastTakenInWindow).toBe(false);
  });

  it('tells duplicates from replies to seqs never sent', () => {
    const t = new InflightTable(4);
    t.add(0, 0, 0, true);
    t.add(0, 0, 0, true);
    expect(t.take(1)).toBeGreaterThanOrEqual(0);
    expect(t.take(1)).toBe(DUPLICATE);
    expect(t.take(0)).toBeGreaterThanOrEqual(0);
    expect(t.take(0)).toBe(DUPLICATE); // below the ring's base by now
    expect(t.take(2)).toBe(UNEXPECTED);
    expect(t.take(99)).toBe(UNEXPECTED);
  });

  it('counts window messages still pending, which the worker reports as lost', () => {
    const t = new InflightTable(4);
    for (let i = 0; i < 10; i++) t.add(i, i, 0, i >= 5);
    for (let i = 0; i < 10; i += 2) t.take(i);
    expect(t.pendingInWindow).toBe(3); // 5, 7, 9
    expect(t.pending).toBe(5);
  });

  it('grows past its capacity when an old message stays unanswered, keeping every entry', () => {
    const t = new InflightTable(2);
    t.add(-1, -1, 1, true); // seq 0: never answered
    for (let i = 1; i < 1000; i++) {
      const seq = t.add(i, i + 0.5, 0, true);
      expect(t.sentUs[t.take(seq)]).toBe(i + 0.5);
    }
    const slot = t.take(0);
    expect([t.intendedUs[slot], t.cls[slot]]).toEqual([-1, 1]);
    expect(t.pending).toBe(0);
  });

  it('matches replies in any order', () => {
    const t = new InflightTable(8);
    for (let i = 0; i < 8; i++) t.add(i * 10, i * 10, 0, true);
    for (const seq of [7, 0, 3, 5, 1, 2, 6, 4]) expect(t.intendedUs[t.take(seq)]).toBe(seq * 10);
    expect(t.pendingInWindow).toBe(0);
  });

  it('stays bounded when one reply is lost: 1 lost + 2M answered keeps the ring at its bound (issue 14)', () => {
    const t = new InflightTable(2);
    t.add(-1, -1, 0, true); // seq 0: never answered
    for (let i = 1; i <= 2_000_000; i++) {
      const seq = t.add(i, i, 0, true);
      if (t.take(seq) < 0) throw new Error(`seq ${seq} not matched`);
    }
    expect(t.ringSize).toBeLessThanOrEqual(2 * DEFAULT_INFLIGHT_WINDOW);
    expect(t.expiredInWindow).toBe(1); // the lost one, counted
    expect(t.pendingInWindow).toBe(0);
    expect(t.take(0)).toBe(LATE); // its reply, long after: late, not matched
    expect(t.lastTakenInWindow).toBe(true);
  });

  it('tells a late reply from a duplicate within the history, and keeps counts exact inside the window', () => {
    const t = new InflightTable(2, 8);
    expect(t.window).toBe(8);
    for (let i = 0; i < 3; i++) t.add(i, i, 0, i > 0); // 0 warmup, 1 and 2 window
    t.take(2);
    expect(t.take(2)).toBe(DUPLICATE);
    for (let i = 3; i < 9; i++) t.take(t.add(i, i, 0, true));
    // 0 and 1 unanswered; seq 8 was the 9th send: 0 expired when 8 went out (8 sends behind)
    expect(t.expiredInWindow).toBe(0); // 0 was a warmup message: not a window loss
    t.take(t.add(9, 9, 0, true)); // 1 expires now
    expect(t.expiredInWindow).toBe(1);
    expect(t.pendingInWindow).toBe(0);
    expect(t.take(1)).toBe(LATE);
    expect(t.lastTakenInWindow).toBe(true);
    expect(t.take(1)).toBe(DUPLICATE); // a second copy of the late one
    expect(t.take(0)).toBe(LATE);
    expect(t.lastTakenInWindow).toBe(false);
    expect(t.take(5)).toBe(DUPLICATE);
    expect(t.ringSize).toBe(16);
    // far past the history (2 windows): cannot tell, reported late
    for (let i = 10; i < 100; i++) t.take(t.add(i, i, 0, true));
    expect(t.take(3)).toBe(LATE);
    expect(t.ringSize).toBe(16);
    expect(t.expiredInWindow).toBe(1);
  });

  it('does not expire anything while fewer than window messages are pending', () => {
    const t = new InflightTable(2, 1024);
    for (let i = 0; i < 1000; i++) t.add(i, i, 0, true);
    for (let i = 999; i >= 0; i--) expect(t.intendedUs[t.take(i)]).toBe(i);
    expect(t.expiredInWindow).toBe(0);
    expect(t.pendingInWindow).toBe(0);
  });

  it('sizes the window from the run: ~10 s of a connection in open loop, bounded; fixed in closed loop', () => {
    expect(inflightWindowFor({ mode: 'open', rateHz: 2000, connections: 50, depth: 1 })).toBe(1024); // 400 → floor
    expect(inflightWindowFor({ mode: 'open', rateHz: 20_000, connections: 10, depth: 1 })).toBe(20_000);
    expect(inflightWindowFor({ mode: 'open', rateHz: 1e6, connections: 1, depth: 1 })).toBe(65_536);
    expect(inflightWindowFor({ mode: 'closed', rateHz: null, connections: 100, depth: 4 })).toBe(4096);
    expect(inflightWindowFor({ mode: 'closed', rateHz: null, connections: 1, depth: 2048 })).toBe(8192);
  });
});
