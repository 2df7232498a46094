import { isMeasured } from '../results/cell-status.js';
import { type CoresSection, type CoreUsage, measuredCores } from '../results/cores.js';
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

/** The whole-core part of a cost: both pinned sides' busy time per round trip, or why it cannot be had. */
export type WholeCoreCost = Pick<CpuPerMessage, 'wholeCores' | 'wholeCoresSplit' | 'wholeCoresUnavailable'>;

/**
 * Both sides' whole-core µs per round trip at roundTripsPerSec, from the pinned cores over the window, unless
 * they were not measured or another process used a pinned core (its time would be charged to a side).
 * `processes`: the server tree's CPU (fraction of all its cores) and the client processes' (cores) over the same window.
 */
export function wholeCoreCost(
  section: CoresSection | null | undefined,
  roundTripsPerSec: number,
  processes: { serverFraction: number; clientCores: number },
): WholeCoreCost {
  const perRoundTripUs = (cores: number) => (cores / roundTripsPerSec) * 1e6;
  const cores = measuredCores(section);
  const other = cores
    ? Math.max(otherWorkFraction(cores.server, processes.serverFraction), otherWorkFraction(cores.client, processes.clientCores / cores.client.cpus.length))
    : 0;
  const wholeCoresUnavailable = !section
    ? 'not recorded'
    : 'unavailable' in section
      ? section.unavailable
      : other > VERDICT_THRESHOLDS.coreOtherWorkFraction
        ? `other processes used ${(other * 100).toFixed(0)}% of a pinned core (the machine was not quiet)`
        : null;
  if (!cores || wholeCoresUnavailable !== null) return { wholeCores: null, wholeCoresSplit: null, wholeCoresUnavailable };
  // A core's time is not all its process's (softirq for the other side's packets is in it), so whole cores
  // divide both sides by the one count that covers all of that work: round trips completed.
  const split = (side: CoreUsage): CoreTimeSplit => {
    const us = (fraction: number) => perRoundTripUs(fraction * side.cpus.length);
    return { userUs: us(side.user + side.nice + side.steal), kernelUs: us(side.system + side.irq), softirqUs: us(side.softirq) };
  };
  return {
    wholeCores: pair(
      perRoundTripUs(cores.client.busyFraction * cores.client.cpus.length),
      perRoundTripUs(cores.server.busyFraction * cores.server.cpus.length),
    ),
    wholeCoresSplit: { client: split(cores.client), server: split(cores.server) },
    wholeCoresUnavailable: null,
  };
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
  const clientCores = load.client.workers.reduce((sum, w) => sum + w.cpuCoreFraction, 0);
  const serverFraction = resources.cpuCoreFraction / Math.max(1, measuredCores(cell.cores)?.server.cpus.length ?? 1);
  const whole = wholeCoreCost(cell.cores, load.achievedRateHz, { serverFraction, clientCores });
  return { processes: pair((clientCores / load.achievedRateHz) * 1e6, serverUs), ...whole, goal: CLIENT_TO_SERVER_CPU_GOAL };
}
