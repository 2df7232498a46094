import type { RunRequest } from '../bench/request.js';
import type { SegmentRequest } from '../bench/segment-run.js';
import { getWorkload } from '../bench/workloads.js';
import { segmentProblem } from '../clients/segment.js';
import { UsageError } from '../core/errors.js';

/** Furthest ahead --start-at may lie: past this it is more likely a typo than a plan. */
const MAX_START_AHEAD_MS = 24 * 3_600_000;

/** "1/3" → segment 1 of 3 (0-based, as JOB_COMPLETION_INDEX and Slurm's --array=0-2 count). */
export function parseSegment(value: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
  if (!m) throw new UsageError('BAD_SEGMENT', `--segment: "${value}" is not i/N; allowed: 0/N … (N−1)/N, e.g. 0/3 for the first of three`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 10_000) throw new UsageError('OUT_OF_RANGE', `--segment: "${value}" has ${count} segments; allowed: 1 to 10000`);
  if (index >= count) throw new UsageError('OUT_OF_RANGE', `--segment: "${value}" has index ${index}; allowed: 0 to ${count - 1} (indices are 0-based)`);
  return { index, count };
}

/** "2026-11-26T13:00:00Z" (ISO 8601 with a zone) or "@1764162000" (epoch seconds) → ms since the epoch. */
export function parseStartAt(value: string, nowMs: number): number {
  const v = value.trim();
  const ms = /^@\d+(\.\d+)?$/.test(v) ? Number(v.slice(1)) * 1000 : /(Z|[+-]\d\d:?\d\d)$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) {
    throw new UsageError(
      'BAD_START_AT',
      `--start-at: "${value}" is not a wall-clock time; allowed: ISO 8601 with a zone (2026-11-26T13:00:00Z) or @epoch-seconds`,
    );
  }
  if (ms - nowMs > MAX_START_AHEAD_MS) throw new UsageError('OUT_OF_RANGE', `--start-at: "${value}" is more than 24h ahead; allowed: up to 24h from now`);
  return ms;
}

/**
 * The segment of a run request, or undefined without --segment. A segment drives a server it did not
 * start (--target), with the engine's workloads, and --start-at agrees on one window: one cell.
 */
export function segmentRequest(flags: { segment?: string; startAt?: string }, req: RunRequest, nowMs: number = Date.now()): SegmentRequest | undefined {
  if (flags.segment === undefined) {
    if (flags.startAt !== undefined)
      throw new UsageError('CONFLICTING_FLAGS', '--start-at needs --segment i/N: it agrees a window start between the agents of one plan');
    return undefined;
  }
  const seg = parseSegment(flags.segment);
  if (req.target === null)
    throw new UsageError('CONFLICTING_FLAGS', '--segment needs --target ws://…: every agent drives the one server under test, which none of them starts');
  if (getWorkload(req.workload).run !== undefined || getWorkload(req.workload).sweepsPayload) {
    throw new UsageError('BAD_SEGMENT', `--segment: workload ${req.workload} cannot be cut into segments; allowed: echo, work, mixed`);
  }
  for (const connections of req.connections) {
    const problem = segmentProblem(connections, seg);
    if (problem !== null) throw new UsageError('BAD_SEGMENT', `--segment: "${flags.segment}": ${problem}`);
  }
  const startAtMs = flags.startAt === undefined ? null : parseStartAt(flags.startAt, nowMs);
  const cells = req.connections.length * req.repeat;
  if (startAtMs !== null && cells > 1) {
    throw new UsageError(
      'CONFLICTING_FLAGS',
      `--start-at agrees one window, but this run has ${cells} cells (connections × repeats); allowed: one --connections value and --repeat 1`,
    );
  }
  return { ...seg, startAtMs };
}
