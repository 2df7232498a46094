/**
 * What every load worker does the same way, whatever carries its messages (WebSocket frames, long-poll
 * HTTP): open its share of the connections on the ramp, arm the phases, drive the closed or open loop,
 * close the books and report. A subclass says how to open one connection and how to send one message;
 * what counts is accounting.ts's.
 */

import { rampAttempts } from '../ramp.js';
import { connectionsOfWorker } from '../schedule.js';
import type { LoadPlan } from '../types.js';
import { LoadAccounting, type MeteredConn } from './accounting.js';
import type { EntryLoad } from './child-protocol.js';
import type { PhaseTimes, WorkerReport } from './load-ipc.js';
import { OpenLoopPacer } from './open-loop-pacer.js';

export abstract class MeteredLoad<C extends MeteredConn> implements EntryLoad {
  protected readonly books: LoadAccounting;
  /** This worker's open connections (long-poll: sessions), by global index once connectAll has settled. */
  protected conns: C[] = [];
  private pacer: OpenLoopPacer | null = null;

  constructor(
    protected readonly plan: LoadPlan,
    private readonly workerIndex: number,
    private readonly workers: number,
    /** Opens in progress at once when the plan sets no ramp rate. */
    private readonly maxConcurrentOpens: number,
  ) {
    this.books = new LoadAccounting(plan, workerIndex);
  }

  /** Opens one connection of global index `index`; counts it in the books and, when open, adds it to conns. Never rejects. */
  protected abstract openOne(index: number): Promise<void>;
  /** Open loop: the message due at dueUs on c (a closed or backed-up connection may skip it). */
  protected abstract sendScheduled(c: C, dueUs: number): void;
  /** Closed loop: c's next message. A property so the books can call it for each matched reply without a closure. */
  protected abstract readonly sendNext: (c: C) => void;
  /** Closes every connection (bounded); the books are closed first. */
  abstract closeAll(): Promise<void>;

  /** After each burst of sends (the WebSocket worker writes what it queued). */
  protected afterBurst(): void {}

  /** Called with each finished second of the window: sent and received so far for it. */
  get tick(): LoadAccounting['tick'] {
    return this.books.tick;
  }

  set tick(fn: LoadAccounting['tick']) {
    this.books.tick = fn;
  }

  get attemptedCount(): number {
    return this.books.attempted;
  }

  get establishedCount(): number {
    return this.books.established;
  }

  /** Opens this worker's connections at its share of the ramp rate; resolves once every attempt has settled. */
  async connectAll(progress: (attempted: number, established: number) => void): Promise<void> {
    await rampAttempts(
      {
        indices: connectionsOfWorker(this.plan.connections, this.workers, this.workerIndex),
        ratePerSec: this.plan.rampPerSec === null ? null : this.plan.rampPerSec / this.workers,
        maxConcurrent: this.maxConcurrentOpens,
        progress: () => progress(this.books.attempted, this.books.established),
      },
      (index) => this.openOne(index),
    );
    this.conns.sort((a, b) => a.index - b.index);
  }

  /** Arms the phase timers. All instants are absolute CLOCK_MONOTONIC µs shared with the other workers. */
  start(times: PhaseTimes): void {
    this.books.start(times, { beginSending: () => this.beginSending(times), closeBooks: () => this.closeBooks() });
  }

  private beginSending(times: PhaseTimes): void {
    if (this.books.open) {
      this.pacer = new OpenLoopPacer({
        t0Us: times.warmupStartUs,
        endUs: times.measureEndUs,
        rateHz: this.plan.rateHz!,
        connections: this.plan.connections,
        indices: this.conns.map((c) => c.index),
        sendOne: (slot, dueUs) => this.sendScheduled(this.conns[slot]!, dueUs),
        afterBurst: () => this.afterBurst(),
      });
      this.pacer.pump();
      return;
    }
    for (const c of this.conns) {
      for (let d = 0; d < this.plan.depth; d++) this.sendNext(c);
    }
    this.afterBurst();
  }

  /** From the I/O path, after replies: open loop sends what is due by now. */
  protected sendDueNow(): void {
    if (this.books.open) this.pacer?.sendDueNow();
  }

  protected closeBooks(): void {
    this.pacer?.stop();
    this.books.close(this.conns);
  }

  /** The worker's figures, once the drain has ended (immediately when the run never started). */
  async report(): Promise<WorkerReport> {
    if (this.books.times === null) this.closeBooks();
    return this.books.report();
  }
}
