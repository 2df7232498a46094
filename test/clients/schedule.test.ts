import { describe, expect, it } from 'vitest';
import { connectionOffsetUs, connectionsOfWorker, intendedSendUs, intervalUs, RoundRobinSchedule } from '../../clients/schedule.js';

describe('open-loop schedule arithmetic', () => {
  it('gives each connection rate / connections: 10 000/s over 100 connections is one message per 10 ms', () => {
    expect(intervalUs(10_000, 100)).toBe(10_000);
    expect(intervalUs(1_000, 1)).toBe(1_000);
    expect(intervalUs(3, 1)).toBeCloseTo(333_333.333, 3);
  });

  it('spreads connection start offsets evenly over one interval', () => {
    const interval = intervalUs(10_000, 4);
    expect([0, 1, 2, 3].map((c) => connectionOffsetUs(c, 4, interval))).toEqual([0, 100, 200, 300]);
  });

  it('puts message i of connection c at t0 + offset(c) + i · interval', () => {
    const interval = intervalUs(1_000, 10); // 10 ms
    const offset = connectionOffsetUs(3, 10, interval); // 3 ms
    expect(intendedSendUs(1_000_000, 0, offset, interval)).toBe(1_003_000);
    expect(intendedSendUs(1_000_000, 5, offset, interval)).toBe(1_053_000);
  });

  it('does not drift over millions of messages (computed, not accumulated)', () => {
    const interval = intervalUs(3, 1);
    expect(intendedSendUs(0, 3_000_000, 0, interval)).toBeCloseTo(1e12, 0);
  });
});

describe('connectionsOfWorker', () => {
  it('strides connections over workers and covers each exactly once', () => {
    expect(connectionsOfWorker(7, 3, 0)).toEqual([0, 3, 6]);
    expect(connectionsOfWorker(7, 3, 1)).toEqual([1, 4]);
    expect(connectionsOfWorker(7, 3, 2)).toEqual([2, 5]);
    const all = [0, 1, 2].flatMap((w) => connectionsOfWorker(7, 3, w)).sort((a, b) => a - b);
    expect(all).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe('RoundRobinSchedule', () => {
  it('yields every (connection, message) in time order, each at its intended time', () => {
    const total = 6;
    const interval = intervalUs(600, total); // 10 ms
    const mine = connectionsOfWorker(total, 2, 1); // 1, 3, 5
    const offsets = mine.map((c) => connectionOffsetUs(c, total, interval));
    const s = new RoundRobinSchedule(500, interval, offsets);
    const seen: [number, number][] = [];
    let last = -Infinity;
    for (let k = 0; k < 9; k++) {
      const due = s.nextDueUs();
      expect(due).toBeGreaterThanOrEqual(last);
      expect(due).toBeCloseTo(intendedSendUs(500, s.round, offsets[s.slot]!, interval), 9);
      seen.push([mine[s.slot]!, s.round]);
      last = due;
      s.advance();
    }
    expect(seen).toEqual([
      [1, 0],
      [3, 0],
      [5, 0],
      [1, 1],
      [3, 1],
      [5, 1],
      [1, 2],
      [3, 2],
      [5, 2],
    ]);
  });

  it('a worker with every second connection still sends evenly: gaps of interval / its connections', () => {
    const interval = intervalUs(1000, 4); // 4 ms per connection
    const offsets = connectionsOfWorker(4, 2, 0).map((c) => connectionOffsetUs(c, 4, interval)); // 0 and 2 ms
    const s = new RoundRobinSchedule(0, interval, offsets);
    const times = Array.from({ length: 4 }, () => {
      const t = s.nextDueUs();
      s.advance();
      return t;
    });
    expect(times).toEqual([0, 2000, 4000, 6000]);
  });

  it('is empty without connections', () => {
    expect(new RoundRobinSchedule(0, 1000, []).nextDueUs()).toBe(Infinity);
  });
});
