import type { CoreWindow } from '../core-window.js';
import type { TreeSampler } from '../sampler.js';
import { type MessageCount, serverMessageCount } from '../server-count.js';
import type { WorkloadOutcome } from '../workloads/context.js';
import { sizesSection } from '../workloads/sizes.js';
import type { CellRun } from './cell-run.js';
import type { LoadMeasurement } from './measure.js';

/**
 * Puts an engine measurement into the cell: the load report, the server's last /stats, the message count
 * CPU per message divides by (the server's, when its snapshots bracket the window), and the server tree's
 * resources and pinned cores. Stops the sampler. Returns the count: why it was not trusted is a reason of the verdict.
 */
export function collectLoad(run: CellRun, measured: LoadMeasurement, sampler: TreeSampler | null, coreWindow: CoreWindow): MessageCount {
  const { cell } = run;
  const { load } = measured;
  cell.load = load;
  if (run.workload.sweepsPayload) cell.sizes = sizesSection(run.planned.payloadBytes, load);
  cell.serverStats = measured.statsAtEnd ? (measured.statsAtEnd as unknown as Record<string, unknown>) : null;
  const counted = serverMessageCount(measured.statsAtStart, measured.statsAtEnd, measured.windowMs);
  cell.serverMessagesHandled = counted.serverMessagesHandled;
  sampler?.stop();
  cell.serverResources = sampler?.result(cell.serverMessagesHandled ?? load.counts.received) ?? null;
  cell.cores = coreWindow.result();
  return counted;
}

/** Puts a connection workload's sections, message count, the server tree's resources and the pinned cores into the cell. */
export function collectWorkload(run: CellRun, outcome: WorkloadOutcome, sampler: TreeSampler | null, coreWindow: CoreWindow): void {
  const { cell } = run;
  Object.assign(cell, outcome.sections);
  cell.serverMessagesHandled = outcome.serverMessagesHandled;
  // Idle's points are tree snapshots at the end of each hold: threadsMax (etc.) counts them too.
  cell.serverResources = sampler?.result(outcome.serverMessagesHandled, outcome.sections.idle?.points ?? []) ?? null;
  cell.cores = coreWindow.result();
}
