/**
 * The ws-cluster primary: forks the workers, announces readiness once every one of them listens,
 * relays BROADCASTs between workers, gathers counters for /stats, and shuts the workers down.
 * It serves no WebSocket itself; with round-robin scheduling it accepts connections and hands them over.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { ServerArgs } from '../common/args.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { exitListenFailed, LISTEN_FAILED_EXIT_CODE } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown, stopThenExit } from '../common/shutdown.js';
import type { WorkerToPrimary } from './ipc.js';
import { createStatsGatherer } from './primary-stats.js';
import { applySchedulingPolicy, WS_CLUSTER_NAME, wsClusterKnobs } from './settings.js';
import { forkWorkers, type Slot, sendToWorker } from './slots.js';

export function runPrimary(args: ServerArgs): void {
  const workers = args.threads ?? availableParallelism();
  const schedulingPolicy = applySchedulingPolicy();
  cluster.setupPrimary({
    serialization: 'advanced',
    // Workers must not read the launcher's stdin lifeline (the primary owns it); stdout/stderr are shared.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const slots = forkWorkers(workers, Date.now());
  const gatherer = createStatsGatherer(slots);

  let ready = false;
  let stopping = false;
  let listening = 0;
  let port: number | null = null;

  /** Stops every worker gracefully; resolves once all have exited. */
  const stopWorkers = async (): Promise<void> => {
    stopping = true;
    for (const slot of slots) sendToWorker(slot, { t: 'shutdown' });
    await Promise.all(slots.map((slot) => slot.exited));
  };

  /** A worker died or misbehaved: a cluster short of a worker is not the configured model, so stop all. */
  const die = (reason: string, exitCode: ServerExitCode): void => {
    if (stopping) return;
    process.stderr.write(`${WS_CLUSTER_NAME}: ${reason}; stopping the server\n`);
    void stopThenExit(stopWorkers, exitCode);
  };

  const onListening = (slot: Slot, workerPort: number): void => {
    if (port !== null && workerPort !== port) {
      die(`worker ${slot.index} listens on port ${workerPort}, the others on ${port}`, ServerExitCode.FAILED);
      return;
    }
    port = workerPort;
    listening++;
    if (listening === workers && !ready) {
      ready = true;
      announceReady(WS_CLUSTER_NAME, args.host, port, wsClusterKnobs(args, workers, schedulingPolicy));
    }
  };

  const onMessage = (slot: Slot, message: WorkerToPrimary): void => {
    switch (message.t) {
      case 'broadcast':
        for (const other of slots) if (other !== slot) sendToWorker(other, { t: 'relay', data: message.data });
        return;
      case 'stats-query':
        gatherer.query(slot, message.id);
        return;
      case 'counters':
        gatherer.counters(slot, message.query, message.counters);
        return;
      case 'listen-failed':
        // Every worker asks for the same address, so the first failure speaks for all of them.
        if (!ready) exitListenFailed(WS_CLUSTER_NAME, message.message);
        return;
    }
  };

  const onExit = (slot: Slot, code: number | null, signal: string | null): void => {
    if (stopping) return;
    const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const when = ready ? '' : ' before it was listening';
    // A worker that could not listen exits LISTEN_FAILED_EXIT_CODE: pass the cause on, not "a worker died".
    const exitCode = code === LISTEN_FAILED_EXIT_CODE && !ready ? LISTEN_FAILED_EXIT_CODE : ServerExitCode.FAILED;
    die(`worker ${slot.index} (pid ${slot.latest.pid}) ${how}${when}`, exitCode);
  };

  for (const slot of slots) {
    slot.worker.on('listening', (address) => onListening(slot, address.port));
    slot.worker.on('message', (message: WorkerToPrimary) => onMessage(slot, message));
    slot.worker.once('exit', (code, signal) => onExit(slot, code, signal));
  }

  installShutdown(WS_CLUSTER_NAME, stopWorkers);
}
