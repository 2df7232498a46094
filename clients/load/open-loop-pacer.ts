/**
 * The open loop of one load worker: sends each message at its scheduled instant (clients/schedule.ts), never at
 * a time derived from when an earlier one left or was answered (docs/METHOD.md §2), whatever carries it.
 */
import { monoUs } from '../clock.js';
import { connectionOffsetUs, intervalUs, RoundRobinSchedule } from '../schedule.js';
import { MAX_TIMEOUT_MS } from '../timers.js';

/** Sends per burst before yielding to I/O, so replies are timestamped while the client catches up. */
const MAX_SENDS_PER_PUMP = 4096;

export interface PacerOptions {
  /** t0 of the schedule (the warmup start), CLOCK_MONOTONIC µs. */
  t0Us: number;
  /** No send is due at or after this instant (the window end). */
  endUs: number;
  /** The run's total rate and connection count (every worker's). */
  rateHz: number;
  connections: number;
  /** Global indices of this worker's connections, ascending: slot k of the schedule is connection indices[k]. */
  indices: readonly number[];
  /** Sends (or drops) the message due at dueUs on the worker's connection in `slot`. */
  sendOne(slot: number, dueUs: number): void;
  /** After each burst, e.g. to write what sendOne queued. */
  afterBurst?(): void;
}

export class OpenLoopPacer {
  private readonly schedule: RoundRobinSchedule;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private stopped = false;

  constructor(private readonly options: PacerOptions) {
    const interval = intervalUs(options.rateHz, options.connections);
    const offsets = options.indices.map((c) => connectionOffsetUs(c, options.connections, interval));
    this.schedule = new RoundRobinSchedule(options.t0Us, interval, offsets);
  }

  /** Sends everything due by now (never more than the schedule says), then re-arms itself. */
  readonly pump = (): void => {
    this.timer = null;
    if (this.stopped) return;
    this.sendDue(monoUs());
    const dueUs = this.schedule.nextDueUs();
    if (dueUs >= this.options.endUs) return;
    const delayUs = dueUs - monoUs();
    // setTimeout has 1 ms resolution; below that the next send is left to the I/O path (sendDueNow) or the
    // next 1 ms timer, instead of spinning with setImmediate and burning the client CPU being measured.
    this.timer = delayUs <= 0 ? setImmediate(this.pump) : setTimeout(this.pump, Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(delayUs / 1000))));
  };

  /** From the I/O path: replies keep the event loop busy at high rates, so checking here sends on time without a timer. */
  sendDueNow(): void {
    if (!this.stopped) this.sendDue(monoUs());
  }

  private sendDue(nowUs: number): void {
    const schedule = this.schedule;
    const endUs = this.options.endUs;
    let sends = 0;
    for (let due = schedule.nextDueUs(); due <= nowUs && due < endUs && sends < MAX_SENDS_PER_PUMP; due = schedule.nextDueUs()) {
      this.options.sendOne(schedule.slot, due);
      schedule.advance();
      sends++;
    }
    this.options.afterBurst?.();
  }

  /** No send after this (the books are closed). */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = null;
    }
  }
}
