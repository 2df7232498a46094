import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { type MergeInput, mergeResults } from '../../results/merge.js';
import { type Cell, type ResultFile, resultFileSchema, type Verdict } from '../../results/schema.js';
import type { SegmentRecord } from '../../results/segment.js';
import { hdrBuckets as buckets, summedBuckets } from '../fixtures/hdr-buckets.js';
import { cell, latency, loadReport, measured, resultFile } from '../fixtures/results.js';

const WINDOW0 = Date.UTC(2026, 10, 26, 12, 0, 0);

function segment(index: number, count: number, over: Partial<SegmentRecord> = {}): SegmentRecord {
  return {
    index,
    count,
    connections: 50,
    rateHz: 500,
    startAt: new Date(WINDOW0).toISOString(),
    windowStartMs: WINDOW0,
    clockOffset: { offsetMs: 0, uncertaintyMs: 1, method: 'test' },
    ...over,
  };
}

function verdict(v: Verdict['verdict']): Verdict {
  return {
    verdict: v,
    reasons: [`${v} because`],
    numbers: {
      serverCpuCoreFraction: null,
      serverCpuCount: null,
      clientCpuCoreFractionMax: 0.5,
      clientEventLoopDelayP99Ms: 1,
      clientSendLagP99Us: 10,
      achievedToTargetRatio: 1,
    },
    sharedCores: false,
  };
}

/** One agent's segment result: its own samples in real encoded histograms. */
function agent(
  index: number,
  count: number,
  samples: number[],
  over: { segment?: Partial<SegmentRecord>; cell?: Partial<Cell>; sent?: number; lost?: number } = {},
): MergeInput {
  const sent = over.sent ?? samples.length;
  const lost = over.lost ?? 0;
  const load = loadReport({
    plan: { ...loadReport().plan, connections: 50, mode: 'open', rateHz: 500 },
    connections: { attempted: 50, established: 50, errors: index === 1 ? { timeout: 2 } : {}, unexpectedCloses: 0, handshake: latency([300 + index]) },
    counts: { sent, received: samples.length, lost, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0 },
    targetRateHz: 500,
    achievedRateHz: samples.length / 2,
    corrected: latency(samples.map((s) => s + 50)),
    service: latency(samples),
    timeline: [
      { second: 0, sent: Math.floor(sent / 2), received: Math.floor(samples.length / 2), p99Us: 100 + index },
      { second: 1, sent: sent - Math.floor(sent / 2), received: samples.length - Math.floor(samples.length / 2), p99Us: 200 + index },
    ],
  });
  const c = cell({
    id: 'target/echo/c100/r0',
    server: 'target',
    target: 'ws://10.0.0.1:9001/',
    params: { ...cell().params, connections: 100, mode: 'open', rateHz: 1000 },
    load,
    serverMessagesHandled: 1000 + index,
    verdict: verdict('inconclusive'),
    segment: segment(index, count, over.segment),
    ...over.cell,
  });
  const file = resultFile([c]);
  file.environment = { ...file.environment, hostname: `agent-${index}` };
  return { path: `seg-${index}.json`, file };
}

const merge = (inputs: MergeInput[]): ResultFile => mergeResults(inputs, { command: ['merge'], now: '2026-11-26T12:01:00.000Z' });

describe('mergeResults', () => {
  const samples = [
    [100, 110, 120, 5000],
    [90, 95, 300, 300, 301],
    [1, 2, 70_000],
  ];
  const inputs = samples.map((s, i) => agent(i, 3, s, { sent: s.length + 1, lost: 1 }));

  it('adds the histograms bucket by bucket: the merged histogram is exactly the agents’ samples together', () => {
    const merged = measured(merge(inputs).cells[0]).load!;
    expect(buckets(merged.service.encoded)).toEqual(summedBuckets(inputs.map((i) => measured(i.file.cells[0]).load!.service.encoded)));
    expect(merged.service.count).toBe(12);
    expect(merged.corrected!.count).toBe(12);
    expect(merged.service.maxUs).toBeGreaterThanOrEqual(69_990);
    expect(merged.connections.handshake.count).toBe(3);
  });

  it('sums the counts, connections, errors and rates, and keeps the whole plan', () => {
    const m = merge(inputs);
    expect(resultFileSchema.safeParse(m).success).toBe(true);
    const load = measured(m.cells[0]).load!;
    expect(load.counts).toMatchObject({ sent: 15, received: 12, lost: 3 });
    expect(load.counts.sent).toBe(load.counts.received + load.counts.lost);
    expect(load.connections).toMatchObject({ attempted: 150, established: 150, errors: { timeout: 2 } });
    expect(load.plan.connections).toBe(150);
    expect(load.plan.rateHz).toBe(1500);
    expect(load.targetRateHz).toBe(1500);
    expect(load.achievedRateHz).toBe(6);
    expect(m.cells[0]!.params.connections).toBe(100);
    expect(measured(m.cells[0]).serverMessagesHandled).toBe(1001);
    expect(m.cells[0]!.segment).toBeUndefined();
  });

  it('keeps each agent’s environment, counts and verdict', () => {
    const m = merge(inputs);
    expect(m.merge!.files.map((f) => [f.path, f.segment, f.environment.hostname])).toEqual([
      ['seg-0.json', 0, 'agent-0'],
      ['seg-1.json', 1, 'agent-1'],
      ['seg-2.json', 2, 'agent-2'],
    ]);
    expect(m.cells[0]!.agents!.map((a) => [a.hostname, a.counts!.received, a.verdict!.verdict])).toEqual([
      ['agent-0', 4, 'inconclusive'],
      ['agent-1', 5, 'inconclusive'],
      ['agent-2', 3, 'inconclusive'],
    ]);
    expect(m.merge!.warnings).toEqual([]);
  });

  it('is client-bound when any agent was, with that agent’s reason', () => {
    const withClientBound = inputs.map((i, k) => (k === 2 ? agent(2, 3, samples[2]!, { cell: { verdict: verdict('client-bound') } }) : i));
    const v = measured(merge(withClientBound).cells[0]).verdict!;
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons).toContain('segment 2: client-bound because');
  });

  it('aligns timelines by wall-clock second and reports start spreads beyond the warmup', () => {
    const late = [agent(0, 2, [1, 2]), agent(1, 2, [3, 4], { segment: { windowStartMs: WINDOW0 + 3000 } })];
    const m = merge(late);
    expect(measured(m.cells[0]).load!.timeline.map((p) => p.second)).toEqual([0, 1, 3, 4]);
    expect(m.merge!.startSpreadMs).toBe(3000);
    expect(m.merge!.warnings[0]).toMatch(/started 3000 ms apart \(on the server clock\), more than the 1000 ms warmup/);
    // The same two agents a second apart on their own clocks but in step on the server's: no warning.
    const skewed = [
      agent(0, 2, [1, 2]),
      agent(1, 2, [3, 4], { segment: { windowStartMs: WINDOW0 + 1500, clockOffset: { offsetMs: -1500, uncertaintyMs: 5, method: 'test' } } }),
    ];
    const ms = merge(skewed);
    expect(ms.merge!.startSpreadMs).toBe(0);
    expect(measured(ms.cells[0]).load!.timeline).toEqual([
      { second: 0, sent: 2, received: 2, p99Us: 101 },
      { second: 1, sent: 2, received: 2, p99Us: 201 },
    ]);
  });

  it('refuses plans that differ, naming the parameter', () => {
    const other = agent(1, 2, [1], { cell: { params: { ...cell().params, connections: 100, mode: 'open', rateHz: 2000 } } });
    expect(() => merge([agent(0, 2, [1]), other])).toThrow('merge: the plans differ in rateHz: seg-0.json has 1000, seg-1.json has 2000');
    const longer = agent(1, 2, [1]);
    measured(longer.file.cells[0]).load!.plan.durationMs = 5000;
    expect(() => merge([agent(0, 2, [1]), longer])).toThrow('merge: the plans differ in durationMs: seg-0.json has 2000, seg-1.json has 5000');
    expect(() => merge([agent(0, 2, [1]), agent(1, 3, [1])])).toThrow('merge: the plans differ in segment count: seg-0.json has 2, seg-1.json has 3');
  });

  it('refuses missing, repeated and non-segment inputs', () => {
    expect(() => merge([agent(0, 3, [1]), agent(2, 3, [1])])).toThrow('merge: segment(s) 1/3 missing; got 0, 2 of 0…2');
    const twin = { ...agent(0, 2, [1]), path: 'copy.json' };
    expect(() => merge([agent(0, 2, [1]), twin])).toThrow('merge: seg-0.json and copy.json are both segment 0/2; each segment must be given once');
    const plain = { path: 'plain.json', file: resultFile([cell()]) };
    expect(() => merge([plain])).toThrow(UsageError);
    expect(() => merge([plain])).toThrow('merge: plain.json cell ws-loop/echo/c100/r0 is not a segment result; allowed: results of wsarena run --segment i/N');
  });
});

describe('mergeResults on a failed agent', () => {
  it('says which agent ended before its segment ran', () => {
    const failed = resultFile([cell({ id: 'target/echo/c100/r0', status: 'failed', error: 'no connection could be established' })]);
    failed.command = ['run', '--plan', 'plan.json', '--segment', '1/2'];
    expect(() => mergeResults([{ path: 'seg-1.json', file: failed }], { command: ['merge'], now: '2026-11-26T12:01:00.000Z' })).toThrow(
      'merge: seg-1.json cell target/echo/c100/r0 ended before its segment ran (failed: no connection could be established); rerun that agent',
    );
  });
});

describe('mergeResults across unlike machines', () => {
  it('accepts agents with different client worker counts (each its own CPU count) and sums them', () => {
    const big = agent(1, 2, [5]);
    big.file.cells[0]!.params.clientWorkers = 8;
    const m = mergeResults([agent(0, 2, [1]), big], { command: ['merge'], now: '2026-11-26T12:01:00.000Z' });
    expect(m.cells[0]!.params.clientWorkers).toBe(9);
  });
});
