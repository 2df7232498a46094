/**
 * The per-second timeline and the WorkerReport, shared by the WebSocket and long-poll load workers: both
 * engines' reports must be built the same way, because the parent merges them with the same code.
 */
import { buildHistogram, encodeHistogram, type Histogram } from './histogram.js';
import type { PhaseTimes, WorkerReport, WorkerTimelinePoint } from './ipc.js';
import { CLASS_NAMES } from './messages.js';
import type { SelfMeasure } from './self-measure.js';
import type { MessageCounts } from './types.js';

/** A tick for second k goes out this long after the second ends, so late replies of it are counted. */
const TICK_DELAY_MS = 20;

/** One empty point per second of a run lasting durationMs (a last partial second gets a point too). */
export function emptyTimeline(durationMs: number): WorkerTimelinePoint[] {
  const seconds = Math.ceil(durationMs / 1000);
  const timeline: WorkerTimelinePoint[] = [];
  for (let s = 0; s < seconds; s++) timeline.push({ second: s, sent: 0, received: 0, latency: '' });
  return timeline;
}

/** When the tick for `second` of the measured window is due, absolute CLOCK_MONOTONIC µs. */
export function tickDueUs(times: PhaseTimes, second: number): number {
  const secondEndUs = Math.min(times.measureStartUs + (second + 1) * 1e6, times.measureEndUs);
  return secondEndUs + TICK_DELAY_MS * 1000;
}

/** Everything a load worker measured, at the end of a run (after its books are closed). */
export interface WorkerFigures {
  workerIndex: number;
  attempted: number;
  established: number;
  errors: Record<string, number>;
  unexpectedCloses: number;
  counts: MessageCounts;
  /** Open loop: corrected latency and send lag are reported; closed loop has neither. */
  open: boolean;
  /** Mixed workload: latency by message class is reported. */
  mixed: boolean;
  handshake: Histogram;
  service: Histogram;
  corrected: Histogram;
  sendLag: Histogram;
  /** Indexed by message class (CLASS_NAMES). */
  byClass: Histogram[];
  timeline: WorkerTimelinePoint[];
  selfMeasure: SelfMeasure;
}

export function buildWorkerReport(f: WorkerFigures): WorkerReport {
  return {
    workerIndex: f.workerIndex,
    connections: {
      attempted: f.attempted,
      established: f.established,
      errors: { ...f.errors },
      unexpectedCloses: f.unexpectedCloses,
      handshake: encodeHistogram(f.handshake),
    },
    counts: { ...f.counts },
    service: encodeHistogram(f.service),
    corrected: f.open ? encodeHistogram(f.corrected) : null,
    byClass: f.mixed ? { [CLASS_NAMES[0]]: encodeHistogram(f.byClass[0]!), [CLASS_NAMES[1]]: encodeHistogram(f.byClass[1]!) } : null,
    // A second without replies still carries an (empty) encoded histogram: the parent decodes every point.
    timeline: f.timeline.map((p) => ({ ...p, latency: p.latency || encodeHistogram(buildHistogram()) })),
    stats: {
      pid: process.pid,
      connections: f.established,
      cpuCoreFraction: f.selfMeasure.cpuCoreFraction(),
      eventLoopDelayP99Ms: f.selfMeasure.eventLoopDelayP99Ms(),
      sendLagP99Us: f.open && f.sendLag.totalCount > 0 ? f.sendLag.getValueAtPercentile(99) : 0,
    },
  };
}
