/**
 * `wsarena merge`: N segment results (`wsarena run --segment i/N` on N machines) into one result of the
 * whole plan. Pure: files in, a file out; reading and writing are the CLI's.
 *
 * Exact where exactness is possible: HDR histograms are decoded and added bucket by bucket, counts are
 * summed, so the merged figures are what one client with every agent's samples would have recorded.
 * Per-second timelines are aligned by wall-clock second; their p99 is the largest agent's p99 of that
 * second (an upper bound: per-second histograms are not kept in result files).
 */
import { summarizeEncoded } from '../clients/histogram.js';
import type { LatencySummary, LoadReport, MessageCounts, TimelinePoint } from '../clients/types.js';
import { UsageError } from '../core/errors.js';
import { errorOf, isFailure, isMeasured } from './cell-status.js';
import type { AgentCell, Cell, MergeInfo, ResultFile, Verdict } from './schema.js';
import type { SegmentRecord } from './segment.js';

export interface MergeInput {
  path: string;
  file: ResultFile;
}

/** The load-plan fields every agent must share (connections, rate, workers, CPUs and addresses are each agent's own). */
const SHARED_PLAN_FIELDS = ['url', 'mode', 'depth', 'payloadBytes', 'mix', 'rampPerSec', 'warmupMs', 'durationMs', 'drainMs', 'handshakeTimeoutMs'] as const;

/** Merges segment results into one result file; UsageError (naming the file and parameter) when they are not one plan's segments. */
export function mergeResults(inputs: readonly MergeInput[], opts: { command: string[]; now: string }): ResultFile {
  if (inputs.length === 0) throw new UsageError('MERGE_NOTHING', 'merge: no result files given; pass the segment results, e.g. wsarena merge seg-*.json --out merged.json');
  const ordered = checkSegments(inputs);
  const first = ordered[0]!;
  for (const other of ordered.slice(1)) checkSamePlan(first, other);

  const warnings: string[] = [];
  const offsets = ordered.map((o) => segmentOf(o.file.cells[0]!).clockOffset.offsetMs);
  const onServerClock = offsets.every((o) => o !== null);
  const hostnames = ordered.map((o) => o.file.environment.hostname);
  const cells = first.file.cells.map((_, i) => mergeCell(ordered.map((o) => o.file.cells[i]!), hostnames, onServerClock));

  const starts = ordered.map((o) => segmentOf(o.file.cells[0]!)).map((s) => (s.windowStartMs === null ? null : s.windowStartMs + (onServerClock ? s.clockOffset.offsetMs! : 0)));
  const known = starts.filter((s): s is number => s !== null);
  const startSpreadMs = known.length === starts.length && known.length > 0 ? Math.max(...known) - Math.min(...known) : null;
  const warmupMs = first.file.cells[0]!.params.warmupMs;
  if (startSpreadMs !== null && startSpreadMs > warmupMs) {
    warnings.push(
      `the agents' measured windows started ${Math.round(startSpreadMs)} ms apart${onServerClock ? ' (on the server clock)' : ' (on their own clocks; offsets unknown)'}, more than the ${warmupMs} ms warmup: ` +
        'the merged figures add windows that did not overlap fully; give every agent the same --start-at',
    );
  }
  if (startSpreadMs === null) warnings.push('an agent did not record when its window started: timelines are aligned by their first second');
  const versions = new Set(ordered.map((o) => `${o.file.tool.version} ${o.file.tool.gitCommit ?? ''}`));
  if (versions.size > 1) warnings.push(`the agents ran different wsarena builds: ${[...versions].join(', ')}`);

  const merge: MergeInfo = {
    files: ordered.map((o) => ({ path: o.path, segment: segmentOf(o.file.cells[0]!).index, createdAt: o.file.createdAt, environment: o.file.environment })),
    startSpreadMs,
    warnings,
  };
  const states = ordered.map((o) => o.file.state);
  return {
    schemaVersion: first.file.schemaVersion,
    kind: 'run',
    tool: first.file.tool,
    command: opts.command,
    createdAt: opts.now,
    updatedAt: opts.now,
    state: states.every((s) => s === 'complete') ? 'complete' : (['interrupted', 'running', 'failed'] as const).find((s) => states.includes(s))!,
    environment: first.file.environment,
    cells,
    extra: null,
    merge,
  };
}

function segmentOf(cell: Cell): SegmentRecord {
  return cell.segment!;
}

/** Every file a segment result of the same N, each segment exactly once; returned in segment order. */
function checkSegments(inputs: readonly MergeInput[]): MergeInput[] {
  for (const { path, file } of inputs) {
    if (file.cells.length === 0) throw new UsageError('MERGE_NOT_SEGMENT', `merge: ${path} has no cells; allowed: results of wsarena run --segment i/N`);
    const bare = file.cells.find((c) => c.segment === undefined);
    if (bare && bare.status !== 'ok' && file.command.includes('--segment')) {
      throw new UsageError('MERGE_NOT_SEGMENT', `merge: ${path} cell ${bare.id} ended before its segment ran (${bare.status}: ${bare.error ?? 'no error recorded'}); rerun that agent`);
    }
    if (bare) throw new UsageError('MERGE_NOT_SEGMENT', `merge: ${path} cell ${bare.id} is not a segment result; allowed: results of wsarena run --segment i/N`);
    const seg = file.cells[0]!.segment!;
    const odd = file.cells.find((c) => c.segment!.index !== seg.index || c.segment!.count !== seg.count);
    if (odd) throw new UsageError('MERGE_NOT_SEGMENT', `merge: ${path} mixes segments ${seg.index}/${seg.count} and ${odd.segment!.index}/${odd.segment!.count}`);
  }
  const count = inputs[0]!.file.cells[0]!.segment!.count;
  const bySegment = new Map<number, MergeInput>();
  for (const input of inputs) {
    const seg = input.file.cells[0]!.segment!;
    if (seg.count !== count) {
      throw new UsageError('MERGE_PLAN_DIFFERS', `merge: the plans differ in segment count: ${inputs[0]!.path} has ${count}, ${input.path} has ${seg.count}`);
    }
    const twin = bySegment.get(seg.index);
    if (twin) throw new UsageError('MERGE_DUPLICATE_SEGMENT', `merge: ${twin.path} and ${input.path} are both segment ${seg.index}/${count}; each segment must be given once`);
    bySegment.set(seg.index, input);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !bySegment.has(i));
  if (missing.length > 0) {
    throw new UsageError('MERGE_MISSING_SEGMENT', `merge: segment(s) ${missing.map((i) => `${i}/${count}`).join(', ')} missing; got ${[...bySegment.keys()].sort((a, b) => a - b).join(', ')} of 0…${count - 1}`);
  }
  return [...bySegment.entries()].sort(([a], [b]) => a - b).map(([, input]) => input);
}

/** Refuses two segments of different plans, naming the first parameter that differs. */
function checkSamePlan(a: MergeInput, b: MergeInput): void {
  const differ = (parameter: string, va: unknown, vb: unknown): void => {
    if (JSON.stringify(va) !== JSON.stringify(vb)) {
      throw new UsageError('MERGE_PLAN_DIFFERS', `merge: the plans differ in ${parameter}: ${a.path} has ${JSON.stringify(va)}, ${b.path} has ${JSON.stringify(vb)}`);
    }
  };
  differ('cells', a.file.cells.map((c) => c.id), b.file.cells.map((c) => c.id));
  a.file.cells.forEach((ca, i) => {
    const cb = b.file.cells[i]!;
    // Client workers are each agent's own (default: its CPU count), like its connections' share.
    const keys = new Set([...Object.keys(ca.params), ...Object.keys(cb.params)].filter((k) => k !== 'clientWorkers'));
    for (const k of keys) differ(k, (ca.params as Record<string, unknown>)[k], (cb.params as Record<string, unknown>)[k]);
    differ('target', ca.target, cb.target);
    differ('startAt', ca.segment!.startAt, cb.segment!.startAt);
    if (isMeasured(ca) && isMeasured(cb) && ca.load && cb.load) for (const k of SHARED_PLAN_FIELDS) differ(k, ca.load.plan[k], cb.load.plan[k]);
  });
}

function mergeCell(parts: readonly Cell[], hostnames: readonly string[], onServerClock: boolean): Cell {
  const first = parts[0]!;
  // Interrupted agents count as failed, as version 1 files recorded them.
  const failed = parts.filter(isFailure);
  const measured = parts.filter(isMeasured);
  const loads = parts.map((c) => (isMeasured(c) ? c.load : null));
  const load = loads.every((l): l is LoadReport => l !== null) ? mergeLoads(loads, parts.map((c) => segmentOf(c)), onServerClock) : null;
  const status: Cell['status'] = failed.length > 0 || (load === null && parts.some((c) => c.status === 'ok')) ? 'failed' : parts.every((c) => c.status === 'skipped') ? 'skipped' : 'ok';
  const error =
    failed.length > 0
      ? failed.map((c) => `segment ${segmentOf(c).index}: ${c.error}`).join('; ')
      : status === 'failed'
        ? 'an agent has no load report'
        : (errorOf(first) ?? 'skipped');
  const serverCounts = measured.map((c) => c.serverMessagesHandled).filter((n): n is number => n !== null);
  const agents: AgentCell[] = parts.map((c, a) => ({
    segment: segmentOf(c),
    hostname: hostnames[a]!,
    status: c.status,
    error: errorOf(c),
    counts: (isMeasured(c) ? c.load?.counts : null) ?? null,
    achievedRateHz: (isMeasured(c) ? c.load?.achievedRateHz : null) ?? null,
    connectionsEstablished: (isMeasured(c) ? c.load?.connections.established : null) ?? null,
    verdict: isMeasured(c) ? c.verdict : null,
  }));
  const identity = {
    id: first.id,
    server: first.server,
    target: first.target,
    params: { ...first.params, clientWorkers: parts.reduce((n, c) => n + c.params.clientWorkers, 0) },
    repeat: first.repeat,
  };
  const times = {
    startedAt: parts.map((c) => c.startedAt).sort()[0]!,
    finishedAt: parts.map((c) => c.finishedAt).sort().at(-1)!,
    pinning: { ...first.pinning, sharedCores: parts.some((c) => c.pinning.sharedCores) },
  };
  if (status === 'skipped') return { ...identity, status, error, ...times, agents };
  const firstInfo = isMeasured(first) ? first.serverInfo : null;
  const measurement = {
    serverInfo: firstInfo === null ? null : { ...firstInfo, pid: measured.find((c) => c.serverInfo?.pid != null)?.serverInfo?.pid ?? null },
    load,
    // An agent that sampled the server (--target-pid, on the server's host) measured all the server did.
    serverResources: measured.find((c) => c.serverResources !== null)?.serverResources ?? null,
    serverStats: measured.find((c) => c.serverStats !== null)?.serverStats ?? null,
    // Each agent's /stats delta counts every agent's messages over its own window: the median resists one late /stats.
    serverMessagesHandled: serverCounts.length === 0 ? null : median(serverCounts),
    verdict: mergeVerdicts(parts),
  };
  if (status === 'ok') return { ...identity, status, ...times, ...measurement, agents };
  return { ...identity, status, error, ...times, ...measurement, agents };
}

/** Sums counts, adds histograms, aligns timelines by wall-clock second. */
export function mergeLoads(loads: readonly LoadReport[], segments: readonly SegmentRecord[], onServerClock: boolean): LoadReport {
  const first = loads[0]!;
  const sum = (f: (l: LoadReport) => number): number => loads.reduce((n, l) => n + f(l), 0);
  const counts: MessageCounts = { sent: 0, received: 0, lost: 0, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0 };
  for (const l of loads) {
    for (const k of Object.keys(l.counts) as (keyof MessageCounts)[]) counts[k] = (counts[k] ?? 0) + (l.counts[k] ?? 0);
  }
  const errors: Record<string, number> = {};
  for (const l of loads) for (const [k, v] of Object.entries(l.connections.errors)) errors[k] = (errors[k] ?? 0) + v;
  const hist = (pick: (l: LoadReport) => LatencySummary | null): LatencySummary | null => {
    const present = loads.map(pick).filter((s): s is LatencySummary => s !== null);
    return present.length === 0 ? null : summarizeEncoded(present.map((s) => s.encoded));
  };
  let byClass: Record<string, LatencySummary> | null = null;
  if (loads.some((l) => l.byClass !== null)) {
    byClass = {};
    const names = new Set(loads.flatMap((l) => Object.keys(l.byClass ?? {})));
    for (const name of names) byClass[name] = hist((l) => l.byClass?.[name] ?? null)!;
  }
  const targets = loads.map((l) => l.targetRateHz);
  return {
    plan: {
      ...first.plan,
      connections: sum((l) => l.plan.connections),
      rateHz: first.plan.rateHz === null ? null : sum((l) => l.plan.rateHz ?? 0),
      workers: sum((l) => l.plan.workers),
      // Each agent pinned (or not) on its own machine: see agents[] and merge.files[].environment.
      clientCpus: null,
      localAddresses: [...new Set(loads.flatMap((l) => l.plan.localAddresses))],
    },
    connections: {
      attempted: sum((l) => l.connections.attempted),
      established: sum((l) => l.connections.established),
      errors,
      unexpectedCloses: sum((l) => l.connections.unexpectedCloses),
      handshake: hist((l) => l.connections.handshake)!,
    },
    measuredMs: Math.max(...loads.map((l) => l.measuredMs)),
    counts,
    targetRateHz: targets.every((t) => t === null) ? null : targets.reduce<number>((n, t) => n + (t ?? 0), 0),
    // Each agent's rate is over its own window of the same length: the whole plan's rate is their sum.
    achievedRateHz: Math.round(sum((l) => l.achievedRateHz) * 10) / 10,
    corrected: hist((l) => l.corrected),
    service: hist((l) => l.service)!,
    byClass,
    timeline: alignTimelines(loads.map((l) => l.timeline), segments, onServerClock),
    client: { workers: loads.flatMap((l) => l.client.workers) },
  };
}

/**
 * Adds the agents' per-second points by wall-clock second: agent a's point at second s covers
 * [windowStart_a + s, …), which lands in merged second s + round((windowStart_a − earliest) / step).
 */
export function alignTimelines(timelines: readonly TimelinePoint[][], segments: readonly SegmentRecord[], onServerClock: boolean): TimelinePoint[] {
  // Runs over an hour have multi-second points (clients/load/timeline.ts): shift by whole points.
  const stepS = timelines.find((t) => t.length > 1)?.[1]!.second ?? 1;
  const starts = segments.map((s) => (s.windowStartMs === null ? null : s.windowStartMs + (onServerClock ? (s.clockOffset.offsetMs ?? 0) : 0)));
  const allKnown = starts.every((s) => s !== null);
  const earliest = allKnown ? Math.min(...(starts as number[])) : 0;
  const merged = new Map<number, TimelinePoint>();
  timelines.forEach((timeline, a) => {
    const shift = allKnown ? Math.round((starts[a]! - earliest) / 1000 / stepS) * stepS : 0;
    for (const p of timeline) {
      const second = p.second + shift;
      const m = merged.get(second) ?? { second, sent: 0, received: 0, p99Us: 0 };
      m.sent += p.sent;
      m.received += p.received;
      m.p99Us = Math.max(m.p99Us, p.p99Us);
      merged.set(second, m);
    }
  });
  return [...merged.values()].sort((x, y) => x.second - y.second);
}

/** Client-bound if any agent was (its share is a lower bound, so the sum is too); else server-bound if any; else inconclusive. */
export function mergeVerdicts(parts: readonly Cell[]): Verdict | null {
  const withVerdict = parts.filter(isMeasured).filter((c) => c.verdict !== null);
  if (withVerdict.length === 0) return null;
  const verdicts = withVerdict.map((c) => c.verdict!);
  const verdict: Verdict['verdict'] = verdicts.some((v) => v.verdict === 'client-bound')
    ? 'client-bound'
    : verdicts.some((v) => v.verdict === 'server-bound')
      ? 'server-bound'
      : 'inconclusive';
  const max = (f: (v: Verdict) => number): number => Math.max(...verdicts.map(f));
  const serverFractions = verdicts.map((v) => v.numbers.serverCpuCoreFraction).filter((n): n is number => n !== null);
  const achieved = parts.reduce((n, c) => n + ((isMeasured(c) ? c.load?.achievedRateHz : 0) ?? 0), 0);
  const target = parts.reduce((n, c) => n + ((isMeasured(c) ? c.load?.targetRateHz : 0) ?? 0), 0);
  return {
    verdict,
    reasons: withVerdict.flatMap((c) => c.verdict!.reasons.map((r) => `segment ${segmentOf(c).index}: ${r}`)),
    numbers: {
      serverCpuCoreFraction: serverFractions.length > 0 ? Math.max(...serverFractions) : null,
      serverCpuCount: verdicts.find((v) => v.numbers.serverCpuCount !== null)?.numbers.serverCpuCount ?? null,
      clientCpuCoreFractionMax: max((v) => v.numbers.clientCpuCoreFractionMax),
      clientEventLoopDelayP99Ms: max((v) => v.numbers.clientEventLoopDelayP99Ms),
      clientSendLagP99Us: max((v) => v.numbers.clientSendLagP99Us),
      achievedToTargetRatio: target > 0 ? achieved / target : null,
    },
    sharedCores: verdicts.some((v) => v.sharedCores),
  };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
