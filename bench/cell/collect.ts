import type { CoreWindow } from '../core-window.js';
import { lateMarks, type MarkLag } from '../mark-lag.js';
import type { TreeSampler } from '../sampler.js';
import { type StatsSpan, serverMessageCount } from '../server-count.js';
import type { WorkloadOutcome } from '../workloads/context.js';
import { sizesSection } from '../workloads/sizes.js';
import type { CellRun } from './cell-run.js';
import type { LoadMeasurement } from './measure.js';

/** What collectLoad distrusted, for the verdict's reasons. */
export interface Distrusted {
  /** The span the server's /stats snapshots covered, when it was too far from the window to use their count. */
  statsSpan: StatsSpan | null;
  /** The runner's lag at the window's edges, when it was too late for any server-side reading to stand. */
  lateMarks: MarkLag | null;
}

/**
 * Puts an engine measurement into the cell: the load report, the server's last /stats, the message count
 * CPU per message divides by (the server's, when its snapshots bracket the window), and the server tree's
 * resources and pinned cores. Stops the sampler. When the runner reached an edge of the window too late
 * (bench/mark-lag.ts), every server-side reading covers another span than the client's figures: the cell
 * keeps its load report, and has no server resources, cores or server count. Returns what it distrusted.
 */
export function collectLoad(run: CellRun, measured: LoadMeasurement, sampler: TreeSampler | null, coreWindow: CoreWindow): Distrusted {
  const { cell } = run;
  const { load } = measured;
  cell.load = load;
  if (run.workload.sweepsPayload) cell.sizes = sizesSection(run.planned.payloadBytes, load);
  cell.serverStats = measured.statsAtEnd ? (measured.statsAtEnd as unknown as Record<string, unknown>) : null;
  sampler?.stop();
  const late = measured.markLag === null ? null : lateMarks(measured.markLag);
  if (late !== null) {
    cell.serverMessagesHandled = null;
    cell.serverResources = null;
    cell.cores = { unavailable: 'the runner read the cores late at an edge of the window (see the verdict)' };
    return { statsSpan: null, lateMarks: late };
  }
  const counted = serverMessageCount(measured.statsAtStart, measured.statsAtEnd, measured.windowMs);
  cell.serverMessagesHandled = counted.serverMessagesHandled;
  cell.serverResources = sampler?.result(cell.serverMessagesHandled ?? load.counts.received) ?? null;
  cell.cores = coreWindow.result();
  return { statsSpan: counted.distrust, lateMarks: null };
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
