/**
 * ws-loop: the `ws` package on one Node event loop. node:http accepts connections, hands upgrades to a
 * noServer WebSocketServer, and answers GET /stats itself, so stats share the loop they describe.
 */
import { exitOnUsageError, parseServerArgs, ServerArgsError } from '../common/args.js';
import { closeWsFront } from '../common/close-all.js';
import { createCounters } from '../common/counters.js';
import { listenAndAnnounce } from '../common/listen.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { serveContractOnLoop } from '../common/ws-contract.js';
import { createWsHttpServer, jsonStats, sendToOpenClients } from '../common/ws-http.js';
import { WS_LOOP_ARGS_POLICY, WS_LOOP_NAME, WS_LOOP_SETTINGS, wsLoopKnobs } from './settings.js';

const { dropEvery, args } = exitOnUsageError(WS_LOOP_NAME, () => {
  const { dropEvery, rest } = takeDropEvery(process.argv.slice(2));
  return { dropEvery, args: parseServerArgs(rest, WS_LOOP_ARGS_POLICY) };
});
/** Binary messages received; with --drop-every N, every Nth goes unanswered. */
let receivedBinary = 0;
const counters = createCounters();
const stats = createStatsRecorder(WS_LOOP_NAME);

const front = createWsHttpServer(
  WS_LOOP_SETTINGS,
  jsonStats(() => stats.snapshot(counters, { framingErrors: figures.framingErrors })),
);
const { wss } = front;
// Test mode (soak): lose a reply now and then, as a server past its backpressure limit does.
const dropReply = dropEvery === null ? undefined : () => ++receivedBinary % dropEvery === 0;
const figures = serveContractOnLoop(wss, counters, broadcast, dropReply);

function broadcast(message: Uint8Array): number {
  return sendToOpenClients(wss.clients, message);
}

const stopStall = args.stall === null ? null : startStall(args.stall);

listenAndAnnounce(front.httpServer, WS_LOOP_NAME, args, { ...wsLoopKnobs(args), ...(dropEvery === null ? {} : { dropEvery }) });

installShutdown(WS_LOOP_NAME, async () => {
  stopStall?.();
  stats.stop();
  await closeWsFront(front);
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
  if (!(n >= 2 && n <= 1_000_000_000)) throw new ServerArgsError(`--drop-every: "${text}" must be an integer from 2 to 1000000000`);
  return { dropEvery: n, rest: [...argv.slice(0, i), ...argv.slice(i + 2)] };
}
