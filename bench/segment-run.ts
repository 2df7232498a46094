/**
 * Running one segment of a plan (`wsarena run --segment i/N --start-at T`): the agent's share of the load
 * plan (clients/segment.ts), its wait for the agreed start, and what it records for the merge.
 */
import { type Segment, segmentShare } from '../clients/segment.js';
import type { LoadPlan } from '../clients/types.js';
import { STATS_PATH } from '../protocol/wire.js';
import type { ClockOffset, SegmentRecord } from '../results/segment.js';
import { estimateClockOffset, wallMs } from './clock-offset.js';

/** What the CLI asks of a segment run. */
export interface SegmentRequest extends Segment {
  /** Agreed wall-clock start of the measured window, ms since the epoch; null = start when connected. */
  startAtMs: number | null;
}

/**
 * How early before its warmup an agent starts the engine: the client workers must spawn and open their share of
 * the connections (1.1–1.5 s on the 2-core machine for a few hundred). The engine then holds the warmup until the
 * agreed instant (clients/engine/phase-times.ts); connections slower than this make the window begin late, and
 * the agent's record says by how much.
 */
export const CONNECT_ALLOWANCE_MS = 3000;

/** The segment's share of a whole-plan LoadPlan: its connections and rate (the per-connection schedule is the whole plan's). */
export function segmentPlan(plan: LoadPlan, seg: SegmentRequest): LoadPlan {
  const share = segmentShare({ connections: plan.connections, rateHz: plan.mode === 'open' ? plan.rateHz : null }, seg);
  return {
    ...plan,
    connections: share.connections,
    rateHz: plan.mode === 'open' ? share.rateHz : plan.rateHz,
    workers: Math.min(plan.workers, share.connections),
  };
}

/** Where this segment's measured window begins: the agreed start plus the segment's phase in the whole schedule; null without --start-at. */
export function measureStartMs(seg: SegmentRequest, whole: LoadPlan): number | null {
  if (seg.startAtMs === null) return null;
  return seg.startAtMs + segmentShare({ connections: whole.connections, rateHz: whole.mode === 'open' ? whole.rateHz : null }, seg).phaseUs / 1000;
}

/**
 * When to start the engine so that its connections are open before the measured window's warmup: the connect
 * allowance and, with a ramp, the planned connection time before it. The engine itself waits for the exact instant.
 */
export function engineStartMs(seg: SegmentRequest, whole: LoadPlan, share: LoadPlan): number | null {
  const windowMs = measureStartMs(seg, whole);
  if (windowMs === null) return null;
  const rampMs = share.rampPerSec === null ? 0 : (share.connections / share.rampPerSec) * 1000;
  return windowMs - share.warmupMs - CONNECT_ALLOWANCE_MS - rampMs;
}

/** A segment being run: estimate the clock offset, wait for the start, note the window start. */
export class SegmentRun {
  private offset: ClockOffset = { offsetMs: null, uncertaintyMs: null, method: 'not estimated' };
  private windowStartMs: number | null = null;

  constructor(
    readonly seg: SegmentRequest,
    readonly whole: LoadPlan,
    readonly share: LoadPlan,
  ) {}

  /** Estimates the offset against the target (its /stats with the contract, else its own URL over HTTP), then sleeps until the engine must start. */
  async prepare(contract: boolean, signal: AbortSignal): Promise<void> {
    const u = new URL(this.share.url);
    u.protocol = 'http:';
    if (contract) u.pathname = STATS_PATH;
    this.offset = await estimateClockOffset(u.toString(), signal);
    const at = engineStartMs(this.seg, this.whole, this.share);
    if (at === null) return;
    const waitMs = at - wallMs();
    if (waitMs > 0) await sleep(waitMs, signal);
  }

  /** The agreed wall-clock start of this agent's measured window, for the engine (null without --start-at). */
  get measureStartWallMs(): number | null {
    return measureStartMs(this.seg, this.whole);
  }

  /** The engine's 'measuring' phase began at monotonic atUs: converted to this agent's wall clock. */
  markWindowStart(atUs: number, nowMonoUs: number): void {
    this.windowStartMs = wallMs() - (nowMonoUs - atUs) / 1000;
  }

  record(): SegmentRecord {
    return {
      index: this.seg.index,
      count: this.seg.count,
      connections: this.share.connections,
      rateHz: this.share.mode === 'open' ? this.share.rateHz : null,
      startAt: this.seg.startAtMs === null ? null : new Date(this.seg.startAtMs).toISOString(),
      windowStartMs: this.windowStartMs === null ? null : Math.round(this.windowStartMs * 10) / 10,
      clockOffset: this.offset,
    };
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }
    function onAbort(): void {
      clearTimeout(timer);
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
