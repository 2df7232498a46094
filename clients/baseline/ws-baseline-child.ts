/**
 * Entry of the `ws` baseline client process (see ws-baseline.ts). Written the way an ordinary `ws` user
 * would write it — a fresh message per send, ws doing framing and masking — because that is the client
 * the generator is compared with.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { buildMessage, HEADER_BYTES, nowUs, Op } from '../../protocol/wire.js';
import { monoUs } from '../clock.js';
import { buildHistogram, recordUs, summarize } from '../histogram.js';
import { LoopDelayMonitor } from '../loop-delay.js';
import type { BaselineToParent, ParentToBaseline, WsBaselineOptions, WsBaselineResult } from './ws-baseline.js';

const MAX_CONCURRENT_OPENS = 128;
/** After the window, how long replies to window messages may still arrive. */
const DRAIN_MS = 500;

interface Pending {
  message: Buffer;
  sentUs: number;
  inWindow: boolean;
}

interface Conn {
  ws: WebSocket;
  seq: number;
  /** Messages in flight, oldest first: ws over one TCP stream answers in order. */
  pending: Pending[];
}

async function run(options: WsBaselineOptions): Promise<WsBaselineResult> {
  const errors: Record<string, number> = {};
  const conns: Conn[] = [];
  let attempted = 0;
  const inProgress = new Set<Promise<void>>();
  for (let i = 0; i < options.connections; i++) {
    while (inProgress.size >= MAX_CONCURRENT_OPENS) await Promise.race(inProgress);
    attempted++;
    const p: Promise<void> = open(options)
      .then((ws) => void conns.push({ ws, seq: 0, pending: [] }))
      .catch((err: NodeJS.ErrnoException) => {
        const key = err.code ?? (/timed? ?out/i.test(err.message) ? 'timeout' : 'handshake');
        errors[key] = (errors[key] ?? 0) + 1;
      })
      .finally(() => inProgress.delete(p));
    inProgress.add(p);
  }
  await Promise.all(inProgress);

  const hService = buildHistogram();
  const eld = new LoopDelayMonitor();
  const startUs = monoUs();
  const measureStartUs = startUs + options.warmupMs * 1000;
  const measureEndUs = measureStartUs + options.durationMs * 1000;
  let roundTrips = 0;
  let corrupted = 0;

  const depth = options.depth ?? 1;
  const send = (c: Conn, now: number): void => {
    c.seq++;
    const message = buildMessage(Op.ECHO, c.seq, nowUs(), options.payloadBytes);
    c.pending.push({ message, sentUs: now, inWindow: now >= measureStartUs && now < measureEndUs });
    c.ws.send(message);
  };
  for (const c of conns) {
    c.ws.on('message', (data: Buffer) => {
      const now = monoUs();
      const p = c.pending.shift();
      if (p?.inWindow) {
        roundTrips++;
        if (data.length < HEADER_BYTES || !data.equals(p.message)) corrupted++;
        recordUs(hService, now - p.sentUs);
      }
      if (now < measureEndUs) send(c, now);
    });
    for (let i = 0; i < depth; i++) send(c, monoUs());
  }

  await sleep((measureStartUs - monoUs()) / 1000);
  const cpu0 = process.cpuUsage();
  const wall0 = monoUs();
  eld.enable();
  await sleep((measureEndUs - monoUs()) / 1000);
  const cpu = process.cpuUsage(cpu0);
  const wallUs = monoUs() - wall0;
  eld.disable();
  await sleep(DRAIN_MS);
  for (const c of conns) c.ws.terminate();

  return {
    roundTripsPerSec: Math.round((roundTrips / options.durationMs) * 1000 * 10) / 10,
    roundTrips,
    measuredMs: options.durationMs,
    cpuCoreFraction: Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 1000,
    eventLoopDelayP99Ms: eld.p99Ms(),
    connections: { attempted, established: conns.length, errors },
    corrupted,
    service: summarize(hService),
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
