/**
 * The per-second timeline and the WorkerReport, shared by the WebSocket and long-poll load workers: both
 * engines' reports must be built the same way, because the parent merges them with the same code.
 */
import { buildHistogram, encodeHistogram, type Histogram } from '../histogram.js';
import type { MessageCounts } from '../types.js';
import { CLASS_NAMES } from './contract-messages.js';
import type { PhaseTimes, WorkerReport, WorkerTimelinePoint } from './load-ipc.js';
import type { SelfMeasure } from './self-measure.js';

/** A tick for second k goes out this long after the second ends, so late replies of it are counted. */
const TICK_DELAY_MS = 20;

/**
 * Most timeline points a run has. Up to an hour a point is a second; a longer run gets points of several
 * seconds each (8 h → 8 s), so the points, their latency histograms and the report's IPC message stay as
 * large as an hour's at most. Counts in the points still add up exactly to the run's counts.
 */
export const MAX_TIMELINE_POINTS = 3600;

/** Seconds per timeline point for a run lasting durationMs. */
export function timelineStepSeconds(durationMs: number): number {
  return Math.max(1, Math.ceil(durationMs / 1000 / MAX_TIMELINE_POINTS));
}

/** Points of a run lasting durationMs (a last partial step gets a point too). */
export function timelinePointCount(durationMs: number): number {
  return Math.ceil(durationMs / (timelineStepSeconds(durationMs) * 1000));
}

/** A worker's timeline: points made when first touched, never one per second up front. */
export class Timeline {
  readonly stepSeconds: number;
  readonly length: number;
  private readonly stepUs: number;
  private readonly points: WorkerTimelinePoint[] = [];

  constructor(durationMs: number) {
    this.stepSeconds = timelineStepSeconds(durationMs);
    this.stepUs = this.stepSeconds * 1e6;
    this.length = timelinePointCount(durationMs);
  }

  /** Index of the point holding an instant offsetUs after the window started (may be out of range). */
  indexOf(offsetUs: number): number {
    return Math.floor(offsetUs / this.stepUs);
  }

  /** The point at index, made on first use; undefined out of range. */
  at(index: number): WorkerTimelinePoint | undefined {
    if (!(index >= 0 && index < this.length)) return undefined;
    for (let k = this.points.length; k <= index; k++) this.points.push({ second: k * this.stepSeconds, sent: 0, received: 0, latency: '' });
    return this.points[index];
  }

  /** Every point of the run, in order. */
  all(): WorkerTimelinePoint[] {
    if (this.length > 0) this.at(this.length - 1);
    return this.points;
  }
}

/** One empty point per step of a run lasting durationMs. */
export function emptyTimeline(durationMs: number): WorkerTimelinePoint[] {
  return new Timeline(durationMs).all();
}

/** When the tick for timeline point `index` is due, absolute CLOCK_MONOTONIC µs. */
export function tickDueUs(times: PhaseTimes, index: number, stepSeconds = 1): number {
  const secondEndUs = Math.min(times.measureStartUs + (index + 1) * stepSeconds * 1e6, times.measureEndUs);
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
