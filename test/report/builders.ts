import type { LatencySummary } from '../../clients/types.js';
import { buildModel, type ReportModel } from '../../report/model.js';
import type { Cell, MeasuredCell, ResultFile, Verdict } from '../../results/schema.js';
import type { IdleSection } from '../../results/sections.js';
import { serverResources } from '../fixtures/cpu.js';
import { cell, loadReport, measured, resultFile, verdictOf } from '../fixtures/results.js';

/** Exact, deterministic cells for statistics and findings tests (histograms are not decoded here). */

export function summary(p99Us: number, p50Us = p99Us / 3): LatencySummary {
  return { count: 1000, p50Us, p90Us: (p50Us + p99Us) / 2, p99Us, p999Us: p99Us * 1.5, maxUs: p99Us * 2, meanUs: p50Us, encoded: '' };
}

export interface RunSpec {
  server: string;
  msgsPerSec: number;
  connections?: number;
  repeat?: number;
  cpuUsPerMessage?: number | null;
  p99Us?: number;
  verdict?: Verdict['verdict'];
  status?: MeasuredCell['status'];
  error?: string;
  workload?: string;
  serverCpus?: string;
  depth?: number;
  byClass?: Record<string, LatencySummary> | null;
}

/** A run that ran (ok or failed): its figures are typed for the tests to set. */
export function run(s: RunSpec): MeasuredCell {
  const failed = s.status === 'failed';
  const connections = s.connections ?? 100;
  const workload = s.workload ?? 'echo';
  return measured(
    cell({
      id: `${s.server}/${workload}/c${connections}/r${s.repeat ?? 0}`,
      server: s.server,
      params: { ...cell().params, workload, connections, depth: s.depth ?? 1 },
      repeat: s.repeat ?? 0,
      status: s.status ?? 'ok',
      error: s.error ?? null,
      pinning: { serverCpus: s.serverCpus ?? '0', clientCpus: '1', applied: true, reason: null, sharedCores: false },
      load: failed ? null : loadReport({ achievedRateHz: s.msgsPerSec, service: summary(s.p99Us ?? 1000), byClass: s.byClass ?? null }),
      serverResources: failed
        ? null
        : { ...serverResources(s.cpuUsPerMessage === undefined ? 10 : s.cpuUsPerMessage, 0.9), rssBytesMax: 1e8, rssBytesEnd: 1e8, fdsMax: 10 },
      verdict: failed
        ? null
        : verdictOf(
            s.verdict ?? 'server-bound',
            [s.verdict === 'client-bound' ? 'client worker CPU at 97% of a core (≥ 85%)' : 'server at 97% of its 1 CPU(s)'],
            0.97,
          ),
    }),
  );
}

/** Repeats of one server: one run per value. */
export function runs(server: string, values: number[], extra: Omit<RunSpec, 'server' | 'msgsPerSec' | 'repeat'> = {}): MeasuredCell[] {
  return values.map((msgsPerSec, repeat) => run({ ...extra, server, msgsPerSec, repeat }));
}

export function model(cells: Cell[]): ReportModel {
  return buildModel([{ path: '/tmp/results/test.json', file: resultFile(cells) }]);
}

export function file(cells: Cell[]): ResultFile {
  return resultFile(cells);
}

/** An idle-ramp cell with a section: bytes per connection and where the ramp stopped. */
export function idleRun(
  server: string,
  bytesPerConnection: number | null,
  opts: { repeat?: number; ceiling?: number; stoppedBy?: string; connections?: number; kernelBytesPerConnection?: number } = {},
): MeasuredCell {
  const connections = opts.connections ?? 5000;
  const section: IdleSection = {
    params: { targetConnections: connections, steps: 5, holdMs: 1000, finalHoldMs: 1000, pingIntervalMs: null, rampPerSec: null, handshakeTimeoutMs: 10_000 },
    points: [],
    fit: { rss: null, pss: null, kernelTcpMem: null },
    bytesPerConnection,
    ...(opts.kernelBytesPerConnection === undefined ? {} : { kernelBytesPerConnection: opts.kernelBytesPerConnection }),
    r2: 0.99,
    memoryBasis: 'rss',
    ceiling: opts.ceiling ?? connections,
    stoppedBy: opts.stoppedBy ?? 'target reached',
    errors: {},
    handshake: summary(1000),
    liveness: {
      pingIntervalMs: null,
      pingsSent: 0,
      pongsReceived: 0,
      pongsLate: 0,
      pongsOverdue: 0,
      pongRtt: summary(100),
      unexpectedCloses: 0,
      closeCodes: {},
      unexpectedMessages: 0,
    },
  };
  const c = run({ server, msgsPerSec: 0, connections, repeat: opts.repeat ?? 0, workload: 'idle' });
  return { ...c, load: null, verdict: null, idle: section };
}
