/**
 * The long-poll load inside one client worker process: its share of the sessions, the closed loop that
 * drives them, and every figure measured on them, in the same WorkerReport as the WebSocket engine's
 * workers (clients/load/load-ipc.ts), so the parent merges them with the same code.
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
 * Accounting is the WebSocket engine's, the same code (clients/load/accounting.ts): the window rule,
 * the histograms, the timeline and the report.
 */
import { Agent, type ClientRequest, type IncomingMessage, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { fillPattern, HEADER_BYTES, Op, WORK_REQUEST_PAYLOAD_BYTES } from '../../protocol/wire.js';
import { forEachFrame, POLL_PATH, SEND_PATH, SESSION_PARAM, SESSION_PATH } from '../../servers/long-poll/http-wire.js';
import { highU32, lowU32, monoUs } from '../clock.js';
import { MeteredConn, NO_SCHEDULE } from '../load/accounting.js';
import { CLASS_HEAVY, WORK_SEEDS } from '../load/contract-messages.js';
import { inflightWindowFor } from '../load/inflight.js';
import { MeteredLoad } from '../load/metered-load.js';
import { sourceAddressFor } from '../ramp.js';
import type { LoadPlan } from '../types.js';

/** Sessions being opened at once per worker when the plan sets no ramp rate. */
const MAX_CONCURRENT_OPENS = 64;
/** Sockets per session: one hanging poll + one send, each with its own agent. */
export const SOCKETS_PER_SESSION = 2;

function sessionAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1, maxFreeSockets: 1 });
}

class LpSession extends MeteredConn {
  id = '';
  sendPath = '';
  pollPath = '';
  /** Opened and not failed: it polls and sends. */
  alive = false;
  /** POST /session, POST /send and DELETE /session. */
  readonly sendAgent = sessionAgent();
  /** GET /poll only. */
  readonly pollAgent = sessionAgent();
  poll: ClientRequest | null = null;
}

/** The http.request options every request of a worker shares. */
interface Target {
  host: string;
  port: number;
}

export class LongPollWorker extends MeteredLoad<LpSession> {
  private readonly target: Target;
  private readonly echoPayload: Buffer;
  private closing = false;

  constructor(plan: LoadPlan, workerIndex: number, workers: number) {
    super(plan, workerIndex, workers, MAX_CONCURRENT_OPENS);
    const url = new URL(plan.url);
    this.target = { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 80) };
    this.echoPayload = Buffer.allocUnsafe(plan.payloadBytes);
    fillPattern(this.echoPayload, 0);
  }

  // ---- opening sessions (connectAll: clients/load/metered-load.ts) ----

  protected async openOne(index: number): Promise<void> {
    const s = new LpSession(index, this.plan.depth, inflightWindowFor(this.plan));
    this.books.attempted++;
    const startUs = monoUs();
    let id: string;
    try {
      id = await this.openSession(s);
    } catch (err) {
      this.books.noteError(classifyHttpError(err));
      s.sendAgent.destroy();
      s.pollAgent.destroy();
      return;
    }
    this.books.recordHandshake(monoUs() - startUs);
    s.id = id;
    const query = `?${SESSION_PARAM}=${encodeURIComponent(id)}`;
    s.sendPath = SEND_PATH + query;
    s.pollPath = POLL_PATH + query;
    s.alive = true;
    this.books.established++;
    this.conns.push(s);
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
    return request(
      {
        host: this.target.host,
        port: this.target.port,
        method,
        path,
        agent,
        localAddress: sourceAddressFor(this.plan.localAddresses, s.index),
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
        this.onPollBody(s, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes), recvUs);
      });
      res.on('error', (err) => this.fail(s, classifyHttpError(err)));
    });
    s.poll = req;
    req.on('error', (err) => {
      if (!this.closing) this.fail(s, classifyHttpError(err));
    });
    req.end();
  }

  /** The replies one poll response carried, all received at recvUs (when the response ended). */
  private onPollBody(s: LpSession, body: Buffer, recvUs: number): void {
    try {
      forEachFrame(body, (data, start, end) => this.books.recordReply(s, data, start, end, recvUs, this.sendNext));
    } catch {
      this.books.counts.unexpected++;
    }
    // Open loop: replies keep the loop busy at high rates; checking the schedule here sends on time.
    this.sendDueNow();
  }

  /** A session whose poll or send failed stops for good (the WebSocket engine's "unexpected close"). */
  private fail(s: LpSession, why: string): void {
    if (!s.alive) return;
    s.alive = false;
    this.books.unexpectedCloses++;
    this.books.noteError(why);
  }

  // ---- sending ----

  /** Closed loop: the session's next message, now. */
  protected readonly sendNext = (s: LpSession): void => this.send(s, this.books.codec.pickClass(s), NO_SCHEDULE);

  /** Open loop: the message due at dueUs. */
  protected sendScheduled(s: LpSession, dueUs: number): void {
    // A failed session's messages are not sent, so they count nowhere; target vs achieved rate shows the gap.
    if (s.alive) this.send(s, this.books.codec.pickClass(s), dueUs);
  }

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

  /** Issues POST /send for one message; scheduled is its intended time (open loop) or NO_SCHEDULE. */
  private send(s: LpSession, cls: number, scheduled: number): void {
    if (!s.alive || this.books.closed) return;
    const nowUs = monoUs();
    const seq = this.books.recordSend(s, cls, scheduled, nowUs);
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

  // ---- end of run ----

  /** Closes every session (DELETE /session, bounded wait), then drops every socket. */
  async closeAll(waitMs = 1000): Promise<void> {
    this.books.stopTimers();
    this.closeBooks();
    this.closing = true;
    const open = this.conns.filter((s) => s.alive);
    await Promise.race([Promise.all(open.map((s) => this.deleteSession(s))), sleep(waitMs)]);
    for (const s of this.conns) {
      s.alive = false;
      s.poll?.destroy();
      s.sendAgent.destroy();
      s.pollAgent.destroy();
    }
  }

  /** DELETE /session; resolves when answered or failed. */
  private deleteSession(s: LpSession): Promise<void> {
    return new Promise<void>((resolve) => {
      const req = this.request(s, 'DELETE', `${SESSION_PATH}?${SESSION_PARAM}=${encodeURIComponent(s.id)}`, (res) => {
        res.resume();
        res.on('end', resolve);
        res.on('error', () => resolve());
      });
      req.on('error', () => resolve());
      req.end();
    });
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
