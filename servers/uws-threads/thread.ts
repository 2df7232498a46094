/**
 * One uws-threads serving thread: its own uWS App (configured as the single-threaded uws server), listening
 * on the shared port with SO_REUSEPORT. Counters go to this thread's SharedArrayBuffer slot; BROADCASTs
 * are published here and relayed to the other threads over a BroadcastChannel.
 *
 * A worker thread that ends with a uWS listen socket (or App socket) still open aborts the whole process,
 * so every way out of this thread closes them first.
 */
import { BroadcastChannel, parentPort, workerData } from 'node:worker_threads';
import type { HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { STATS_PATH } from '../../protocol/wire.js';
import { createCounters } from '../common/counters.js';
import { handleBinary, rejectText, type ContractPeer } from '../common/handle.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { NativeUwsUnavailableError, loadNativeUws, type NativeUws } from '../uws/native.js';
import { BROADCAST_TOPIC, uwsBehaviorSettings } from '../uws/settings.js';
import type { MainToThread, ThreadData, ThreadToMain } from './messages.js';
import { BROADCAST_CHANNEL_NAME, UWS_THREADS_NAME } from './settings.js';
import { CounterSlots } from './shared.js';

const GOING_AWAY = 1001;
/** uWS.send() result when the message was dropped because the connection is over maxBackpressure. */
const SEND_DROPPED = 2;
/** How long close waits for clients to answer the close frame before closing what is left. */
const CLOSE_HANDSHAKE_WAIT_MS = 1_000;
/** Binary listen option 0: SO_REUSEPORT on (LIBUS_LISTEN_EXCLUSIVE_PORT would turn it off). */
const LISTEN_SHARED_PORT = 0;

interface PeerData {
  peer: ContractPeer;
}

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
  const counters = createCounters();
  let sendDrops = 0;
  const slots = new CounterSlots(data.shared);
  const publish = (): void => slots.publish(data.index, counters, sendDrops);
  const stats = createStatsRecorder(UWS_THREADS_NAME);
  const sockets = new Set<WebSocket<PeerData>>();
  const channel = new BroadcastChannel(BROADCAST_CHANNEL_NAME);

  const app: TemplatedApp = uws.App();

  app.ws<PeerData>('/*', {
    ...uwsBehaviorSettings(uws.DISABLED),
    open: (socket) => {
      counters.openConnections++;
      sockets.add(socket);
      socket.subscribe(BROADCAST_TOPIC);
      socket.getUserData().peer = {
        send: (message) => {
          if (socket.send(message, true) === SEND_DROPPED) sendDrops++;
        },
        close: (code, reason) => socket.end(code, reason),
      };
      publish();
    },
    message: (socket, message, isBinary) => {
      const { peer } = socket.getUserData();
      if (!isBinary) rejectText(peer, counters);
      // As in uws: handleBinary is synchronous and copies what it keeps (the relay's postMessage clones).
      else handleBinary(new Uint8Array(message), peer, broadcast, counters);
      publish();
    },
    close: (socket) => {
      counters.openConnections--;
      sockets.delete(socket);
      publish();
    },
  });

  app.get(STATS_PATH, (response: HttpResponse) => {
    const perThread = slots.readAll();
    const total = createCounters();
    let totalSendDrops = 0;
    for (const thread of perThread) {
      total.openConnections += thread.openConnections;
      total.messagesHandled += thread.messagesHandled;
      total.broadcastDeliveries += thread.broadcastDeliveries;
      total.protocolCloses += thread.protocolCloses;
      totalSendDrops += thread.sendDrops;
    }
    const body = JSON.stringify(
      stats.snapshot(total, { sendDrops: totalSendDrops, threads: perThread.length, perThread, statsThread: data.index }),
    );
    response.writeHeader('Content-Type', 'application/json').end(body);
  });

  app.any('/*', (response: HttpResponse) => {
    response.writeStatus('404 Not Found').end(`not found; this server answers WebSocket upgrades and GET ${STATS_PATH}\n`);
  });

  /** Publishes to this thread's connections; deliveries = subscribers at publish time (as in uws). */
  function publishLocal(message: Uint8Array): number {
    const subscribers = app.numSubscribers(BROADCAST_TOPIC);
    app.publish(BROADCAST_TOPIC, message, true);
    return subscribers;
  }

  /** BROADCAST received here: every other thread publishes it in its App (and counts its deliveries). */
  function broadcast(message: Uint8Array): number {
    // postMessage clones now, before uWS reclaims message's memory.
    channel.postMessage(message);
    return publishLocal(message);
  }

  channel.onmessage = (event: unknown) => {
    counters.broadcastDeliveries += publishLocal((event as { data: Uint8Array }).data);
    publish();
  };

  const stopStall = data.stall === null ? null : startStall(data.stall);
  let listenSocket: us_listen_socket | null = null;

  type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
  const listenWithOptions = app.listen.bind(app) as unknown as ListenWithOptions;

  port.on('message', (message: MainToThread) => {
    switch (message.t) {
      case 'listen':
        listenWithOptions(data.host, message.port, LISTEN_SHARED_PORT, (socket) => {
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
      stopStall?.();
      stats.stop();
      closeListenSocket();
      for (const socket of [...sockets]) socket.end(GOING_AWAY, 'server shutting down');
      const deadlineMs = Date.now() + CLOSE_HANDSHAKE_WAIT_MS;
      while (sockets.size > 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
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
    channel.close();
  }

  // An uncaught error would end this thread with its sockets open, which aborts the process: close them
  // first, report, and end only this thread (main then stops the server with an error).
  process.on('uncaughtException', (error) => {
    stopStall?.();
    stats.stop();
    try {
      closeEverything();
    } catch {
      // already closed
    }
    toMain({ t: 'failed', message: `thread ${data.index}: uncaught ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    port.close();
  });
}
