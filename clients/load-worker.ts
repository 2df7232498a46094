/**
 * The load inside one client worker process: its share of the connections, the closed or open loop that
 * drives them, and every figure measured on them. worker.ts wires it to the parent over IPC.
 *
 * Accounting rule: a message belongs to the measured window when its intended send time (open loop) or
 * actual send time (closed loop) lies in [measureStartUs, measureEndUs). Only such messages count in
 * sent / received / lost / corrupted and in latency; warmup traffic is sent and answered but not counted.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADER_BYTES } from '../protocol/wire.js';
import { monoUs } from './clock.js';
import { classifyConnectError, WsConnection, type CloseInfo } from './connection.js';
import { ProtocolError } from './frame-parser.js';
import { buildHistogram, encodeHistogram, recordUs, type Histogram } from './histogram.js';
import { DUPLICATE, InflightTable, inflightWindowFor, LATE } from './inflight.js';
import type { PhaseTimes, WorkerReport, WorkerTimelinePoint } from './ipc.js';
import { MessageCodec } from './messages.js';
import { connectionOffsetUs, connectionsOfWorker, intervalUs, RoundRobinSchedule } from './schedule.js';
import { SelfMeasure } from './self-measure.js';
import type { LoadPlan, MessageCounts } from './types.js';
import { atMonoUs, MAX_TIMEOUT_MS, type LongTimer } from './timers.js';
import { buildWorkerReport, tickDueUs, Timeline } from './worker-report.js';

/** Handshakes in progress at once per worker when the plan sets no ramp rate (keeps SYN backlogs sane). */
const MAX_CONCURRENT_HANDSHAKES = 128;
/** Open loop: sends per pump before yielding to I/O, so replies are timestamped while the client catches up. */
const MAX_SENDS_PER_PUMP = 4096;
const PROGRESS_INTERVAL_MS = 200;
/**
 * Open loop: a connection whose socket has more than this buffered (the kernel's send buffer is full and
 * Node holds the rest: the server stopped reading) gets no new sends; each one due is a client drop. Without
 * it a server that stops reading makes the client's memory grow by the whole offered rate.
 */
export const MAX_BUFFERED_BYTES = 1 << 20;

/** Closed-loop sends carry this instead of an intended time: "use the actual send time". */
const NO_SCHEDULE = -1;

class LoadConn {
  conn: WsConnection | null = null;
  readonly inflight: InflightTable;
  /** xorshift32 state for the message class (mixed workload). */
  rngState: number;
  /** Highest seq answered so far, to count replies that overtake each other. */
  maxSeqAnswered = -1;
  pendingCount = 0;
  readonly pendingCls: number[] = [];
  readonly pendingIntendedUs: number[] = [];
  dirty = false;

  constructor(
    /** Index over all connections of the run (all workers). */
    readonly index: number,
    depth: number,
    /** In-flight window (inflightWindowFor): an older unanswered message is counted lost. */
    window: number,
  ) {
    this.inflight = new InflightTable(depth * 2, window);
    this.rngState = (Math.imul(index + 1, 0x9e3779b1) >>> 0) || 1;
  }

  get open(): boolean {
    return this.conn !== null && this.conn.isOpen;
  }
}

export class LoadWorker {
  private readonly codec: MessageCodec;
  private readonly open: boolean;
  private readonly mixed: boolean;
  private conns: LoadConn[] = [];
  private times: PhaseTimes | null = null;

  private attempted = 0;
  private established = 0;
  private unexpectedCloses = 0;
  private readonly errors: Record<string, number> = {};
  private readonly counts: Required<MessageCounts> = { sent: 0, received: 0, lost: 0, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0, late: 0, clientDrops: 0 };

  private readonly hHandshake = buildHistogram();
  private readonly hService = buildHistogram();
  private readonly hCorrected = buildHistogram();
  private readonly hSendLag = buildHistogram();
  private readonly hClass: Histogram[] = [buildHistogram(), buildHistogram()];
  private readonly hSecond = buildHistogram();
  private second = -1;
  private readonly timeline: Timeline;

  private readonly selfMeasure = new SelfMeasure();

  /** Receive time of the socket chunk being parsed; read once per chunk, -1 between chunks. */
  private chunkRecvUs = -1;
  private readonly dirty: LoadConn[] = [];
  private schedule: RoundRobinSchedule | null = null;
  private pumpTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private readonly timers: LongTimer[] = [];
  private booksClosed = false;
  private readonly drained: Promise<void>;
  private markDrained!: () => void;

  constructor(
    private readonly plan: LoadPlan,
    private readonly workerIndex: number,
    private readonly workers: number,
  ) {
    this.codec = new MessageCodec(plan.payloadBytes, plan.mix);
    this.open = plan.mode === 'open';
    this.mixed = plan.mix.kind === 'mixed';
    this.drained = new Promise((resolve) => (this.markDrained = resolve));
    this.timeline = new Timeline(plan.durationMs);
  }

  /** Opens this worker's connections at its share of the ramp rate; resolves once every attempt has settled. */
  async connectAll(progress: (attempted: number, established: number) => void): Promise<void> {
    const indices = connectionsOfWorker(this.plan.connections, this.workers, this.workerIndex);
    const ratePerSec = this.plan.rampPerSec === null ? null : this.plan.rampPerSec / this.workers;
    const startedUs = monoUs();
    const inProgress = new Set<Promise<void>>();
    const ticker = setInterval(() => progress(this.attempted, this.established), PROGRESS_INTERVAL_MS);
    try {
      for (let k = 0; k < indices.length; k++) {
        if (ratePerSec !== null) {
          // Absolute due times: a slow handshake delays one attempt, not all the ones after it.
          const waitMs = (startedUs + (k * 1e6) / ratePerSec - monoUs()) / 1000;
          if (waitMs >= 1) await sleep(waitMs);
        }
        while (inProgress.size >= MAX_CONCURRENT_HANDSHAKES) await Promise.race(inProgress);
        const attempt: Promise<void> = this.openOne(indices[k]!).finally(() => inProgress.delete(attempt));
        inProgress.add(attempt);
      }
      await Promise.all(inProgress);
    } finally {
      clearInterval(ticker);
    }
    this.conns.sort((a, b) => a.index - b.index);
    progress(this.attempted, this.established);
  }

  private async openOne(index: number): Promise<void> {
    const lc = new LoadConn(index, this.plan.depth, inflightWindowFor(this.plan));
    const addresses = this.plan.localAddresses;
    this.attempted++;
    try {
      lc.conn = await WsConnection.connect(
        {
          url: this.plan.url,
          localAddress: addresses.length > 0 ? addresses[index % addresses.length] : undefined,
          handshakeTimeoutMs: this.plan.handshakeTimeoutMs,
        },
        {
          onMessage: (data, start, end) => this.onReply(lc, data, start, end),
          afterChunk: () => this.afterChunk(lc),
          onClose: (info) => this.onClose(info),
        },
      );
    } catch (err) {
      bump(this.errors, classifyConnectError(err));
      return;
    }
    this.established++;
    recordUs(this.hHandshake, lc.conn.handshakeUs);
    this.conns.push(lc);
  }

  get attemptedCount(): number {
    return this.attempted;
  }

  get establishedCount(): number {
    return this.established;
  }

  /** Arms the phase timers. All instants are absolute CLOCK_MONOTONIC µs shared with the other workers. */
  start(times: PhaseTimes): void {
    this.times = times;
    this.at(times.warmupStartUs, () => this.beginSending());
    this.at(times.measureStartUs, () => this.selfMeasure.begin());
    this.at(times.measureEndUs, () => this.selfMeasure.end());
    this.armTick(0);
    this.at(times.drainEndUs, () => this.closeBooks());
  }

  /** Called with each finished second of the window: sent and received so far for it. */
  tick: ((second: number, sent: number, received: number) => void) | null = null;

  /** One tick timer at a time, each arming the next: never a timer per second allocated up front. */
  private armTick(index: number): void {
    if (index >= this.timeline.length) return;
    this.tickTimer = atMonoUs(tickDueUs(this.times!, index, this.timeline.stepSeconds), () => {
      const p = this.timeline.at(index)!;
      this.tick?.(p.second, p.sent, p.received);
      this.armTick(index + 1);
    });
  }

  private tickTimer: LongTimer | null = null;

  private at(instantUs: number, fn: () => void): void {
    this.timers.push(atMonoUs(instantUs, fn));
  }

  private beginSending(): void {
    if (this.open) {
      const interval = intervalUs(this.plan.rateHz!, this.plan.connections);
      const offsets = this.conns.map((lc) => connectionOffsetUs(lc.index, this.plan.connections, interval));
      this.schedule = new RoundRobinSchedule(this.times!.warmupStartUs, interval, offsets);
      this.pump();
      return;
    }
    for (const lc of this.conns) {
      for (let d = 0; d < this.plan.depth; d++) this.queue(lc, this.codec.pickClass(lc), NO_SCHEDULE);
    }
    this.flushDirty();
  }

  // ---- sending ----

  private queue(lc: LoadConn, cls: number, intendedUs: number): void {
    const k = lc.pendingCount++;
    lc.pendingCls[k] = cls;
    lc.pendingIntendedUs[k] = intendedUs;
    if (!lc.dirty) {
      lc.dirty = true;
      this.dirty.push(lc);
    }
  }

  private flushDirty(): void {
    if (this.dirty.length === 0) return;
    const nowUs = monoUs();
    for (const lc of this.dirty) this.flush(lc, nowUs);
    this.dirty.length = 0;
  }

  /** Writes every queued message of lc as frames in one buffer and one socket write. */
  private flush(lc: LoadConn, nowUs: number): void {
    const n = lc.pendingCount;
    lc.pendingCount = 0;
    lc.dirty = false;
    if (n === 0 || !lc.open) return;
    let bytes = 0;
    for (let k = 0; k < n; k++) bytes += this.codec.frameBytes(lc.pendingCls[k]!);
    const batch = Buffer.allocUnsafe(bytes);
    const { measureStartUs, measureEndUs } = this.times!;
    let offset = 0;
    for (let k = 0; k < n; k++) {
      const cls = lc.pendingCls[k]!;
      const scheduled = lc.pendingIntendedUs[k]!;
      const intendedUs = scheduled === NO_SCHEDULE ? nowUs : scheduled;
      const inWindow = intendedUs >= measureStartUs && intendedUs < measureEndUs;
      const seq = lc.inflight.add(intendedUs, nowUs, cls, inWindow);
      offset = this.codec.write(batch, offset, cls, seq, nowUs);
      if (inWindow) {
        this.counts.sent++;
        // Filed under the same instant that made it a window message, so the timeline adds up to `sent`.
        this.timeline.at(this.timeline.indexOf(intendedUs - measureStartUs))!.sent++;
        if (this.open) recordUs(this.hSendLag, nowUs - intendedUs);
      }
    }
    lc.conn!.write(batch);
  }

  /** Open loop: sends everything due by now (never more than the schedule says), then re-arms itself. */
  private readonly pump = (): void => {
    this.pumpTimer = null;
    if (this.booksClosed || this.schedule === null) return;
    this.sendDue(monoUs());
    const dueUs = this.schedule.nextDueUs();
    if (dueUs >= this.times!.measureEndUs) return;
    const delayUs = dueUs - monoUs();
    // setTimeout has 1 ms resolution; below that the next send is left to the I/O path (afterChunk) or the
    // next 1 ms timer, instead of spinning with setImmediate and burning the client CPU being measured.
    this.pumpTimer = delayUs <= 0 ? setImmediate(this.pump) : setTimeout(this.pump, Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(delayUs / 1000))));
  };

  private sendDue(nowUs: number): void {
    const schedule = this.schedule!;
    const endUs = this.times!.measureEndUs;
    let sends = 0;
    for (let due = schedule.nextDueUs(); due <= nowUs && due < endUs && sends < MAX_SENDS_PER_PUMP; due = schedule.nextDueUs()) {
      const lc = this.conns[schedule.slot]!;
      // A closed connection's messages are not sent, so they count nowhere; the target vs achieved rate shows the gap.
      if (lc.open) {
        if (lc.conn!.socket.writableLength > MAX_BUFFERED_BYTES) {
          if (due >= this.times!.measureStartUs) this.counts.clientDrops++;
        } else this.queue(lc, this.codec.pickClass(lc), due);
      }
      schedule.advance();
      sends++;
    }
    this.flushDirty();
  }

  // ---- receiving ----

  private onReply(lc: LoadConn, data: Buffer, start: number, end: number): void {
    if (this.booksClosed || this.times === null) return;
    const recvUs = this.chunkRecvUs >= 0 ? this.chunkRecvUs : (this.chunkRecvUs = monoUs());
    if (end - start < HEADER_BYTES) {
      this.counts.unexpected++;
      return;
    }
    const seq = data.readUInt32LE(start + 4);
    const inflight = lc.inflight;
    const slot = inflight.take(seq);
    if (slot < 0) {
      if (slot === DUPLICATE) this.counts.duplicated++;
      else if (slot === LATE) {
        if (inflight.lastTakenInWindow) this.counts.late++;
      } else this.counts.unexpected++;
      return;
    }
    const cls = inflight.cls[slot]!;
    const inWindow = inflight.lastTakenInWindow;
    if (!this.open && recvUs < this.times.measureEndUs) this.queue(lc, this.codec.pickClass(lc), NO_SCHEDULE);
    const overtaken = seq < lc.maxSeqAnswered;
    if (!overtaken) lc.maxSeqAnswered = seq;
    if (!inWindow) return;

    const counts = this.counts;
    counts.received++;
    if (overtaken) counts.outOfOrder++;
    const second = this.timeline.indexOf(recvUs - this.times.measureStartUs);
    const point = this.timeline.at(second);
    if (point !== undefined) point.received++;
    const sentUs = inflight.sentUs[slot]!;
    if (!this.codec.check(data, start, end, cls, seq, sentUs)) {
      counts.corrupted++;
      return;
    }
    const serviceUs = recvUs - sentUs;
    recordUs(this.hService, serviceUs);
    let latencyUs = serviceUs;
    if (this.open) {
      latencyUs = recvUs - inflight.intendedUs[slot]!;
      recordUs(this.hCorrected, latencyUs);
    }
    if (this.mixed) recordUs(this.hClass[cls]!, latencyUs);
    if (point !== undefined) {
      if (second !== this.second) this.rotateSecond(second);
      recordUs(this.hSecond, latencyUs);
    }
  }

  private afterChunk(lc: LoadConn): void {
    this.chunkRecvUs = -1;
    // Open loop: replies keep the event loop busy at high rates, so checking the schedule here sends on time
    // without a timer. Closed loop: the replies just parsed queued their successors; they leave in one write.
    if (this.open) {
      if (this.schedule !== null && !this.booksClosed) this.sendDue(monoUs());
    } else if (lc.dirty) {
      this.flushDirty();
    }
  }

  /** Moves the per-second latency histogram on to `second`, keeping the finished one encoded. */
  private rotateSecond(second: number): void {
    if (this.second >= 0 && this.hSecond.totalCount > 0) this.timeline.at(this.second)!.latency = encodeHistogram(this.hSecond);
    this.hSecond.reset();
    this.second = second;
  }

  private onClose(info: CloseInfo): void {
    if (info.requested) return;
    this.unexpectedCloses++;
    bump(this.errors, info.error instanceof ProtocolError ? `protocol:${info.error.code}` : `close:${info.code}`);
  }

  // ---- end of run ----

  private closeBooks(): void {
    if (this.booksClosed) return;
    this.booksClosed = true;
    if (this.pumpTimer !== null) {
      clearTimeout(this.pumpTimer as NodeJS.Timeout);
      clearImmediate(this.pumpTimer as NodeJS.Immediate);
    }
    for (const lc of this.conns) this.counts.lost += lc.inflight.pendingInWindow + lc.inflight.expiredInWindow;
    this.rotateSecond(-1);
    this.markDrained();
  }

  /** The worker's figures, once the drain has ended (immediately when the run never started). */
  async report(): Promise<WorkerReport> {
    if (this.times === null) this.closeBooks();
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
      service: this.hService,
      corrected: this.hCorrected,
      sendLag: this.hSendLag,
      byClass: this.hClass,
      timeline: this.timeline.all(),
      selfMeasure: this.selfMeasure,
    });
  }

  /** Closes every connection with 1000 and waits (bounded) for the closing handshakes. */
  async closeAll(waitMs = 1000): Promise<void> {
    for (const t of this.timers) t.clear();
    this.tickTimer?.clear();
    this.closeBooks();
    const closing = this.conns.filter((lc) => lc.conn !== null && !lc.conn.socket.destroyed);
    for (const lc of closing) lc.conn!.close(1000, '', waitMs);
    await Promise.race([
      Promise.all(closing.map((lc) => new Promise((resolve) => (lc.conn!.socket.destroyed ? resolve(null) : lc.conn!.socket.once('close', resolve))))),
      sleep(waitMs + 100),
    ]);
  }
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
