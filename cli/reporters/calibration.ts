import { CPU_GOAL_CONNECTIONS, CPU_GOAL_DEPTH, type CpuCostPair, type CpuPerMessage } from '../../bench/cpu-per-message.js';

function sentence(label: string, p: CpuCostPair, goal: number): string {
  const verdict = p.clientToServerRatio <= goal ? 'met' : 'not met';
  return `${label}: client ${p.clientUsPerRoundTrip.toFixed(2)} µs CPU per round trip, server ${p.serverUsPerMessage.toFixed(2)} µs per message, ratio ${p.clientToServerRatio.toFixed(2)} (goal ≤ ${goal.toFixed(2)}: ${verdict})`;
}

/**
 * calibrate's CPU-per-message lines: the processes' figures, the whole cores' (softirq included) when
 * measured, and a note when the run is not at the goal's connections and depth.
 */
export function describeCpuPerMessage(cost: CpuPerMessage | null, run: { connections: number; depth: number }): string[] {
  if (cost === null) return ['CPU per message: not measured (no server CPU or no replies in the window)'];
  const lines = [sentence('CPU per message (processes)', cost.processes, cost.goal)];
  if (cost.wholeCores) lines.push(sentence('CPU per message (whole cores, softirq included)', cost.wholeCores, cost.goal));
  else if (cost.wholeCoresUnavailable !== null) lines.push(`CPU per message (whole cores): not given, ${cost.wholeCoresUnavailable}`);
  if (run.connections !== CPU_GOAL_CONNECTIONS || run.depth !== CPU_GOAL_DEPTH) {
    lines.push(
      `the goal is stated at ${CPU_GOAL_CONNECTIONS} connections, depth ${CPU_GOAL_DEPTH}; this run: ${run.connections} connections, depth ${run.depth}`,
    );
  }
  return lines;
}
