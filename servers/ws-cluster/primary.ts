/**
 * The ws-cluster primary: forks the workers, announces readiness once every one of them listens,
 * relays BROADCASTs between workers, gathers counters for /stats, and shuts the workers down.
 * It serves no WebSocket itself; with round-robin scheduling it accepts connections and hands them over.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { ServerArgs } from '../common/args.js';
import { LISTEN_FAILED_EXIT_CODE, exitListenFailed } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown } from '../common/shutdown.js';
import type { PrimaryFigures, PrimaryToWorker, WorkerCounters, WorkerToPrimary } from './ipc.js';
import {
  STARTED_AT_ENV,
  STATS_QUERY_TIMEOUT_MS,
  WORKER_COUNT_ENV,
  WORKER_INDEX_ENV,
  WS_CLUSTER_NAME,
  applySchedulingPolicy,
  wsClusterKnobs,
} from './settings.js';

/** Exit code when a worker dies on its own: the server no longer is what its knobs say. */
const WORKER_DIED_EXIT_CODE = 1;

interface Slot {
  index: number;
  worker: Worker;
  exited: Promise<void>;
  /** Last counters this worker reported (zero until it first answers). */
  latest: WorkerCounters;
}

/** A /stats request waiting for every worker's counters. */
interface PendingQuery {
  asker: Slot;
  id: number;
  missing: Set<number>;
  timer: NodeJS.Timeout;
}

export function runPrimary(args: ServerArgs): void {
  const workers = args.threads ?? availableParallelism();
  const schedulingPolicy = applySchedulingPolicy();
  const startedAtMs = Date.now();
  cluster.setupPrimary({
    serialization: 'advanced',
    // Workers must not read the launcher's stdin lifeline (the primary owns it); stdout/stderr are shared.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });

  let ready = false;
  let stopping = false;
  let listening = 0;
  let port: number | null = null;
  let nextQuery = 1;
  const pending = new Map<number, PendingQuery>();

  const slots: Slot[] = Array.from({ length: workers }, (_, index) => {
    const worker = cluster.fork({
      [WORKER_INDEX_ENV]: String(index),
      [WORKER_COUNT_ENV]: String(workers),
      [STARTED_AT_ENV]: String(startedAtMs),
    });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const latest: WorkerCounters = {
      worker: index,
      pid: worker.process.pid ?? 0,
      openConnections: 0,
      messagesHandled: 0,
      broadcastDeliveries: 0,
      protocolCloses: 0,
      framingErrors: 0,
      rssBytes: 0,
    };
    return { index, worker, exited, latest };
  });

  const send = (slot: Slot, message: PrimaryToWorker): void => {
    if (slot.worker.isConnected()) slot.worker.send(message);
  };

  let previousElu = performance.eventLoopUtilization();
  const primaryFigures = (): PrimaryFigures => {
    const elu = performance.eventLoopUtilization(previousElu);
    previousElu = performance.eventLoopUtilization();
    return { pid: process.pid, eventLoopUtilization: elu.utilization, rssBytes: process.memoryUsage.rss() };
  };

  const answer = (query: number): void => {
    const entry = pending.get(query);
    if (entry === undefined) return;
    pending.delete(query);
    clearTimeout(entry.timer);
    send(entry.asker, {
      t: 'stats-answer',
      id: entry.id,
      workers: slots.map((slot) => slot.latest),
      stale: entry.missing.size,
      primary: primaryFigures(),
    });
  };

  for (const slot of slots) {
    slot.worker.on('listening', (address) => {
      if (port !== null && address.port !== port) {
        die(`worker ${slot.index} listens on port ${address.port}, the others on ${port}`, WORKER_DIED_EXIT_CODE);
        return;
      }
      port = address.port;
      listening++;
      if (listening === workers && !ready) {
        ready = true;
        announceReady(WS_CLUSTER_NAME, args.host, port, wsClusterKnobs(args, workers, schedulingPolicy));
      }
    });

    slot.worker.on('message', (message: WorkerToPrimary) => {
      switch (message.t) {
        case 'broadcast':
          for (const other of slots) if (other !== slot) send(other, { t: 'relay', data: message.data });
          return;
        case 'stats-query': {
          const query = nextQuery++;
          const missing = new Set(slots.filter((s) => s.worker.isConnected()).map((s) => s.index));
          const timer = setTimeout(() => answer(query), STATS_QUERY_TIMEOUT_MS);
          pending.set(query, { asker: slot, id: message.id, missing, timer });
          for (const s of slots) send(s, { t: 'counters-query', query });
          if (missing.size === 0) answer(query);
          return;
        }
        case 'counters': {
          slot.latest = message.counters;
          const entry = pending.get(message.query);
          if (entry === undefined) return;
          entry.missing.delete(slot.index);
          if (entry.missing.size === 0) answer(message.query);
          return;
        }
        case 'listen-failed':
          // Every worker asks for the same address, so the first failure speaks for all of them.
          if (!ready) exitListenFailed(WS_CLUSTER_NAME, message.message);
          return;
      }
    });

    slot.worker.once('exit', (code, signal) => {
      if (stopping) return;
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      const when = ready ? '' : ' before it was listening';
      die(`worker ${slot.index} (pid ${slot.latest.pid}) ${how}${when}`, code === LISTEN_FAILED_EXIT_CODE && !ready ? LISTEN_FAILED_EXIT_CODE : WORKER_DIED_EXIT_CODE);
    });
  }

  /** Stops every worker gracefully; resolves once all have exited. */
  const stopWorkers = async (): Promise<void> => {
    stopping = true;
    for (const slot of slots) send(slot, { t: 'shutdown' });
    await Promise.all(slots.map((slot) => slot.exited));
  };

  /** A worker died or misbehaved: a cluster short of a worker is not the configured model, so stop all. */
  function die(reason: string, exitCode: number): void {
    if (stopping) return;
    process.stderr.write(`${WS_CLUSTER_NAME}: ${reason}; stopping the server\n`);
    const forceExit = setTimeout(() => process.exit(exitCode), 2_000);
    forceExit.unref();
    void stopWorkers().then(() => process.exit(exitCode));
  }

  installShutdown(WS_CLUSTER_NAME, stopWorkers);
}
