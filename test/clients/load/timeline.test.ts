import { describe, expect, it } from 'vitest';
import { buildHistogram, encodeHistogram, recordUs } from '../../../clients/histogram.js';
import type { WorkerReport } from '../../../clients/load/load-ipc.js';
import { mergeReports } from '../../../clients/load/merge-reports.js';
import { MAX_TIMELINE_POINTS, Timeline, tickDueUs, timelinePointCount, timelineStepSeconds } from '../../../clients/load/timeline.js';
import type { LoadPlan } from '../../../clients/types.js';

describe('Timeline (issue 14: a point and a timer per second were allocated up front for the whole run)', () => {
  it('a short run keeps a point per second', () => {
    expect(timelineStepSeconds(10_500)).toBe(1);
    expect(timelinePointCount(10_500)).toBe(11);
  });

  it('an 8-hour run gets at most MAX_TIMELINE_POINTS points of 8 s, made only when touched', () => {
    const t = new Timeline(8 * 3_600_000);
    expect(t.stepSeconds).toBe(8);
    expect(t.length).toBe(3600);
    expect(t.length).toBeLessThanOrEqual(MAX_TIMELINE_POINTS);
    expect(t.indexOf(17.5e6)).toBe(2);
    t.at(2)!.sent++;
    expect(t.at(2)).toEqual({ second: 16, sent: 1, received: 0, latency: '' });
    expect(t.at(3600)).toBeUndefined();
    expect(t.at(-1)).toBeUndefined();
    const all = t.all();
    expect(all).toHaveLength(3600);
    expect(all[3599]!.second).toBe(3599 * 8);
    const times = { warmupStartUs: 0, measureStartUs: 0, measureEndUs: 8 * 3600e6, drainEndUs: 8 * 3600e6 + 1e6 };
    expect(tickDueUs(times, 0, 8)).toBe(8e6 + 20_000);
    expect(tickDueUs(times, 3599, 8)).toBe(8 * 3600e6 + 20_000);
  });
});

describe('mergeReports over a long run', () => {
  it('merges points of several seconds, keeps the counts exact, and adds the new counts up', () => {
    const empty = encodeHistogram(buildHistogram());
    const h = buildHistogram();
    recordUs(h, 1234);
    const plan = { durationMs: 2 * 3_600_000, mode: 'closed', mix: { kind: 'echo' }, rateHz: null } as unknown as LoadPlan;
    const report = (w: number): WorkerReport => {
      const t = new Timeline(plan.durationMs);
      t.at(0)!.sent = 5;
      t.at(0)!.received = 4;
      t.at(0)!.latency = encodeHistogram(h);
      return {
        workerIndex: w,
        connections: { attempted: 1, established: 1, errors: {}, unexpectedCloses: 0, handshake: empty },
        counts: { sent: 5, received: 4, lost: 1, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0, late: 1, clientDrops: 2 },
        service: encodeHistogram(h),
        corrected: null,
        byClass: null,
        timeline: t.all().map((p) => ({ ...p, latency: p.latency || empty })),
        stats: { pid: 1, connections: 1, cpuCoreFraction: 0, eventLoopDelayP99Ms: 0, sendLagP99Us: 0 },
      };
    };
    const r = mergeReports(plan, [report(0), report(1)]);
    expect(r.timeline).toHaveLength(3600);
    expect(r.timeline[1]!.second).toBe(2);
    expect(r.timeline[0]).toMatchObject({ second: 0, sent: 10, received: 8 });
    expect(r.timeline.reduce((n, p) => n + p.sent, 0)).toBe(r.counts.sent);
    expect(r.counts).toMatchObject({ sent: 10, lost: 2, late: 2, clientDrops: 4 });
  });
});
