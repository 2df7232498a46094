/**
 * long-poll: the HTTP baseline. The wsarena contract (ECHO, WORK, BROADCAST) over HTTP long polling on
 * a plain node:http server, one event loop, keep-alive on, TCP_NODELAY. A client opens a session,
 * POSTs contract messages to /send and receives replies by holding a GET /poll open; POST /echo is a
 * plain request/response echo. See docs/LONG-POLL.md and http-wire.ts.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { buildWorkReply, checkRequest, Op, readWorkIterations, readWorkSeed, SHUTDOWN_CLOSE_REASON, STATS_PATH, work } from '../../protocol/wire.js';
import { exitOnUsageError, parseServerArgs } from '../common/args.js';
import { createCounters } from '../common/counters.js';
import { MAX_PAYLOAD_BYTES } from '../common/limits.js';
import { listenAndAnnounce } from '../common/listen.js';
import { ORIGIN_REFUSED, originAllowed } from '../common/origin.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { ECHO_PATH, encodeFrames, POLL_END_HEADER, POLL_PATH, SEND_PATH, SESSION_PARAM, SESSION_PATH } from './http-wire.js';
import { type PollEnd, type PollSink, type Session, SessionStore } from './sessions.js';
import { LONG_POLL_ARGS_POLICY, LONG_POLL_NAME, LONG_POLL_SETTINGS, longPollKnobs, parseLongPollArgs } from './settings.js';

/** How long shutdown waits for keep-alive sockets to finish their last response before dropping them. */
const CLOSE_WAIT_MS = 500;

const { own, args } = exitOnUsageError(LONG_POLL_NAME, () => {
  const { rest, ...own } = parseLongPollArgs(process.argv.slice(2));
  return { own, args: parseServerArgs(rest, LONG_POLL_ARGS_POLICY) };
});
const counters = createCounters();
const stats = createStatsRecorder(LONG_POLL_NAME);
const store = new SessionStore(own.pollTimeoutMs, own.sessionTtlMs);
/** Request counts by kind, for /stats extra. */
const requests = { sends: 0, echoes: 0, polls: 0, rejected: 0 };

const httpServer = createServer({ noDelay: LONG_POLL_SETTINGS.tcpNoDelay }, serveHttp);
// 0 disables the idle keep-alive timer (Node's default closes idle sockets after 5 s).
httpServer.keepAliveTimeout = 0;
httpServer.on('connection', (socket: Socket) => socket.setNoDelay(LONG_POLL_SETTINGS.tcpNoDelay));

const sweeper = setInterval(() => store.sweep(), Math.max(50, Math.min(own.sessionTtlMs / 2, 5_000)));
sweeper.unref();

function serveHttp(request: IncomingMessage, response: ServerResponse): void {
  const url = request.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const sessionId = q < 0 ? null : new URLSearchParams(url.slice(q + 1)).get(SESSION_PARAM);
  const method = request.method ?? 'GET';
  // No upgrade here, but a page on any site can still POST to /echo: the same Origin rule, 403 before any work.
  if (!originAllowed(request.headers.origin)) {
    request.resume();
    return text(response, 403, ORIGIN_REFUSED.trimEnd());
  }

  switch (path) {
    case POLL_PATH:
      if (method !== 'GET') return methodNotAllowed(request, response, 'GET');
      return poll(sessionId, response);
    case SEND_PATH:
      if (method !== 'POST') return methodNotAllowed(request, response, 'POST');
      return send(sessionId, request, response);
    case ECHO_PATH:
      if (method !== 'POST') return methodNotAllowed(request, response, 'POST');
      return echo(request, response);
    case SESSION_PATH:
      if (method === 'POST') return openSession(request, response);
      if (method === 'DELETE') return closeSession(sessionId, request, response);
      return methodNotAllowed(request, response, 'POST, DELETE');
    case STATS_PATH:
      if (method !== 'GET') return methodNotAllowed(request, response, 'GET');
      return serveStats(response);
    default:
      request.resume();
      return text(response, 404, `not found; this server answers ${SESSION_PATH}, ${SEND_PATH}, ${POLL_PATH}, ${ECHO_PATH} and ${STATS_PATH}`);
  }
}

function openSession(request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  const session = store.open();
  counters.openConnections = store.size;
  json(response, 201, { session: session.id, pollTimeoutMs: own.pollTimeoutMs });
}

function closeSession(sessionId: string | null, request: IncomingMessage, response: ServerResponse): void {
  request.resume();
  const session = knownSession(sessionId, response);
  if (session === undefined) return;
  store.close(session, 'closed');
  counters.openConnections = store.size;
  noContent(response);
}

function poll(sessionId: string | null, response: ServerResponse): void {
  const session = knownSession(sessionId, response);
  if (session === undefined) return;
  requests.polls++;
  const sink: PollSink = {
    deliver(messages) {
      if (response.destroyed) return false;
      const body = encodeFrames(messages);
      response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
      response.end(body);
      return true;
    },
    end(why: PollEnd) {
      if (response.destroyed) return;
      if (why === 'closed') return text(response, 410, 'session closed', { [POLL_END_HEADER]: why });
      if (why === 'shutdown') return text(response, 503, SHUTDOWN_CLOSE_REASON, { [POLL_END_HEADER]: why, Connection: 'close' });
      response.writeHead(204, { [POLL_END_HEADER]: why });
      response.end();
    },
  };
  // A client that goes away while its poll hangs must not keep it registered (answered polls: no-op).
  response.once('close', () => store.abandonPoll(session, sink));
  store.poll(session, sink);
}

function send(sessionId: string | null, request: IncomingMessage, response: ServerResponse): void {
  if (knownSession(sessionId, response, request) === undefined) return;
  readBody(request, response, (message) => {
    // The session may have been closed or expired while the body arrived.
    const session = knownSession(sessionId, response);
    if (session === undefined) return;
    const violation = checkRequest(message);
    if (violation !== null) {
      // HTTP has no connection to close: the message is refused, the session carries on.
      counters.protocolCloses++;
      requests.rejected++;
      return text(response, 400, violation.reason, { 'X-Wsarena-Violation': String(violation.code) });
    }
    counters.messagesHandled++;
    requests.sends++;
    switch (message[0]) {
      case Op.ECHO:
        store.enqueue(session, message);
        break;
      case Op.WORK:
        store.enqueue(session, buildWorkReply(message, work(readWorkIterations(message), readWorkSeed(message))));
        break;
      case Op.BROADCAST:
        counters.broadcastDeliveries += store.broadcast(message);
        break;
    }
    noContent(response);
  });
}

function echo(request: IncomingMessage, response: ServerResponse): void {
  readBody(request, response, (body) => {
    counters.messagesHandled++;
    requests.echoes++;
    response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
    response.end(body);
  });
}

function serveStats(response: ServerResponse): void {
  counters.openConnections = store.size;
  const body = JSON.stringify(stats.snapshot(counters, { ...store.figures(), ...requests }));
  response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

/** The session named by ?session=, or undefined after answering 400 (no id) or 404 (unknown id). */
function knownSession(sessionId: string | null, response: ServerResponse, request?: IncomingMessage): Session | undefined {
  const session = store.touch(sessionId);
  if (session !== undefined) return session;
  request?.resume();
  if (sessionId === null || sessionId === '') text(response, 400, `missing ?${SESSION_PARAM}=<id>; open a session with POST ${SESSION_PATH}`);
  else text(response, 404, `unknown session "${sessionId.slice(0, 64)}" (never opened, closed, or expired)`);
  return undefined;
}

/** Collects a request body up to MAX_PAYLOAD_BYTES; larger gets 413 and the connection is closed. */
function readBody(request: IncomingMessage, response: ServerResponse, onBody: (body: Buffer) => void): void {
  const tooLarge = (): void => {
    requests.rejected++;
    text(response, 413, `body over the ${MAX_PAYLOAD_BYTES}-byte limit`, { Connection: 'close' });
  };
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_PAYLOAD_BYTES) {
    tooLarge();
    request.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let bytes = 0;
  let failed = false;
  request.on('data', (chunk: Buffer) => {
    if (failed) return;
    bytes += chunk.length;
    if (bytes > MAX_PAYLOAD_BYTES) {
      failed = true;
      chunks.length = 0;
      tooLarge();
      return;
    }
    chunks.push(chunk);
  });
  request.on('end', () => {
    if (!failed) onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes));
  });
}

function methodNotAllowed(request: IncomingMessage, response: ServerResponse, allow: string): void {
  request.resume();
  text(response, 405, `method ${request.method ?? ''} not allowed here; use ${allow}`, { Allow: allow });
}

function noContent(response: ServerResponse): void {
  response.writeHead(204);
  response.end();
}

function text(response: ServerResponse, status: number, message: string, headers: Record<string, string> = {}): void {
  const body = `${message}\n`;
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body), ...headers });
  response.end(body);
}

function json(response: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  response.end(body);
}

const stopStall = args.stall === null ? null : startStall(args.stall);

listenAndAnnounce(httpServer, LONG_POLL_NAME, args, longPollKnobs(args, own));

installShutdown(LONG_POLL_NAME, async () => {
  stopStall?.();
  stats.stop();
  clearInterval(sweeper);
  const closed = new Promise((resolve) => httpServer.close(resolve));
  // The HTTP counterpart of close code 1001: every hanging poll is answered 503 with Connection: close.
  store.closeAll('shutdown');
  httpServer.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
  httpServer.closeAllConnections();
});
