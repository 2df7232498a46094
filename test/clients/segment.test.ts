import { describe, expect, it } from 'vitest';
import { connectionOffsetUs, intendedSendUs, intervalUs } from '../../clients/schedule.js';
import { type Segment, segmentConnectionCount, segmentConnectionIndices, segmentProblem, segmentShare } from '../../clients/segment.js';

const segmentsOf = (count: number): Segment[] => Array.from({ length: count }, (_, index) => ({ index, count }));

/** Intended send times of every message of the first `rounds` rounds, as the engine would compute them for one plan started at t0Us. */
function sendTimes(connections: number, rateHz: number, t0Us: number, rounds: number): number[][] {
  const interval = intervalUs(rateHz, connections);
  return Array.from({ length: connections }, (_, c) =>
    Array.from({ length: rounds }, (_, i) => intendedSendUs(t0Us, i, connectionOffsetUs(c, connections, interval), interval)),
  );
}

/** The sends of each global connection when every segment runs its share as a plan of its own, started phaseUs after t0. */
function segmentedSendTimes(connections: number, rateHz: number, count: number, rounds: number): number[][] {
  const byGlobal: number[][] = [];
  for (const seg of segmentsOf(count)) {
    const share = segmentShare({ connections, rateHz }, seg);
    const local = sendTimes(share.connections, share.rateHz!, share.phaseUs, rounds);
    segmentConnectionIndices(connections, seg).forEach((c, k) => {
      byGlobal[c] = local[k]!;
    });
  }
  return byGlobal;
}

describe('segments', () => {
  it('split the connections disjointly and completely, whatever the remainder', () => {
    for (const [total, count] of [
      [10, 3],
      [9, 3],
      [100_000, 7],
      [5, 5],
      [1, 1],
    ] as const) {
      const all = segmentsOf(count).flatMap((s) => segmentConnectionIndices(total, s));
      expect(all.length).toBe(total);
      expect(new Set(all).size).toBe(total);
      expect(Math.min(...all)).toBe(0);
      expect(Math.max(...all)).toBe(total - 1);
      for (const s of segmentsOf(count)) expect(segmentConnectionCount(total, s)).toBe(segmentConnectionIndices(total, s).length);
    }
  });

  it('split the open-loop rate so the shares sum to the whole and keep its per-connection interval', () => {
    const shares = segmentsOf(3).map((s) => segmentShare({ connections: 10, rateHz: 1000 }, s));
    expect(shares.map((s) => s.connections)).toEqual([4, 3, 3]);
    expect(shares.reduce((n, s) => n + s.rateHz!, 0)).toBeCloseTo(1000, 9);
    for (const s of shares) expect(intervalUs(s.rateHz!, s.connections)).toBeCloseTo(intervalUs(1000, 10), 6);
  });

  it('give, together, exactly the single-machine schedule when the count divides the connections', () => {
    const whole = sendTimes(12, 600, 0, 20);
    const union = segmentedSendTimes(12, 600, 3, 20);
    for (let c = 0; c < 12; c++) for (let i = 0; i < 20; i++) expect(union[c]![i]).toBeCloseTo(whole[c]![i]!, 6);
    // The same multiset of instants, so the same load on the server at every moment.
    expect(
      union
        .flat()
        .sort((a, b) => a - b)
        .map((t) => Math.round(t * 1e3)),
    ).toEqual(
      whole
        .flat()
        .sort((a, b) => a - b)
        .map((t) => Math.round(t * 1e3)),
    );
  });

  it('keep every send within interval · N / connections of its single-machine time otherwise', () => {
    const [connections, rateHz, count] = [10, 1000, 3];
    const whole = sendTimes(connections, rateHz, 0, 50);
    const union = segmentedSendTimes(connections, rateHz, count, 50);
    const bound = (intervalUs(rateHz, connections) * count) / connections;
    let worst = 0;
    for (let c = 0; c < connections; c++) for (let i = 0; i < 50; i++) worst = Math.max(worst, Math.abs(union[c]![i]! - whole[c]![i]!));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(bound);
  });

  it('leave the closed loop without a rate or phase', () => {
    expect(segmentShare({ connections: 7, rateHz: null }, { index: 2, count: 3 })).toEqual({ connections: 2, rateHz: null, phaseUs: 0 });
  });

  it('say why a plan cannot be cut', () => {
    expect(segmentProblem(2, { index: 0, count: 3 })).toBe('2 connections cannot be cut into 3 segments of at least one connection each');
    expect(segmentProblem(10, { index: 3, count: 3 })).toBe('the segment index must be in 0…2, got 3');
    expect(segmentProblem(10, { index: 0, count: 0 })).toBe('the segment count must be a positive integer, got 0');
    expect(segmentProblem(10, { index: 2, count: 3 })).toBeNull();
  });
});
