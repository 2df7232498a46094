import { describe, expect, it } from 'vitest';
import { renderSummaryTable, summarizeCells } from '../../../cli/reporters/table.js';
import { cell, latency, loadReport } from '../../fixtures/results.js';

const verdict = (v: 'server-bound' | 'client-bound' | 'inconclusive') => ({
  verdict: v,
  reasons: [],
  numbers: {
    serverCpuCoreFraction: 1,
    serverCpuCount: 1,
    clientCpuCoreFractionMax: 0.5,
    clientEventLoopDelayP99Ms: 1,
    clientSendLagP99Us: 0,
    achievedToTargetRatio: null,
  },
  sharedCores: false,
});

describe('summary table', () => {
  const fast = (repeat: number, rate: number) => cell({ server: 'uws', repeat, load: loadReport({ achievedRateHz: rate }), verdict: verdict('server-bound') });
  const slow = (repeat: number, rate: number) =>
    cell({ server: 'ws-loop', repeat, load: loadReport({ achievedRateHz: rate }), verdict: verdict('client-bound') });
  const cells = [fast(0, 300_000), slow(0, 100_000), fast(1, 310_000), slow(1, 110_000), fast(2, 290_000), slow(2, 90_000)];

  it('groups repeats into a median with a 95% CI and compares with the fastest', () => {
    const rows = summarizeCells(cells);
    const uws = rows.find((r) => r.server === 'uws')!;
    const ws = rows.find((r) => r.server === 'ws-loop')!;
    expect(uws.msgsPerSec!.median).toBe(300_000);
    expect(uws.msgsPerSec!.n).toBe(3);
    expect(uws.slowerThanBest).toBe(1);
    expect(ws.slowerThanBest).toBe(3);
    expect(ws.verdicts).toEqual(['client-bound']);
  });

  it('renders the verdict and the relative speed', () => {
    const text = renderSummaryTable(cells);
    expect(text).toMatch(/uws .*300\.0k.*server-bound.*best/);
    expect(text).toMatch(/ws-loop .*100\.0k.*client-bound.*3\.00× slower/);
    expect(text).toContain('a client-bound row is a lower bound on the server');
  });

  it('shows per-class latency for the mixed workload and failures as notes', () => {
    const mixed = cell({
      params: { ...cell().params, workload: 'mixed' },
      load: loadReport({ byClass: { cheap: latency([100, 5000]), heavy: latency([9000]) } }),
    });
    const failed = cell({
      server: 'uws',
      status: 'failed',
      error: 'server uws exited during the run',
      load: null,
      params: { ...cell().params, workload: 'mixed' },
    });
    const text = renderSummaryTable([mixed, failed]);
    expect(text).toContain('cheap p99');
    expect(text).toMatch(/uws c=100: failed: server uws exited during the run/);
  });
});

describe('summary table: context switches per message', () => {
  const resources = (cs: number | null | undefined) => ({
    cpuSeconds: 1,
    cpuCoreFraction: 0.5,
    cpuUsPerMessage: 3,
    ...(cs === undefined ? {} : { contextSwitches: cs === null ? null : cs * 1000, contextSwitchesPerMessage: cs }),
    rssBytesMax: 1e8,
    rssBytesEnd: 1e8,
    threadsMax: 1,
    fdsMax: 10,
    processesMax: 1,
    sampleIntervalMs: 250,
    samples: [],
  });
  it('shows a cs/msg column when a row has it, and none for older results', () => {
    const text = renderSummaryTable([
      cell({ server: 'ws-loop', serverResources: resources(0.031) }),
      cell({ server: 'uws', serverResources: resources(null) }),
    ]);
    expect(text).toContain('cs/msg');
    expect(text).toMatch(/ws-loop .*3\.00 .*0\.031/);
    expect(summarizeCells([cell({ serverResources: resources(0.5) })])[0]!.contextSwitchesPerMessage).toBe(0.5);
    expect(renderSummaryTable([cell({ serverResources: resources(undefined) })])).not.toContain('cs/msg');
  });
});
