/**
 * ws-loop: the `ws` package on one Node event loop. node:http accepts connections, hands upgrades to a
 * noServer WebSocketServer, and answers GET /stats itself, so stats share the loop they describe.
 */
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { parseServerArgsOrExit } from '../common/args.js';
import { createCounters } from '../common/counters.js';
import { handleBinary, rejectText } from '../common/handle.js';
import { exitListenFailed, portInUseMessage } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { createWsHttpServer, jsonStats, sendToOpenClients } from '../common/ws-http.js';
import { WS_LOOP_ARGS_POLICY, WS_LOOP_NAME, WS_LOOP_SETTINGS, wsLoopKnobs } from './settings.js';

/** Close code for connections still open at shutdown (RFC 6455: going away). */
const GOING_AWAY = 1001;
/** How long shutdown waits for clients to answer the close frame before dropping them. */
const CLOSE_HANDSHAKE_WAIT_MS = 1_000;

const { dropEvery, rest } = takeDropEvery(process.argv.slice(2));
const args = parseServerArgsOrExit(WS_LOOP_NAME, rest, WS_LOOP_ARGS_POLICY);
/** Binary messages received; with --drop-every N, every Nth goes unanswered. */
let receivedBinary = 0;
const counters = createCounters();
const stats = createStatsRecorder(WS_LOOP_NAME);
/** Frames ws's parser rejected (bad opcode, oversize, …): ws closes those itself with 1002/1009. */
let framingErrors = 0;

const { httpServer, wss } = createWsHttpServer(
  WS_LOOP_SETTINGS,
  jsonStats(() => stats.snapshot(counters, { framingErrors })),
);

wss.on('connection', (client: WebSocket) => {
  counters.openConnections++;
  client.on('message', (data, isBinary) => {
    // Messages can still arrive after we sent a close frame; the contract only answers open connections.
    if (client.readyState !== WebSocket.OPEN) return;
    if (!isBinary) {
      rejectText(client, counters);
      return;
    }
    // Test mode (soak): lose a reply now and then, as a server past its backpressure limit does.
    if (dropEvery !== null && ++receivedBinary % dropEvery === 0) return;
    // binaryType is the default 'nodebuffer', so data is always one Buffer (fragments already joined).
    handleBinary(data as Buffer, client, broadcast, counters);
  });
  // Without a listener, a framing error from one client would crash the whole server.
  client.on('error', () => framingErrors++);
  client.on('close', () => counters.openConnections--);
});

function broadcast(message: Uint8Array): number {
  return sendToOpenClients(wss.clients, message);
}

const stopStall = args.stall === null ? null : startStall(args.stall);

httpServer.once('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EADDRINUSE') exitListenFailed(WS_LOOP_NAME, portInUseMessage(args.host, args.port));
  exitListenFailed(WS_LOOP_NAME, `cannot listen on ${args.host}:${args.port}: ${error.code ?? ''} ${error.message}`);
});
httpServer.listen({ host: args.host, port: args.port }, () => {
  const { port } = httpServer.address() as AddressInfo;
  announceReady(WS_LOOP_NAME, args.host, port, { ...wsLoopKnobs(args), ...(dropEvery === null ? {} : { dropEvery }) });
});

installShutdown(WS_LOOP_NAME, async () => {
  stopStall?.();
  stats.stop();
  httpServer.close();
  for (const client of wss.clients) client.close(GOING_AWAY, 'server shutting down');
  const deadlineMs = Date.now() + CLOSE_HANDSHAKE_WAIT_MS;
  while (wss.clients.size > 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, 20));
  for (const client of wss.clients) client.terminate();
  httpServer.closeAllConnections();
});

/**
 * Test mode, never set in a benchmark: `--drop-every N` leaves every Nth binary message unanswered (the
 * soak's lost-reply fault). Taken out of argv here so the flags every server shares stay as they are.
 */
function takeDropEvery(argv: string[]): { dropEvery: number | null; rest: string[] } {
  const i = argv.indexOf('--drop-every');
  if (i < 0) return { dropEvery: null, rest: argv };
  const text = argv[i + 1] ?? '';
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= 2 && n <= 1_000_000_000)) {
    process.stderr.write(`${WS_LOOP_NAME}: --drop-every: "${text}" must be an integer from 2 to 1000000000\n`);
    process.exit(2);
  }
  return { dropEvery: n, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}
