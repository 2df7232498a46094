import { cpuListSize } from '../../core/cpu-list.js';
import { ServerLaunchError } from '../../servers/errors.js';
import { computeVerdict } from '../verdict.js';
import type { WorkloadOutcome } from '../workloads/context.js';
import type { CellEnd, CellRun, Endpoint } from './cell-run.js';
import type { Distrusted } from './collect.js';

/** A cell error starting with this is a taken --port: runMatrix stops there and reports bad input. */
export const PORT_IN_USE_PREFIX = 'port in use: ';

/**
 * An engine cell's verdict (bench/verdict.ts: who limited the run, with every reason) and whether its
 * figures stand: a corrupted reply breaks the contract, and no connection at all measured nothing.
 */
export function judgeLoad(run: CellRun, endpoint: Endpoint, distrusted: Distrusted): CellEnd {
  const { cell, planned } = run;
  const load = cell.load!;
  const serverCpuCount = planned.serverCpus ? cpuListSize(planned.serverCpus) : endpoint.pid !== null ? run.env.cpuCount : null;
  cell.verdict = computeVerdict({
    load,
    serverCpuCoreFraction: cell.serverResources?.cpuCoreFraction ?? null,
    serverCpuCount,
    sharedCores: cell.pinning.sharedCores,
    cores: cell.cores,
    serverUnpinned: !planned.serverCpus && run.spec !== null,
    statsSpan: distrusted.statsSpan,
    lateMarks: distrusted.lateMarks,
  });
  if (load.counts.corrupted > 0) return { status: 'failed', error: `${load.counts.corrupted} corrupted replies: the server broke the contract` };
  if (load.connections.established === 0) return { status: 'failed', error: `no connection could be established: ${JSON.stringify(load.connections.errors)}` };
  return { status: 'ok' };
}

/** A connection workload judges itself: its error, or the server's death that caused it. */
export function judgeWorkload(run: CellRun, outcome: WorkloadOutcome): CellEnd {
  return outcome.error === null ? { status: 'ok' } : { status: 'failed', error: run.serverDied ?? outcome.error };
}

/** Why a cell that threw failed: interrupted, its --port taken, its server dead, or the error itself. */
export function failureOf(err: unknown, run: CellRun, interrupted: boolean): string {
  if (interrupted) return 'interrupted';
  if (err instanceof ServerLaunchError && err.code === 'PORT_IN_USE') return PORT_IN_USE_PREFIX + err.message;
  return run.serverDied ?? (err as Error).message;
}
