/**
 * The long-poll load inside one client worker process: its share of the sessions, the closed loop that
 * drives them, and every figure measured on them, in the same WorkerReport as the WebSocket engine's
 * workers (clients/ipc.ts), so the parent merges them with the same code.
 *
 * One session = two keep-alive sockets: one for the hanging GET /poll, one for POST /send, each held by
 * its own single-socket http.Agent (keepAlive, maxSockets 1), so a send never takes the poll's socket
 * in the instant between two polls and a session's sends reach the server in order. A round trip:
 * POST /send?session=id with one contract message (sent time = when the request is issued); the reply
 * comes back in the body of a poll response (received time = when that response has ended). The poll
 * is re-issued as soon as a poll response ends.
 *
 * Closed loop: `depth` messages in flight per session, the next sent when a reply arrives. Open loop:
 * message i of session c is due at t0 + offset(c) + i · interval (clients/schedule.ts, as in the WebSocket
 * engine) whatever happened to earlier ones; a send due while the session's send socket is busy waits in
 * its agent, and corrected latency (receive − intended send time) shows it.
 *
 * Accounting is the WebSocket engine's: a message belongs to the measured window when its intended (open
 * loop) or actual (closed loop) send time lies in [measureStartUs, measureEndUs); sent = received + lost
 * for window messages; corrupted ⊂ received.
 */
import { Agent, request, type ClientRequest, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { HEADER_BYTES, Op, WORK_REQUEST_PAYLOAD_BYTES, fillPattern } from '../../protocol/wire.js';
import { POLL_PATH, SEND_PATH, SESSION_PARAM, SESSION_PATH, forEachFrame } from '../../servers/long-poll/http-wire.js';
import { highU32, lowU32, monoUs } from '../clock.js';
import { buildHistogram, encodeHistogram, recordUs, type Histogram } from '../histogram.js';
import { DUPLICATE, InflightTable, inflightWindowFor, LATE } from '../inflight.js';
import type { PhaseTimes, WorkerReport, WorkerTimelinePoint } from '../ipc.js';
import { CLASS_HEAVY, MessageCodec, WORK_SEEDS } from '../messages.js';
import { connectionOffsetUs, connectionsOfWorker, intervalUs, RoundRobinSchedule } from '../schedule.js';
import { SelfMeasure } from '../self-measure.js';
import type { LoadPlan, MessageCounts } from '../types.js';
import { atMonoUs, MAX_TIMEOUT_MS, type LongTimer } from '../timers.js';
import { buildWorkerReport, tickDueUs, Timeline } from '../worker-report.js';

/** Open loop: sends per pump before yielding to I/O. */
const MAX_SENDS_PER_PUMP = 4096;
/** Closed-loop sends carry this instead of an intended time: "use the actual send time". */
const NO_SCHEDULE = -1;
/** Sessions being opened at once per worker when the plan sets no ramp rate. */
const MAX_CONCURRENT_OPENS = 64;
const PROGRESS_INTERVAL_MS = 200;
/** Sockets per session: one hanging poll + one send, each with its own agent. */
export const SOCKETS_PER_SESSION = 2;

function sessionAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
}

class LpSession {
  id = '';
  sendPath = '';
  pollPath = '';
  /** Opened and not failed: it polls and sends. */
  alive = false;
  /** POST /session, POST /send and DELETE /session. */
  readonly sendAgent = sessionAgent();
  /** GET /poll only. */
  readonly pollAgent = sessionAgent();
  readonly inflight: InflightTable;
  rngState: number;
  maxSeqAnswered = -1;
  poll: ClientRequest | null = null;

  constructor(
    readonly index: number,
    depth: number,
    /** In-flight window (inflightWindowFor): an older unanswered message is counted lost. */
    window: number,
  ) {
    this.inflight = new InflightTable(depth * 2, window);
    this.rngState = (Math.imul(index + 1, 0x9e3779b1) >>> 0) || 1;
  }
}

/** The http.request options every request of a worker shares. */
interface Target {
  host: string;
  port: number;
}

export class LongPollWorker {
  private readonly codec: MessageCodec;
  private readonly open: boolean;
  private readonly mixed: boolean;
  private readonly target: Target;
  private sessions: LpSession[] = [];
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

  private readonly echoPayload: Buffer;
  private readonly timers: LongTimer[] = [];
  private schedule: RoundRobinSchedule | null = null;
  private pumpTimer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private booksClosed = false;
  private closing = false;
  private readonly drained: Promise<void>;
  private markDrained!: () => void;

  /** Called with each finished second of the window: sent and received so far for it. */
  tick: ((second: number, sent: number, received: number) => void) | null = null;

  constructor(
    private readonly plan: LoadPlan,
    private readonly workerIndex: number,
    private readonly workers: number,
  ) {
    this.codec = new MessageCodec(plan.payloadBytes, plan.mix);
    this.open = plan.mode === 'open';
    this.mixed = plan.mix.kind === 'mixed';
    const url = new URL(plan.url);
    this.target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
    this.echoPayload = Buffer.allocUnsafe(plan.payloadBytes);
    fillPattern(this.echoPayload, 0);
    this.drained = new Promise((resolve) => (this.markDrained = resolve));
    this.timeline = new Timeline(plan.durationMs);
  }

  get attemptedCount(): number {
    return this.attempted;
  }

  get establishedCount(): number {
    return this.established;
  }

  // ---- opening sessions ----

  /** Opens this worker's sessions (POST /session) and starts their polls; resolves once every attempt has settled. */
  async connectAll(progress: (attempted: number, established: number) => void): Promise<void> {
    const indices = connectionsOfWorker(this.plan.connections, this.workers, this.workerIndex);
    const ratePerSec = this.plan.rampPerSec === null ? null : this.plan.rampPerSec / this.workers;
    const startedUs = monoUs();
    const inProgress = new Set<Promise<void>>();
    const ticker = setInterval(() => progress(this.attempted, this.established), PROGRESS_INTERVAL_MS);
    try {
      for (let k = 0; k < indices.length; k++) {
        if (ratePerSec !== null) {
          const waitMs = (startedUs + (k * 1e6) / ratePerSec - monoUs()) / 1000;
          if (waitMs >= 1) await sleep(waitMs);
        }
        while (inProgress.size >= MAX_CONCURRENT_OPENS) await Promise.race(inProgress);
        const attempt: Promise<void> = this.openOne(indices[k]!).finally(() => inProgress.delete(attempt));
        inProgress.add(attempt);
      }
      await Promise.all(inProgress);
    } finally {
      clearInterval(ticker);
    }
    this.sessions.sort((a, b) => a.index - b.index);
    progress(this.attempted, this.established);
  }

  private async openOne(index: number): Promise<void> {
    const s = new LpSession(index, this.plan.depth, inflightWindowFor(this.plan));
    this.attempted++;
    const startUs = monoUs();
    let id: string;
    try {
      id = await this.openSession(s);
    } catch (err) {
      bump(this.errors, classifyHttpError(err));
      s.sendAgent.destroy();
      s.pollAgent.destroy();
      return;
    }
    recordUs(this.hHandshake, monoUs() - startUs);
    s.id = id;
    const query = `?${SESSION_PARAM}=${encodeURIComponent(id)}`;
    s.sendPath = SEND_PATH + query;
    s.pollPath = POLL_PATH + query;
    s.alive = true;
    this.established++;
    this.sessions.push(s);
    this.startPoll(s);
  }

  /** POST /session → the session id. The "handshake": TCP connect (first request of the agent) + one request. */
  private openSession(s: LpSession): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = this.request(s, 'POST', SESSION_PATH, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if (res.statusCode !== 201) return reject(new HttpStatusError(res.statusCode ?? 0));
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { session?: unknown };
            if (typeof body.session !== 'string' || body.session === '') throw new Error('no session id');
            resolve(body.session);
          } catch {
            reject(new HttpStatusError(0, 'handshake'));
          }
        });
        res.on('error', reject);
      });
      req.setTimeout(this.plan.handshakeTimeoutMs, () => req.destroy(new HttpStatusError(0, 'timeout')));
      req.on('error', reject);
      req.end();
    });
  }

  private request(s: LpSession, method: string, path: string, onResponse: (res: IncomingMessage) => void, contentLength?: number): ClientRequest {
    const agent = method === 'GET' ? s.pollAgent : s.sendAgent;
    const addresses = this.plan.localAddresses;
    return request(
      {
        host: this.target.host,
        port: this.target.port,
        method,
        path,
        agent,
        localAddress: addresses.length > 0 ? addresses[s.index % addresses.length] : undefined,
        headers: contentLength === undefined ? undefined : { 'Content-Type': 'application/octet-stream', 'Content-Length': contentLength },
      },
      onResponse,
    );
  }

  // ---- polling ----

  private startPoll(s: LpSession): void {
    if (!s.alive || this.closing) return;
    const req = this.request(s, 'GET', s.pollPath, (res) => {
      const status = res.statusCode ?? 0;
      const chunks: Buffer[] = [];
      let bytes = 0;
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        bytes += c.length;
      });
      res.on('end', () => {
        const recvUs = monoUs();
        if (s.poll === req) s.poll = null;
        if (this.closing) return;
        if (status === 204) return this.startPoll(s);
        if (status !== 200) return this.fail(s, `poll:http:${status}`);
        // The next poll goes out before the replies are acted on, so the server can push again at once.
        this.startPoll(s);
        const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes);
        try {
          forEachFrame(body, (data, start, end) => this.onReply(s, data, start, end, recvUs));
        } catch {
          this.counts.unexpected++;
        }
        // Open loop: replies keep the loop busy at high rates; checking the schedule here sends on time.
        if (this.open && this.schedule !== null && !this.booksClosed) this.sendDue(monoUs());
      });
      res.on('error', (err) => this.fail(s, classifyHttpError(err)));
    });
    s.poll = req;
    req.on('error', (err) => {
      if (!this.closing) this.fail(s, classifyHttpError(err));
    });
    req.end();
  }

  /** A session whose poll or send failed stops for good (the WebSocket engine's "unexpected close"). */
  private fail(s: LpSession, why: string): void {
    if (!s.alive) return;
    s.alive = false;
    this.unexpectedCloses++;
    bump(this.errors, why);
  }

  // ---- phases ----

  /** Arms the phase timers. All instants are absolute CLOCK_MONOTONIC µs shared with the other workers. */
  start(times: PhaseTimes): void {
    this.times = times;
    this.at(times.warmupStartUs, () => this.beginSending());
    this.at(times.measureStartUs, () => this.selfMeasure.begin());
    this.at(times.measureEndUs, () => this.selfMeasure.end());
    this.armTick(0);
    this.at(times.drainEndUs, () => this.closeBooks());
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

  private tickTimer: LongTimer | null = null;

  private at(instantUs: number, fn: () => void): void {
    this.timers.push(atMonoUs(instantUs, fn));
  }

  private beginSending(): void {
    if (this.open) {
      const interval = intervalUs(this.plan.rateHz!, this.plan.connections);
      const offsets = this.sessions.map((s) => connectionOffsetUs(s.index, this.plan.connections, interval));
      this.schedule = new RoundRobinSchedule(this.times!.warmupStartUs, interval, offsets);
      this.pump();
      return;
    }
    for (const s of this.sessions) {
      for (let d = 0; d < this.plan.depth; d++) this.send(s, this.codec.pickClass(s), NO_SCHEDULE);
    }
  }

  /** Open loop: sends everything due by now (never more than the schedule says), then re-arms itself. */
  private readonly pump = (): void => {
    this.pumpTimer = null;
    if (this.booksClosed || this.schedule === null) return;
    this.sendDue(monoUs());
    const dueUs = this.schedule.nextDueUs();
    if (dueUs >= this.times!.measureEndUs) return;
    const delayUs = dueUs - monoUs();
    this.pumpTimer = delayUs <= 0 ? setImmediate(this.pump) : setTimeout(this.pump, Math.min(MAX_TIMEOUT_MS, Math.max(1, Math.floor(delayUs / 1000))));
  };

  private sendDue(nowUs: number): void {
    const schedule = this.schedule!;
    const endUs = this.times!.measureEndUs;
    let sends = 0;
    for (let due = schedule.nextDueUs(); due <= nowUs && due < endUs && sends < MAX_SENDS_PER_PUMP; due = schedule.nextDueUs()) {
      const s = this.sessions[schedule.slot]!;
      // A failed session's messages are not sent, so they count nowhere; target vs achieved rate shows the gap.
      if (s.alive) this.send(s, this.codec.pickClass(s), due);
      schedule.advance();
      sends++;
    }
  }

  // ---- sending ----

  /** Builds the contract message for (cls, seq, sentUs): the same bytes the WebSocket engine sends. */
  private buildMessage(cls: number, seq: number, sentUs: number): Buffer {
    const heavy = cls === CLASS_HEAVY;
    const buf = Buffer.allocUnsafe(HEADER_BYTES + (heavy ? WORK_REQUEST_PAYLOAD_BYTES : this.plan.payloadBytes));
    buf[0] = heavy ? Op.WORK : Op.ECHO;
    buf[1] = cls;
    buf[2] = 0;
    buf[3] = 0;
    buf.writeUInt32LE(seq >>> 0, 4);
    buf.writeUInt32LE(lowU32(sentUs), 8);
    buf.writeUInt32LE(highU32(sentUs), 12);
    if (heavy) {
      const mix = this.plan.mix;
      buf.writeUInt32LE(mix.kind === 'echo' ? 0 : mix.iterations, HEADER_BYTES);
      buf.writeUInt32LE(seq % WORK_SEEDS, HEADER_BYTES + 4);
    } else {
      this.echoPayload.copy(buf, HEADER_BYTES);
    }
    return buf;
  }

  /** Issues POST /send for one message; intendedUs is its scheduled time (open loop) or NO_SCHEDULE. */
  private send(s: LpSession, cls: number, scheduled: number): void {
    if (!s.alive || this.booksClosed) return;
    const nowUs = monoUs();
    const intendedUs = scheduled === NO_SCHEDULE ? nowUs : scheduled;
    const { measureStartUs, measureEndUs } = this.times!;
    const inWindow = intendedUs >= measureStartUs && intendedUs < measureEndUs;
    const seq = s.inflight.add(intendedUs, nowUs, cls, inWindow);
    if (inWindow) {
      this.counts.sent++;
      this.timeline.at(this.timeline.indexOf(intendedUs - measureStartUs))!.sent++;
      if (this.open) recordUs(this.hSendLag, nowUs - intendedUs);
    }
    const body = this.buildMessage(cls, seq, nowUs);
    const req = this.request(
      s,
      'POST',
      s.sendPath,
      (res) => {
        res.resume();
        // The reply comes through the poll; a refused send never gets one and ends up lost.
        if (res.statusCode !== 204 && !this.closing) this.fail(s, `send:http:${res.statusCode ?? 0}`);
      },
      body.length,
    );
    req.on('error', (err) => {
      if (!this.closing) this.fail(s, classifyHttpError(err));
    });
    req.end(body);
  }

  // ---- receiving ----

  private onReply(s: LpSession, data: Buffer, start: number, end: number, recvUs: number): void {
    if (this.booksClosed || this.times === null) return;
    if (end - start < HEADER_BYTES) {
      this.counts.unexpected++;
      return;
    }
    const seq = data.readUInt32LE(start + 4);
    const inflight = s.inflight;
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
    if (!this.open && recvUs < this.times.measureEndUs) this.send(s, this.codec.pickClass(s), NO_SCHEDULE);
    const overtaken = seq < s.maxSeqAnswered;
    if (!overtaken) s.maxSeqAnswered = seq;
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

  private rotateSecond(second: number): void {
    if (this.second >= 0 && this.hSecond.totalCount > 0) this.timeline.at(this.second)!.latency = encodeHistogram(this.hSecond);
    this.hSecond.reset();
    this.second = second;
  }

  // ---- end of run ----

  private closeBooks(): void {
    if (this.booksClosed) return;
    this.booksClosed = true;
    if (this.pumpTimer !== null) {
      clearTimeout(this.pumpTimer as NodeJS.Timeout);
      clearImmediate(this.pumpTimer as NodeJS.Immediate);
    }
    for (const s of this.sessions) this.counts.lost += s.inflight.pendingInWindow + s.inflight.expiredInWindow;
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

  /** Closes every session (DELETE /session, bounded wait), then drops every socket. */
  async closeAll(waitMs = 1000): Promise<void> {
    for (const t of this.timers) t.clear();
    this.tickTimer?.clear();
    this.closeBooks();
    this.closing = true;
    const open = this.sessions.filter((s) => s.alive);
    const deletes = open.map(
      (s) =>
        new Promise<void>((resolve) => {
          const req = this.request(s, 'DELETE', `${SESSION_PATH}?${SESSION_PARAM}=${encodeURIComponent(s.id)}`, (res) => {
            res.resume();
            res.on('end', resolve);
            res.on('error', () => resolve());
          });
          req.on('error', () => resolve());
          req.end();
        }),
    );
    await Promise.race([Promise.all(deletes), sleep(waitMs)]);
    for (const s of this.sessions) {
      s.alive = false;
      s.poll?.destroy();
      s.sendAgent.destroy();
      s.pollAgent.destroy();
    }
  }
}

/** A response with an unexpected status (or an unusable body), as a connection error class. */
class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly kind = `http:${status}`,
  ) {
    super(kind);
  }
}

/** Error classes as the WebSocket engine names them: ECONNREFUSED, timeout, http:<status>, … */
export function classifyHttpError(err: unknown): string {
  if (err instanceof HttpStatusError) return err.kind;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ETIMEDOUT') return 'timeout';
  return typeof code === 'string' ? code : 'error';
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}
