/**
 * A uws-procs child: one uWS App, configured as the single-threaded uws server, listening on the port the
 * primary chose with SO_REUSEPORT. BROADCASTs are published here and relayed to the other children through
 * the primary; /stats asks the primary for every child's counters (child-stats.ts).
 */
import type { us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import type { ServerArgs } from '../common/args.js';
import { waitForClosed } from '../common/close-all.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { SHUTDOWN_GRACE_MS } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { closeAllGoingAway, mountContract, mountStatsLater, publishToAll } from '../uws/contract-app.js';
import { LISTEN_SHARED_PORT, listenWithOptions } from '../uws/listen.js';
import { loadNativeUws, type NativeUws, NativeUwsUnavailableError, UWS_BINARY_ENV } from '../uws/native.js';
import { createChildStats } from './child-stats.js';
import { type ChildToPrimary, type PrimaryToChild, type ProcessCounters, sendToPrimary } from './ipc.js';
import { CHILD_COUNT_ENV, CHILD_INDEX_ENV } from './settings.js';

/** The child's own deadline: inside the primary's SHUTDOWN_GRACE_MS, so the primary sees it exit before giving up. */
const CHILD_SHUTDOWN_DEADLINE_MS = SHUTDOWN_GRACE_MS - 200;

export function runChild(args: ServerArgs): void {
  const index = Number(process.env[CHILD_INDEX_ENV] ?? '0');
  const uws = loadOrReport(index);
  if (uws !== null) serve(args, index, uws);
}

function serve(args: ServerArgs, index: number, uws: NativeUws): void {
  const app = uws.App();
  // A lone child has nobody to relay BROADCASTs to.
  const relay = Number(process.env[CHILD_COUNT_ENV] ?? '2') > 1;
  const broadcast = (message: Uint8Array): number => {
    // process.send serializes now, before uWS reclaims message's memory.
    if (relay) sendToPrimary({ t: 'broadcast', data: message });
    return publishToAll(app, message);
  };
  const contract = mountContract(app, uws.DISABLED, broadcast);
  const stats = createChildStats(index);
  mountStatsLater(app, stats.ask);
  const ownCounters = (): ProcessCounters => ({
    process: index,
    pid: process.pid,
    ...contract.counters,
    sendDrops: contract.sendDrops,
    rssBytes: process.memoryUsage.rss(),
  });

  let listenSocket: us_listen_socket | null = null;
  process.on('message', (message: PrimaryToChild) => {
    switch (message.t) {
      case 'listen':
        listenWithOptions(app, args.host, message.port, LISTEN_SHARED_PORT, (socket) => {
          if (socket !== false) listenSocket = socket;
          sendToPrimary(socket === false ? { t: 'listen-failed' } : { t: 'listening', port: uws.us_socket_local_port(socket) });
        });
        return;
      case 'relay':
        contract.counters.broadcastDeliveries += publishToAll(app, message.data);
        return;
      case 'counters-query':
        sendToPrimary({ t: 'counters', query: message.query, counters: ownCounters() });
        return;
      case 'stats-answer':
        stats.answer(message.id, message.processes, message.stale, message.primary);
        return;
      case 'shutdown':
        void shutdown();
        return;
    }
  });

  const stopStall = args.stall === null ? null : startStall(args.stall);
  let stopping: Promise<void> | null = null;
  /** No new connections, 1001 to every client, a moment for their close frames, then exit 0. */
  function shutdown(): Promise<void> {
    stopping ??= (async () => {
      setTimeout(() => process.exit(ServerExitCode.STOPPED), CHILD_SHUTDOWN_DEADLINE_MS).unref();
      stopStall?.();
      stats.stop();
      if (listenSocket !== null) uws.us_listen_socket_close(listenSocket);
      listenSocket = null;
      closeAllGoingAway(contract.sockets);
      await waitForClosed(() => contract.sockets.size);
      process.exit(ServerExitCode.STOPPED);
    })();
    return stopping;
  }
  // The launcher signals the whole process group, so children see SIGTERM alongside the primary.
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  // The primary died (its IPC channel closed): no orphan may keep the port.
  process.on('disconnect', () => process.exit(ServerExitCode.FAILED));
  sendToPrimary({ t: 'started' });
}

/** The native uWS module, or null when it cannot load: the primary is told why and this child exits FAILED (never a JS fallback). */
function loadOrReport(index: number): NativeUws | null {
  try {
    return loadNativeUws(process.env[UWS_BINARY_ENV] || undefined);
  } catch (error) {
    const reason = error instanceof NativeUwsUnavailableError ? error.message : String(error);
    const exit = (): never => process.exit(ServerExitCode.FAILED);
    // Exit once the message is out: process.send is asynchronous.
    if (process.send === undefined || !process.send({ t: 'failed', message: `process ${index}: ${reason}` } satisfies ChildToPrimary, exit)) exit();
    return null;
  }
}
