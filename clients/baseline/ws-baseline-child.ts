/**
 * Entry of the `ws` baseline client process (see ws-baseline.ts). Written the way an ordinary `ws` user
 * would write it — a fresh message per send, ws doing framing and masking — because that is the client
 * the generator is compared with. In open loop only the send instants come from the generator's pacer
 * (clients/load/open-loop-pacer.ts), so both clients offer the very same schedule.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { buildMessage, HEADER_BYTES, nowUs, Op } from '../../protocol/wire.js';
import { monoUs } from '../clock.js';
import { buildHistogram, type Histogram, recordUs, summarize } from '../histogram.js';
import { OpenLoopPacer } from '../load/open-loop-pacer.js';
import { SelfMeasure } from '../load/self-measure.js';
import type { BaselineToParent, ParentToBaseline, WsBaselineOptions, WsBaselineResult } from './ws-baseline.js';

const MAX_CONCURRENT_OPENS = 128;
/** After the window, how long replies to window messages may still arrive. */
const DRAIN_MS = 500;

interface Pending {
  message: Buffer;
  sentUs: number;
  /** Open loop: the scheduled instant; closed loop: the actual send time. */
  intendedUs: number;
  inWindow: boolean;
}

interface Conn {
  /** 0-based index among all connections (its place in the open-loop schedule). */
  index: number;
  ws: WebSocket;
  seq: number;
  /** Messages in flight, oldest first: ws over one TCP stream answers in order. */
  pending: Pending[];
}

/** What the window counted; a message belongs to it when its intended send time lies in [measureStartUs, measureEndUs). */
interface Books {
  measureStartUs: number;
  measureEndUs: number;
  roundTrips: number;
  corrupted: number;
  sentInWindow: number;
  unsent: number;
  hService: Histogram;
  /** Open loop only. */
  hCorrected: Histogram | null;
}

interface Connected {
  conns: Conn[];
  attempted: number;
  errors: Record<string, number>;
}

async function connectAll(options: WsBaselineOptions): Promise<Connected> {
  const errors: Record<string, number> = {};
  const conns: Conn[] = [];
  let attempted = 0;
  const inProgress = new Set<Promise<void>>();
  for (let i = 0; i < options.connections; i++) {
    while (inProgress.size >= MAX_CONCURRENT_OPENS) await Promise.race(inProgress);
    attempted++;
    const p: Promise<void> = open(options)
      .then((ws) => void conns.push({ index: i, ws, seq: 0, pending: [] }))
      .catch((err: NodeJS.ErrnoException) => {
        const key = err.code ?? (/timed? ?out/i.test(err.message) ? 'timeout' : 'handshake');
        errors[key] = (errors[key] ?? 0) + 1;
      })
      .finally(() => inProgress.delete(p));
    inProgress.add(p);
  }
  await Promise.all(inProgress);
  conns.sort((a, b) => a.index - b.index);
  return { conns, attempted, errors };
}

function send(options: WsBaselineOptions, books: Books, c: Conn, intendedUs: number, sentUs: number): void {
  c.seq++;
  const message = buildMessage(Op.ECHO, c.seq, nowUs(), options.payloadBytes);
  const inWindow = intendedUs >= books.measureStartUs && intendedUs < books.measureEndUs;
  if (inWindow) books.sentInWindow++;
  c.pending.push({ message, sentUs, intendedUs, inWindow });
  c.ws.send(message);
}

function onReply(books: Books, c: Conn, data: Buffer, now: number): void {
  const p = c.pending.shift();
  if (!p?.inWindow) return;
  books.roundTrips++;
  if (data.length < HEADER_BYTES || !data.equals(p.message)) books.corrupted++;
  recordUs(books.hService, now - p.sentUs);
  if (books.hCorrected) recordUs(books.hCorrected, now - p.intendedUs);
}

/** Closed loop: `depth` messages per connection, the next sent when a reply arrives. Returns how to stop. */
function startClosedLoop(options: WsBaselineOptions, conns: Conn[], books: Books): () => void {
  for (const c of conns) {
    c.ws.on('message', (data: Buffer) => {
      const now = monoUs();
      onReply(books, c, data, now);
      if (now < books.measureEndUs) send(options, books, c, now, now);
    });
    for (let i = 0; i < (options.depth ?? 1); i++) {
      const now = monoUs();
      send(options, books, c, now, now);
    }
  }
  return () => {};
}

/** Open loop: each message at its scheduled instant from t0 (the warmup start), whatever the replies do. */
function startOpenLoop(options: WsBaselineOptions, conns: Conn[], books: Books, t0Us: number): () => void {
  const pacer = new OpenLoopPacer({
    t0Us,
    endUs: books.measureEndUs,
    rateHz: options.rateHz!,
    connections: options.connections,
    indices: conns.map((c) => c.index),
    sendOne: (slot, dueUs) => {
      const c = conns[slot]!;
      if (c.ws.readyState === WebSocket.OPEN) send(options, books, c, dueUs, monoUs());
      else if (dueUs >= books.measureStartUs) books.unsent++;
    },
  });
  for (const c of conns) {
    c.ws.on('message', (data: Buffer) => {
      onReply(books, c, data, monoUs());
      pacer.sendDueNow();
    });
  }
  pacer.pump();
  return () => pacer.stop();
}

async function run(options: WsBaselineOptions): Promise<WsBaselineResult> {
  const { conns, attempted, errors } = await connectAll(options);
  const openLoop = options.rateHz !== undefined;
  const self = new SelfMeasure();
  const startUs = monoUs();
  const measureStartUs = startUs + options.warmupMs * 1000;
  const books: Books = {
    measureStartUs,
    measureEndUs: measureStartUs + options.durationMs * 1000,
    roundTrips: 0,
    corrupted: 0,
    sentInWindow: 0,
    unsent: 0,
    hService: buildHistogram(),
    hCorrected: openLoop ? buildHistogram() : null,
  };
  const stop = openLoop ? startOpenLoop(options, conns, books, startUs) : startClosedLoop(options, conns, books);

  await sleep((measureStartUs - monoUs()) / 1000);
  self.begin();
  await sleep((books.measureEndUs - monoUs()) / 1000);
  self.end();
  // The pacer stops after the drain, not at the window end: a message due just before the end whose timer
  // fired late is still sent (late, which corrected latency shows), as the generator does; stopped here, it
  // was neither sent nor counted unsent (a 1 s window at 400 msgs/s once sent 399).
  await sleep(DRAIN_MS);
  stop();
  for (const c of conns) c.ws.terminate();

  return {
    mode: openLoop ? 'open' : 'closed',
    roundTripsPerSec: Math.round((books.roundTrips / options.durationMs) * 1000 * 10) / 10,
    roundTrips: books.roundTrips,
    offeredRateHz: options.rateHz ?? null,
    sentInWindow: books.sentInWindow,
    unsent: books.unsent,
    measuredMs: options.durationMs,
    cpuCoreFraction: self.cpuCoreFraction(),
    eventLoopDelayP99Ms: self.eventLoopDelayP99Ms(),
    connections: { attempted, established: conns.length, errors },
    corrupted: books.corrupted,
    service: summarize(books.hService),
    corrected: books.hCorrected ? summarize(books.hCorrected) : null,
    pid: process.pid,
  };
}

function open(options: WsBaselineOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(options.url, { perMessageDeflate: false, handshakeTimeout: options.handshakeTimeoutMs ?? 10_000 });
    ws.once('open', () => {
      ws.off('error', reject);
      ws.on('error', () => {});
      resolve(ws);
    });
    ws.once('error', reject);
  });
}

process.once('message', (msg: ParentToBaseline) => {
  run(msg.options).then(
    (result) => process.send!({ type: 'result', result } satisfies BaselineToParent, undefined, undefined, () => process.exit(0)),
    (err: unknown) => {
      const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
      process.send!({ type: 'fatal', message } satisfies BaselineToParent, undefined, undefined, () => process.exit(1));
    },
  );
});
process.on('disconnect', () => process.exit(0));
