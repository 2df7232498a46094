import { describe, expect, it } from 'vitest';
import { DUPLICATE, InflightTable, UNEXPECTED } from '../../clients/inflight.js';

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
});
