import Table from 'cli-table3';
import type { CalibrationRow, EqualLoad, IoFloor } from '../../bench/calibration.js';
import {
  CLIENT_TO_SERVER_CPU_GOAL,
  type CoreTimeSplit,
  CPU_GOAL_CONNECTIONS,
  CPU_GOAL_DEPTH,
  type CpuCostPair,
  type CpuPerMessage,
} from '../../bench/cpu-per-message.js';
import { formatPercent, formatRate, formatUs } from '../../core/format.js';
import { NO_BOX } from './table.js';

export interface TableStyle {
  color: boolean;
  box: boolean;
}

function table(head: string[], rows: string[][], { color, box }: TableStyle): string {
  const t = new Table({ head, style: color ? {} : { head: [], border: [] }, ...(box ? {} : { chars: NO_BOX }) });
  for (const row of rows) t.push(row);
  return t.toString();
}

/** calibrate's first table: each client closed loop at full speed. */
export function renderClosedLoopTable(rows: readonly CalibrationRow[], style: TableStyle): string {
  return table(
    ['client', 'round trips/s', 'client CPU', 'round trips/s per client core', 'verdict'],
    rows.map((r) => [r.client, formatRate(r.roundTripsPerSec), formatPercent(r.clientCpuCoreFraction), formatRate(r.roundTripsPerClientCoreSec), r.verdict]),
    style,
  );
}

/** calibrate's second table: both clients open loop at the same offered rate, latency corrected. */
export function renderEqualLoadTable(eq: EqualLoad, style: TableStyle): string {
  return table(
    ['client', 'offered msgs/s', 'achieved msgs/s', 'p50 latency (corrected)', 'p99'],
    [eq.generator, eq.baseline].map((s) => [
      s.client,
      formatRate(s.offeredRateHz),
      formatRate(s.achievedRateHz),
      formatUs(s.corrected.p50Us),
      formatUs(s.corrected.p99Us),
    ]),
    style,
  );
}

const pct = (fraction: number): string => `${(fraction * 100).toFixed(1)}%`;

/** "equal offered load R msgs/s: rates differ by X%, medians by Y% (must agree within 10%): agree" or "…: DISAGREE (reason)". */
export function describeEqualLoad(eq: EqualLoad): string {
  const c = eq.comparison;
  const head = `equal offered load ${formatRate(eq.rateHz)} msgs/s: rates differ by ${pct(c.rateDiff)}, medians by ${pct(c.medianDiff)} (must agree within ${formatPercent(c.tolerance)})`;
  return `${head}: ${c.agree ? 'agree' : `DISAGREE (${c.reason})`}`;
}

/** One cost pair as a sentence; with a goal, whether the ratio meets it. */
function sentence(label: string, p: CpuCostPair, goal?: number): string {
  const figures = `${label}: client ${p.clientUsPerRoundTrip.toFixed(2)} µs CPU per round trip, server ${p.serverUsPerMessage.toFixed(2)} µs per message, ratio ${p.clientToServerRatio.toFixed(2)}`;
  if (goal === undefined) return figures;
  return `${figures} (goal ≤ ${goal.toFixed(2)}: ${p.clientToServerRatio <= goal ? 'met' : 'not met'})`;
}

function splitSentence({ client, server }: NonNullable<CpuPerMessage['wholeCoresSplit']>, label = 'whole cores split'): string {
  const part = (side: CoreTimeSplit) => `user ${side.userUs.toFixed(2)} + kernel ${side.kernelUs.toFixed(2)} + softirq ${side.softirqUs.toFixed(2)} µs`;
  const serverTotal = server.userUs + server.kernelUs + server.softirqUs;
  const clientKernel = client.kernelUs + client.softirqUs;
  return (
    `${label}: client ${part(client)} per round trip; server ${part(server)} per message; ` +
    `the client's kernel + softirq alone is ${((100 * clientKernel) / serverTotal).toFixed(0)}% of the server's whole cost`
  );
}

/**
 * calibrate's CPU-per-message lines: the processes' figures, the whole cores' (softirq included) when
 * measured, and a note when the run is not at the goal's connections and depth.
 */
export function describeCpuPerMessage(cost: CpuPerMessage | null, run: { connections: number; depth: number }): string[] {
  if (cost === null) return ['CPU per message: not measured (no server CPU or no replies in the window)'];
  const lines = [sentence('CPU per message (processes)', cost.processes, cost.goal)];
  if (cost.wholeCores) lines.push(sentence('CPU per message (whole cores, softirq included)', cost.wholeCores, cost.goal));
  if (cost.wholeCoresSplit) lines.push(splitSentence(cost.wholeCoresSplit));
  else if (cost.wholeCoresUnavailable !== null) lines.push(`CPU per message (whole cores): not given, ${cost.wholeCoresUnavailable}`);
  if (run.connections !== CPU_GOAL_CONNECTIONS || run.depth !== CPU_GOAL_DEPTH) {
    lines.push(
      `the goal is stated at ${CPU_GOAL_CONNECTIONS} connections, depth ${CPU_GOAL_DEPTH}; this run: ${run.connections} connections, depth ${run.depth}`,
    );
  }
  return lines;
}

/**
 * The I/O floor's lines: what a Node client that only moves the frames costs here (whole cores), how much the
 * generator spends above it (its bookkeeping), and whether the goal lies below the floor itself — then no
 * bookkeeping the generator could drop would meet it on this machine.
 */
export function describeIoFloor(floor: IoFloor, generator: CpuPerMessage | null): string[] {
  const r = floor.result;
  const head =
    `I/O floor (a Node client that only moves the frames: no matching, checks, fresh mask keys, timestamps or histograms): ` +
    `${formatRate(r.roundTripsPerSec)} round trips/s at ${formatPercent(r.cpuCoreFraction)} of its core`;
  const cost = floor.cost.wholeCores;
  if (cost === null) return [`${head}; whole cores: not given, ${floor.cost.wholeCoresUnavailable ?? 'not measured'}`];
  const lines = [head, sentence('I/O floor CPU (whole cores, softirq included)', cost)];
  if (floor.cost.wholeCoresSplit) lines.push(splitSentence(floor.cost.wholeCoresSplit, 'I/O floor split'));
  const gen = generator?.wholeCores;
  if (gen)
    lines.push(`the generator spends ${(gen.clientUsPerRoundTrip - cost.clientUsPerRoundTrip).toFixed(2)} µs per round trip above the floor (its bookkeeping)`);
  const goal = generator?.goal ?? CLIENT_TO_SERVER_CPU_GOAL;
  lines.push(
    cost.clientToServerRatio > goal
      ? `the floor's own ratio ${cost.clientToServerRatio.toFixed(2)} is above the goal ≤ ${goal.toFixed(2)}: on this machine even a client that only moves these frames misses it`
      : `the floor's own ratio ${cost.clientToServerRatio.toFixed(2)} is within the goal ≤ ${goal.toFixed(2)}: what stands between the generator and the goal is its bookkeeping`,
  );
  return lines;
}
