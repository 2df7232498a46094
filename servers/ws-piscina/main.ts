/**
 * ws-piscina: ws on the main event loop, WORK on a piscina worker_threads pool.
 *
 * The main loop does everything ws-loop does (socket I/O, validation, ECHO, BROADCAST, GET /stats) except
 * computing WORK: a WORK request becomes a piscina task ({iterations, seed}); a pool thread computes
 * work() (work-task.ts) and hands the number back; the main loop builds the reply with buildWorkReply and
 * sends it. So a long WORK no longer blocks the loop, at the price of two thread hops per WORK.
 *
 * Ordering: replies of one connection can leave out of order. An ECHO or BROADCAST that arrives after a
 * WORK is answered at once, before the WORK's reply; two WORKs of one connection can run on two pool
 * threads and finish in either order. Clients match replies by seq (PROTOCOL.md §2), so nothing is
 * lost, but this server does not keep §3's "in order" for WORK; the ready line says so
 * (workRepliesInOrder: false). What it does keep: every valid request gets exactly one reply, also when a
 * contract violation follows it — the close for the violation waits until the connection's earlier WORKs
 * have been answered, and everything after the violation is ignored.
 */
import { performance } from 'node:perf_hooks';
import { Piscina, version as piscinaVersion } from 'piscina';
import { WebSocket } from 'ws';
import { buildWorkReply, type ContractViolation, HEADER_BYTES, Op, readWorkIterations, readWorkSeed, ServerCloseCode } from '../../protocol/wire.js';
import { exitOnUsageError, parseServerArgs } from '../common/args.js';
import { closeWsFront } from '../common/close-all.js';
import { createCounters } from '../common/counters.js';
import { admitRequest, type ContractPeer, rejectText } from '../common/handle.js';
import { listenAndAnnounce } from '../common/listen.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { createWsHttpServer, jsonStats, sendToOpenClients } from '../common/ws-http.js';
import { defaultPoolThreads, parsePoolFlags, WS_PISCINA_ARGS_POLICY, WS_PISCINA_NAME, WS_PISCINA_WS_SETTINGS, wsPiscinaKnobs } from './settings.js';
import type { WorkTask } from './work-task.js';

const { poolOptions, args } = exitOnUsageError(WS_PISCINA_NAME, () => {
  const { pool, rest } = parsePoolFlags(process.argv.slice(2));
  return { poolOptions: pool, args: parseServerArgs(rest, WS_PISCINA_ARGS_POLICY) };
});
const poolThreads = args.threads ?? defaultPoolThreads();
const counters = createCounters();
const stats = createStatsRecorder(WS_PISCINA_NAME);
/** Frames ws's parser rejected (bad opcode, oversize, …): ws closes those itself with 1002/1009. */
let framingErrors = 0;
/** WORK tasks the pool rejected (a pool thread crashed); the connection is closed with 1011. */
let taskErrors = 0;
let lastTaskError: string | null = null;

const pool = new Piscina<WorkTask, number>({
  // Resolved next to this file: dist/servers/ws-piscina/work-task.js.
  filename: new URL('./work-task.js', import.meta.url).href,
  minThreads: poolThreads,
  maxThreads: poolThreads,
  concurrentTasksPerWorker: poolOptions.concurrentTasksPerWorker,
  maxQueue: Infinity,
  atomics: poolOptions.atomics,
  // waitTime and runTime histograms: reported in /stats.
  recordTiming: poolOptions.recordTiming,
});
// piscina starts minThreads workers in its constructor; the ready line waits until they all run JS.
const poolOnline = Promise.all(pool.threads.map((thread) => new Promise((resolve) => thread.once('online', resolve))));

const front = createWsHttpServer(
  WS_PISCINA_WS_SETTINGS,
  jsonStats(() => stats.snapshot(counters, { framingErrors, pool: poolStats() })),
);
const { wss } = front;

wss.on('connection', (client: WebSocket) => {
  counters.openConnections++;
  /** WORK tasks of this connection not answered yet. */
  let pendingWork = 0;
  /** A violation seen while WORK was pending: the close waits for those replies. */
  let closeAfterWork: ContractViolation | null = null;
  /** Set on the first violation: later messages are ignored, even before the close frame goes out. */
  let violated = false;

  const peer: ContractPeer = {
    send: (message) => client.send(message),
    close: (code, reason) => {
      violated = true;
      if (pendingWork === 0) client.close(code, reason);
      else closeAfterWork = { code, reason };
    },
  };

  const workSettled = (): void => {
    pendingWork--;
    if (pendingWork === 0 && closeAfterWork !== null && client.readyState === WebSocket.OPEN) {
      client.close(closeAfterWork.code, closeAfterWork.reason);
    }
  };

  client.on('message', (data, isBinary) => {
    // Messages can still arrive after we sent a close frame; the contract only answers open connections.
    if (client.readyState !== WebSocket.OPEN || violated) return;
    if (!isBinary) {
      rejectText(peer, counters);
      return;
    }
    // binaryType is the default 'nodebuffer', so data is always one Buffer (fragments already joined).
    const message = data as Buffer;
    if (!admitRequest(message, peer, counters)) return;
    switch (message[0]) {
      case Op.ECHO:
        client.send(message);
        return;
      case Op.BROADCAST:
        counters.broadcastDeliveries += broadcast(message);
        return;
      case Op.WORK: {
        // The reply is built now (header copied, result 0) and its result filled in when the pool answers:
        // one allocation per WORK, and the message (a view of ws's receive buffer) is not kept alive. The
        // pool thread gets two numbers, not the message.
        const reply = buildWorkReply(message, 0);
        pendingWork++;
        pool.run({ iterations: readWorkIterations(message), seed: readWorkSeed(message) }).then(
          (result) => {
            reply.writeUInt32LE(result >>> 0, HEADER_BYTES);
            if (client.readyState === WebSocket.OPEN) client.send(reply);
            workSettled();
          },
          (error: unknown) => {
            taskErrors++;
            lastTaskError = error instanceof Error ? error.message : String(error);
            violated = true;
            if (client.readyState === WebSocket.OPEN) client.close(ServerCloseCode.INTERNAL_ERROR, 'WORK failed on a pool thread');
            workSettled();
          },
        );
        return;
      }
    }
  });
  // Without a listener, a framing error from one client would crash the whole server.
  client.on('error', () => framingErrors++);
  client.on('close', () => counters.openConnections--);
});

function broadcast(message: Uint8Array): number {
  return sendToOpenClients(wss.clients, message);
}

/** Pool figures for /stats: waitTime, runTime and utilization cover the time since the previous call. */
let windowStartMs = performance.now();
let completedAtWindowStart = 0;

interface TimeSummary {
  p50: number;
  p99: number;
  mean: number;
}

function poolStats(): Record<string, unknown> {
  const nowMs = performance.now();
  const completed = pool.completed;
  const completedInWindow = completed - completedAtWindowStart;
  // With recordTiming off (--record-timing 0) piscina keeps no histograms: waitTime, runTime, utilization are null.
  const timing = poolOptions.recordTiming ? pool.histogram : null;
  const run = timing === null ? null : timeSummary(timing.runTime);
  // Busy time of the pool in this window ≈ mean run time × tasks completed (each completion records one
  // run time). piscina 5.3.2's own `utilization` divides its mean (already in ms) by 1000 once more and is
  // 1000× too small, and it covers the pool's whole life, so it is computed here instead.
  const capacityMs = (nowMs - windowStartMs) * poolThreads;
  const utilization = run === null ? null : capacityMs > 0 ? Math.min(1, (run.mean * completedInWindow) / capacityMs) : 0;
  const figures = {
    threads: pool.threads.length,
    queueSize: pool.queueSize,
    completed,
    utilization: utilization === null ? null : round(utilization, 4),
    /**
     * Time a task waited in piscina's queue (submit → handed to a pool thread's port), ms. With
     * concurrentTasksPerWorker > 1 a task is handed over while that thread still computes earlier ones.
     */
    waitTime: timing === null ? null : timeSummary(timing.waitTime),
    /**
     * Handed to a pool thread → result back on the main loop, ms: the computation, any earlier tasks of the
     * same thread still ahead of it (concurrentTasksPerWorker > 1), the thread hops, and any lateness of the
     * main loop in noticing the result.
     */
    runTime: run,
    taskErrors,
    lastTaskError,
  };
  timing?.resetWaitTime();
  timing?.resetRunTime();
  windowStartMs = nowMs;
  completedAtWindowStart = completed;
  return figures;
}

/** An empty node:perf_hooks histogram reports NaN and sentinels; those read as 0 here. */
function timeSummary(summary: { p50: number; p99: number; mean: number }): TimeSummary {
  const ms = (value: number): number => (Number.isFinite(value) && value < 1e12 ? round(value, 3) : 0);
  return { p50: ms(summary.p50), p99: ms(summary.p99), mean: ms(summary.mean) };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

// The test-mode stall blocks the main loop only (socket I/O, ECHO, BROADCAST); pool threads keep computing.
const stopStall = args.stall === null ? null : startStall(args.stall);

void poolOnline.then(() => listenAndAnnounce(front.httpServer, WS_PISCINA_NAME, args, wsPiscinaKnobs(args, poolThreads, piscinaVersion, poolOptions)));

installShutdown(WS_PISCINA_NAME, async () => {
  stopStall?.();
  stats.stop();
  await closeWsFront(front);
  // Pending WORK is abandoned: its connections are gone.
  await pool.destroy();
});
