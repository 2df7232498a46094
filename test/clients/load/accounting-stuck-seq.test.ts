/**
 * LoadAccounting.recordReply on a session where one older message is never answered: the in-flight ring
 * then grows (and at last expires the stuck message) on the successors' sends — for the long-poll worker
 * inside recordReply, while the reply that asked for the successor is being booked. The reply must still
 * be matched to its own send times: no corrupted count, and every latency recorded the true one.
 */
import { describe, expect, it } from 'vitest';
import { buildHistogram, decodeHistogram, encodeHistogram, recordUs } from '../../../clients/histogram.js';
import { LoadAccounting, MeteredConn, NO_SCHEDULE } from '../../../clients/load/accounting.js';
import type { PhaseTimes } from '../../../clients/load/load-ipc.js';
import { buildMessage, Op } from '../../../protocol/wire.js';
import { loadPlan } from '../plan-fixture.js';

const PAYLOAD = 8;
const HEADER_AND_PAYLOAD = 16 + PAYLOAD;
const S = 1_000_000;
/** Warmup [0, 1 s), window [1 s, 4 s), drain to 5 s: µs on a made-up clock. */
const TIMES: PhaseTimes = { warmupStartUs: 0, measureStartUs: 1 * S, measureEndUs: 4 * S, drainEndUs: 5 * S };
/** In-flight window of the session: past it the stuck message is expired (the ring's last growth). */
const WINDOW = 1024;
/** Round trips answered after the stuck message: enough for every growth of the ring and its expiry. */
const ROUND_TRIPS = 1500;

/**
 * How a worker's successor sends: the long-poll one files its message at once, inside recordReply
 * (clients/long-poll/http-load.ts sendNext → recordSend); the WebSocket one only queues it, filed when
 * the burst is written after the replies (clients/engine/ws-load.ts sendNext → queue).
 */
type Style = 'files at once (long-poll)' | 'queues (WebSocket)';

describe('LoadAccounting: a reply whose successor grows the in-flight ring', () => {
  it.each<Style>(['files at once (long-poll)', 'queues (WebSocket)'])(
    'closed loop, one older seq never answered, successor %s: exact counts and the true latencies',
    async (style) => {
      const plan = loadPlan({
        connections: 1,
        clientCpus: null,
        mode: 'closed',
        depth: 2,
        rateHz: null,
        payloadBytes: PAYLOAD,
        warmupMs: 1000,
        durationMs: 3000,
        drainMs: 1000,
      });
      const books = new LoadAccounting(plan, 0);
      books.times = TIMES; // what start() sets, without arming timers
      const conn = new MeteredConn(0, plan.depth, WINDOW);
      const initialRing = conn.inflight.ringSize;

      let nowUs = 1 * S;
      /** Send time of each seq, as the message carries it. */
      const sentAt: number[] = [];
      const file = (c: MeteredConn): void => {
        const seq = books.recordSend(c, 0, NO_SCHEDULE, nowUs);
        sentAt[seq] = nowUs;
      };
      let queued: MeteredConn[] = [];
      const successor = style === 'files at once (long-poll)' ? file : (c: MeteredConn): void => void queued.push(c);

      file(conn); // seq 0: answered, its successors carry the loop
      nowUs += 10;
      file(conn); // seq 1: never answered (stuck), so the ring must grow on later sends
      const expected = buildHistogram();
      let seq = 0;
      for (let k = 0; k < ROUND_TRIPS; k++) {
        const latencyUs = 300 + ((k * 37) % 900); // a different, known latency per message
        const recvUs = sentAt[seq]! + latencyUs;
        nowUs = recvUs + 5; // the successor leaves just after the reply is read
        const answered = seq;
        books.recordReply(conn, buildMessage(Op.ECHO, answered, BigInt(sentAt[answered]!), PAYLOAD), 0, HEADER_AND_PAYLOAD, recvUs, successor);
        for (const c of queued) file(c); // the WebSocket worker's write after the replies
        queued = [];
        recordUs(expected, latencyUs);
        seq = sentAt.length - 1; // the successor just filed
        expect(seq).toBeGreaterThan(answered);
      }
      expect(nowUs).toBeLessThan(TIMES.measureEndUs); // every message was a window message
      expect(conn.inflight.ringSize).toBeGreaterThanOrEqual(2 * WINDOW); // the ring grew all the way on successors' sends
      expect(conn.inflight.ringSize).toBeGreaterThan(initialRing);

      books.close([conn]);
      const r = await books.report();
      // Sent: seq 0, the stuck seq 1 and one successor per reply. Lost: the stuck one (expired) and the last successor.
      expect(r.counts).toMatchObject({
        sent: ROUND_TRIPS + 2,
        received: ROUND_TRIPS,
        lost: 2,
        corrupted: 0,
        duplicated: 0,
        unexpected: 0,
        late: 0,
        outOfOrder: 0,
      });
      expect(r.counts.sent).toBe(r.counts.received + r.counts.lost);
      const service = decodeHistogram(r.service);
      expect(service.totalCount).toBe(ROUND_TRIPS);
      expect(service.minNonZeroValue).toBe(expected.minNonZeroValue);
      expect(service.maxValue).toBe(expected.maxValue);
      expect(r.service).toBe(encodeHistogram(expected));
    },
  );
});
