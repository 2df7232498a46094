import { type Interval, summarize } from '../bench/stats.js';
import { formatRate, formatUs } from '../core/format.js';
import { isFailureStatus } from '../results/cell-status.js';
import type { ServerModel } from '../servers/spec.js';
import { measuredCell, type ReportModel, type RunRow } from './model.js';
import { ratioOfMeans } from './ratio.js';
import { reachedTargetRate } from './target-rate.js';

/**
 * Findings: short paragraphs computed from the results that answer the threads-vs-async question.
 * Every number comes from the data; a claim is made only when the data supports it (two or more runs
 * each, 95% CIs apart, no client-bound figure pretending to be a server figure), and otherwise the
 * sentence says why no claim is made.
 */

export type ClaimBlocker = 'single-run' | 'overlap' | 'client-bound';

export interface Claim {
  text: string;
  /** True when the claim stands; false when the sentence explains why the data cannot support one. */
  supported: boolean;
  blocker: ClaimBlocker | null;
}

export interface Finding {
  kind: 'throughput' | 'threads-vs-async' | 'cpu' | 'latency' | 'head-of-line' | 'memory' | 'ceiling' | 'quality' | 'nothing-to-compare';
  /** The conditions the paragraph is about (workload, load, payload, CPUs). */
  context: string;
  /** Connection count the figures are at (null when not one count). */
  connections: number | null;
  /** Who the paragraph compares, sorted. */
  subjects: string[];
  /** The figures, stated without a claim. */
  statement: string;
  claims: Claim[];
  /** statement + claims, as shown. */
  text: string;
}

/** Headings of finding kinds (the dashboard has its own copy in report/site/dashboard.js). */
export const FINDING_LABELS: Record<Finding['kind'], string> = {
  'threads-vs-async': 'Threads vs async',
  throughput: 'Throughput',
  cpu: 'CPU per message',
  latency: 'Latency at a fixed rate',
  'head-of-line': 'Head-of-line blocking',
  memory: 'Memory per connection',
  ceiling: 'Ceiling',
  quality: 'Data quality',
  'nothing-to-compare': 'Nothing to compare',
};

/** One server (or server-in-a-file) at one connection count in one context, over its usable runs. */
export interface Entry {
  who: string;
  model: string | null;
  values: number[];
  interval: Interval;
  /** Any of its runs client-bound: its throughput is then only a lower bound on the server. */
  clientBound: boolean;
  runs: RunRow[];
}

/** Every model's label in sentences (a Record, so a new ServerModel cannot be left out). */
export const MODEL_LABELS: Readonly<Record<ServerModel, string>> = {
  'event-loop': 'event loop',
  'thread-pool': 'thread pool',
  threads: 'threads',
  'thread-per-connection': 'thread per connection',
  'virtual-threads': 'virtual threads',
  'worker-per-connection': 'worker per connection',
  processes: 'processes',
  goroutines: 'goroutines',
  'long-poll': 'long polling',
};

/** "uws (event loop)" — the server and its architecture, for a first mention. */
export function nameWithModel(e: Pick<Entry, 'who' | 'model'>): string {
  const label = e.model !== null && Object.hasOwn(MODEL_LABELS, e.model) ? MODEL_LABELS[e.model as ServerModel] : undefined;
  return label ? `${e.who} (${label})` : e.who;
}

/** How a metric is named and formatted in sentences. */
interface Metric {
  /** "throughput", "CPU per message", "cheap-message p99". */
  phrase: string;
  format(v: number): string;
  /** A CI bound, without the unit when the unit never changes, on the scale of the mean it belongs to. */
  bound(v: number, mean: number): string;
  higherIsBetter: boolean;
  /** Client-bound runs void comparisons of this metric (throughput, latency) or not (CPU per message). */
  clientBoundMatters: boolean;
  /** The claim with `big` the entry with the larger mean and `ratio` = big / small. */
  claim(big: string, small: string, ratio: string): string;
}

const THROUGHPUT: Metric = {
  phrase: 'throughput',
  format: (v) => `${formatRate(v)} msgs/s`,
  bound: (v, mean) => (v === 0 ? '0' : mean >= 10_000 ? `${(v / 1000).toFixed(1)}k` : formatRate(v)),
  higherIsBetter: true,
  clientBoundMatters: true,
  claim: (big, small, ratio) => `${big} was ${ratio} faster than ${small}`,
};

const CPU: Metric = {
  phrase: 'CPU per message',
  format: (v) => `${v.toFixed(2)} µs`,
  bound: (v) => v.toFixed(2),
  higherIsBetter: false,
  clientBoundMatters: false,
  claim: (big, small, ratio) => `${big} needed ${ratio} the server CPU per message of ${small}`,
};

const P99: Metric = {
  phrase: 'p99 latency',
  format: (v) => formatUs(v),
  bound: (v) => formatUs(v),
  higherIsBetter: false,
  clientBoundMatters: true,
  claim: (big, small, ratio) => `p99 latency was ${ratio} higher on ${big} than on ${small}`,
};

const CHEAP_P99: Metric = {
  phrase: 'cheap-message p99 latency',
  format: (v) => formatUs(v),
  bound: (v) => formatUs(v),
  higherIsBetter: false,
  clientBoundMatters: true,
  claim: (big, small, ratio) => `Cheap messages’ p99 was ${ratio} higher on ${big} than on ${small}`,
};

/** Every metric here is a non-negative quantity, so a CI of its mean is shown clamped at 0. */
const MEMORY: Metric = {
  phrase: 'memory per connection',
  format: (v) => `${(v / 1024).toFixed(2)} KiB`,
  bound: (v) => (v / 1024).toFixed(2),
  higherIsBetter: false,
  clientBoundMatters: false,
  claim: (big, small, ratio) => `${big} needed ${ratio} the memory per connection of ${small}`,
};

function ciText(i: Interval, bound: (v: number, mean: number) => string): string {
  if (i.low === null || i.high === null) return `n=${i.n}, no CI`;
  return `95% CI ${bound(Math.max(0, i.low), i.mean)}–${bound(i.high, i.mean)}, n=${i.n}`;
}

/** "123.4k msgs/s (95% CI 120.1k–126.0k msgs/s, n=3)": the mean over runs and its CI. */
function describeValue(e: Entry, metric: Metric): string {
  const cb = e.clientBound && metric.clientBoundMatters ? ', client-bound' : '';
  return `${metric.format(e.interval.mean)} (${ciText(e.interval, metric.bound)}${cb})`;
}

/** "uws (event loop) 123.4k msgs/s (…)". */
function describeEntry(e: Entry, metric: Metric): string {
  return `${nameWithModel(e)} ${describeValue(e, metric)}`;
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.low !== null && a.high !== null && b.low !== null && b.high !== null && a.low <= b.high && b.low <= a.high;
}

/**
 * The claim comparing two entries on one metric, or the reason there is none. The ratio is always
 * larger mean / smaller mean with its 95% Fieller CI (report/ratio.ts).
 */
export function compareEntries(x: Entry, y: Entry, metric: Metric): Claim {
  const [big, small] = x.interval.mean >= y.interval.mean ? [x, y] : [y, x];
  const better = metric.higherIsBetter ? big : small;
  const worse = better === big ? small : big;
  const single = [big, small].filter((e) => e.values.length < 2);
  if (single.length > 0) {
    const who = single.map((e) => e.who).join(' and ');
    return {
      text: `${who} ${single.length > 1 ? 'have' : 'has'} a single run, so there is no confidence interval and no claim about ${metric.phrase} between ${big.who} and ${small.who} (repeat the cell, e.g. --repeat 3).`,
      supported: false,
      blocker: 'single-run',
    };
  }
  const est = ratioOfMeans(big.values, small.values);
  const ratioText = `${est.ratio.toFixed(2)}×`;
  const ciRatio = est.low !== null && est.high !== null ? ` (95% CI ${est.low.toFixed(2)}–${est.high.toFixed(2)}×)` : '';
  if (overlaps(big.interval, small.interval)) {
    return {
      text: `${big.who} and ${small.who}: the 95% CIs of ${metric.phrase} overlap, so these runs do not show a difference.`,
      supported: false,
      blocker: 'overlap',
    };
  }
  if (metric.clientBoundMatters && (big.clientBound || small.clientBound)) {
    // A client-bound throughput is a lower bound: if the better server is the client-bound one, the
    // true gap can only be larger, so "at least" still holds. Anything else proves nothing.
    if (metric === THROUGHPUT && better.clientBound && !worse.clientBound) {
      return {
        text: `${better.who}’s runs were client-bound, so its figure is only a lower bound: ${better.who} was at least ${ratioText} faster than ${worse.who}.`,
        supported: true,
        blocker: null,
      };
    }
    const cb = [big, small].filter((e) => e.clientBound).map((e) => e.who);
    return {
      text: `${cb.join(' and ')}’s runs were client-bound (the load generator was the limit), so no claim about ${metric.phrase} between ${big.who} and ${small.who} can be made.`,
      supported: false,
      blocker: 'client-bound',
    };
  }
  if (est.unbounded) {
    // The CIs are apart, so the direction stands; the smaller mean's CI reaches 0, so the ratio has no upper bound.
    return {
      text: `${metric.claim(big.who, small.who, `about ${ratioText}`)}: the CIs are apart, but ${small.who}’s runs vary too much to put a CI on the ratio.`,
      supported: true,
      blocker: null,
    };
  }
  return { text: `${metric.claim(big.who, small.who, ratioText)}${ciRatio}.`, supported: true, blocker: null };
}

function entry(runs: RunRow[], value: (r: RunRow) => number | null): Entry | null {
  const withValue = runs.filter((r) => value(r) !== null);
  if (withValue.length === 0) return null;
  const values = withValue.map((r) => value(r)!);
  const first = withValue[0]!;
  return {
    who: first.who,
    model: first.model,
    values,
    interval: summarize(values),
    clientBound: withValue.some((r) => r.quality === 'client-bound'),
    runs: withValue,
  };
}

/** Runs grouped by context (same conditions except server and connections). */
function byContext(runs: RunRow[]): Map<string, RunRow[]> {
  const out = new Map<string, RunRow[]>();
  for (const r of runs) out.set(r.contextKey, [...(out.get(r.contextKey) ?? []), r]);
  return out;
}

/** Usable echo-engine runs (ok, with msgs/s) grouped by context. */
function contexts(model: ReportModel, filter: (r: RunRow) => boolean = () => true): Map<string, RunRow[]> {
  return byContext(model.runs.filter((r) => r.status === 'ok' && r.msgsPerSec !== null && r.messages && filter(r)));
}

/**
 * Entries at the highest connection count where at least `minEntries` servers have a value; null if
 * there is none. Entries sorted best first.
 */
function atHighestShared(
  runs: RunRow[],
  value: (r: RunRow) => number | null,
  metric: Metric,
  minEntries = 2,
): { connections: number; entries: Entry[] } | null {
  const counts = [...new Set(runs.map((r) => r.connections))].sort((a, b) => b - a);
  for (const c of counts) {
    const byWho = new Map<string, RunRow[]>();
    for (const r of runs.filter((r) => r.connections === c)) byWho.set(r.who, [...(byWho.get(r.who) ?? []), r]);
    const entries = [...byWho.values()].map((rs) => entry(rs, value)).filter((e): e is Entry => e !== null);
    if (entries.length >= minEntries) {
      entries.sort((a, b) => (metric.higherIsBetter ? b.interval.mean - a.interval.mean : a.interval.mean - b.interval.mean));
      return { connections: c, entries };
    }
  }
  return null;
}

function joinList(parts: string[]): string {
  if (parts.length <= 1) return parts.join('');
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

/** What a comparison at the highest shared connection count is about: that count and the servers compared. */
function aboutShared(shared: { connections: number; entries: ReadonlyArray<{ who: string }> }): { connections: number; subjects: string[] } {
  return { connections: shared.connections, subjects: shared.entries.map((e) => e.who) };
}

function finding(
  kind: Finding['kind'],
  context: string,
  statement: string,
  claims: Claim[],
  about: { connections?: number; subjects?: string[] } = {},
): Finding {
  return {
    kind,
    context,
    connections: about.connections ?? null,
    subjects: [...(about.subjects ?? [])].sort(),
    statement,
    claims,
    text: [statement, ...claims.map((c) => c.text)].join(' '),
  };
}

/** Throughput of every server at the highest connection count they share, best against each other. */
export function throughputFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  // An open-loop run that kept up replied at the schedule's rate: a tie at the target says nothing (latencyFindings).
  for (const runs of contexts(model, (r) => !reachedTargetRate(r)).values()) {
    const shared = atHighestShared(runs, (r) => r.msgsPerSec, THROUGHPUT);
    if (!shared) continue;
    const [best, ...rest] = shared.entries;
    const context = runs[0]!.contextLabel;
    const handled = shared.entries.map((e, i) => (i === 0 ? `${nameWithModel(e)} handled ${describeValue(e, THROUGHPUT)}` : describeEntry(e, THROUGHPUT)));
    const statement = `At ${shared.connections} connections (${context}), ${joinList(handled)}.`;
    out.push(
      finding(
        'throughput',
        context,
        statement,
        rest.map((e) => compareEntries(best!, e, THROUGHPUT)),
        aboutShared(shared),
      ),
    );
  }
  return out;
}

/** The fastest event-loop server against the fastest threaded one, where both ran. */
export function familyFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  for (const runs of contexts(model, (r) => r.family !== 'other' && !reachedTargetRate(r)).values()) {
    const counts = [...new Set(runs.map((r) => r.connections))].sort((a, b) => b - a);
    for (const c of counts) {
      const at = runs.filter((r) => r.connections === c);
      const best = (family: RunRow['family']) => {
        const shared = atHighestShared(
          at.filter((r) => r.family === family),
          (r) => r.msgsPerSec,
          THROUGHPUT,
          1,
        );
        return shared?.entries[0] ?? null;
      };
      const asyncBest = best('async');
      const threadedBest = best('threaded');
      if (!asyncBest || !threadedBest) continue;
      const context = at[0]!.contextLabel;
      const statement =
        `At ${c} connections (${context}), the fastest event-loop server, ${asyncBest.who}, handled ${describeValue(asyncBest, THROUGHPUT)}; ` +
        `the fastest threaded one, ${nameWithModel(threadedBest)}, ${describeValue(threadedBest, THROUGHPUT)}.`;
      out.push(
        finding('threads-vs-async', context, statement, [compareEntries(asyncBest, threadedBest, THROUGHPUT)], {
          connections: c,
          subjects: [asyncBest.who, threadedBest.who],
        }),
      );
      break;
    }
  }
  return out;
}

/** Server CPU per message, cheapest against each other. Client-bound runs still count: it is per message. */
export function cpuFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  for (const runs of contexts(model).values()) {
    const shared = atHighestShared(runs, (r) => r.cpuUsPerMessage, CPU);
    if (!shared) continue;
    const [cheapest, ...rest] = shared.entries;
    const context = runs[0]!.contextLabel;
    const statement = `Server CPU per message at ${shared.connections} connections (${context}): ${joinList(shared.entries.map((e) => `${nameWithModel(e)} used ${describeValue(e, CPU)}`))}.`;
    out.push(
      finding(
        'cpu',
        context,
        statement,
        rest.map((e) => compareEntries(e, cheapest!, CPU)),
        aboutShared(shared),
      ),
    );
  }
  return out;
}

/**
 * Open loop at a target rate the servers kept up with: their figure is latency (corrected, from the intended
 * send time), lowest first. Mixed-workload contexts are left to headOfLineFindings (cheap-message p99).
 */
export function latencyFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  const hasClasses = (r: RunRow) => measuredCell(model, r.runId)?.load?.byClass?.['cheap'] !== undefined;
  for (const runs of contexts(model, (r) => r.mode === 'open' && !hasClasses(r)).values()) {
    if (!runs.some(reachedTargetRate)) continue;
    const shared = atHighestShared(runs, (r) => r.p99Us, P99, 1);
    if (!shared) continue;
    const [best, ...rest] = shared.entries;
    const context = runs[0]!.contextLabel;
    const short = shared.entries.filter((e) => !e.runs.every(reachedTargetRate)).map((e) => e.who);
    const shortText =
      short.length > 0 ? ` ${joinList(short)} fell short of the target rate, so ${short.length > 1 ? 'their' : 'its'} latency includes a growing queue.` : '';
    const statement = `At ${shared.connections} connections (${context}), p99 latency was ${joinList(shared.entries.map((e) => `${describeValue(e, P99)} on ${nameWithModel(e)}`))}.${shortText}`;
    out.push(
      finding(
        'latency',
        context,
        statement,
        rest.map((e) => compareEntries(e, best!, P99)),
        aboutShared(shared),
      ),
    );
  }
  return out;
}

/** A cheap p99 at or above this fraction of the heavy messages' median counts as blocked behind them. */
export const HOL_FRACTION = 0.5;

/** Mixed workload: cheap-message p99 per server, and whether cheap messages wait behind heavy ones. */
export function headOfLineFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  const classP = (r: RunRow, cls: string, field: 'p99Us' | 'p50Us') => measuredCell(model, r.runId)?.load?.byClass?.[cls]?.[field] ?? null;
  for (const runs of contexts(model, (r) => measuredCell(model, r.runId)?.load?.byClass?.['cheap'] !== undefined).values()) {
    const shared = atHighestShared(runs, (r) => classP(r, 'cheap', 'p99Us'), CHEAP_P99, 1);
    if (!shared) continue;
    const context = runs[0]!.contextLabel;
    const statement = `With heavy messages mixed in, at ${shared.connections} connections (${context}), cheap messages’ p99 was ${joinList(shared.entries.map((e) => `${describeValue(e, CHEAP_P99)} on ${nameWithModel(e)}`))}.`;
    const [best, ...rest] = shared.entries;
    const claims = rest.map((e) => compareEntries(e, best!, CHEAP_P99));
    for (const e of shared.entries) {
      const heavy = e.runs.map((r) => classP(r, 'heavy', 'p50Us')).filter((v): v is number => v !== null);
      if (heavy.length === 0) continue;
      const heavyMedian = summarize(heavy).mean;
      const cheap = e.interval.mean;
      if (e.clientBound) {
        claims.push({
          text: `${e.who}’s runs were client-bound, so its latencies include the load generator’s own delay: no claim about head-of-line blocking.`,
          supported: false,
          blocker: 'client-bound',
        });
      } else if (cheap >= HOL_FRACTION * heavyMedian) {
        claims.push({
          text: `On ${e.who} cheap messages’ p99 (${formatUs(cheap)}) reaches the heavy messages’ median time (${formatUs(heavyMedian)}): cheap messages wait behind heavy ones (head-of-line blocking).`,
          supported: true,
          blocker: null,
        });
      } else {
        claims.push({
          text: `On ${e.who} cheap messages’ p99 (${formatUs(cheap)}) stays well below the heavy messages’ median time (${formatUs(heavyMedian)}): no sign of head-of-line blocking.`,
          supported: true,
          blocker: null,
        });
      }
    }
    out.push(finding('head-of-line', context, statement, claims, aboutShared(shared)));
  }
  return out;
}

/** Idle ramp: memory per open connection (least-squares slope from results/sections.ts), cheapest against each other. */
export function memoryFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  const bytes = (r: RunRow) => measuredCell(model, r.runId)?.idle?.bytesPerConnection ?? null;
  for (const runs of byContext(model.runs.filter((r) => r.status === 'ok' && r.workload === 'idle' && bytes(r) !== null)).values()) {
    const shared = atHighestShared(runs, bytes, MEMORY, 1);
    if (!shared) continue;
    const [cheapest, ...rest] = shared.entries;
    const context = runs[0]!.contextLabel;
    const statement = `Memory per open connection in the idle ramp to ${shared.connections} connections (${context}): ${joinList(shared.entries.map((e) => `${nameWithModel(e)} ${describeValue(e, MEMORY)}`))}.${kernelMemoryText(shared.entries)}`;
    out.push(
      finding(
        'memory',
        context,
        statement,
        rest.map((e) => compareEntries(e, cheapest!, MEMORY)),
        aboutShared(shared),
      ),
    );
  }
  return out;
}

/**
 * " Kernel memory not in RSS …: uws 1.20 KiB, …" — the mean of each entry's kernelBytesPerConnection (KernelStack + SUnreclaim,
 * machine-wide), beside the user-memory figures; '' when no entry has it (older files).
 */
function kernelMemoryText(entries: Entry[]): string {
  const parts: string[] = [];
  for (const e of entries) {
    const values = e.runs.map((r) => r.kernelBytesPerConnection).filter((v): v is number => v !== null);
    if (values.length > 0) parts.push(`${e.who} ${MEMORY.format(values.reduce((a, v) => a + v, 0) / values.length)}`);
  }
  return parts.length > 0 ? ` Kernel memory per connection, not in RSS (KernelStack + SUnreclaim, machine-wide, mean over runs): ${joinList(parts)}.` : '';
}

/** Idle ramps that stopped short of their target: the most connections the server held at once. */
export function idleCeilingFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  const withSection = model.runs.filter((r) => r.status !== 'skipped' && measuredCell(model, r.runId)?.idle);
  const groups = new Map<string, RunRow[]>();
  for (const r of withSection) {
    const key = `${r.contextKey}|${r.who}|${r.connections}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  for (const runs of groups.values()) {
    const idle = runs.map((r) => measuredCell(model, r.runId)!.idle!);
    if (idle.some((s) => s.stoppedBy === 'target reached')) continue;
    const first = runs[0]!;
    const ceilings = idle.map((s) => s.ceiling);
    const range = ceilings.length > 1 ? `${runs.length} runs: ${Math.min(...ceilings)}–${Math.max(...ceilings)}` : 'one run';
    const statement =
      `In the idle ramp to ${first.connections} connections (${first.contextLabel}), ${nameWithModel(first)} held at most ${Math.max(...ceilings)} connections at once (${range}); ` +
      `the ramp ended with: “${truncate(idle[0]!.stoppedBy, 160)}”.`;
    const claim: Claim =
      runs.length > 1
        ? { text: `Its ceiling under these conditions is about ${Math.round(summarize(ceilings).median)} connections.`, supported: true, blocker: null }
        : { text: 'A single ramp does not establish a ceiling; repeat the cell to confirm it.', supported: false, blocker: 'single-run' };
    out.push(finding('ceiling', first.contextLabel, statement, [claim], { connections: first.connections, subjects: [first.who] }));
  }
  return out;
}

/** Where a server stops working: it ran at N connections, and every run at a higher count failed. */
export function ceilingFindings(model: ReportModel): Finding[] {
  const out: Finding[] = [];
  const byWhoContext = new Map<string, RunRow[]>();
  for (const r of model.runs) {
    // Idle ramps say where they stopped themselves (idleCeilingFindings).
    if (r.status === 'skipped' || measuredCell(model, r.runId)?.idle) continue;
    const key = `${r.contextKey}|${r.who}`;
    byWhoContext.set(key, [...(byWhoContext.get(key) ?? []), r]);
  }
  for (const runs of byWhoContext.values()) {
    const okCounts = runs.filter((r) => r.status === 'ok').map((r) => r.connections);
    const okMax = okCounts.length > 0 ? Math.max(...okCounts) : 0;
    const above = [...new Set(runs.filter((r) => r.connections > okMax).map((r) => r.connections))].sort((a, b) => a - b);
    const failedAt = above.find((c) => runs.filter((r) => r.connections === c).every((r) => isFailureStatus(r.status)));
    if (failedAt === undefined) continue;
    const failed = runs.filter((r) => r.connections === failedAt);
    const first = runs[0]!;
    const name = nameWithModel(first);
    const error = failed.find((r) => r.error)?.error;
    const errorText = error ? ` (first error: “${truncate(error, 160)}”)` : '';
    const ran = okMax > 0 ? `${name} ran at up to ${okMax} connections; ` : `${name} did not complete a run at any connection count tried; `;
    const statement = `${ran}at ${failedAt} connections ${failed.length > 1 ? `all ${failed.length} runs` : 'its only run'} failed${errorText}.`;
    const claim: Claim =
      failed.length > 1
        ? { text: `Its ceiling under these conditions lies between ${okMax > 0 ? okMax : 'no'} and ${failedAt} connections.`, supported: true, blocker: null }
        : { text: 'A single failed run does not establish a ceiling; repeat the cell to confirm it.', supported: false, blocker: 'single-run' };
    out.push(finding('ceiling', first.contextLabel, statement, [claim], { connections: failedAt, subjects: [first.who] }));
  }
  return out;
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** How many runs can back a claim at all. */
export function qualityFinding(model: ReportModel): Finding | null {
  const total = model.runs.length;
  if (total === 0) return null;
  const engine = model.runs.filter((r) => r.messages);
  const connection = model.runs.filter((r) => !r.messages);
  const count = (q: RunRow['quality']) => engine.filter((r) => r.quality === q).length;
  const parts: string[] = [];
  const add = (n: number, text: string) => {
    if (n > 0) parts.push(`${n} ${text}`);
  };
  add(count('server-bound'), 'server-bound');
  add(count('inconclusive'), 'inconclusive (neither side saturated)');
  add(count('no verdict'), 'without a verdict');
  add(count('client-bound'), 'client-bound (lower bounds on the server, never used as server figures)');
  add(count('failed'), 'failed');
  add(count('skipped'), 'skipped');
  if (connection.length > 0) {
    const names = [...new Set(connection.map((r) => r.workload))].sort().join(', ');
    const failed = connection.filter((r) => isFailureStatus(r.status)).length;
    add(connection.length, `connection-workload runs (${names}), which report their own figures${failed > 0 ? `, ${failed} of them failed` : ''}`);
  }
  const single = model.groups.filter((g) => g.n === 1).length;
  const cells = model.groups.length;
  const statement = `Of ${total} run${total === 1 ? '' : 's'}, ${joinList(parts)}.`;
  const claims: Claim[] = [];
  if (single > 0) {
    claims.push({
      text: `${single} of ${cells} cell${cells === 1 ? '' : 's'} ${single === 1 ? 'has' : 'have'} a single usable run, so ${single === 1 ? 'it has' : 'they have'} no confidence interval and support${single === 1 ? 's' : ''} no comparison.`,
      supported: false,
      blocker: 'single-run',
    });
  }
  return finding('quality', 'all results', statement, claims);
}

/** Every finding, in reading order: the headline question first, then detail, then data quality. */
export function computeFindings(model: ReportModel): Finding[] {
  const family = familyFindings(model);
  // A throughput paragraph that compares exactly the pair a threads-vs-async paragraph already compares says nothing new.
  const same = (a: Finding, b: Finding) =>
    a.context === b.context && a.connections === b.connections && a.subjects.join('\u0000') === b.subjects.join('\u0000');
  const throughput = throughputFindings(model).filter((t) => !family.some((f) => same(f, t)));
  const comparisons = [...family, ...throughput, ...latencyFindings(model), ...cpuFindings(model), ...headOfLineFindings(model), ...memoryFindings(model)];
  const out: Finding[] = [...comparisons, ...ceilingFindings(model), ...idleCeilingFindings(model)];
  if (comparisons.length === 0 && model.runs.length > 0) {
    out.unshift(
      finding('nothing-to-compare', 'all results', 'No two servers ran under the same conditions with usable results, so there is nothing to compare yet.', []),
    );
  }
  const q = qualityFinding(model);
  if (q) out.push(q);
  return out;
}
