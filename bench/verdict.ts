import type { LoadReport } from '../clients/types.js';
import type { CoresSection } from '../results/cores.js';
import type { Verdict } from '../results/schema.js';
import { judgeCores } from './core-verdict.js';
import { type MarkLag, SERVER_WINDOW_TOLERANCE } from './mark-lag.js';
import type { StatsSpan } from './server-count.js';

/**
 * Says who limited a run (docs/METHOD.md §1). A client-bound figure is a lower bound on the server, never a
 * server figure; the reasons carry the numbers and what to do about it.
 */
export const VERDICT_THRESHOLDS = {
  /** A client worker busier than this fraction of a core is saturated. */
  clientCpuCoreFraction: 0.85,
  /** Client event-loop delay p99 above this means its timestamps are late. */
  clientEventLoopDelayP99Ms: 20,
  /** Open loop: sends later than this (p99) mean the client could not keep its schedule. */
  clientSendLagP99Us: 5_000,
  /** Server tree using at least this fraction of its CPUs is saturated. */
  serverCpuFraction: 0.9,
  /** Client delay or send lag counts only when at least this fraction of the measured latency p99. */
  materialFractionOfLatency: 0.25,
  /** Open loop: achieved below this fraction of the target rate means the target was not met. */
  achievedRateFraction: 0.95,
  /**
   * Server's pinned cores (/proc/stat: processes plus the kernel's softirq on them) at least this busy on
   * average are saturated, whatever the process tree shows: loopback softirq is charged to no process.
   */
  serverCoreBusyFraction: 0.95,
  /** The client's busiest pinned core at least this busy leaves the generator no room. */
  clientCoreBusyFraction: 0.95,
  /**
   * More than this fraction of a side's cores busy with neither its processes nor softirq, irq or steal:
   * other processes ran there (a machine not quiet), so the core's busy figure judges nothing.
   */
  coreOtherWorkFraction: 0.1,
};

export interface VerdictInput {
  load: LoadReport;
  /** Server tree CPU use in cores (1.0 = one core), null when unmeasured (--target without --target-pid). */
  serverCpuCoreFraction: number | null;
  /** CPUs the server may use (its pinning), null when unpinned/unknown. */
  serverCpuCount: number | null;
  /** Server and client pinned to overlapping CPUs (or either unpinned). */
  sharedCores: boolean;
  /** Whole-core accounting of the window (bench/core-window.ts), or why it is unavailable; absent = not taken. */
  cores?: CoresSection | null;
  /** The runner started the server without pinning it: its CPU share is out of every core, the client's too. */
  serverUnpinned?: boolean;
  /** The server's /stats snapshots covered another span than the window (bench/server-count.ts), so per-message figures use the client's count. */
  statsSpan?: StatsSpan | null;
  /** The runner reached an edge of the window too late (bench/mark-lag.ts): no server-side figure of the window stands. */
  lateMarks?: MarkLag | null;
}

export function computeVerdict(input: VerdictInput, t = VERDICT_THRESHOLDS): Verdict {
  const { load } = input;
  const workers = load.client.workers;
  const clientCpuMax = Math.max(0, ...workers.map((w) => w.cpuCoreFraction));
  const eldMax = Math.max(0, ...workers.map((w) => w.eventLoopDelayP99Ms));
  const lagMax = Math.max(0, ...workers.map((w) => w.sendLagP99Us));
  const ratio = load.targetRateHz ? load.achievedRateHz / load.targetRateHz : null;
  const reasons: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

  const { saturated: clientSaturated, notes: clientNotes } = judgeClientWorkers(load, { clientCpuMax, eldMax, lagMax }, t);

  const serverCpus = input.serverCpuCount;
  const serverFraction = input.serverCpuCoreFraction !== null && serverCpus ? input.serverCpuCoreFraction / serverCpus : null;
  const clientCores = workers.reduce((sum, w) => sum + w.cpuCoreFraction, 0);
  const cores = judgeCores(input.cores, { serverFraction, clientCores }, t);
  if (cores.clientSaturated !== null) clientSaturated.push(cores.clientSaturated);
  const processSaturated = serverFraction !== null && serverFraction >= t.serverCpuFraction;
  const serverSaturated = processSaturated || cores.serverSaturated !== null;

  let verdict: Verdict['verdict'];
  if (serverSaturated) {
    // A server out of CPU is the limit whatever the client does: it cannot go faster than its cores.
    verdict = 'server-bound';
    if (processSaturated)
      reasons.push(`server at ${pct(serverFraction!)} of its ${serverCpus} CPU(s) while the client peaked at ${pct(clientCpuMax)} of a core`);
    if (cores.serverSaturated !== null)
      reasons.push(processSaturated ? cores.serverSaturated : `${cores.serverSaturated}; the client peaked at ${pct(clientCpuMax)} of a core`);
    if (clientSaturated.length > 0) {
      reasons.push(`the client was busy too (${clientSaturated.join('; ')}): throughput is the server's, latency includes client-side queueing`);
    }
  } else if (clientSaturated.length > 0) {
    verdict = 'client-bound';
    reasons.push(...clientSaturated);
    reasons.push('this figure is a lower bound on the server: add --client-workers, give the client more CPUs, or lower the load');
  } else {
    verdict = 'inconclusive';
    // Late marks say themselves why server CPU is missing (below).
    if (serverFraction === null) {
      if (!input.lateMarks) reasons.push('server CPU was not measured (pass --target-pid with --target, or pin the server)');
    } else
      reasons.push(`neither side saturated: server at ${pct(serverFraction)} of its ${serverCpus} CPU(s), client peaked at ${pct(clientCpuMax)} of a core`);
    if (load.plan.mode === 'open' && ratio !== null && ratio >= t.achievedRateFraction) {
      reasons.push('open loop met its target rate: latency figures hold at this offered load; throughput is the offered rate, not a capacity');
    }
  }
  if (ratio !== null && ratio < t.achievedRateFraction) {
    reasons.push(`achieved ${Math.round(load.achievedRateHz)} msg/s of the ${Math.round(load.targetRateHz!)} msg/s target (${pct(ratio)})`);
  }
  reasons.push(...clientNotes);
  reasons.push(...cores.notes);
  if (input.sharedCores) reasons.push('server and client share CPU cores: they compete, so neither figure is clean');
  if (input.serverUnpinned) reasons.push('server not pinned: its CPU share is out of 2 cores shared with the client');
  if (input.statsSpan) reasons.push(statsSpanReason(input.statsSpan));
  if (input.lateMarks) reasons.push(lateMarksReason(input.lateMarks));

  return {
    verdict,
    reasons,
    numbers: {
      serverCpuCoreFraction: input.serverCpuCoreFraction,
      serverCpuCount: serverCpus,
      clientCpuCoreFractionMax: clientCpuMax,
      clientEventLoopDelayP99Ms: eldMax,
      clientSendLagP99Us: lagMax,
      achievedToTargetRatio: ratio,
      serverCoreBusyFraction: cores.serverCoreBusyFraction,
      clientCoreBusyFractionMax: cores.clientCoreBusyFractionMax,
    },
    sharedCores: input.sharedCores,
  };
}

/**
 * The client workers' own figures: CPU, event-loop delay, dropped sends and open-loop send lag. Saturated:
 * the figure is the client's. Notes: over a threshold but small against the latency measured.
 */
function judgeClientWorkers(
  load: LoadReport,
  { clientCpuMax, eldMax, lagMax }: { clientCpuMax: number; eldMax: number; lagMax: number },
  t: typeof VERDICT_THRESHOLDS,
): { saturated: string[]; notes: string[] } {
  const clientSaturated: string[] = [];
  const clientNotes: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  // Lateness only disqualifies a figure when it is a material part of what was measured: this VM has
  // scheduler wake-up gaps of tens of ms that show up as a few ms of lag even on an idle client.
  const headlineP99Us = (load.corrected ?? load.service).p99Us;
  const material = (us: number) => us >= t.materialFractionOfLatency * headlineP99Us;
  if (clientCpuMax >= t.clientCpuCoreFraction) clientSaturated.push(`client worker CPU at ${pct(clientCpuMax)} of a core (≥ ${pct(t.clientCpuCoreFraction)})`);
  if (eldMax >= t.clientEventLoopDelayP99Ms) {
    const text = `client event-loop delay p99 ${eldMax.toFixed(1)} ms (≥ ${t.clientEventLoopDelayP99Ms} ms)`;
    if (material(eldMax * 1000)) clientSaturated.push(text);
    else clientNotes.push(`${text}, small against the latency p99 of ${(headlineP99Us / 1000).toFixed(1)} ms`);
  }
  // Sends the client skipped because the socket would not take them: the offered load never reached the server.
  const drops = load.counts.clientDrops ?? 0;
  if (drops > 0) {
    clientSaturated.push(
      `client dropped ${drops} of ${drops + load.counts.sent} due sends: their sockets had more than the write-buffer bound queued (the server stopped reading or fell behind)`,
    );
  }
  if (load.plan.mode === 'open' && lagMax >= t.clientSendLagP99Us) {
    const text = `client send lag p99 ${(lagMax / 1000).toFixed(1)} ms (≥ ${t.clientSendLagP99Us / 1000} ms)`;
    if (material(lagMax)) clientSaturated.push(text);
    else clientNotes.push(`${text}, small against the corrected p99 of ${(headlineP99Us / 1000).toFixed(1)} ms`);
  }
  return { saturated: clientSaturated, notes: clientNotes };
}

/** Why a cell has no server CPU, context switches, cores or server count: the runner read them too late. */
export function lateMarksReason({ windowMs, startLagMs, endLagMs }: MarkLag): string {
  return (
    `the runner read the server ${Math.round(startLagMs)} ms late at the start of the ${Math.round(windowMs)} ms window and ` +
    `${Math.round(endLagMs)} ms late at its end (its event loop was blocked, e.g. reading a large process tree in /proc; ` +
    `more than ${SERVER_WINDOW_TOLERANCE * 100}% of the window): server CPU, context switches, cores and the server's message count ` +
    `would cover another span than the client's figures, so none is reported; throughput and latency are the client's own and stand`
  );
}

/** Why CPU (and context switches) per message divide by the client's count of replies, not the server's. */
export function statsSpanReason({ spanMs, windowMs }: StatsSpan): string {
  return (
    `the server's /stats snapshots span ${Math.round(spanMs)} ms of its uptime, not the ${Math.round(windowMs)} ms window ` +
    `(it answered /stats late): CPU and context switches per message divide by the client's count of replies instead`
  );
}
