/**
 * uws: uWebSockets.js on one Node thread, loaded from its native binary (see native.ts). The same app
 * answers GET /stats, so stats are served by the loop they describe.
 */
import type { TemplatedApp, us_listen_socket } from '@trufflesuite/uws-js-unofficial';
import { parseServerArgsOrExit } from '../common/args.js';
import { ServerExitCode } from '../common/exit-codes.js';
import { exitListenFailed, portInUseMessage, probeListenError } from '../common/listen-errors.js';
import { announceReady } from '../common/ready.js';
import { installShutdown } from '../common/shutdown.js';
import { startStall } from '../common/stall.js';
import { createStatsRecorder } from '../common/stats.js';
import { closeAllGoingAway, mountContract, mountStats, publishToAll } from './contract-app.js';
import { listenExclusivePort, listenWithOptions } from './listen.js';
import { loadNativeUws, type NativeUws, NativeUwsUnavailableError, UWS_BINARY_ENV, uwsPackageVersion } from './native.js';
import { UWS_ARGS_POLICY, UWS_NAME, uwsKnobs } from './settings.js';

const args = parseServerArgsOrExit(UWS_NAME, process.argv.slice(2), UWS_ARGS_POLICY);
const uws = loadUwsOrExit();
const stats = createStatsRecorder(UWS_NAME);

const app: TemplatedApp = uws.App();
const contract = mountContract(app, uws.DISABLED, (message) => publishToAll(app, message));
mountStats(app, () => stats.snapshot(contract.counters, { sendDrops: contract.sendDrops }));

const stopStall = args.stall === null ? null : startStall(args.stall);
let listenSocket: us_listen_socket | null = null;

// Exclusive: one server per port (docs/PROTOCOL.md §6 "Listen failures").
listenWithOptions(app, args.host, args.port, listenExclusivePort(uws), (socket) => {
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
  closeAllGoingAway(contract.sockets);
  // Let the close frames leave before the process exits.
  await new Promise((resolve) => setImmediate(resolve));
});

function loadUwsOrExit(): NativeUws {
  try {
    return loadNativeUws(process.env[UWS_BINARY_ENV] || undefined);
  } catch (error) {
    if (!(error instanceof NativeUwsUnavailableError)) throw error;
    process.stderr.write(`${UWS_NAME}: ${error.message}\n`);
    process.exit(ServerExitCode.FAILED);
  }
}

/** uWS reports a failed listen as `false` with no errno; a Node probe on the same address finds the cause. */
async function reportListenFailure(): Promise<never> {
  const code = await probeListenError(args.host, args.port);
  if (code === 'EADDRINUSE') exitListenFailed(UWS_NAME, portInUseMessage(args.host, args.port));
  const probe = code === null ? 'a Node listen on the same address succeeds' : `a Node listen on the same address fails with ${code}`;
  exitListenFailed(UWS_NAME, `cannot listen on ${args.host}:${args.port} (uWS gives no reason; ${probe})`);
}
