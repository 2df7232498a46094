/**
 * A ws-cluster worker: one `ws` event loop exactly like ws-loop, listening on the port the primary shares
 * with every worker. BROADCAST and /stats reach the other workers through the primary (ipc.ts).
 */
import type { ServerResponse } from 'node:http';
import { WebSocket } from 'ws';
import type { ServerArgs } from '../common/args.js';
import { createCounters } from '../common/counters.js';
import { handleBinary, rejectText } from '../common/handle.js';
import { portInUseMessage } from '../common/listen-errors.js';
import { SHUTDOWN_GRACE_MS } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { createWsHttpServer, sendJson, sendToOpenClients } from '../common/ws-http.js';
import { sendToPrimary, type PrimaryFigures, type PrimaryToWorker, type WorkerCounters } from './ipc.js';
import { STARTED_AT_ENV, WORKER_COUNT_ENV, WORKER_INDEX_ENV, WS_CLUSTER_NAME, WS_CLUSTER_SETTINGS } from './settings.js';

/** Close code for connections still open at shutdown (RFC 6455: going away). */
const GOING_AWAY = 1001;
/** How long shutdown waits for clients to answer the close frame before dropping them. */
const CLOSE_HANDSHAKE_WAIT_MS = 1_000;

export function runWorker(args: ServerArgs): void {
  const index = Number(process.env[WORKER_INDEX_ENV] ?? '0');
  const startedAtMs = Number(process.env[STARTED_AT_ENV] ?? Date.now());
  const relayBroadcasts = Number(process.env[WORKER_COUNT_ENV] ?? '2') > 1;
  // The server's pid is the primary's: the launcher started it and /stats must name it.
  const serverPid = process.ppid;
  const counters = createCounters();
  const stats = createStatsRecorder(WS_CLUSTER_NAME);
  let framingErrors = 0;

  const { httpServer, wss } = createWsHttpServer(WS_CLUSTER_SETTINGS, queryStats);

  wss.on('connection', (client: WebSocket) => {
    counters.openConnections++;
    client.on('message', (data, isBinary) => {
      if (client.readyState !== WebSocket.OPEN) return;
      if (!isBinary) {
        rejectText(client, counters);
        return;
      }
      handleBinary(data as Buffer, client, broadcast, counters);
    });
    client.on('error', () => framingErrors++);
    client.on('close', () => counters.openConnections--);
  });

  /** BROADCAST received here: own clients now, every other worker's through the primary (they count theirs). */
  function broadcast(message: Uint8Array): number {
    if (relayBroadcasts) sendToPrimary({ t: 'broadcast', data: message });
    return sendToOpenClients(wss.clients, message);
  }

  function ownCounters(): WorkerCounters {
    return { worker: index, pid: process.pid, ...counters, framingErrors, rssBytes: process.memoryUsage.rss() };
  }

  let nextStatsId = 1;
  const statsWaiting = new Map<number, ServerResponse>();

  /** GET /stats covers every worker: the primary collects their counters and answerStats replies. */
  function queryStats(response: ServerResponse): void {
    const id = nextStatsId++;
    statsWaiting.set(id, response);
    response.once('close', () => statsWaiting.delete(id));
    if (!sendToPrimary({ t: 'stats-query', id }) && !process.connected) {
      statsWaiting.delete(id);
      response.writeHead(503, { 'Content-Type': 'text/plain' });
      response.end('server shutting down\n');
    }
  }

  function answerStats(id: number, workers: WorkerCounters[], stale: number, primary: PrimaryFigures): void {
    const response = statsWaiting.get(id);
    if (response === undefined) return;
    statsWaiting.delete(id);
    const total = createCounters();
    let totalFramingErrors = 0;
    for (const w of workers) {
      total.openConnections += w.openConnections;
      total.messagesHandled += w.messagesHandled;
      total.broadcastDeliveries += w.broadcastDeliveries;
      total.protocolCloses += w.protocolCloses;
      totalFramingErrors += w.framingErrors;
    }
    const snapshot = stats.snapshot(total, {
      framingErrors: totalFramingErrors,
      workers: workers.length,
      perWorker: workers,
      statsWorker: index,
      staleWorkers: stale,
      primary,
    });
    snapshot.pid = serverPid;
    snapshot.uptimeMs = Date.now() - startedAtMs;
    sendJson(response, snapshot);
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
        answerStats(message.id, message.workers, message.stale, message.primary);
        return;
      case 'shutdown':
        void shutdown();
        return;
    }
  });

  const stopStall = args.stall === null ? null : startStall(args.stall);

  httpServer.once('error', (error: NodeJS.ErrnoException) => {
    const message =
      error.code === 'EADDRINUSE'
        ? portInUseMessage(args.host, args.port)
        : `cannot listen on ${args.host}:${args.port}: ${error.code ?? ''} ${error.message}`;
    // The primary prints it and exits; this worker follows when the IPC channel closes.
    if (!sendToPrimary({ t: 'listen-failed', message })) process.exit(2);
  });
  // Every worker asks for the same host:port (0 included): cluster shares one listen socket, bound once
  // by the primary, so all workers end up on the same port.
  httpServer.listen({ host: args.host, port: args.port });

  let stopping: Promise<void> | null = null;
  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      const deadline = setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS - 200);
      deadline.unref();
      stopStall?.();
      stats.stop();
      httpServer.close();
      for (const client of wss.clients) client.close(GOING_AWAY, 'server shutting down');
      const deadlineMs = Date.now() + CLOSE_HANDSHAKE_WAIT_MS;
      while (wss.clients.size > 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
      for (const client of wss.clients) client.terminate();
      httpServer.closeAllConnections();
      process.exit(0);
    })();
    return stopping;
  }
  // The launcher signals the whole process group, so workers see SIGTERM alongside the primary.
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // An IPC disconnect (the primary died) makes cluster exit this worker at once: no orphans.
}
