/**
 * Segments: the i-th of N disjoint shares of one load plan, so N machines together generate what one
 * machine would (`wsarena run --segment i/N`). Pure functions: no clock, no I/O.
 *
 * Connections are split by stride, as workers split them inside one machine (schedule.ts
 * connectionsOfWorker): segment i owns global connections i, i + N, i + 2N, … A connection's open-loop
 * schedule depends only on the per-connection interval (connections / rateHz) and its offset, so a
 * segment keeps the whole plan's interval by taking the rate share rateHz · (its connections / all).
 * Union of the segments' schedules, given a common t0 and each segment started `phaseUs` after it:
 * exactly the single-machine schedule when N divides the connections; otherwise each send lies within
 * interval · N / connections of its single-machine time (the engine spaces a segment's own connections
 * evenly over the interval, which is 1/n_i of it rather than N/connections).
 */

/** Segment `index` (0-based, JOB_COMPLETION_INDEX's numbering) of `count`. */
export interface Segment {
  index: number;
  count: number;
}

/** What one segment of a plan runs. */
export interface SegmentShare {
  /** Connections this segment opens. */
  connections: number;
  /** Open loop: this segment's share of the total rate; null in closed loop. */
  rateHz: number | null;
  /**
   * Open loop: when this segment's schedule starts after the common t0, µs: the single-machine offset of
   * its first connection (global index = segment index). 0 in closed loop.
   */
  phaseUs: number;
}

/** Connections owned by segment `index` of `count` among `total`: ⌈(total − index) / count⌉. */
export function segmentConnectionCount(total: number, seg: Segment): number {
  return seg.index >= total ? 0 : Math.floor((total - seg.index - 1) / seg.count) + 1;
}

/** The global connection indices of a segment: index, index + count, … (< total). */
export function segmentConnectionIndices(total: number, seg: Segment): number[] {
  const out: number[] = [];
  for (let c = seg.index; c < total; c += seg.count) out.push(c);
  return out;
}

/** A segment's connections, rate and schedule phase for a whole plan of `connections` at `rateHz` (null: closed loop). */
export function segmentShare(whole: { connections: number; rateHz: number | null }, seg: Segment): SegmentShare {
  const connections = segmentConnectionCount(whole.connections, seg);
  if (whole.rateHz === null) return { connections, rateHz: null, phaseUs: 0 };
  const intervalUs = (whole.connections * 1e6) / whole.rateHz;
  return { connections, rateHz: (whole.rateHz * connections) / whole.connections, phaseUs: (seg.index * intervalUs) / whole.connections };
}

/** Why a plan of `connections` cannot be cut into `seg.count` segments, or null when it can. */
export function segmentProblem(connections: number, seg: Segment): string | null {
  if (!Number.isInteger(seg.count) || seg.count < 1) return `the segment count must be a positive integer, got ${seg.count}`;
  if (!Number.isInteger(seg.index) || seg.index < 0 || seg.index >= seg.count) return `the segment index must be in 0…${seg.count - 1}, got ${seg.index}`;
  if (connections < seg.count) return `${connections} connections cannot be cut into ${seg.count} segments of at least one connection each`;
  return null;
}
