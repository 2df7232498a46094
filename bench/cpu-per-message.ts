import { isMeasured } from '../results/cell-status.js';
import { type CoreUsage, measuredCores } from '../results/cores.js';
import type { Cell } from '../results/schema.js';
import { otherWorkFraction } from './core-verdict.js';
import { VERDICT_THRESHOLDS } from './verdict.js';

/**
 * Goal of issue 12: the generator spends at most this many µs of CPU per round trip for each µs the
 * server spends per message, so that on equal cores the server saturates first and the figure is the
 * server's (uWS, 1000 connections, depth 8).
 */
export const CLIENT_TO_SERVER_CPU_GOAL = 0.8;
/** The connections and depth (messages in flight per connection) the goal is stated at. */
export const CPU_GOAL_CONNECTIONS = 1000;
export const CPU_GOAL_DEPTH = 8;

/** Client CPU per round trip beside server CPU per message, in µs, and their ratio. */
export interface CpuCostPair {
  clientUsPerRoundTrip: number;
  serverUsPerMessage: number;
  /** clientUsPerRoundTrip / serverUsPerMessage; the goal is ≤ CLIENT_TO_SERVER_CPU_GOAL. */
  clientToServerRatio: number;
}

/** One side's whole-core µs per round trip, split by where the core spent it (/proc/stat fields). */
export interface CoreTimeSplit {
  /** user + nice (+ steal, counted busy): the process's own code. */
  userUs: number;
  /** system + irq: syscalls (socket reads, writes, epoll). */
  kernelUs: number;
  /** softirq: on loopback mostly the receive work for the packets this core sent (the other side's receive path). */
  softirqUs: number;
}

export interface CpuPerMessage {
  /** From the processes: every client worker's CPU, the server tree's CPU (docs/METHOD.md §3). */
  processes: CpuCostPair;
  /** From the pinned cores (/proc/stat), softirq charged to no process included; null when not measured or not clean. */
  wholeCores: CpuCostPair | null;
  /**
   * wholeCores split into user, kernel and softirq time per round trip on each side; null with wholeCores.
   * Why it is shown: one write and one read per `depth` messages per connection is the same on both sides, so
   * the client's kernel time per round trip is close to the server's per message, and that floor is not
   * something the client's own code can remove.
   */
  wholeCoresSplit: { client: CoreTimeSplit; server: CoreTimeSplit } | null;
  /** Why wholeCores is null (unpinned, shared, other processes on a core), else null. */
  wholeCoresUnavailable: string | null;
  goal: number;
}

function pair(clientUsPerRoundTrip: number, serverUsPerMessage: number): CpuCostPair {
  return { clientUsPerRoundTrip, serverUsPerMessage, clientToServerRatio: clientUsPerRoundTrip / serverUsPerMessage };
}

/**
 * A measured echo cell's CPU cost on both sides; null without replies or without the server's CPU.
 * Client CPU per round trip = Σ workers' CPU (cores) / round trips per second; whole cores likewise with
 * each side's busy fraction × its CPU count.
 */
export function cpuPerMessage(cell: Cell): CpuPerMessage | null {
  if (!isMeasured(cell)) return null;
  const load = cell.load;
  const resources = cell.serverResources;
  const serverUs = resources?.cpuUsPerMessage ?? null;
  if (!load || !resources || load.achievedRateHz <= 0 || serverUs === null || serverUs <= 0) return null;
  const perRoundTripUs = (cores: number) => (cores / load.achievedRateHz) * 1e6;
  const cores = measuredCores(cell.cores);
  const clientCores = load.client.workers.reduce((sum, w) => sum + w.cpuCoreFraction, 0);
  const serverFraction = resources.cpuCoreFraction / Math.max(1, cores?.server.cpus.length ?? 1);
  const other = cores ? Math.max(otherWorkFraction(cores.server, serverFraction), otherWorkFraction(cores.client, clientCores / cores.client.cpus.length)) : 0;
  const wholeCoresUnavailable = !cell.cores
    ? 'not recorded'
    : 'unavailable' in cell.cores
      ? cell.cores.unavailable
      : other > VERDICT_THRESHOLDS.coreOtherWorkFraction
        ? `other processes used ${(other * 100).toFixed(0)}% of a pinned core (the machine was not quiet)`
        : null;
  // A core's time is not all its process's (softirq for the other side's packets is in it), so whole cores
  // divide both sides by the one count that covers all of that work: round trips completed.
  const wholeCores =
    cores && wholeCoresUnavailable === null
      ? pair(perRoundTripUs(cores.client.busyFraction * cores.client.cpus.length), perRoundTripUs(cores.server.busyFraction * cores.server.cpus.length))
      : null;
  const split = (side: CoreUsage): CoreTimeSplit => {
    const us = (fraction: number) => perRoundTripUs(fraction * side.cpus.length);
    return { userUs: us(side.user + side.nice + side.steal), kernelUs: us(side.system + side.irq), softirqUs: us(side.softirq) };
  };
  const wholeCoresSplit = cores && wholeCores ? { client: split(cores.client), server: split(cores.server) } : null;
  return { processes: pair(perRoundTripUs(clientCores), serverUs), wholeCores, wholeCoresSplit, wholeCoresUnavailable, goal: CLIENT_TO_SERVER_CPU_GOAL };
}
