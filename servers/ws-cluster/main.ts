/**
 * ws-cluster: node:cluster. The primary forks N worker processes (N = --threads, default the CPU count),
 * each a `ws` event loop like ws-loop, all sharing one listen socket that the primary owns (round-robin
 * scheduling: the primary accepts and hands connections to workers in turn).
 *
 * - Ready line: printed once, by the primary, after every worker is listening, with the real port.
 * - BROADCAST: the receiving worker sends to its own clients and to the primary, which relays to every
 *   other worker for theirs; each worker counts the frames it sent in broadcastDeliveries.
 * - GET /stats: answered by whichever worker gets the connection. It asks the primary, which queries every
 *   worker's counters at that moment (fresh; a worker silent for over STATS_QUERY_TIMEOUT_MS is reported
 *   with its last figures and counted in extra.staleWorkers). Counters are summed; `node` describes the
 *   answering worker's event loop and process; extra.perWorker lists every worker's counters and RSS,
 *   extra.primary the primary's event-loop utilisation (it accepts and relays) and RSS.
 * - Shutdown: SIGTERM/SIGINT (the launcher signals the whole group) or the stdin lifeline: every worker
 *   closes with 1001 and exits, then the primary exits 0. A worker whose primary dies exits at once.
 */
import cluster from 'node:cluster';
import { parseServerArgsOrExit } from '../common/args.js';
import { runPrimary } from './primary.js';
import { WS_CLUSTER_ARGS_POLICY, WS_CLUSTER_NAME } from './settings.js';
import { runWorker } from './worker.js';

const args = parseServerArgsOrExit(WS_CLUSTER_NAME, process.argv.slice(2), WS_CLUSTER_ARGS_POLICY);
if (cluster.isPrimary) runPrimary(args);
else runWorker(args);
