/**
 * A ws-cluster worker: one `ws` event loop exactly like ws-loop, listening on the port the primary shares
 * with every worker. BROADCAST and /stats reach the other workers through the primary (ipc.ts).
 */
import type { Server } from 'node:http';
import type { ServerArgs } from '../common/args.js';
import { closeWsFront } from '../common/close-all.js';
import { createCounters } from '../common/counters.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { LISTEN_FAILED_EXIT_CODE, listenErrorMessage } from '../common/listen-errors.js';
import { SHUTDOWN_GRACE_MS } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { serveContractOnLoop } from '../common/ws-contract.js';
import { createWsHttpServer, sendToOpenClients } from '../common/ws-http.js';
import { type PrimaryToWorker, sendToPrimary, type WorkerCounters } from './ipc.js';
import { WORKER_COUNT_ENV, WORKER_INDEX_ENV, WS_CLUSTER_SETTINGS } from './settings.js';
import { createWorkerStats } from './worker-stats.js';

/**
 * A worker's own deadline for its shutdown: inside the primary's SHUTDOWN_GRACE_MS, so the primary sees
 * every worker exit before its own deadline ends it.
 */
const WORKER_SHUTDOWN_DEADLINE_MS = SHUTDOWN_GRACE_MS - 200;

export function runWorker(args: ServerArgs): void {
  const index = Number(process.env[WORKER_INDEX_ENV] ?? '0');
  const relayBroadcasts = Number(process.env[WORKER_COUNT_ENV] ?? '2') > 1;
  const counters = createCounters();
  const stats = createWorkerStats(index);

  const front = createWsHttpServer(WS_CLUSTER_SETTINGS, stats.query);
  const { wss } = front;
  const figures = serveContractOnLoop(wss, counters, broadcast);

  /** BROADCAST received here: own clients now, every other worker's through the primary (they count theirs). */
  function broadcast(message: Uint8Array): number {
    if (relayBroadcasts) sendToPrimary({ t: 'broadcast', data: message });
    return sendToOpenClients(wss.clients, message);
  }

  function ownCounters(): WorkerCounters {
    return { worker: index, pid: process.pid, ...counters, framingErrors: figures.framingErrors, rssBytes: process.memoryUsage.rss() };
  }

  process.on('message', (message: PrimaryToWorker) => {
    switch (message.t) {
      case 'relay':
        counters.broadcastDeliveries += sendToOpenClients(wss.clients, message.data);
        return;
      case 'counters-query':
        sendToPrimary({ t: 'counters', query: message.query, counters: ownCounters() });
        return;
      case 'stats-answer':
        stats.answer(message.id, message.workers, message.stale, message.primary);
        return;
      case 'shutdown':
        void shutdown();
        return;
    }
  });

  const stopStall = args.stall === null ? null : startStall(args.stall);
  listenShared(front.httpServer, args);

  let stopping: Promise<void> | null = null;
  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      const deadline = setTimeout(() => process.exit(ServerExitCode.STOPPED), WORKER_SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      stopStall?.();
      stats.stop();
      await closeWsFront(front);
      process.exit(ServerExitCode.STOPPED);
    })();
    return stopping;
  }
  // The launcher signals the whole process group, so workers see SIGTERM alongside the primary.
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // An IPC disconnect (the primary died) makes cluster exit this worker at once: no orphans.
}

/**
 * Every worker asks for the same host:port (0 included): cluster shares one listen socket, bound once by
 * the primary, so all workers end up on the same port. The primary announces readiness (it sees every
 * worker's 'listening'); a failure goes to the primary, which prints it and exits for all.
 */
function listenShared(httpServer: Server, args: ServerArgs): void {
  httpServer.once('error', (error: NodeJS.ErrnoException) => {
    // This worker follows the primary out when the IPC channel closes; without a primary it exits itself.
    if (!sendToPrimary({ t: 'listen-failed', message: listenErrorMessage(args.host, args.port, error) })) {
      process.exit(LISTEN_FAILED_EXIT_CODE);
    }
  });
  httpServer.listen({ host: args.host, port: args.port });
}
