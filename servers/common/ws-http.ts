/**
 * The front every `ws`-based server shares: node:http accepts connections and hands upgrades to a noServer
 * WebSocketServer. Shared so the ws models differ only in what they do with a message, never in how a
 * connection is accepted or what /stats and unknown paths answer.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';
import { STATS_PATH } from '../../protocol/wire.js';
import { ORIGIN_REFUSED, originAllowed } from './origin.js';

/** The ws settings this front applies; every ws server's settings object carries them. */
export interface WsFrontSettings {
  readonly perMessageDeflate: boolean;
  readonly maxPayloadBytes: number;
  readonly clientTracking: boolean;
  readonly tcpNoDelay: boolean;
}

/** Answers GET /stats. A function of the response, not of a body, because ws-cluster answers later (after IPC). */
export type StatsResponder = (response: ServerResponse) => void;

export interface WsFront {
  httpServer: Server;
  wss: WebSocketServer;
}

/**
 * Creates (does not listen) the http server and its WebSocketServer. TCP_NODELAY is set on each socket
 * before wss emits 'connection', so the server's own 'connection' handler sees it already applied.
 */
export function createWsHttpServer(settings: WsFrontSettings, serveStats: StatsResponder): WsFront {
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: settings.perMessageDeflate,
    maxPayload: settings.maxPayloadBytes,
    clientTracking: settings.clientTracking,
  });

  const httpServer = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0];
    if (request.method === 'GET' && path === STATS_PATH) {
      serveStats(response);
      return;
    }
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end(`not found; this server answers WebSocket upgrades and GET ${STATS_PATH}\n`);
  });
  httpServer.on('upgrade', (request, socket, head) => {
    if (!originAllowed(request.headers.origin)) {
      socket.end(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(ORIGIN_REFUSED)}\r\nConnection: close\r\n\r\n${ORIGIN_REFUSED}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (client) => {
      request.socket.setNoDelay(settings.tcpNoDelay);
      wss.emit('connection', client, request);
    });
  });
  return { httpServer, wss };
}

/** A StatsResponder for stats known at once: statsBody() is built per request. */
export function jsonStats(statsBody: () => unknown): StatsResponder {
  return (response) => sendJson(response, statsBody());
}

/** 200 with value as JSON and an exact Content-Length. */
export function sendJson(response: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/** BROADCAST fan-out: sends message to every client still OPEN (closing ones are skipped); returns how many. */
export function sendToOpenClients(clients: Iterable<WebSocket>, message: Uint8Array | ArrayBuffer): number {
  let deliveries = 0;
  for (const client of clients) {
    if (client.readyState !== WebSocket.OPEN) continue;
    client.send(message);
    deliveries++;
  }
  return deliveries;
}
