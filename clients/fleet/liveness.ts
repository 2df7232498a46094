/**
 * Liveness pings of a fleet worker's connections: each open connection pinged once per interval, the
 * pings spread over the interval (a ticker pings its share every PING_TICK_MS) rather than all at once,
 * and the pongs timed. A ping still unanswered when its connection's next one is due is `late`.
 */
import { monoUs } from '../clock.js';
import { buildHistogram, encodeHistogram, recordUs } from '../histogram.js';
import type { FleetStatus } from './fleet-ipc.js';

/** Ping ticker period: each tick pings the slice of connections due in it. */
const PING_TICK_MS = 50;
const EMPTY = Buffer.alloc(0);

/** What liveness needs of a fleet connection. */
export interface Pingable {
  readonly open: boolean;
  /** Send time of the unanswered ping, µs; −1 when none is outstanding. */
  pingSentUs: number;
  readonly conn: { ping(data: Buffer): void } | null;
}

export type LivenessStatus = Pick<FleetStatus, 'pingsSent' | 'pongsReceived' | 'pongsLate' | 'pongsOverdue' | 'pongRtt'>;

export class Liveness {
  private timer: NodeJS.Timeout | null = null;
  private intervalUs = 0;
  /** Next connection to ping, round robin over the current list. */
  private cursor = 0;
  /** Fraction of a ping owed from earlier ticks, so the rate is exact whatever the connection count. */
  private carry = 0;
  private readonly counts = { pingsSent: 0, pongsReceived: 0, pongsLate: 0 };
  private readonly hRtt = buildHistogram();

  /** conns() gives the worker's current connections (the list is replaced when they are closed). */
  constructor(private readonly conns: () => readonly Pingable[]) {}

  /** Starts pinging every intervalMs, or stops (null). */
  set(intervalMs: number | null): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (intervalMs === null) return;
    this.intervalUs = intervalMs * 1000;
    this.carry = 0;
    this.timer = setInterval(() => this.tick(), Math.min(PING_TICK_MS, intervalMs));
  }

  private tick(): void {
    const conns = this.conns();
    if (conns.length === 0) return;
    // Each tick pings its share of one interval, so every connection is pinged once per interval, staggered.
    this.carry += (conns.length * Math.min(PING_TICK_MS * 1000, this.intervalUs)) / this.intervalUs;
    let n = Math.floor(this.carry);
    this.carry -= n;
    const nowUs = monoUs();
    while (n-- > 0) {
      if (this.cursor >= conns.length) this.cursor = 0;
      const fc = conns[this.cursor++]!;
      if (!fc.open) continue;
      if (fc.pingSentUs >= 0) this.counts.pongsLate++;
      fc.pingSentUs = nowUs;
      this.counts.pingsSent++;
      fc.conn!.ping(EMPTY);
    }
  }

  onPong(fc: Pingable): void {
    if (fc.pingSentUs < 0) return;
    this.counts.pongsReceived++;
    recordUs(this.hRtt, monoUs() - fc.pingSentUs);
    fc.pingSentUs = -1;
  }

  /** The liveness figures of a FleetStatus; overdue = open connections whose ping is older than one interval now. */
  status(): LivenessStatus {
    const nowUs = monoUs();
    let overdue = 0;
    for (const fc of this.conns()) if (fc.open && fc.pingSentUs >= 0 && nowUs - fc.pingSentUs > this.intervalUs) overdue++;
    return {
      ...this.counts,
      pongsOverdue: overdue,
      pongRtt: encodeHistogram(this.hRtt),
    };
  }
}
