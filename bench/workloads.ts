import type { MessageMix } from '../clients/types.js';
import { UsageError } from '../core/errors.js';
import { Op } from '../protocol/wire.js';
import type { ServerTransport } from '../servers/spec.js';
import { runBackpressure } from './workloads/backpressure.js';
import { runBroadcast } from './workloads/broadcast.js';
import type { WorkloadRunner } from './workloads/context.js';
import { runHttpEcho } from './workloads/http-echo.js';
import { runIdle } from './workloads/idle.js';
import { runStorm } from './workloads/storm.js';

/**
 * Workloads as data: what each message asks of the server, and which contract ops a server must
 * implement to run it. A server lacking an op gets a `skipped` cell with the reason, not a failure.
 */
export interface WorkloadDef {
  name: string;
  description: string;
  /** Ops the server must support. */
  ops: number[];
  /** Whether a plain echo server (no contract) can run it. */
  plainEcho: boolean;
  mix(params: { workIterations: number; heavyFraction: number }): MessageMix;
  /**
   * Connection workloads drive a Fleet step by step instead of the echo engine's fixed phases; the runner
   * hands them the started server and records the section they return (bench/workloads/).
   */
  run?: WorkloadRunner;
  /**
   * Server transports a `run` workload can drive; other servers get a `skipped` cell. Default
   * ['websocket'] (the connection workloads drive WebSocket fleets). Engine workloads ignore it: the
   * runner picks the driver by transport.
   */
  transports?: ServerTransport[];
  /** Run one cell per payload size of the request's sizes list (the `sizes` sweep). */
  sweepsPayload?: boolean;
}

export const WORKLOADS: Record<string, WorkloadDef> = {
  echo: {
    name: 'echo',
    description: 'every message is ECHO: the server returns the same bytes',
    ops: [Op.ECHO],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
  },
  work: {
    name: 'work',
    description: 'every message is WORK(iterations): CPU-bound, the reply carries the result',
    ops: [Op.WORK],
    plainEcho: false,
    mix: ({ workIterations }) => ({ kind: 'work', iterations: workIterations }),
  },
  mixed: {
    name: 'mixed',
    description: 'mostly ECHO, a fraction WORK: shows head-of-line blocking of cheap messages behind heavy ones',
    ops: [Op.ECHO, Op.WORK],
    plainEcho: false,
    mix: ({ workIterations, heavyFraction }) => ({ kind: 'mixed', iterations: workIterations, heavyFraction }),
  },
  idle: {
    name: 'idle',
    description: 'ramp to N idle connections in steps (pinged for liveness); memory per connection as a least-squares slope, and the ceiling',
    ops: [],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
    run: runIdle,
  },
  broadcast: {
    name: 'broadcast',
    description: 'one connection publishes BROADCAST at --publish-rate; every connection receives it: per-receiver latency and time to the last receiver',
    ops: [Op.BROADCAST],
    plainEcho: false,
    mix: () => ({ kind: 'echo' }),
    run: runBroadcast,
  },
  storm: {
    name: 'storm',
    description: 'open N connections as fast as possible and close them, --rounds times: handshakes/s, connect times, server RSS and fds against baseline',
    ops: [],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
    run: runStorm,
  },
  backpressure: {
    name: 'backpressure',
    description: 'a fraction of connections stop reading while sending; the rest run echo: what the server does with replies nobody reads',
    ops: [Op.ECHO],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
    run: runBackpressure,
  },
  sizes: {
    name: 'sizes',
    description: 'echo swept over payload sizes (--sizes), one cell per size: msgs/s and MiB/s',
    ops: [Op.ECHO],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
    sweepsPayload: true,
  },
  'http-echo': {
    name: 'http-echo',
    description: 'request/response echo over HTTP (POST /echo) driven by autocannon: closed loop, pipelining 1; long-poll servers only',
    ops: [],
    plainEcho: false,
    mix: () => ({ kind: 'echo' }),
    run: runHttpEcho,
    transports: ['http-long-poll'],
  },
};

/** Transports a workload can drive (see WorkloadDef.transports); null = any (engine workloads). */
export function workloadTransports(w: WorkloadDef): ServerTransport[] | null {
  return w.run ? (w.transports ?? ['websocket']) : null;
}

/** Why `w` cannot run on a server of `transport`, or null when it can. */
export function transportSkipReason(w: WorkloadDef, server: string, transport: ServerTransport): string | null {
  const allowed = workloadTransports(w);
  if (allowed === null || allowed.includes(transport)) return null;
  if (allowed.includes('websocket')) return `workload ${w.name} drives WebSocket connections; ${server} serves ${transport}`;
  return `${w.name} needs an HTTP server (long-poll); ${server} serves ${transport}`;
}

export function getWorkload(name: string): WorkloadDef {
  // Object.hasOwn: "constructor" or "toString" are not workloads (a plain lookup finds Object.prototype's).
  const w = Object.hasOwn(WORKLOADS, name) ? WORKLOADS[name] : undefined;
  if (!w) throw new UsageError('UNKNOWN_WORKLOAD', `--workload: unknown workload "${name}"; known workloads: ${Object.keys(WORKLOADS).join(', ')}`);
  return w;
}
