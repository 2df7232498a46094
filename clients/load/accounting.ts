/**
 * The books of one load worker, whatever carries its messages (raw WebSocket frames, long-poll HTTP):
 * which sends and replies count, the six histograms, the per-second timeline, the ticks and the report.
 * One copy, because the parent merges every worker's report with the same code (merge-reports.ts mergeReports)
 * and a figure must not mean something else depending on the transport.
 *
 * Window rule: a message belongs to the measured window when its intended send time (open loop) or actual
 * send time (closed loop) lies in [measureStartUs, measureEndUs). Only such messages count in sent /
 * received / lost / corrupted and in latency; warmup traffic is sent and answered but not counted.
 * sent = received + lost for window messages; corrupted ⊂ received.
 */
import { HEADER_BYTES } from '../../protocol/wire.js';
import { buildHistogram, encodeHistogram, recordUs, UsRecorder } from '../histogram.js';
import { atMonoUs, type LongTimer } from '../timers.js';
import type { LoadPlan, MessageCounts } from '../types.js';
import { MessageCodec } from './contract-messages.js';
import { DUPLICATE, InflightTable, LATE } from './inflight.js';
import type { PhaseTimes, WorkerReport } from './load-ipc.js';
import { SelfMeasure } from './self-measure.js';
import { buildWorkerReport, Timeline, tickDueUs } from './timeline.js';

/** Closed-loop sends carry this instead of an intended time: "use the actual send time". */
export const NO_SCHEDULE = -1;

/** What the books keep per connection (or long-poll session): its messages in flight and its class rng. */
export class MeteredConn {
  readonly inflight: InflightTable;
  /** xorshift32 state for the message class (mixed workload). */
  rngState: number;
  /** Highest seq answered so far, to count replies that overtake each other. */
  maxSeqAnswered = -1;

  constructor(
    /** Index over all connections of the run (all workers). */
    readonly index: number,
    depth: number,
    /** In-flight window (inflightWindowFor): an older unanswered message is counted lost. */
    window: number,
  ) {
    this.inflight = new InflightTable(depth * 2, window);
    this.rngState = Math.imul(index + 1, 0x9e3779b1) >>> 0 || 1;
  }
}

/** What the worker does at the phase instants the books arm. */
export interface PhaseHooks {
  /** Warmup start: the first sends (closed loop: `depth` per connection; open loop: the pacer). */
  beginSending(): void;
  /** Drain end: stop sending and close the books (LoadAccounting.close). */
  closeBooks(): void;
}

export class LoadAccounting {
  readonly codec: MessageCodec;
  readonly open: boolean;
  readonly mixed: boolean;
  readonly counts: Required<MessageCounts> = {
    sent: 0,
    received: 0,
    lost: 0,
    duplicated: 0,
    corrupted: 0,
    outOfOrder: 0,
    unexpected: 0,
    late: 0,
    clientDrops: 0,
  };
  readonly errors: Record<string, number> = {};
  attempted = 0;
  established = 0;
  unexpectedCloses = 0;
  /** The phase instants, once the parent has sent them; null before (and for a run that never started). */
  times: PhaseTimes | null = null;
  /** Set at the drain end: no reply counts after it, what is still pending is lost. */
  closed = false;
  /** Called with each finished timeline point of the window: sent and received so far for it. */
  tick: ((second: number, sent: number, received: number) => void) | null = null;

  private readonly hHandshake = buildHistogram();
  // Recorded per message: flat counts folded into HDR when read (UsRecorder), the same histograms, cheaper.
  private readonly hService = new UsRecorder();
  private readonly hCorrected = new UsRecorder();
  private readonly hSendLag = new UsRecorder();
  private readonly hClass: UsRecorder[] = [new UsRecorder(), new UsRecorder()];
  /** Latency of the timeline point being filled; encoded into the point when the next one starts. */
  private readonly hSecond = new UsRecorder();
  private second = -1;
  private readonly timeline: Timeline;
  private readonly selfMeasure = new SelfMeasure();
  private readonly timers: LongTimer[] = [];
  private tickTimer: LongTimer | null = null;
  private readonly drained: Promise<void>;
  private markDrained!: () => void;

  constructor(
    plan: LoadPlan,
    private readonly workerIndex: number,
  ) {
    this.codec = new MessageCodec(plan.payloadBytes, plan.mix);
    this.open = plan.mode === 'open';
    this.mixed = plan.mix.kind === 'mixed';
    this.timeline = new Timeline(plan.durationMs);
    this.drained = new Promise((resolve) => (this.markDrained = resolve));
  }

  /** Counts one failed attempt or unexpected close under its error class. */
  noteError(kind: string): void {
    this.errors[kind] = (this.errors[kind] ?? 0) + 1;
  }

  recordHandshake(us: number): void {
    recordUs(this.hHandshake, us);
  }

  /** Arms the phase timers. All instants are absolute CLOCK_MONOTONIC µs shared with the other workers. */
  start(times: PhaseTimes, hooks: PhaseHooks): void {
    this.times = times;
    this.at(times.warmupStartUs, () => hooks.beginSending());
    this.at(times.measureStartUs, () => this.selfMeasure.begin());
    this.at(times.measureEndUs, () => this.selfMeasure.end());
    this.armTick(0);
    this.at(times.drainEndUs, () => hooks.closeBooks());
  }

  /** Clears every phase and tick timer (the worker is closing). */
  stopTimers(): void {
    for (const t of this.timers) t.clear();
    this.tickTimer?.clear();
  }

  private at(instantUs: number, fn: () => void): void {
    this.timers.push(atMonoUs(instantUs, fn));
  }

  /** One tick timer at a time, each arming the next: never a timer per second allocated up front. */
  private armTick(index: number): void {
    if (index >= this.timeline.length) return;
    this.tickTimer = atMonoUs(tickDueUs(this.times!, index, this.timeline.stepSeconds), () => {
      const p = this.timeline.at(index)!;
      this.tick?.(p.second, p.sent, p.received);
      this.armTick(index + 1);
    });
  }

  /**
   * Books one message leaving at nowUs: files it in conn's in-flight table and, when the window rule takes
   * it, in sent, its timeline point and (open loop) the send lag. Returns the seq it must carry.
   * `scheduledUs` is its intended time (open loop) or NO_SCHEDULE (closed loop: the actual time).
   */
  recordSend(conn: MeteredConn, cls: number, scheduledUs: number, nowUs: number): number {
    const intendedUs = scheduledUs === NO_SCHEDULE ? nowUs : scheduledUs;
    const { measureStartUs, measureEndUs } = this.times!;
    const inWindow = intendedUs >= measureStartUs && intendedUs < measureEndUs;
    const seq = conn.inflight.add(intendedUs, nowUs, cls, inWindow);
    if (inWindow) {
      this.counts.sent++;
      // Filed under the same instant that made it a window message, so the timeline adds up to `sent`.
      this.timeline.at(this.timeline.indexOf(intendedUs - measureStartUs))!.sent++;
      if (this.open) this.hSendLag.record(nowUs - intendedUs);
    }
    return seq;
  }

  /** False before the run starts and after the drain: replies then are not looked at. */
  get accepting(): boolean {
    return !this.closed && this.times !== null;
  }

  /**
   * Books reply data[start, end) received at recvUs on conn: matched by the seq in its header, never by
   * order. A matched reply in closed loop before the window ends calls `successor(conn)` (its next message)
   * once its send times are read, before it is counted. Window replies count in received, their timeline
   * point and the latency histograms.
   */
  recordReply<C extends MeteredConn>(conn: C, data: Buffer, start: number, end: number, recvUs: number, successor: (conn: C) => void): void {
    if (!this.accepting) return;
    const slot = this.match(conn, data, start, end);
    if (slot < 0) return;
    const inflight = conn.inflight;
    const seq = data.readUInt32LE(start + 4);
    // Everything the books need from the slot is read before successor(conn), never after: the long-poll
    // successor files its message in the in-flight table at once (recordSend), and when an older message
    // is stuck unanswered that add can grow the ring (or expire into it), so `slot` and the arrays it
    // indexes no longer hold this message; read after, the reply was counted corrupted with a wrong
    // latency. The WebSocket successor only queues, so it was never hit; reading first is right for both.
    const cls = inflight.cls[slot]!;
    const sentUs = inflight.sentUs[slot]!;
    const intendedUs = inflight.intendedUs[slot]!;
    const inWindow = inflight.lastTakenInWindow;
    if (!this.open && recvUs < this.times!.measureEndUs) successor(conn);
    const overtaken = seq < conn.maxSeqAnswered;
    if (!overtaken) conn.maxSeqAnswered = seq;
    if (!inWindow) return;

    const counts = this.counts;
    counts.received++;
    if (overtaken) counts.outOfOrder++;
    const second = this.timeline.indexOf(recvUs - this.times!.measureStartUs);
    const point = this.timeline.at(second);
    if (point !== undefined) point.received++;
    if (!this.codec.check(data, start, end, cls, seq, sentUs)) {
      counts.corrupted++;
      return;
    }
    const latencyUs = this.recordLatency(recvUs, sentUs, intendedUs, cls);
    if (point !== undefined) {
      if (second !== this.second) this.rotateSecond(second);
      this.hSecond.record(latencyUs);
    }
  }

  /** The in-flight slot the reply answers; < 0 (counted as duplicated, late or unexpected) when none. */
  private match(conn: MeteredConn, data: Buffer, start: number, end: number): number {
    if (end - start < HEADER_BYTES) {
      this.counts.unexpected++;
      return -1;
    }
    const inflight = conn.inflight;
    const slot = inflight.take(data.readUInt32LE(start + 4));
    if (slot === DUPLICATE) this.counts.duplicated++;
    else if (slot === LATE) {
      if (inflight.lastTakenInWindow) this.counts.late++;
    } else if (slot < 0) this.counts.unexpected++;
    return slot;
  }

  /** Service time always; corrected latency in open loop; by class when mixed. Returns the latency of record. */
  private recordLatency(recvUs: number, sentUs: number, intendedUs: number, cls: number): number {
    const serviceUs = recvUs - sentUs;
    this.hService.record(serviceUs);
    let latencyUs = serviceUs;
    if (this.open) {
      latencyUs = recvUs - intendedUs;
      this.hCorrected.record(latencyUs);
    }
    if (this.mixed) this.hClass[cls]!.record(latencyUs);
    return latencyUs;
  }

  /** Moves the per-second latency histogram on to `second`, keeping the finished one encoded. */
  private rotateSecond(second: number): void {
    const h = this.hSecond.folded();
    if (this.second >= 0 && h.totalCount > 0) this.timeline.at(this.second)!.latency = encodeHistogram(h);
    this.hSecond.reset();
    this.second = second;
  }

  /** Closes the books at the drain end: window messages still unanswered (or expired) are lost. Once only. */
  close(conns: readonly MeteredConn[]): void {
    if (this.closed) return;
    this.closed = true;
    for (const c of conns) this.counts.lost += c.inflight.pendingInWindow + c.inflight.expiredInWindow;
    this.rotateSecond(-1);
    this.markDrained();
  }

  /** The worker's figures, once the books are closed. */
  async report(): Promise<WorkerReport> {
    await this.drained;
    return buildWorkerReport({
      workerIndex: this.workerIndex,
      attempted: this.attempted,
      established: this.established,
      errors: this.errors,
      unexpectedCloses: this.unexpectedCloses,
      counts: this.counts,
      open: this.open,
      mixed: this.mixed,
      handshake: this.hHandshake,
      service: this.hService.folded(),
      corrected: this.hCorrected.folded(),
      sendLag: this.hSendLag.folded(),
      byClass: this.hClass.map((r) => r.folded()),
      timeline: this.timeline.all(),
      selfMeasure: this.selfMeasure,
    });
  }
}
