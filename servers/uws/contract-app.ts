/**
 * The uWS App every uWS-based server mounts (uws on its one thread, uws-threads in each of its threads,
 * uws-procs in each of its processes):
 * the contract on every WebSocket path, GET /stats, 404 for the rest, and the shutdown close. Shared so
 * the models differ only in how many Apps run and where, never in what one App does.
 */
import type { HttpResponse, TemplatedApp, WebSocket } from '@trufflesuite/uws-js-unofficial';
import { STATS_PATH } from '../../protocol/wire.js';
import { closeGoingAway } from '../common/close-all.js';
import { type Counters, createCounters } from '../common/counters.js';
import { type Broadcast, type ContractPeer, handleBinary, rejectText } from '../common/handle.js';
import { BROADCAST_TOPIC, uwsBehaviorSettings } from './settings.js';

/** uWS.send() result when the message was dropped because the connection is over maxBackpressure. */
const SEND_DROPPED = 2;

/** Per-connection user data: the adapter the shared contract logic talks to, built once at open. */
export interface PeerData {
  peer: ContractPeer;
}

/** What one App's contract keeps: mutable, read by /stats and at shutdown. */
export interface UwsContractState {
  counters: Counters;
  /** Sends uWS dropped because a connection was over maxBackpressure (ECHO/WORK replies only; publish does not tell). */
  sendDrops: number;
  /** Open connections, kept for shutdown (uWS has no "all sockets" call). */
  sockets: Set<WebSocket<PeerData>>;
}

/**
 * Serves the contract on every path of app. afterEvent runs after each open, message and close (uws-threads
 * publishes its counters to shared memory there).
 */
export function mountContract(app: TemplatedApp, compressionDisabled: number, broadcast: Broadcast, afterEvent: () => void = () => {}): UwsContractState {
  const state: UwsContractState = { counters: createCounters(), sendDrops: 0, sockets: new Set() };
  const { counters, sockets } = state;
  app.ws<PeerData>('/*', {
    ...uwsBehaviorSettings(compressionDisabled),
    open: (socket) => {
      counters.openConnections++;
      sockets.add(socket);
      socket.subscribe(BROADCAST_TOPIC);
      socket.getUserData().peer = {
        send: (message) => {
          // isBinary must be explicit: uWS sends text frames by default.
          if (socket.send(message, true) === SEND_DROPPED) state.sendDrops++;
        },
        close: (code, reason) => socket.end(code, reason),
      };
      afterEvent();
    },
    message: (socket, message, isBinary) => {
      const { peer } = socket.getUserData();
      // message is neutered when this callback returns. handleBinary finishes synchronously and every
      // path copies what it keeps (send and publish copy into uWS buffers; the WORK reply is a new Buffer;
      // a relay's postMessage clones), so a view without a copy is safe.
      if (!isBinary) rejectText(peer, counters);
      else handleBinary(new Uint8Array(message), peer, broadcast, counters);
      afterEvent();
    },
    close: (socket) => {
      counters.openConnections--;
      sockets.delete(socket);
      afterEvent();
    },
  });
  return state;
}

/** GET /stats answered with statsBody() as JSON; any other HTTP request gets 404. */
export function mountStats(app: TemplatedApp, statsBody: () => unknown): void {
  mountStatsLater(app, (reply) => reply(statsBody()));
}

/**
 * GET /stats answered whenever ask calls reply (uws-procs asks its primary first, over IPC); any other
 * HTTP request gets 404. A client gone meanwhile is not written to (uWS forbids touching an aborted response).
 */
export function mountStatsLater(app: TemplatedApp, ask: (reply: (body: unknown) => void) => void): void {
  app.get(STATS_PATH, (response: HttpResponse) => {
    let aborted = false;
    response.onAborted(() => {
      aborted = true;
    });
    ask((body) => {
      if (aborted) return;
      // cork: one write for status, header and body, also when called outside uWS's own callback.
      response.cork(() => response.writeHeader('Content-Type', 'application/json').end(JSON.stringify(body)));
    });
  });
  app.any('/*', (response: HttpResponse) => {
    response.writeStatus('404 Not Found').end(`not found; this server answers WebSocket upgrades and GET ${STATS_PATH}\n`);
  });
}

/** Publishes to every connection of app; uWS gives no per-subscriber result, so deliveries = subscribers at publish time. */
export function publishToAll(app: TemplatedApp, message: Uint8Array): number {
  const subscribers = app.numSubscribers(BROADCAST_TOPIC);
  app.publish(BROADCAST_TOPIC, message, true);
  return subscribers;
}

/** Sends every open connection the shutdown close frame (1001). */
export function closeAllGoingAway(sockets: Set<WebSocket<PeerData>>): void {
  // end() runs the close handler at once, which deletes from the set: iterate a copy.
  for (const socket of [...sockets]) closeGoingAway(socket.getUserData().peer);
}
