/**
 * One uws-threads serving thread: its own uWS App (configured as the single-threaded uws server), listening
 * on the shared port with SO_REUSEPORT. Counters go to this thread's SharedArrayBuffer slot; BROADCASTs
 * are published here and relayed to the other threads over a BroadcastChannel.
 *
 * A worker thread that ends with a uWS listen socket (or App socket) still open aborts the whole process,
 * so every way out of this thread closes them first.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { waitForClosed } from '../common/close-all.js';
import { sumCounters } from '../common/counters.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { closeAllGoingAway, mountContract, mountStats, publishToAll, type UwsContractState } from '../uws/contract-app.js';
import { LISTEN_SHARED_PORT, listenWithOptions } from '../uws/listen.js';
import { loadNativeUws, type NativeUws, NativeUwsUnavailableError } from '../uws/native.js';
import type { MainToThread, ThreadData, ThreadToMain } from './messages.js';
import { BROADCAST_CHANNEL_NAME, UWS_THREADS_NAME } from './settings.js';
import { CounterSlots } from './shared.js';

const port = parentPort!;
const data = workerData as ThreadData;
const toMain = (message: ThreadToMain): void => port.postMessage(message);

let loaded: NativeUws | null = null;
try {
  loaded = loadNativeUws(data.binaryPath ?? undefined);
} catch (error) {
  const message = error instanceof NativeUwsUnavailableError ? error.message : String(error);
  toMain({ t: 'failed', message: `thread ${data.index}: ${message}` });
  port.close();
}
if (loaded !== null) serve(loaded);

function serve(uws: NativeUws): void {
  const slots = new CounterSlots(data.shared);
  const stats = createStatsRecorder(UWS_THREADS_NAME);
  const channel = new BroadcastChannel(BROADCAST_CHANNEL_NAME);
  const app: TemplatedApp = uws.App();

  /** BROADCAST received here: every other thread publishes it in its App (and counts its deliveries). */
  const broadcast = (message: Uint8Array): number => {
    // postMessage clones now, before uWS reclaims message's memory.
    channel.postMessage(message);
    return publishToAll(app, message);
  };
  const contract = mountContract(app, uws.DISABLED, broadcast, () => publish());
  const publish = (): void => slots.publish(data.index, contract.counters, contract.sendDrops);
  mountStats(app, () => {
    const perThread = slots.readAll();
    const sendDrops = perThread.reduce((sum, thread) => sum + thread.sendDrops, 0);
    return stats.snapshot(sumCounters(perThread), { sendDrops, threads: perThread.length, perThread, statsThread: data.index });
  });

  channel.onmessage = (event: unknown) => {
    contract.counters.broadcastDeliveries += publishToAll(app, (event as { data: Uint8Array }).data);
    publish();
  };

  const stopStall = data.stall === null ? null : startStall(data.stall);
  obeyMain(uws, app, contract.sockets, {
    stopTimers: () => {
      stopStall?.();
      stats.stop();
    },
    closeChannel: () => channel.close(),
  });
}

/**
 * The thread's life after setup: listen and close as main asks, and end on an uncaught error. Every way
 * out closes the uWS sockets first (an open one would abort the process).
 */
function obeyMain(uws: NativeUws, app: TemplatedApp, sockets: UwsContractState['sockets'], release: { stopTimers(): void; closeChannel(): void }): void {
  let listenSocket: us_listen_socket | null = null;

  port.on('message', (message: MainToThread) => {
    switch (message.t) {
      case 'listen':
        listenWithOptions(app, data.host, message.port, LISTEN_SHARED_PORT, (socket) => {
          if (socket === false) {
            toMain({ t: 'listen-failed' });
            return;
          }
          listenSocket = socket;
          toMain({ t: 'listening', port: uws.us_socket_local_port(socket) });
        });
        return;
      case 'close':
        void close();
        return;
    }
  });

  let closing: Promise<void> | null = null;
  /** Closes the listen socket and every connection, tells main, and lets the thread end. */
  function close(): Promise<void> {
    closing ??= (async () => {
      release.stopTimers();
      closeListenSocket();
      closeAllGoingAway(sockets);
      await waitForClosed(() => sockets.size);
      closeEverything();
      toMain({ t: 'closed' });
      port.close();
    })();
    return closing;
  }

  function closeListenSocket(): void {
    if (listenSocket !== null) uws.us_listen_socket_close(listenSocket);
    listenSocket = null;
  }

  /** Whatever is left (clients that did not answer the close frame, HTTP keep-alive sockets): closed now. */
  function closeEverything(): void {
    closeListenSocket();
    // The binary has App.close() (every socket of this App, listen sockets included); the typings lack it.
    (app as unknown as { close(): void }).close();
    release.closeChannel();
  }

  // An uncaught error would end this thread with its sockets open, which aborts the process: close them
  // first, report, and end only this thread (main then stops the server with an error).
  process.on('uncaughtException', (error) => {
    release.stopTimers();
    try {
      closeEverything();
    } catch {
      // already closed
    }
    toMain({ t: 'failed', message: `thread ${data.index}: uncaught ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    port.close();
  });
}
