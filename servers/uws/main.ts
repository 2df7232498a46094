/**
 * uws: uWebSockets.js on one Node thread, loaded from its native binary (see native.ts). The same app
 * answers GET /stats, so stats are served by the loop they describe.
 */
import type { HttpResponse, TemplatedApp, WebSocket, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { STATS_PATH } from '../../protocol/wire.js';
import { parseServerArgsOrExit } from '../common/args.js';
import { createCounters } from '../common/counters.js';
import { handleBinary, rejectText, type ContractPeer } from '../common/handle.js';
import { exitListenFailed, portInUseMessage, probeListenError } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { NativeUwsUnavailableError, UWS_BINARY_ENV, loadNativeUws, uwsPackageVersion, type NativeUws } from './native.js';
import { BROADCAST_TOPIC, UWS_ARGS_POLICY, UWS_NAME, uwsBehaviorSettings, uwsKnobs } from './settings.js';

/** Close code for connections still open at shutdown (RFC 6455: going away). */
const GOING_AWAY = 1001;
/** uWS.send() result when the message was dropped because the connection is over maxBackpressure. */
const SEND_DROPPED = 2;

/** Per-connection user data: the adapter the shared contract logic talks to, built once at open. */
interface PeerData {
  peer: ContractPeer;
}

const args = parseServerArgsOrExit(UWS_NAME, process.argv.slice(2), UWS_ARGS_POLICY);
const uws = loadUwsOrExit();
const counters = createCounters();
const stats = createStatsRecorder(UWS_NAME);
/** Sends uWS dropped because a connection was over maxBackpressure (ECHO/WORK replies only; publish does not tell). */
let sendDrops = 0;
/** Open connections, kept for shutdown (uWS has no "all sockets" call). */
const sockets = new Set<WebSocket<PeerData>>();

const app: TemplatedApp = uws.App();

app.ws<PeerData>('/*', {
  ...uwsBehaviorSettings(uws.DISABLED),
  open: (socket) => {
    counters.openConnections++;
    sockets.add(socket);
    socket.subscribe(BROADCAST_TOPIC);
    socket.getUserData().peer = {
      send: (message) => {
        // isBinary must be explicit: uWS sends text frames by default.
        if (socket.send(message, true) === SEND_DROPPED) sendDrops++;
      },
      close: (code, reason) => socket.end(code, reason),
    };
  },
  message: (socket, message, isBinary) => {
    const { peer } = socket.getUserData();
    if (!isBinary) {
      rejectText(peer, counters);
      return;
    }
    // message is neutered when this callback returns. handleBinary finishes synchronously and every
    // path copies what it keeps (send and publish copy into uWS buffers; the WORK reply is a new Buffer),
    // so a view without a copy is safe.
    handleBinary(new Uint8Array(message), peer, broadcast, counters);
  },
  close: (socket) => {
    counters.openConnections--;
    sockets.delete(socket);
  },
});

app.get(STATS_PATH, (response: HttpResponse) => {
  const body = JSON.stringify(stats.snapshot(counters, { sendDrops }));
  response.writeHeader('Content-Type', 'application/json').end(body);
});

app.any('/*', (response: HttpResponse) => {
  response.writeStatus('404 Not Found').end(`not found; this server answers WebSocket upgrades and GET ${STATS_PATH}\n`);
});

/** Publishes to every connection; uWS gives no per-subscriber result, so deliveries = subscribers at publish time. */
function broadcast(message: Uint8Array): number {
  const subscribers = app.numSubscribers(BROADCAST_TOPIC);
  app.publish(BROADCAST_TOPIC, message, true);
  return subscribers;
}

const stopStall = args.stall === null ? null : startStall(args.stall);
let listenSocket: us_listen_socket | null = null;

// The typings lack both the (host, port, options, cb) overload and the LIBUS_LISTEN_EXCLUSIVE_PORT
// export that the binary has. Exclusive rules out SO_REUSEPORT, so a second server on a taken port
// fails instead of silently sharing it.
type ListenWithOptions = (host: string, port: number, options: number, cb: (socket: us_listen_socket | false) => void) => void;
const listenExclusive = app.listen.bind(app) as unknown as ListenWithOptions;
const { LIBUS_LISTEN_EXCLUSIVE_PORT } = uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number };
listenExclusive(args.host, args.port, LIBUS_LISTEN_EXCLUSIVE_PORT, (socket) => {
  if (socket === false) {
    void reportListenFailure();
    return;
  }
  listenSocket = socket;
  announceReady(UWS_NAME, args.host, uws.us_socket_local_port(socket), uwsKnobs(args, uwsPackageVersion()));
});

installShutdown(UWS_NAME, async () => {
  stopStall?.();
  stats.stop();
  if (listenSocket !== null) uws.us_listen_socket_close(listenSocket);
  listenSocket = null;
  // end() runs the close handler at once, which deletes from the set: iterate a copy.
  for (const socket of [...sockets]) socket.end(GOING_AWAY, 'server shutting down');
  // Let the close frames leave before the process exits.
  await new Promise((resolve) => setImmediate(resolve));
});

function loadUwsOrExit(): NativeUws {
  try {
    return loadNativeUws(process.env[UWS_BINARY_ENV] || undefined);
  } catch (error) {
    if (!(error instanceof NativeUwsUnavailableError)) throw error;
    process.stderr.write(`${UWS_NAME}: ${error.message}\n`);
    process.exit(1);
  }
}

/** uWS reports a failed listen as `false` with no errno; a Node probe on the same address finds the cause. */
async function reportListenFailure(): Promise<never> {
  const code = await probeListenError(args.host, args.port);
  if (code === 'EADDRINUSE') exitListenFailed(UWS_NAME, portInUseMessage(args.host, args.port));
  const probe = code === null ? 'a Node listen on the same address succeeds' : `a Node listen on the same address fails with ${code}`;
  exitListenFailed(UWS_NAME, `cannot listen on ${args.host}:${args.port} (uWS gives no reason; ${probe})`);
}
