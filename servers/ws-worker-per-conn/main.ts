/**
 * ws-worker-per-conn: one dedicated worker_thread per WebSocket connection, as literally as Node allows.
 * A worker_thread is a whole V8 isolate (its own heap and event loop, megabytes each) on an OS thread,
 * so this is a worker per connection, not a bare OS thread per connection as a Java or Go server has.
 *
 * Node cannot hand a socket to a worker_thread, so the socket stays on the main thread: ws there does all
 * socket I/O (accept, upgrade, framing, sends), validates each message with checkRequest (closing the
 * connection on a violation) and serves GET /stats. Everything else happens on the connection's own
 * thread, started on connect and terminated on close: the main thread copies each valid binary message
 * into an ArrayBuffer and transfers it to that thread (postMessage); the thread runs the contract
 * (conn-worker.ts) and posts exactly one answer back, which the main thread sends (or, for BROADCAST,
 * fans out to every open connection). A connection's messages wait in a queue until its thread is ready
 * (that wait is the thread startup time in /stats). One thread handles its messages one at a time, in
 * order, so replies leave in order.
 *
 * When no thread can be had — --max-threads reached, or the Worker fails before it is ready (thread
 * creation error, ERR_WORKER_INIT_FAILED, ERR_WORKER_OUT_OF_MEMORY under its resourceLimits, …) — that
 * connection is closed with 1013 (Try Again Later) and a reason, the failure is counted in /stats
 * (threadSpawnFailures, lastSpawnError), and every other connection carries on.
 */

import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { createHistogram, performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { WebSocket } from 'ws';
import { type ContractViolation, MAX_CLOSE_REASON_BYTES, ServerCloseCode } from '../../protocol/wire.js';
import { exitOnUsageError, parseServerArgs } from '../common/args.js';
import { closeWsFront } from '../common/close-all.js';
import { createCounters } from '../common/counters.js';
import { admitRequest, type ContractPeer, rejectText } from '../common/handle.js';
import { listenAndAnnounce } from '../common/listen.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { createWsHttpServer, jsonStats, sendToOpenClients } from '../common/ws-http.js';
import { ToMain, WORKER_READY, type WorkerAnswer } from './messages.js';
import {
  MEMORY_RESERVE_BYTES,
  splitWorkerPerConnArgs,
  WS_WORKER_PER_CONN_ARGS_POLICY,
  WS_WORKER_PER_CONN_NAME,
  WS_WORKER_PER_CONN_WS_SETTINGS,
  workerResourceLimits,
  wsWorkerPerConnKnobs,
} from './settings.js';

/** The handler thread's code, next to this file: dist/servers/ws-worker-per-conn/conn-worker.js. */
const CONN_WORKER_URL = new URL('./conn-worker.js', import.meta.url);

const { settings, args } = exitOnUsageError(WS_WORKER_PER_CONN_NAME, () => {
  const { settings, rest } = splitWorkerPerConnArgs(process.argv.slice(2));
  return { settings, args: parseServerArgs(rest, WS_WORKER_PER_CONN_ARGS_POLICY) };
});
const resourceLimits = workerResourceLimits(settings);
const counters = createCounters();
const stats = createStatsRecorder(WS_WORKER_PER_CONN_NAME);
/** Frames ws's parser rejected (bad opcode, oversize, …): ws closes those itself with 1002/1009. */
let framingErrors = 0;
/** Handler threads created and not yet exited (including those still starting and those being terminated). */
let liveThreads = 0;
/** Handler threads that became ready, since start. */
let threadsStarted = 0;
/** Connections closed with 1013 because they got no thread (cap reached or the Worker failed to start). */
let threadSpawnFailures = 0;
let lastSpawnError: string | null = null;
/** Threads that died after they were ready (their connection is closed with 1011). */
let threadErrors = 0;
let lastThreadError: string | null = null;
/** new Worker() → the thread's ready message, in µs, since start. */
const threadStartupUs = createHistogram();

/** One connection and its thread. */
interface Connection {
  client: WebSocket;
  worker: Worker | null;
  /** The thread has posted WORKER_READY: messages go to it directly. */
  ready: boolean;
  /** Messages received before the thread was ready, in order. */
  queue: ArrayBuffer[];
  /** Messages forwarded (or queued) and not yet answered by the thread. */
  inFlight: number;
  /** Set on a violation or a thread failure: later messages are ignored. */
  finished: boolean;
  /** The thread failed (never ready, or died): counted once, the connection closed once. */
  threadFailed: boolean;
  /** A violation seen while messages were in flight: the close waits until they are answered. */
  closeWhenAnswered: ContractViolation | null;
  /** The socket closed: the thread is being terminated on our request. */
  socketClosed: boolean;
}

const front = createWsHttpServer(
  WS_WORKER_PER_CONN_WS_SETTINGS,
  jsonStats(() => stats.snapshot(counters, { framingErrors, ...threadStats() })),
);
const { wss } = front;

wss.on('connection', (client: WebSocket) => {
  counters.openConnections++;
  const conn: Connection = {
    client,
    worker: null,
    ready: false,
    queue: [],
    inFlight: 0,
    finished: false,
    threadFailed: false,
    closeWhenAnswered: null,
    socketClosed: false,
  };
  const peer: ContractPeer = {
    send: (message) => client.send(message),
    close: (code, reason) => {
      conn.finished = true;
      // Messages received before (forwarded or still queued) were valid: their replies go out first.
      if (conn.inFlight === 0) client.close(code, reason);
      else conn.closeWhenAnswered = { code, reason };
    },
  };

  client.on('message', (data, isBinary) => {
    // Messages can still arrive after we sent a close frame; the contract only answers open connections.
    if (client.readyState !== WebSocket.OPEN || conn.finished) return;
    if (!isBinary) {
      rejectText(peer, counters);
      return;
    }
    // binaryType is the default 'nodebuffer', so data is always one Buffer (fragments already joined).
    const message = data as Buffer;
    if (!admitRequest(message, peer, counters)) return;
    // One copy into an ArrayBuffer of its own, which is then transferred (moved, not copied) to the thread.
    const copy = new Uint8Array(message.byteLength);
    copy.set(message);
    conn.inFlight++;
    if (conn.ready) conn.worker!.postMessage(copy.buffer, [copy.buffer]);
    else conn.queue.push(copy.buffer);
  });
  // Without a listener, a framing error from one client would crash the whole server.
  client.on('error', () => framingErrors++);
  client.on('close', () => {
    counters.openConnections--;
    conn.socketClosed = true;
    conn.queue.length = 0;
    if (conn.worker !== null) void conn.worker.terminate();
  });

  if (settings.maxThreads !== null && liveThreads >= settings.maxThreads) {
    noThread(conn, `thread limit reached: ${settings.maxThreads} handler threads alive (--max-threads)`);
    return;
  }
  const availableBytes = availableMemoryBytes();
  if (availableBytes < MEMORY_RESERVE_BYTES) {
    noThread(conn, `host memory reserve reached: ${Math.round(availableBytes / 2 ** 20)} MiB available < ${MEMORY_RESERVE_BYTES / 2 ** 20} MiB reserve`);
    return;
  }
  startThread(conn);
});

/** MemAvailable from /proc/meminfo (what can be had without swapping), or os.freemem() elsewhere. */
function availableMemoryBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return freemem();
}

/** Starts conn's thread; its messages queue until it posts WORKER_READY. */
function startThread(conn: Connection): void {
  const startedAtMs = performance.now();
  let worker: Worker;
  try {
    worker = new Worker(CONN_WORKER_URL, { resourceLimits });
  } catch (error) {
    noThread(conn, describeError(error));
    return;
  }
  conn.worker = worker;
  liveThreads++;
  worker.on('message', (answer: WorkerAnswer) => {
    if (answer === WORKER_READY) {
      threadStartupUs.record(Math.max(1, Math.round((performance.now() - startedAtMs) * 1000)));
      threadsStarted++;
      conn.ready = true;
      for (const buffer of conn.queue) worker.postMessage(buffer, [buffer]);
      conn.queue.length = 0;
      return;
    }
    onAnswer(conn, answer[0], answer[1]);
  });
  worker.on('error', (error) => {
    if (!conn.ready) noThread(conn, describeError(error));
    else threadDied(conn, describeError(error));
  });
  worker.on('exit', (code) => {
    liveThreads--;
    if (conn.socketClosed) return;
    // An exit we did not ask for; after an 'error' the connection is already being closed.
    if (!conn.ready) noThread(conn, `thread exited with code ${code} before it was ready`);
    else threadDied(conn, `thread exited with code ${code}`);
  });
}

/** One answer from conn's thread, for the oldest message in flight. */
function onAnswer(conn: Connection, kind: number, buffer: ArrayBuffer): void {
  conn.inFlight--;
  const { client } = conn;
  if (kind === ToMain.BROADCAST) counters.broadcastDeliveries += broadcast(buffer);
  else if (kind === ToMain.REPLY && client.readyState === WebSocket.OPEN) client.send(buffer);
  if (conn.inFlight === 0 && conn.closeWhenAnswered !== null && client.readyState === WebSocket.OPEN) {
    client.close(conn.closeWhenAnswered.code, conn.closeWhenAnswered.reason);
  }
}

/** No thread for conn: close it with 1013 and count the failure. Called at most once per connection. */
function noThread(conn: Connection, why: string): void {
  if (conn.threadFailed) return;
  conn.threadFailed = true;
  threadSpawnFailures++;
  lastSpawnError = why;
  conn.finished = true;
  conn.queue.length = 0;
  if (conn.client.readyState === WebSocket.OPEN) conn.client.close(ServerCloseCode.TRY_AGAIN_LATER, closeReason(`no handler thread: ${why}`));
}

/** conn's thread died after it was ready: close the connection with 1011. Called at most once per connection. */
function threadDied(conn: Connection, why: string): void {
  if (conn.threadFailed) return;
  conn.threadFailed = true;
  threadErrors++;
  lastThreadError = why;
  conn.finished = true;
  if (conn.client.readyState === WebSocket.OPEN) conn.client.close(ServerCloseCode.INTERNAL_ERROR, closeReason(`handler thread failed: ${why}`));
}

function broadcast(message: ArrayBuffer): number {
  return sendToOpenClients(wss.clients, message);
}

function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? error.message : `${code}: ${error.message}`;
}

/** reason cut to the 123 bytes a close frame can carry, on a character boundary. */
function closeReason(reason: string): string {
  let cut = reason;
  while (Buffer.byteLength(cut) > MAX_CLOSE_REASON_BYTES) cut = cut.slice(0, -1);
  return cut;
}

function threadStats(): Record<string, unknown> {
  const count = threadStartupUs.count;
  const ms = (us: number): number => Math.round(us) / 1000;
  return {
    threads: liveThreads,
    threadsStarted,
    threadSpawnFailures,
    lastSpawnError,
    threadErrors,
    lastThreadError,
    /** new Worker() → ready, over every thread started since the server started. */
    threadStartupMs: { p50: count === 0 ? 0 : ms(threadStartupUs.percentile(50)), max: count === 0 ? 0 : ms(threadStartupUs.max) },
  };
}

// The test-mode stall blocks the main thread, which does all socket I/O: every connection waits it out.
const stopStall = args.stall === null ? null : startStall(args.stall);

listenAndAnnounce(front.httpServer, WS_WORKER_PER_CONN_NAME, args, wsWorkerPerConnKnobs(args, settings));

installShutdown(WS_WORKER_PER_CONN_NAME, async () => {
  stopStall?.();
  stats.stop();
  await closeWsFront(front);
  // Each socket's 'close' terminates its thread; process.exit() ends any still shutting down.
});
