import type { Cell, Environment } from '../../results/schema.js';
import type { ServerSpec } from '../../servers/spec.js';
import { CoreWindow } from '../core-window.js';
import type { RunnerEvents, RunRequest } from '../request.js';
import { TreeSampler } from '../sampler.js';
import type { WorkloadDef } from '../workloads.js';
import type { CellEnd, CellRun, PlannedCell } from './cell-run.js';
import { collectLoad, collectWorkload } from './collect.js';
import { newCell } from './identity.js';
import { failureOf, judgeLoad, judgeWorkload } from './judge.js';
import { launch } from './launch.js';
import { measureLoad, measureWorkload } from './measure.js';
import { settle } from './settle.js';
import { skipReason } from './skip.js';

/**
 * One cell, in named steps: skip (why it cannot run), launch (start and pin the server), measure (the
 * workload or the engine, with the server's /proc tree sampled), collect (figures into the cell), judge
 * (the verdict and whether the figures stand). Never throws: a failure is the cell's status and error.
 */
export async function runCell(
  req: RunRequest,
  planned: PlannedCell,
  workload: WorkloadDef,
  spec: ServerSpec | null,
  env: Environment,
  events: RunnerEvents,
  signal: AbortSignal | undefined,
): Promise<Cell> {
  const run: CellRun = {
    req,
    planned,
    workload,
    spec,
    env,
    events,
    cell: newCell(req, planned, workload),
    abort: new AbortController(),
    server: null,
    serverDied: null,
  };
  // Ctrl+C makes whatever failed next (the load, the workload) fail: the cell was interrupted, not failed.
  const finish = (end: CellEnd): Cell => settle(run.cell, end.status === 'failed' && signal?.aborted === true ? { ...end, status: 'interrupted' } : end);

  const skipped = skipReason(run);
  if (skipped !== null) return finish({ status: 'skipped', error: skipped });

  let sampler: TreeSampler | null = null;
  const onOuterAbort = () => run.abort.abort(new Error('interrupted'));
  signal?.addEventListener('abort', onOuterAbort, { once: true });
  try {
    const endpoint = await launch(run);
    // The pinned cores (/proc/stat) over the same window as the tree: the tree sampler marks both.
    // Made after launch: whether taskset took decides whether the cores can be attributed.
    const coreWindow = new CoreWindow(run.cell.pinning);
    if (endpoint.pid !== null) {
      sampler = new TreeSampler(endpoint.pid, env.clockTicksPerSecond, undefined, coreWindow);
      sampler.start();
    }
    if (workload.run) {
      const outcome = await measureWorkload(run, workload.run, endpoint, sampler);
      collectWorkload(run, outcome, sampler, coreWindow);
      return finish(judgeWorkload(run, outcome));
    }
    const measured = await measureLoad(run, endpoint, sampler);
    const distrusted = collectLoad(run, measured, sampler, coreWindow);
    return finish(judgeLoad(run, endpoint, distrusted));
  } catch (err) {
    return finish({ status: 'failed', error: failureOf(err, run, signal?.aborted === true) });
  } finally {
    signal?.removeEventListener('abort', onOuterAbort);
    sampler?.stop();
    if (!run.abort.signal.aborted) run.abort.abort(new Error('cell finished'));
    await run.server?.stop();
  }
}
