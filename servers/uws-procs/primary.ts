/**
 * The uws-procs primary: forks the children, puts them all on one port (uws/shared-port.ts), announces
 * readiness once every one listens, relays BROADCASTs between them, gathers counters for /stats, and shuts
 * them down. It serves no connection itself: the kernel hands each connection to one child's listen socket.
 */
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { ServerArgs } from '../common/args.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { exitListenFailed, LISTEN_FAILED_EXIT_CODE } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown, stopThenExit } from '../common/shutdown.js';
import { createStatsGatherer } from '../common/stats-gather.js';
import { uwsPackageVersion } from '../uws/native.js';
import { openSharedPort } from '../uws/shared-port.js';
import { type ChildHandle, forkChildren, sendToChild } from './children.js';
import type { ChildToPrimary, ProcessCounters } from './ipc.js';
import { STATS_QUERY_TIMEOUT_MS, UWS_PROCS_NAME, uwsProcsKnobs } from './settings.js';

export function runPrimary(args: ServerArgs): void {
  const count = args.threads ?? availableParallelism();
  // Children run this same entry; the binary override (tests) reaches them through the inherited environment.
  const children = forkChildren(fileURLToPath(new URL('./main.js', import.meta.url)), process.argv.slice(2), count, Date.now());
  const gatherer = createStatsGatherer<ProcessCounters, ChildHandle>(children, {
    timeoutMs: STATS_QUERY_TIMEOUT_MS,
    connected: (handle) => handle.child.connected,
    askCounters: (handle, query) => sendToChild(handle, { t: 'counters-query', query }),
    answer: (asker, id, processes, stale, primary) => sendToChild(asker, { t: 'stats-answer', id, processes, stale, primary }),
  });
  /** Per child, who waits for its next lifecycle message (started, listening, listen-failed). */
  const waiters = new Map<number, (message: ChildToPrimary) => void>();
  let stopping = false;
  let ready = false;

  /** Asks every child to close (1001 to its clients) and resolves once all have exited. */
  const stopChildren = async (): Promise<void> => {
    stopping = true;
    for (const handle of children) sendToChild(handle, { t: 'shutdown' });
    await Promise.all(children.map((handle) => handle.exited));
  };

  /** A child died or cannot serve: a server short of a process is not the configured model, so stop all. */
  const fail = (reason: string): void => {
    if (stopping) return;
    process.stderr.write(`${UWS_PROCS_NAME}: ${reason}; stopping the server\n`);
    void stopThenExit(stopChildren, ServerExitCode.FAILED);
  };

  for (const handle of children) {
    handle.child.on('message', (message: ChildToPrimary) => {
      switch (message.t) {
        case 'broadcast':
          for (const other of children) if (other !== handle) sendToChild(other, { t: 'relay', data: message.data });
          return;
        case 'stats-query':
          gatherer.query(handle, message.id);
          return;
        case 'counters':
          gatherer.counters(handle, message.query, message.counters);
          return;
        case 'failed':
          fail(message.message);
          return;
        default:
          waiters.get(handle.index)?.(message);
      }
    });
    void handle.exited.then(({ code, signal }) => {
      const how = signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
      fail(`process ${handle.index} (pid ${handle.pid}) ${how}${ready ? '' : ' before it was listening'}`);
    });
  }

  /** Resolves with handle's next lifecycle message of one of these kinds. */
  const next = (handle: ChildHandle, kinds: readonly ChildToPrimary['t'][]): Promise<ChildToPrimary> =>
    new Promise((resolve) =>
      waiters.set(handle.index, (message) => {
        if (!kinds.includes(message.t)) return;
        waiters.delete(handle.index);
        resolve(message);
      }),
    );

  /** Tells one child to listen; true when it listens on exactly that port. */
  const listenOn = async (handle: ChildHandle, port: number): Promise<boolean> => {
    const answer = next(handle, ['listening', 'listen-failed']);
    sendToChild(handle, { t: 'listen', port });
    const message = await answer;
    return message.t === 'listening' && message.port === port;
  };

  const start = async (): Promise<void> => {
    await Promise.all(children.map((handle) => next(handle, ['started'])));
    const opened = await openSharedPort(args.host, args.port, {
      unit: 'processes',
      size: count,
      listenAll: async (port) => (await Promise.all(children.map((handle) => listenOn(handle, port)))).filter((ok) => !ok).length,
      owners: () => children.map((handle) => handle.pid),
    });
    if (stopping) return;
    if (!opened.ok) {
      stopping = true;
      await stopThenExit(async () => {
        await stopChildren();
        exitListenFailed(UWS_PROCS_NAME, opened.message);
      }, LISTEN_FAILED_EXIT_CODE);
      return;
    }
    ready = true;
    announceReady(UWS_PROCS_NAME, args.host, opened.port, uwsProcsKnobs(args, count, uwsPackageVersion()));
  };

  installShutdown(UWS_PROCS_NAME, stopChildren);
  void start();
}
