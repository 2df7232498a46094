/**
 * uws-procs: uWebSockets.js in N separate processes (N = --threads, default the CPU count). Every child
 * process has its own App and listens on the same host:port with SO_REUSEPORT, and the kernel spreads
 * connections over them. Why processes rather than uws-threads' threads: open files are limited per
 * process (20,000 here), so one process can never hold more than ~19,900 connections; N processes can.
 * The primary serves nothing: it picks the port, starts the children, announces readiness and stops them.
 *
 * - Port: an exclusive Node probe bind checks the port is free (port 0: picks one), every child listens on
 *   it, and a /proc check afterwards makes sure every listener is a child of ours (uws/shared-port.ts).
 * - BROADCAST: app.publish in the receiving child, and an IPC message to the primary, which relays it to
 *   every other child to publish in its own App; each counts its subscribers in broadcastDeliveries.
 * - GET /stats: answered by whichever child gets the connection. It asks the primary, which queries every
 *   child's counters at that moment (as ws-cluster does). Counters are summed; `node` describes the
 *   answering child; extra.perProcess lists every child's counters and RSS, extra.primary the primary's.
 * - Shutdown: SIGTERM/SIGINT (the launcher signals the whole group) or the stdin lifeline: every child
 *   closes with 1001 and exits, then the primary exits 0. A child that dies otherwise stops the server
 *   (exit 1, naming the child); a child whose primary dies exits at once.
 * - Pinning: children inherit the primary's CPU affinity, and the runner samples the whole process tree.
 */
import { parseServerArgsOrExit } from '../common/args.js';
import { runChild } from './child.js';
import { runPrimary } from './primary.js';
import { CHILD_INDEX_ENV, UWS_PROCS_ARGS_POLICY, UWS_PROCS_NAME } from './settings.js';

const args = parseServerArgsOrExit(UWS_PROCS_NAME, process.argv.slice(2), UWS_PROCS_ARGS_POLICY);
if (process.env[CHILD_INDEX_ENV] === undefined) runPrimary(args);
else runChild(args);
