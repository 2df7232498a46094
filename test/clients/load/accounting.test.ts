/**
 * The books every load worker keeps (clients/load/accounting.ts), on synthetic sends and replies: the
 * window rule, matching by seq, the counts, the timeline and the histograms of the report. No socket.
 */
import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../../clients/histogram.js';
import { LoadAccounting, MeteredConn, NO_SCHEDULE } from '../../../clients/load/accounting.js';
import type { PhaseTimes, WorkerReport } from '../../../clients/load/load-ipc.js';
import type { LoadPlan } from '../../../clients/types.js';
import { buildMessage, Op } from '../../../protocol/wire.js';
import { loadPlan } from '../plan-fixture.js';

const PAYLOAD = 8;
/** A reply's bytes: the 16-byte header and the payload. */
const HEADER_AND_PAYLOAD = 16 + PAYLOAD;
const S = 1_000_000;

function plan(patch: Partial<LoadPlan> = {}): LoadPlan {
  return loadPlan({
    connections: 1,
    clientCpus: null,
    mode: 'open',
    rateHz: 10,
    payloadBytes: PAYLOAD,
    warmupMs: 1000,
    durationMs: 3000,
    drainMs: 1000,
    ...patch,
  });
}

/** Warmup [0, 1 s), window [1 s, 4 s), drain to 5 s: µs on a made-up clock. */
const TIMES: PhaseTimes = { warmupStartUs: 0, measureStartUs: 1 * S, measureEndUs: 4 * S, drainEndUs: 5 * S };

/** The server's reply to (seq, sentUs): the very bytes sent. */
function reply(seq: number, sentUs: number): Buffer {
  return buildMessage(Op.ECHO, seq, BigInt(sentUs), PAYLOAD);
}

function books(p = plan()): { books: LoadAccounting; conn: MeteredConn } {
  const b = new LoadAccounting(p, 0);
  b.times = TIMES; // what start() sets, without arming timers
  return { books: b, conn: new MeteredConn(0, p.depth, 1024) };
}

function count(encoded: string | null | undefined): number {
  return encoded ? decodeHistogram(encoded).totalCount : -1;
}

const none = (): void => {};

describe('LoadAccounting: the window rule', () => {
  it('counts a send by its intended time (open loop), files it in that second, and never counts warmup or drain traffic', () => {
    const { books: b, conn } = books();
    const warm = b.recordSend(conn, 0, 0.5 * S, 0.5 * S);
    const first = b.recordSend(conn, 0, 1 * S, 1.2 * S); // due in the window, left 200 ms late
    const last = b.recordSend(conn, 0, 4 * S - 1, 4 * S + 10); // due in the window, left after it
    const after = b.recordSend(conn, 0, 4 * S, 4 * S);
    expect([warm, first, last, after]).toEqual([0, 1, 2, 3]);
    expect(b.counts.sent).toBe(2);

    b.recordReply(conn, reply(warm, 0.5 * S), 0, HEADER_AND_PAYLOAD, 1.5 * S, none);
    b.recordReply(conn, reply(first, 1.2 * S), 0, HEADER_AND_PAYLOAD, 1.5 * S, none);
    b.recordReply(conn, reply(after, 4 * S), 0, HEADER_AND_PAYLOAD, 4.1 * S, none);
    expect(b.counts.received).toBe(1);
    b.close([conn]);
    expect(b.counts.lost).toBe(1); // `last` was never answered
    expect(b.counts.sent).toBe(b.counts.received + b.counts.lost);
  });

  it('closed loop: the actual send time decides, and a matched reply before the window end asks for its successor', () => {
    const { books: b, conn } = books(plan({ mode: 'closed', rateHz: null }));
    const successors: number[] = [];
    const next = (c: MeteredConn): void => void successors.push(c.index);
    const warm = b.recordSend(conn, 0, NO_SCHEDULE, 0.9 * S);
    const inside = b.recordSend(conn, 0, NO_SCHEDULE, 3.9 * S);
    expect(b.counts.sent).toBe(1);
    b.recordReply(conn, reply(warm, 0.9 * S), 0, HEADER_AND_PAYLOAD, 1.1 * S, next);
    b.recordReply(conn, reply(inside, 3.9 * S), 0, HEADER_AND_PAYLOAD, 4.2 * S, next); // after the window: no successor
    expect(successors).toEqual([0]);
    expect(b.counts.received).toBe(1);
  });
});

describe('LoadAccounting: replies matched by seq', () => {
  it('counts duplicates, unknown seqs, short replies, corruption and replies that overtake each other', () => {
    const { books: b, conn } = books();
    const a = b.recordSend(conn, 0, 1 * S, 1 * S);
    const c = b.recordSend(conn, 0, 1.1 * S, 1.1 * S);
    const d = b.recordSend(conn, 0, 1.2 * S, 1.2 * S);
    b.recordReply(conn, reply(c, 1.1 * S), 0, HEADER_AND_PAYLOAD, 1.3 * S, none);
    b.recordReply(conn, reply(a, 1 * S), 0, HEADER_AND_PAYLOAD, 1.4 * S, none); // overtaken by c
    b.recordReply(conn, reply(a, 1 * S), 0, HEADER_AND_PAYLOAD, 1.5 * S, none); // duplicate
    b.recordReply(conn, reply(99, 1 * S), 0, HEADER_AND_PAYLOAD, 1.5 * S, none); // never sent
    b.recordReply(conn, Buffer.alloc(8), 0, 8, 1.5 * S, none); // shorter than a header
    const bad = reply(d, 1.2 * S);
    bad[HEADER_AND_PAYLOAD - 1]! ^= 0xff;
    b.recordReply(conn, bad, 0, HEADER_AND_PAYLOAD, 1.6 * S, none);
    b.close([conn]);
    expect(b.counts).toMatchObject({ sent: 3, received: 3, lost: 0, duplicated: 1, unexpected: 2, outOfOrder: 1, corrupted: 1 });
  });

  it('reads a reply at its offset inside a larger buffer (a frame in a socket chunk)', () => {
    const { books: b, conn } = books();
    const seq = b.recordSend(conn, 0, 1 * S, 1 * S);
    const chunk = Buffer.concat([Buffer.alloc(5, 0xaa), reply(seq, 1 * S), Buffer.alloc(3)]);
    b.recordReply(conn, chunk, 5, 5 + HEADER_AND_PAYLOAD, 1.25 * S, none);
    expect(b.counts).toMatchObject({ received: 1, corrupted: 0, unexpected: 0 });
  });

  it('looks at nothing before the run starts or after the books are closed', () => {
    const { books: b, conn } = books();
    const seq = b.recordSend(conn, 0, 1 * S, 1 * S);
    b.close([conn]);
    b.recordReply(conn, reply(seq, 1 * S), 0, HEADER_AND_PAYLOAD, 1.1 * S, none);
    expect(b.counts).toMatchObject({ received: 0, unexpected: 0, lost: 1 });
    const fresh = new LoadAccounting(plan(), 0);
    expect(fresh.accepting).toBe(false);
  });
});

describe('LoadAccounting: histograms and timeline in the report', () => {
  async function scenario(p: LoadPlan): Promise<WorkerReport> {
    const { books: b, conn } = books(p);
    // Second 0 of the window: two replies; second 2: one; one corrupted reply in second 1 (counted, no latency).
    const sends = [
      [1_000_000, 1_001_000, 1_100_000],
      [1_200_000, 1_200_000, 1_300_000],
      [1_500_000, 1_500_000, 2_500_000],
      [3_000_000, 3_002_000, 3_500_000],
    ] as const;
    sends.forEach(([intended, sent, recv], k) => {
      const seq = b.recordSend(conn, 0, intended, sent);
      const r = reply(seq, sent);
      if (k === 2) r[HEADER_AND_PAYLOAD - 1]! ^= 0xff;
      b.recordReply(conn, r, 0, HEADER_AND_PAYLOAD, recv, none);
    });
    b.recordHandshake(250);
    b.close([conn]);
    return b.report();
  }

  it('open loop: six histograms hold what the window rule let in; the timeline adds up to the counts', async () => {
    const r = await scenario(plan({ mix: { kind: 'mixed', iterations: 1, heavyFraction: 0.5 } }));
    expect(r.counts).toMatchObject({ sent: 4, received: 4, corrupted: 1, lost: 0 });
    expect(count(r.connections.handshake)).toBe(1);
    expect(count(r.service)).toBe(3);
    expect(count(r.corrected)).toBe(3);
    expect(count(r.byClass?.cheap)).toBe(3);
    expect(count(r.byClass?.heavy)).toBe(0);
    expect(r.stats.sendLagP99Us).toBeGreaterThanOrEqual(2000); // the 2 ms late send
    expect(r.timeline.map((p) => [p.second, p.sent, p.received])).toEqual([
      [0, 3, 2],
      [1, 0, 1],
      [2, 1, 1],
    ]);
    expect(r.timeline.map((p) => count(p.latency))).toEqual([2, 0, 1]);
    // The first message left 1 ms late: 99 ms of service time, 100 ms of corrected latency (from its intended time).
    expect(decodeHistogram(r.service).getValueAtPercentile(1)).toBeLessThan(99_500);
    expect(decodeHistogram(r.corrected!).getValueAtPercentile(1)).toBeGreaterThan(99_900);
  });

  it('closed loop: no corrected latency, no by-class figures for a single class, no send lag', async () => {
    const r = await scenario(plan({ mode: 'closed', rateHz: null }));
    expect(r.corrected).toBeNull();
    expect(r.byClass).toBeNull();
    expect(r.stats.sendLagP99Us).toBe(0);
    expect(count(r.service)).toBe(3);
  });
});

describe('LoadAccounting: phases and ticks', () => {
  it('fires the hooks and one tick per timeline point, in order, with that point’s counts', async () => {
    const p = plan({ durationMs: 3000 });
    const b = new LoadAccounting(p, 0);
    const conn = new MeteredConn(0, 1, 1024);
    const ticks: number[][] = [];
    b.tick = (second, sent, received) => ticks.push([second, sent, received]);
    let began = false;
    // Every instant already passed: each timer fires at once, as for a worker that got `start` late.
    const done = new Promise<void>((resolve) => {
      b.start(TIMES, {
        beginSending: () => {
          began = true;
          b.recordSend(conn, 0, 2.5 * S, 2.5 * S);
        },
        closeBooks: () => {
          b.close([conn]);
          resolve();
        },
      });
    });
    await done;
    await new Promise((r) => setTimeout(r, 20));
    b.stopTimers();
    expect(began).toBe(true);
    expect(ticks).toEqual([
      [0, 0, 0],
      [1, 1, 0],
      [2, 0, 0],
    ]);
    expect((await b.report()).counts).toMatchObject({ sent: 1, lost: 1 });
  });
});
