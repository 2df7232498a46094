/**
 * uws-threads: uWebSockets.js in N worker threads (N = --threads, default the CPU count), the way uWS
 * documents multi-threading on Linux: every thread has its own App and listens on the same host:port with
 * SO_REUSEPORT, and the kernel spreads connections over the threads. This main thread serves nothing: it
 * picks the port, starts the threads, announces readiness and shuts them down.
 *
 * - Port: an exclusive Node probe bind checks the port is free (port 0: picks one), then every thread
 *   listens on it, and a /proc check afterwards makes sure no other process joined (uws/shared-port.ts).
 * - BROADCAST: app.publish in the receiving thread, and a BroadcastChannel message that makes every other
 *   thread publish in its own App (each counts its subscribers in broadcastDeliveries).
 * - GET /stats: answered by whichever thread gets it, from per-thread counters in a SharedArrayBuffer
 *   (fresh, no staleness); `node` describes the answering thread; extra.perThread lists every thread.
 * - Shutdown: a worker thread that ends with uWS sockets open aborts the process, so main asks every thread
 *   to close its listen socket and connections (1001) and waits until each thread has ended.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { parseServerArgsOrExit } from '../common/args.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { exitListenFailed, LISTEN_FAILED_EXIT_CODE } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown, stopThenExit } from '../common/shutdown.js';
import { UWS_BINARY_ENV, uwsPackageVersion } from '../uws/native.js';
import { openSharedPort } from '../uws/shared-port.js';
import type { MainToThread, ThreadData, ThreadToMain } from './messages.js';
import { UWS_THREADS_ARGS_POLICY, UWS_THREADS_NAME, uwsThreadsKnobs } from './settings.js';
import { createSharedCounters } from './shared.js';

interface ThreadHandle {
  index: number;
  worker: Worker;
  ended: Promise<void>;
  alive: boolean;
}

const args = parseServerArgsOrExit(UWS_THREADS_NAME, process.argv.slice(2), UWS_THREADS_ARGS_POLICY);
const threadCount = args.threads ?? availableParallelism();
const shared = createSharedCounters(threadCount);
const binaryPath = process.env[UWS_BINARY_ENV] || null;

let stopping = false;
const listeners = new Map<number, (message: ThreadToMain) => void>();

const threads: ThreadHandle[] = Array.from({ length: threadCount }, (_, index) => {
  const data: ThreadData = { index, host: args.host, stall: args.stall, shared, binaryPath };
  const worker = new Worker(new URL('./thread.js', import.meta.url), { workerData: data });
  const handle: ThreadHandle = { index, worker, ended: Promise.resolve(), alive: true };
  handle.ended = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      handle.alive = false;
      resolve();
      if (!stopping) fail(`thread ${index} ended unexpectedly (exit code ${code})`, ServerExitCode.FAILED);
    }),
  );
  worker.on('error', (error) => fail(`thread ${index} failed: ${error.stack ?? error.message}`, ServerExitCode.FAILED));
  worker.on('message', (message: ThreadToMain) => {
    if (message.t === 'failed') fail(message.message, ServerExitCode.FAILED);
    else listeners.get(index)?.(message);
  });
  return handle;
});

const send = (thread: ThreadHandle, message: MainToThread): void => {
  if (thread.alive) thread.worker.postMessage(message);
};

/** Asks every thread to close its sockets and waits until all threads have ended. */
async function closeThreads(): Promise<void> {
  stopping = true;
  for (const thread of threads) send(thread, { t: 'close' });
  await Promise.all(threads.map((thread) => thread.ended));
}

/** Stops every thread (sockets closed first: an open one would abort the process), then exits. */
function fail(reason: string, exitCode: ServerExitCode): void {
  if (stopping) return;
  process.stderr.write(`${UWS_THREADS_NAME}: ${reason}; stopping the server\n`);
  void stopThenExit(closeThreads, exitCode);
}

/** Listening failed once the threads run: close them, then print why and exit LISTEN_FAILED_EXIT_CODE. */
function failListen(message: string): Promise<never> {
  return stopThenExit(async () => {
    await closeThreads();
    exitListenFailed(UWS_THREADS_NAME, message);
  }, LISTEN_FAILED_EXIT_CODE);
}

/** Sends listen to one thread and waits for its answer. */
function listenOn(thread: ThreadHandle, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    listeners.set(thread.index, (message) => {
      if (message.t !== 'listening' && message.t !== 'listen-failed') return;
      listeners.delete(thread.index);
      resolve(message.t === 'listening' && message.port === port);
    });
    send(thread, { t: 'listen', port });
  });
}

async function start(): Promise<void> {
  const opened = await openSharedPort(args.host, args.port, {
    unit: 'threads',
    size: threadCount,
    listenAll: async (port) => (await Promise.all(threads.map((thread) => listenOn(thread, port)))).filter((ok) => !ok).length,
    owners: () => ['self'],
  });
  if (!opened.ok) await failListen(opened.message);
  if (stopping || !opened.ok) return;
  announceReady(UWS_THREADS_NAME, args.host, opened.port, uwsThreadsKnobs(args, threadCount, uwsPackageVersion()));
}

installShutdown(UWS_THREADS_NAME, closeThreads);
void start();
