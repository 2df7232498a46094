/**
 * The argument's claims (../shared/BACKGROUND.md C1–C5) as data, and the answer the result cells give to
 * each: supported / not supported / depends (on what) / no data / inconclusive, with the one or two
 * decisive figures (95% CIs where repeats allow: bench/stats.ts summarize, report/ratio.ts Fieller), the
 * conditions they hold under, and — where data is missing, client-bound or CIs overlap — one line saying
 * so and naming the run that would settle it.
 *
 * Built from cells only (result files' cells, legacy server names already mapped by results/reader.ts);
 * cli/reporters/claims.ts renders it (`wsarena report PATHS --claims`). Every threshold is in RULES, with
 * why; every cell selection is in CLAIMS (workloads, models, parameters, suite entries) and the selectors
 * beside it. The echo selection is the scorecard's (report/scorecard.ts isScorecardEcho), reused.
 *
 * Statistics follow report/findings.ts: a comparison of two means claims something only with ≥ 2 runs a
 * side and 95% CIs apart; a client-bound latency is never used as a server figure (CPU µs per message is a
 * server figure whoever was the bottleneck, so the CPU rules ignore verdicts). Idle ramps are the
 * exception to "≥ 2 runs", stated in RULES: the suite runs them once (they are long), a ramp that reached its
 * target is an existence proof, and a ramp that stopped short is believed once only when a machine limit
 * was ≥ 90% used at its peak.
 */
import { describeLimit, nearestLimit } from '../bench/limits.js';
import { type Interval, mean, median, summarize } from '../bench/stats.js';
import { cpuListSize } from '../core/cpu-list.js';
import { formatBytes, formatUs } from '../core/format.js';
import { serverLabel } from '../results/cell-label.js';
import { isMeasured } from '../results/cell-status.js';
import type { Cell, MeasuredCell } from '../results/schema.js';
import { starvationOf } from '../results/starved.js';
import { SERVERS } from '../servers/registry.js';
import type { ServerModel } from '../servers/spec.js';
import { HOL_FRACTION } from './findings.js';
import { MAX_SETTLING_RUNS, type RatioEstimate, ratioOfMeans, runsToSeparate, runsToSettle } from './ratio.js';
import { isScorecardEcho } from './scorecard.js';

export type ClaimId = 'C1' | 'C2' | 'C3' | 'C4' | 'C5';
export type ClaimAnswer = 'supported' | 'not supported' | 'depends' | 'no data' | 'inconclusive';

/**
 * The rules' numbers, in one place. Changing one changes what every claim says, so each says why.
 */
export const RULES = {
  /**
   * C1: OS threads "cost more" per message when the 95% CI of CPU µs/msg (OS thread ÷ cheap thread of the same
   * runtime) lies wholly at or above 1.5×, and cost "about the same" when it lies wholly below 1.5×. Not 1×: a
   * thread per connection always switches a little more (METHOD.md §3); the claim is that it stops *working*, so
   * a difference has to be large enough to matter before it counts for the claim, and the rule can then also say
   * "not supported".
   */
  c1CpuRatio: 1.5,
  /**
   * C1 and C3 are about very many connections (the C10k territory of the argument): "not supported" (C1) and
   * "supported" (C3) need an idle ramp that reached at least this many connections. Below it no model is
   * stressed on this box, so agreement there says nothing about the claim.
   */
  manyConnections: 10_000,
  /**
   * A ramp that stopped short of its target counts after one run only when the limit nearest to ending it was at
   * least this full at its peak (bench/limits.ts): a machine limit then explains the ceiling. Otherwise (errors,
   * timeouts) it needs ≥ 2 ramps, as findings.ts asks of a ceiling.
   */
  limitBound: 0.9,
  /** Two ceilings within this fraction of each other are "the same ceiling" (ramps stop in steps). */
  ceilingTolerance: 0.1,
  /**
   * C3: an event-loop connection is "cheap" when its memory (user + kernel) is at most one thread's kernel
   * stack, 16 KiB: the least a thread per connection costs before its user stack and task structures.
   */
  c3CheapBytes: 16 * 1024,
  /** A memory slope is trusted from a single ramp only with R² at least this (n ≥ 2: the CI decides). */
  minR2: 0.9,
  /**
   * C3: the event loop stays cheap as connections grow when the CI of CPU µs/msg (most ÷ fewest connections) lies
   * wholly below 1.5×; at or above it, the answer is "depends on connection count".
   */
  c3CpuGrowth: 1.5,
  /**
   * C4: the event loop is blocked when its cheap-message p99 reaches this fraction of the heavy messages' median
   * time (findings.ts's head-of-line rule, reused): then cheap messages waited behind a heavy one.
   */
  holFraction: HOL_FRACTION,
} as const;

/** The suite every settling command names, and the entries that produce each claim's cells. */
export const SUITE = 'threaded-vs-async';

/**
 * Entries of bench/scenarios/threaded-vs-async.json the claims name, with their servers (a test keeps these in
 * step with the file). A settling command names the entry when it covers the servers, else a `wsarena run`.
 */
export const SUITE_ENTRIES = {
  'scaling-closed': ['ws-loop', 'uws', 'ws-cluster', 'uws-threads', 'ws-piscina', 'go-goroutines', 'go-os-threads', 'java-threads', 'java-virtual-threads'],
  'idle-threads': ['java-threads', 'java-virtual-threads', 'go-os-threads', 'go-goroutines', 'ws-loop'],
  'pool-starvation': ['java-threads'],
  mixed: 'all',
  'mixed-2cores': ['ws-loop', 'uws', 'ws-piscina', 'ws-cluster', 'uws-threads', 'go-goroutines', 'java-threads', 'java-virtual-threads', 'go-os-threads'],
  'scaling-long-poll': ['long-poll'],
} as const satisfies Record<string, readonly string[] | 'all'>;
type EntryName = keyof typeof SUITE_ENTRIES;

export interface ClaimSpec {
  id: ClaimId;
  text: string;
  /** The cells that test it. */
  tests: {
    workloads: string[];
    /** Models on each side of the comparison (servers/spec.ts ServerModel). */
    sides: Record<string, readonly ServerModel[] | readonly string[]>;
    /** The parameters the selection fixes, in words. */
    params: string;
    /** Suite entries that produce these cells. */
    entries: EntryName[];
  };
}

/** The idle ramp settings of the idle-threads entry, for `wsarena run` commands that repeat or extend it. */
const IDLE_RUN =
  '--workload idle --connections 19000 --steps 5 --hold 3s --final-hold 10s --ramp 2000 --client-workers 2 --ping-interval 1s --handshake-timeout 30s';
/** The scaling-closed entry's settings (closed loop, 1 message in flight, server on CPU 0 by default). */
const ECHO_RUN = '--workload echo --depth 1 --duration 5s --warmup 1s --drain 1s --client-workers 1 --handshake-timeout 30s';
/** The mixed entry's settings (open loop, 1% heavy messages of 5,000,000 iterations). */
const MIXED_RUN = '--workload mixed --rate 2000 --work-iterations 5000000 --heavy-fraction 0.01 --duration 5s --warmup 1s --drain 1s';
/** The pool-starvation entry's settings. */
const POOL_RUN = '--workload idle --steps 1 --hold 0 --final-hold 5s --ping-interval 1s --handshake-timeout 5s';
/** Repeats asked for when CIs overlap or a side has one run: more runs narrow the CI of the mean. */
const MORE_REPEATS = 5;

/** C1: OS threads per connection against the cheap threads (or event loop) of the same runtime. */
const OS_THREAD_MODELS: readonly ServerModel[] = ['thread-per-connection'];
/** Cheap per-connection concurrency, preferred in this order as the counterpart (same program first). */
const CHEAP_MODELS: readonly ServerModel[] = ['virtual-threads', 'goroutines', 'event-loop'];
/** C2: the server flag that turns a server into a fixed pool of N threads with blocking I/O. */
const POOL_ARG = 'max-threads';
/** C3 and C4: the event loop. */
const EVENT_LOOP_MODELS: readonly ServerModel[] = ['event-loop'];
/** C4: every model that runs handlers off the event loop's thread: pools, threads, processes. */
const OFF_LOOP_MODELS: readonly ServerModel[] = [
  'thread-pool',
  'threads',
  'processes',
  'thread-per-connection',
  'virtual-threads',
  'worker-per-connection',
  'goroutines',
];
/** C5: long polling, against the WebSocket event loop on the same runtime (Node, one event loop, JS framing). */
const LONG_POLL_MODELS: readonly ServerModel[] = ['long-poll'];
const C5_WEBSOCKET_SERVER = 'ws-loop';

export const CLAIMS: readonly ClaimSpec[] = [
  {
    id: 'C1',
    text: 'Thread per connection needs very cheap threads',
    tests: {
      workloads: ['idle', 'echo'],
      sides: { 'OS threads': OS_THREAD_MODELS, 'cheap threads or event loop, same runtime': CHEAP_MODELS },
      params: `idle ramps (user + kernel bytes per connection, ceiling and nearest limit); echo closed loop, 1 in flight, server on 1 core (CPU µs/msg, cs/msg by connections); no --server-arg`,
      entries: ['idle-threads', 'scaling-closed'],
    },
  },
  {
    id: 'C2',
    text: 'A bounded thread pool cannot hold long-lived connections',
    tests: {
      workloads: ['idle', 'echo'],
      sides: { 'fixed pool': [`--server-arg ${POOL_ARG}=N`] },
      params: `cells with ${POOL_ARG}=N and more than N connections: connections starved (accepted, upgrade never answered)`,
      entries: ['pool-starvation'],
    },
  },
  {
    id: 'C3',
    text: 'An event loop holds many connections cheaply while handlers need little CPU',
    tests: {
      workloads: ['idle', 'echo'],
      sides: { 'event loop': EVENT_LOOP_MODELS },
      params: 'idle ramps (bytes per connection, ceiling); echo closed loop, 1 in flight, server on 1 core (CPU µs/msg, most ÷ fewest connections)',
      entries: ['idle-threads', 'scaling-closed'],
    },
  },
  {
    id: 'C4',
    text: 'CPU-heavy handlers block an event loop; threads or a pool keep cheap messages fast',
    tests: {
      workloads: ['mixed'],
      sides: { 'event loop': EVENT_LOOP_MODELS, 'threads, pools, processes': OFF_LOOP_MODELS },
      params: 'mixed workload, cheap-message p99 (load.byClass.cheap) best against best, per server core count',
      entries: ['mixed', 'mixed-2cores'],
    },
  },
  {
    id: 'C5',
    text: 'Long polling costs more than WebSocket push',
    tests: {
      workloads: ['echo'],
      sides: { 'long polling': LONG_POLL_MODELS, WebSocket: [C5_WEBSOCKET_SERVER] },
      params: 'echo closed loop, 1 in flight, server on 1 core, same connections and payload: server CPU µs per delivered message',
      entries: ['scaling-long-poll', 'scaling-closed'],
    },
  },
];

export interface ClaimFigure {
  /** What it measures. */
  label: string;
  /** Point estimate: a ratio (×) or a value. */
  value: number;
  /** 95% CI; null without repeats. */
  low: number | null;
  high: number | null;
  /** Runs behind it (the smaller side of a ratio). */
  n: number;
  /** As printed. */
  text: string;
}

export interface ClaimResult {
  id: ClaimId;
  claim: string;
  answer: ClaimAnswer;
  /** With 'depends': on what ("connection count", "server cores", "runtime", …). */
  dependsOn: string | null;
  /** One sentence: why this answer. */
  reason: string;
  /** One or two decisive figures. */
  figures: ClaimFigure[];
  /** Server cores, threads, versions and knobs of the cells used. */
  conditions: string[];
  /** Where data is missing, client-bound or CIs overlap: one line saying so (with the settling run), else null. */
  gap: string | null;
  /** The exact command that would settle it, else null. */
  settle: string | null;
  /** Ids of the cells the answer rests on. */
  cellIds: string[];
}

/** One comparison inside a claim (a runtime pair, a core count, a connection count …). */
interface Part {
  label: string;
  answer: ClaimAnswer;
  dependsOn: string | null;
  reason: string;
  figures: ClaimFigure[];
  gap: string | null;
  settle: string | null;
  cells: MeasuredCell[];
}

const DECISIVE: ReadonlySet<ClaimAnswer> = new Set(['supported', 'not supported', 'depends']);

/** Every claim's answer from these cells, in CLAIMS order. */
export function computeClaims(cells: readonly Cell[]): ClaimResult[] {
  // A skipped cell measured nothing: no claim reads it.
  const usable = cells.filter(isMeasured);
  const evaluate: Record<ClaimId, (cs: readonly MeasuredCell[]) => Omit<ClaimResult, 'id' | 'claim' | 'conditions' | 'cellIds'> & { cells: MeasuredCell[] }> = {
    C1: claimC1,
    C2: claimC2,
    C3: claimC3,
    C4: claimC4,
    C5: claimC5,
  };
  return CLAIMS.map((spec) => {
    const { cells: used, ...r } = evaluate[spec.id](usable);
    return { id: spec.id, claim: spec.text, ...r, conditions: conditionsOf(used), cellIds: [...new Set(used.map((c) => c.id))] };
  });
}

// ---------------------------------------------------------------------------------------------------
// C1: thread per connection needs very cheap threads.
// ---------------------------------------------------------------------------------------------------

/**
 * Per OS-thread server S and its cheap counterpart T of the same runtime (java-threads / java-virtual-threads,
 * go-os-threads / go-goroutines):
 * - supported: S's idle ramp ended below T's ceiling (a lower ceiling), or S needs ≥ 1.5× T's CPU µs/msg
 *   (whole CI) at the most connections both ran and not clearly less at the fewest;
 * - depends on connection count: S costs about the same (CI below 1.5×) at the fewest connections and ≥ 1.5× at
 *   the most;
 * - not supported: S reached the same ceiling as T in a ramp to ≥ 10,000 connections and costs about the same per
 *   message at the most connections both ran (memory per connection is reported, not ruled on: a cost that
 *   neither lowers the ceiling nor raises the cost per message does not stop a thread per connection working);
 * - otherwise inconclusive (one run, CIs spanning 1.5×, a piece missing), with the run that settles it.
 * Pairs that disagree make the answer "depends on the runtime".
 */
function claimC1(cells: readonly MeasuredCell[]) {
  const os = serversOf(cells, OS_THREAD_MODELS);
  if (os.length === 0) {
    return noData('no OS-thread-per-connection server (java-threads, go-os-threads) in these results', suiteCommand(['idle-threads', 'scaling-closed']));
  }
  const cheap = serversOf(cells, CHEAP_MODELS);
  const parts: Part[] = [];
  for (const s of os) {
    const lang = SERVERS[s]!.language;
    const t = CHEAP_MODELS.flatMap((m) => cheap.filter((c) => SERVERS[c]!.model === m && SERVERS[c]!.language === lang))[0];
    if (t === undefined) {
      parts.push(
        inconclusivePart(
          s,
          `${s} has no cheap-thread or event-loop counterpart in the same runtime (${lang}) in these results`,
          settleFor(['idle-threads', 'scaling-closed'], [s]),
          [],
        ),
      );
      continue;
    }
    parts.push(c1Pair(cells, s, t));
  }
  return combine(parts, 'runtime');
}

function c1Pair(cells: readonly MeasuredCell[], s: string, t: string): Part {
  const label = `${s} vs ${t}`;
  const idle = sharedRamp(cells, s, t);
  const echo = sharedEcho(cells, s, t, (c) => c.serverResources?.cpuUsPerMessage);
  const used = [...(idle ? [...idle.a.cells, ...idle.b.cells] : []), ...(echo ? echo.cells : [])];
  if (!idle && !echo) {
    const cmd = settleFor(['idle-threads', 'scaling-closed'], [s, t]);
    return {
      label,
      answer: 'no data',
      dependsOn: null,
      reason: `no idle ramp or closed-loop echo shared by ${s} and ${t}`,
      figures: [],
      gap: `${label}: no shared idle ramp or closed-loop echo: run ${cmd}`,
      settle: cmd,
      cells: [],
    };
  }
  const mem = idle ? memoryRatioFigure(idle.a, idle.b) : null;
  const ceiling = idle ? compareCeilings(idle.a, idle.b) : null;
  const lo = echo ? echo.counts[0]! : 0;
  const hi = echo ? echo.counts[echo.counts.length - 1]! : 0;
  const low = echo ? classifyRatio(ratioOfMeans(echo.a.get(lo)!, echo.b.get(lo)!), RULES.c1CpuRatio) : null;
  const high = echo ? classifyRatio(ratioOfMeans(echo.a.get(hi)!, echo.b.get(hi)!), RULES.c1CpuRatio) : null;
  const hiFig = echo ? cpuRatioFigure(echo, hi, s, t, cells) : null;
  const loFig = echo && lo !== hi ? cpuRatioFigure(echo, lo, s, t, cells) : null;
  const part = (
    answer: ClaimAnswer,
    reason: string,
    figures: Array<ClaimFigure | null>,
    extra: { dependsOn?: string; gap?: string; settle?: string | null } = {},
  ): Part => ({
    label,
    answer,
    dependsOn: extra.dependsOn ?? null,
    reason,
    figures: figures.filter((f): f is ClaimFigure => f !== null).slice(0, 2),
    gap: extra.gap === undefined ? null : `${label}: ${extra.gap}`,
    settle: extra.settle ?? null,
    cells: used,
  });
  const repeatRamp = `wsarena run --server ${s},${t} ${IDLE_RUN} --repeat 2`;
  if (ceiling?.kind === 'lower') {
    return part('supported', `${s} held at most ${ceiling.a} connections${ceiling.limit ? ` (nearest limit: ${ceiling.limit})` : ''}; ${t} held ${ceiling.b}`, [
      mem,
      hiFig,
    ]);
  }
  if (high === 'above') {
    if (lo !== hi && low === 'below') {
      return part(
        'depends',
        `${s} costs < ${RULES.c1CpuRatio}× the CPU per message of ${t} at ${lo} connections and ≥ ${RULES.c1CpuRatio}× at ${hi}`,
        [loFig, hiFig],
        { dependsOn: 'connection count' },
      );
    }
    return part(
      'supported',
      `${s} needs ≥ ${RULES.c1CpuRatio}× the CPU per message of ${t} at ${hi} connections${lo !== hi && low === 'above' ? ` (and at ${lo})` : ''}`,
      [hiFig, mem ?? loFig],
    );
  }
  if (high === 'below') {
    if (ceiling?.kind === 'same' && ceiling.a >= RULES.manyConnections) {
      return part(
        'not supported',
        `${s} held ${ceiling.a} idle connections (of ${ceiling.target}) like ${t}, and needs < ${RULES.c1CpuRatio}× its CPU per message at ${hi} connections`,
        [mem, hiFig],
      );
    }
    if (ceiling === null) {
      const cmd = settleFor(['idle-threads'], [s, t]);
      return part('inconclusive', `< ${RULES.c1CpuRatio}× the CPU per message at ${hi} connections, but no idle ramp of both shows the ceiling`, [hiFig], {
        gap: `no idle ramp of both: run ${cmd}`,
        settle: cmd,
      });
    }
    if (ceiling.kind === 'same') {
      const cmd = settleFor(['idle-threads'], [s, t]);
      return part('inconclusive', `both held ${ceiling.a} idle connections, fewer than the ${RULES.manyConnections} the claim is about`, [mem, hiFig], {
        gap: `idle ramps held only ${ceiling.a}: run ${cmd}`,
        settle: cmd,
      });
    }
    return part('inconclusive', `${s}'s single ramp stopped at ${ceiling.a} with no machine limit near`, [mem, hiFig], {
      gap: `one ramp of ${s} stopped short (${ceiling.stoppedBy}): run ${repeatRamp}`,
      settle: repeatRamp,
    });
  }
  if (high === 'single' || high === 'unclear') {
    const why = high === 'single' ? 'a side has a single run, so no CI' : `the CI of the CPU ratio spans ${RULES.c1CpuRatio}× (CIs overlap)`;
    const open = ratioGap(
      `${why} at ${hi} connections`,
      echo!.a.get(hi)!,
      echo!.b.get(hi)!,
      RULES.c1CpuRatio,
      (repeat) => `wsarena run --server ${s},${t} ${ECHO_RUN} --connections ${hi} --repeat ${repeat}`,
    );
    return part('inconclusive', `at ${hi} connections ${why}`, [hiFig, mem], open);
  }
  // No shared echo: the idle ramp alone cannot say what a message costs.
  if (ceiling?.kind === 'single') {
    return part('inconclusive', `${s}'s single ramp stopped at ${ceiling.a} with no machine limit near`, [mem], {
      gap: `one ramp of ${s} stopped short (${ceiling.stoppedBy}): run ${repeatRamp}`,
      settle: repeatRamp,
    });
  }
  const cmd = settleFor(['scaling-closed'], [s, t]);
  return part('inconclusive', `both held ${ceiling?.a ?? '?'} idle connections; no closed-loop echo of both shows the cost per message`, [mem], {
    gap: `no closed-loop echo (1 in flight, 1 core) of both: run ${cmd}`,
    settle: cmd,
  });
}

// ---------------------------------------------------------------------------------------------------
// C2: a bounded thread pool cannot hold long-lived connections.
// ---------------------------------------------------------------------------------------------------

/**
 * Per (server, pool size N, connections M > N): supported when every run starved connections (accepted, upgrade
 * never answered: results/starved.ts); not supported when no run starved any; runs that disagree are
 * inconclusive (with ≥ 2 runs the CI of the starved count spans 0: C2's "CIs overlap"). A count, not a mean of a
 * noisy rate: one run that starves exactly the M − N beyond the pool shows the mechanism, so n = 1 counts here.
 */
function claimC2(cells: readonly MeasuredCell[]) {
  const pooled = cells.filter((c) => c.params.serverArgs?.[POOL_ARG] !== undefined && (c.idle || c.load));
  const groups = new Map<string, MeasuredCell[]>();
  for (const c of pooled) {
    const n = c.params.serverArgs![POOL_ARG]!;
    const m = attempted(c);
    if (m <= n) continue;
    const key = JSON.stringify([c.server, n, m]);
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  if (groups.size === 0) {
    const why = pooled.length > 0 ? `every --server-arg ${POOL_ARG}=N cell had at most N connections` : `no cell of a fixed pool (--server-arg ${POOL_ARG}=N)`;
    return noData(why, suiteCommand(['pool-starvation']));
  }
  const parts: Part[] = [];
  for (const group of groups.values()) {
    const first = group[0]!;
    const n = first.params.serverArgs![POOL_ARG]!;
    const m = attempted(first);
    const starved = group.map((c) => starvationOf(c)?.starved ?? 0);
    const label = `${serverLabel(first)} with ${m} connections`;
    const i = summarize(starved);
    const figures: ClaimFigure[] = [
      {
        label: `starved connections of ${m}, pool of ${n}`,
        value: i.mean,
        low: i.low,
        high: i.high,
        n: i.n,
        text: `starved ${fmtCount(i)} of ${m} (pool ${n}, ${m - n} beyond it)${i.n === 1 ? ', n=1' : `, ${ciCount(i)}`}`,
      },
    ];
    const control = controlRamp(cells, first.server, m);
    if (control) figures.push(control.figure);
    const used = [...group, ...(control ? [control.cell] : [])];
    const cmd = `wsarena run --server ${first.server} --server-arg ${POOL_ARG}=${n} ${POOL_RUN} --connections ${m} --repeat 3`;
    if (starved.every((v) => v > 0)) {
      parts.push({
        label,
        answer: 'supported',
        dependsOn: null,
        reason: `a pool of ${n} threads left ${fmtCount(i)} of ${m} connections unanswered`,
        figures,
        gap: null,
        settle: null,
        cells: used,
      });
    } else if (starved.every((v) => v === 0)) {
      parts.push({
        label,
        answer: 'not supported',
        dependsOn: null,
        reason: `a pool of ${n} threads served all ${m} connections`,
        figures,
        gap: null,
        settle: null,
        cells: used,
      });
    } else {
      parts.push({
        label,
        answer: 'inconclusive',
        dependsOn: null,
        reason: `runs disagree (starved: ${starved.join(', ')})`,
        figures,
        gap: `${label}: runs disagree (starved ${starved.join(', ')}; the CI spans 0): run ${cmd}`,
        settle: cmd,
        cells: used,
      });
    }
  }
  return combine(parts, 'pool size and connection count');
}

/** The same server without the pool, in a ramp to at least `m` connections: "held 19000 of 19000". */
function controlRamp(cells: readonly MeasuredCell[], server: string, m: number): { figure: ClaimFigure; cell: MeasuredCell } | null {
  const ramps = cells.filter((c) => c.server === server && c.idle && noServerArgs(c) && c.idle.params.targetConnections >= m);
  if (ramps.length === 0) return null;
  const best = ramps.reduce((a, b) => (b.idle!.ceiling > a.idle!.ceiling ? b : a));
  const figure: ClaimFigure = {
    label: `${server} without the pool: most connections held`,
    value: best.idle!.ceiling,
    low: null,
    high: null,
    n: ramps.length,
    text: `without the pool ${server} held ${best.idle!.ceiling} of ${best.idle!.params.targetConnections}`,
  };
  return { figure, cell: best };
}

// ---------------------------------------------------------------------------------------------------
// C3: an event loop holds many connections cheaply while handlers need little CPU.
// ---------------------------------------------------------------------------------------------------

/**
 * Per event-loop server:
 * - not supported: its idle ramp ended short (see RULES.limitBound), or its memory per connection (user + kernel)
 *   exceeds one thread's kernel stack (16 KiB; whole CI with repeats, R² ≥ 0.9 with one ramp);
 * - depends on connection count: its CPU µs/msg at the most connections is ≥ 1.5× that at the fewest (whole CI);
 * - supported: a ramp to ≥ 10,000 connections reached, ≤ 16 KiB per connection, and CPU µs/msg at the most
 *   connections < 1.5× that at the fewest (whole CI);
 * - otherwise inconclusive, with the run that settles it.
 * Servers that disagree make the answer "depends on the server".
 */
function claimC3(cells: readonly MeasuredCell[]) {
  const loops = serversOf(cells, EVENT_LOOP_MODELS);
  if (loops.length === 0) return noData('no event-loop server (ws-loop, uws) in these results', suiteCommand(['idle-threads', 'scaling-closed']));
  return combine(
    loops.map((s) => c3Server(cells, s)),
    'server',
  );
}

function c3Server(cells: readonly MeasuredCell[], s: string): Part {
  const ramp = largestRamp(cells, s);
  const echo = echoByConnections(cells, s, (c) => c.serverResources?.cpuUsPerMessage);
  const counts = [...echo.keys()].sort((a, b) => a - b);
  const used = [...(ramp?.cells ?? []), ...counts.flatMap((n) => echoCells(cells, s).filter((c) => c.params.connections === n))];
  const figures: ClaimFigure[] = [];
  const part = (answer: ClaimAnswer, reason: string, dependsOn: string | null = null, gap: string | null = null, settle: string | null = null): Part => ({
    label: s,
    answer,
    dependsOn,
    reason,
    figures: figures.slice(0, 2),
    gap: gap === null ? null : `${s}: ${gap}`,
    settle,
    cells: used,
  });
  if (!ramp && counts.length === 0)
    return part(
      'no data',
      `no idle ramp or closed-loop echo of ${s}`,
      null,
      `no data: run ${settleFor(['idle-threads', 'scaling-closed'], [s])}`,
      settleFor(['idle-threads', 'scaling-closed'], [s]),
    );

  let growth: RatioClass | null = null;
  let lo = 0;
  let hi = 0;
  if (counts.length >= 2) {
    lo = counts[0]!;
    hi = counts[counts.length - 1]!;
    const est = ratioOfMeans(echo.get(hi)!, echo.get(lo)!);
    growth = classifyRatio(est, RULES.c3CpuGrowth);
    figures.push(ratioFigure(`CPU µs/msg of ${s}, ${hi} ÷ ${lo} connections`, est, `${s} CPU µs/msg @${hi} ÷ @${lo}`));
  }
  let memory: 'cheap' | 'costly' | 'unclear' | null = null;
  let reached: 'yes' | 'short' | 'single-short' | null = null;
  if (ramp) {
    const total = ramp.cells.map(totalBytes).filter((v): v is number => v !== null);
    if (total.length > 0) {
      const i = summarize(total);
      const kernelMissing = ramp.cells.some((c) => c.idle!.kernelBytesPerConnection == null);
      figures.unshift({
        label: `memory per connection of ${s} (user + kernel)`,
        value: i.mean,
        low: i.low,
        high: i.high,
        n: i.n,
        text: `${s} ${formatBytes(i.mean)}/conn user + kernel${kernelMissing ? ' (kernel not measured)' : ''} (${ciBytes(i)}) in a ramp to ${ramp.target}`,
      });
      const r2ok = ramp.cells.every((c) => (c.idle!.r2 ?? 0) >= RULES.minR2);
      if (i.low !== null && i.high !== null) memory = i.low > RULES.c3CheapBytes ? 'costly' : i.high <= RULES.c3CheapBytes ? 'cheap' : 'unclear';
      else memory = !r2ok ? 'unclear' : i.mean > RULES.c3CheapBytes ? 'costly' : 'cheap';
    }
    const c = ceilingOf(ramp);
    reached = c.reached ? 'yes' : c.definite ? 'short' : 'single-short';
  }
  const idleCmd = settleFor(['idle-threads'], [s]);
  if (reached === 'short') {
    const c = ceilingOf(ramp!);
    return part('not supported', `${s} held at most ${c.max} of ${ramp!.target} idle connections${c.limit ? ` (nearest limit: ${c.limit})` : ''}`);
  }
  if (memory === 'costly')
    return part('not supported', `${s} needs more than ${formatBytes(RULES.c3CheapBytes)} (one thread's kernel stack) per idle connection`);
  if (growth === 'above') return part('depends', `${s}'s CPU per message grows ≥ ${RULES.c3CpuGrowth}× from ${lo} to ${hi} connections`, 'connection count');
  if (growth === 'single' || growth === 'unclear') {
    const why = growth === 'single' ? 'a single run at one end, so no CI' : `the CI of the growth spans ${RULES.c3CpuGrowth}× (CIs overlap)`;
    const open = ratioGap(
      why,
      echo.get(hi)!,
      echo.get(lo)!,
      RULES.c3CpuGrowth,
      (repeat) => `wsarena run --server ${s} ${ECHO_RUN} --connections ${lo},${hi} --repeat ${repeat}`,
    );
    return part('inconclusive', `CPU per message from ${lo} to ${hi} connections: ${why}`, null, open.gap, open.settle);
  }
  if (growth === null) {
    const cmd = settleFor(['scaling-closed'], [s]);
    return part('inconclusive', `no closed-loop echo of ${s} at two connection counts`, null, `no echo at 100 and 10,000 connections: run ${cmd}`, cmd);
  }
  // growth 'below': cheap as connections grow; now the idle side.
  if (ramp === null || memory === null)
    return part(
      'inconclusive',
      `CPU per message stays flat from ${lo} to ${hi} connections, but no idle ramp shows the memory per connection`,
      null,
      `no idle ramp: run ${idleCmd}`,
      idleCmd,
    );
  if (reached === 'single-short') {
    const cmd = `wsarena run --server ${s} ${IDLE_RUN} --repeat 2`;
    return part('inconclusive', `${s}'s single ramp stopped short without a machine limit near`, null, `one ramp stopped short: run ${cmd}`, cmd);
  }
  if (memory === 'unclear') {
    const cmd = `wsarena run --server ${s} ${IDLE_RUN} --repeat 3`;
    return part(
      'inconclusive',
      `memory per connection not clearly on either side of ${formatBytes(RULES.c3CheapBytes)}`,
      null,
      `memory per connection unclear (CI spans ${formatBytes(RULES.c3CheapBytes)} or R² < ${RULES.minR2}): run ${cmd}`,
      cmd,
    );
  }
  if (ramp.target < RULES.manyConnections) {
    return part(
      'inconclusive',
      `${s} held ${ramp.target} idle connections cheaply, fewer than the ${RULES.manyConnections} the claim is about`,
      null,
      `idle ramp only to ${ramp.target}: run ${idleCmd}`,
      idleCmd,
    );
  }
  return part(
    'supported',
    `${s} held ${ramp.target} idle connections at ≤ ${formatBytes(RULES.c3CheapBytes)} each, and its CPU per message grows < ${RULES.c3CpuGrowth}× from ${lo} to ${hi} connections`,
  );
}

// ---------------------------------------------------------------------------------------------------
// C4: CPU-heavy handlers block an event loop; threads or a pool keep cheap messages fast.
// ---------------------------------------------------------------------------------------------------

/**
 * Per server core count, in the mixed context with the most servers: the event loop with the lowest mean
 * cheap-message p99 against the off-loop model (pool, threads, processes) with the lowest (entries with ≥ 2 runs
 * preferred). Client-bound runs or a single run: inconclusive. Then:
 * - not supported: the event loop was not blocked (its cheap p99 < half the heavy messages' median), or the off-loop
 *   model's cheap p99 is higher with CIs apart;
 * - supported: blocked, and the off-loop model's cheap p99 lower with CIs apart;
 * - CIs overlap: inconclusive.
 * Core counts that disagree make the answer "depends on server cores" (on one core a pool has no second core to
 * run the heavy message on).
 */
function claimC4(cells: readonly MeasuredCell[]) {
  const mixed = cells.filter((c) => c.status === 'ok' && c.load?.byClass?.['cheap'] !== undefined && noServerArgs(c) && modelOf(c.server) !== null);
  const sides = mixed.filter((c) => EVENT_LOOP_MODELS.includes(modelOf(c.server)!) || OFF_LOOP_MODELS.includes(modelOf(c.server)!));
  if (sides.length === 0) return noData('no mixed-workload cells with per-class latency', suiteCommand(['mixed', 'mixed-2cores']));
  const byCores = new Map<string, Map<string, MeasuredCell[]>>();
  for (const c of sides) {
    const cores = c.pinning.serverCpus === null ? 'unpinned' : String(cpuListSize(c.pinning.serverCpus) ?? c.pinning.serverCpus);
    const p = c.params;
    const ctx = JSON.stringify([p.mode, p.rateHz, p.depth, p.payloadBytes, p.workIterations, p.heavyFraction, p.connections, c.pinning.serverCpus]);
    const contexts = byCores.get(cores) ?? new Map<string, MeasuredCell[]>();
    byCores.set(cores, contexts);
    contexts.set(ctx, [...(contexts.get(ctx) ?? []), c]);
  }
  const parts: Part[] = [];
  for (const [cores, contexts] of [...byCores.entries()].sort((a, b) => a[0].localeCompare(b[0]))) {
    // The context with the most servers (then the most runs) speaks for the core count.
    const ctx = [...contexts.values()].sort((a, b) => distinct(b.map((c) => c.server)) - distinct(a.map((c) => c.server)) || b.length - a.length)[0]!;
    parts.push(c4Context(ctx, cores));
  }
  // One core and two answer different questions (on one core a pool has no second core): say which is missing.
  for (const [cores, entry] of [
    ['1', 'mixed'],
    ['2', 'mixed-2cores'],
  ] as const) {
    if (byCores.has(cores)) continue;
    const label = `${cores} server core${cores === '1' ? '' : 's'}`;
    const cmd = suiteCommand([entry]);
    parts.push({
      label,
      answer: 'no data',
      dependsOn: null,
      reason: `no mixed cells on ${label}`,
      figures: [],
      gap: `no mixed cells on ${label}: run ${cmd}`,
      settle: cmd,
      cells: [],
    });
  }
  return combine(parts, 'server cores');
}

function c4Context(ctx: MeasuredCell[], cores: string): Part {
  const label = cores === 'unpinned' ? 'server unpinned' : `${cores} server core${cores === '1' ? '' : 's'}`;
  const entry: EntryName | null = cores === '1' ? 'mixed' : cores === '2' ? 'mixed-2cores' : null;
  const p = ctx[0]!.params;
  const best = (models: readonly ServerModel[]) => {
    const entries = groupBy(
      ctx.filter((c) => models.includes(modelOf(c.server)!)),
      (c) => c.server,
    ).map(([server, cs]) => ({ server, cells: cs, values: cs.map((c) => c.load!.byClass!['cheap']!.p99Us) }));
    const withRepeats = entries.filter((e) => e.values.length >= 2);
    const pool = withRepeats.length > 0 ? withRepeats : entries;
    return pool.sort((a, b) => mean(a.values) - mean(b.values))[0] ?? null;
  };
  const loop = best(EVENT_LOOP_MODELS);
  const off = best(OFF_LOOP_MODELS);
  const servers = [loop?.server, off?.server].filter((s): s is string => s !== undefined);
  const mixedRun = (repeat: number) =>
    `wsarena run --server ${servers.join(',') || 'ws-loop,ws-piscina'} ${MIXED_RUN}${cores === '1' ? '' : ` --server-cpus ${ctx[0]!.pinning.serverCpus ?? '0-1'}`} --connections ${p.connections} --repeat ${repeat}`;
  const runCmd = mixedRun(MORE_REPEATS);
  const used = [...(loop?.cells ?? []), ...(off?.cells ?? [])];
  const part = (answer: ClaimAnswer, reason: string, figures: ClaimFigure[], gap: string | null = null, settle: string | null = null): Part => ({
    label,
    answer,
    dependsOn: null,
    reason,
    figures,
    gap: gap === null ? null : `${label}: ${gap}`,
    settle,
    cells: used,
  });
  if (!loop || !off) {
    const cmd = entry !== null ? settleFor([entry], servers.length > 0 ? servers : []) : runCmd;
    return part(
      'inconclusive',
      `no ${!loop ? 'event-loop server' : 'pool, threads or processes'} in the mixed cells on ${label}`,
      [],
      `no ${!loop ? 'event loop' : 'pool or threads'} in the mixed workload on ${label}: run ${cmd}`,
      cmd,
    );
  }
  const est = ratioOfMeans(loop.values, off.values);
  const li = summarize(loop.values);
  const oi = summarize(off.values);
  const heavyP50 = loop.cells.map((c) => c.load!.byClass!['heavy']?.p50Us).filter((v): v is number => typeof v === 'number');
  const heavy = heavyP50.length > 0 ? median(heavyP50) : null;
  const figures: ClaimFigure[] = [
    ratioFigure(`cheap-message p99, ${loop.server} ÷ ${off.server}`, est, `cheap p99 ${loop.server} ${formatUs(li.mean)} ÷ ${off.server} ${formatUs(oi.mean)}`),
  ];
  if (heavy !== null) {
    figures.push({
      label: `cheap-message p99 of ${loop.server} against its heavy messages' median`,
      value: li.mean / heavy,
      low: null,
      high: null,
      n: li.n,
      text: `${loop.server} cheap p99 ${formatUs(li.mean)} (${ciUs(li)}) vs heavy p50 ${formatUs(heavy)}`,
    });
  }
  const clientBound = [...loop.cells, ...off.cells].filter((c) => c.verdict?.verdict === 'client-bound').map((c) => c.server);
  if (clientBound.length > 0) {
    const who = [...new Set(clientBound)].join(' and ');
    return part(
      'inconclusive',
      `${who}'s runs were client-bound: their latency includes the load generator's`,
      figures,
      `${who} client-bound (latency not a server figure): run ${runCmd} with the generator unsaturated (fewer connections or a lower --rate)`,
      runCmd,
    );
  }
  if (li.n < 2 || oi.n < 2) {
    const who = [li.n < 2 ? loop.server : null, oi.n < 2 ? off.server : null].filter(Boolean).join(' and ');
    return part('inconclusive', `${who} ran once: no CI`, figures, `${who} has a single run, no CI: run ${runCmd}`, runCmd);
  }
  const blocked = heavy === null ? null : li.mean >= RULES.holFraction * heavy;
  if (blocked === false)
    return part(
      'not supported',
      `${loop.server}'s cheap p99 stayed below ${RULES.holFraction}× the heavy messages' median: the event loop was not blocked`,
      figures,
    );
  if (!overlaps(li, oi)) {
    if (oi.mean < li.mean) {
      return part(
        'supported',
        `cheap messages' p99 was ${est.ratio.toFixed(1)}× lower on ${off.server} than on ${loop.server}${blocked ? ', which was blocked behind heavy messages' : ''}`,
        figures,
      );
    }
    return part('not supported', `cheap messages' p99 was lower on ${loop.server} than on ${off.server}`, figures);
  }
  const open = overlapGap('CIs of cheap p99 overlap', loop.values, off.values, formatUs, mixedRun);
  return part('inconclusive', `the 95% CIs of cheap-message p99 of ${loop.server} and ${off.server} overlap`, figures, open.gap, open.settle);
}

// ---------------------------------------------------------------------------------------------------
// C5: long polling costs more than WebSocket push.
// ---------------------------------------------------------------------------------------------------

/**
 * Per connection count both ran (closed loop, 1 in flight, 1 core, same payload): server CPU µs per delivered
 * message, long polling ÷ ws-loop (the WebSocket server on the same runtime: Node, one event loop, JavaScript
 * framing; uWS's C++ would flatter WebSockets). CIs apart with long polling higher: supported; lower: not
 * supported; overlapping or a single run: inconclusive. Counts that disagree: "depends on connection count".
 */
function claimC5(cells: readonly MeasuredCell[]) {
  const lp = serversOf(cells, LONG_POLL_MODELS);
  if (lp.length === 0) return noData('no long-polling cells', suiteCommand(['scaling-long-poll', 'scaling-closed']));
  const parts: Part[] = [];
  for (const s of lp) {
    const echo = sharedEcho(cells, s, C5_WEBSOCKET_SERVER, (c) => c.serverResources?.cpuUsPerMessage);
    if (!echo) {
      const cmd = suiteCommand(['scaling-long-poll', 'scaling-closed']);
      parts.push(inconclusivePart(s, `no closed-loop echo of ${s} and ${C5_WEBSOCKET_SERVER} at the same connections`, cmd, []));
      continue;
    }
    for (const n of echo.counts) {
      const a = echo.a.get(n)!;
      const b = echo.b.get(n)!;
      const est = ratioOfMeans(a, b);
      const ai = summarize(a);
      const bi = summarize(b);
      const used = echo.cells.filter((c) => c.params.connections === n);
      const fig = ratioFigure(
        `CPU µs per delivered message, ${s} ÷ ${C5_WEBSOCKET_SERVER} @${n}`,
        est,
        `CPU µs/msg @${n}: ${s} ${ai.mean.toFixed(1)} ÷ ${C5_WEBSOCKET_SERVER} ${bi.mean.toFixed(1)}`,
      );
      const label = `${n} connections`;
      const echoRun = (repeat: number) => `wsarena run --server ${s},${C5_WEBSOCKET_SERVER} ${ECHO_RUN} --connections ${n} --repeat ${repeat}`;
      const cmd = echoRun(MORE_REPEATS);
      if (ai.n < 2 || bi.n < 2) {
        parts.push({
          label,
          answer: 'inconclusive',
          dependsOn: null,
          reason: `a single run at ${n} connections: no CI`,
          figures: [fig],
          gap: `${label}: a single run, no CI: run ${cmd}`,
          settle: cmd,
          cells: used,
        });
      } else if (overlaps(ai, bi)) {
        parts.push({
          label,
          answer: 'inconclusive',
          dependsOn: null,
          reason: `the CIs of CPU per message overlap at ${n} connections`,
          figures: [fig],
          ...labelled(
            label,
            overlapGap('CIs of CPU µs/msg overlap', a, b, (v) => `${v.toFixed(1)} µs`, echoRun),
          ),
          cells: used,
        });
      } else if (ai.mean > bi.mean) {
        parts.push({
          label,
          answer: 'supported',
          dependsOn: null,
          reason: `long polling used ${est.ratio.toFixed(1)}× the server CPU per message of ${C5_WEBSOCKET_SERVER}`,
          figures: [fig],
          gap: null,
          settle: null,
          cells: used,
        });
      } else {
        parts.push({
          label,
          answer: 'not supported',
          dependsOn: null,
          reason: `long polling used less server CPU per message than ${C5_WEBSOCKET_SERVER}`,
          figures: [fig],
          gap: null,
          settle: null,
          cells: used,
        });
      }
    }
  }
  return combine(parts, 'connection count');
}

// ---------------------------------------------------------------------------------------------------
// Shared pieces.
// ---------------------------------------------------------------------------------------------------

/** Parts into one answer: all decisive parts agree → theirs; they differ → "depends on <dimension>". */
function combine(parts: Part[], dimension: string): Omit<ClaimResult, 'id' | 'claim' | 'conditions' | 'cellIds'> & { cells: MeasuredCell[] } {
  const decisive = parts.filter((p) => DECISIVE.has(p.answer));
  const open = parts.filter((p) => !DECISIVE.has(p.answer));
  const cells = [...new Set(parts.flatMap((p) => p.cells))];
  const firstOpen = open.find((p) => p.gap !== null) ?? null;
  const gap = firstOpen?.gap ?? null;
  const settle = firstOpen?.settle ?? null;
  const many = parts.length > 1;
  const say = (p: Part) =>
    many
      ? `${p.label}: ${p.answer === 'depends' ? `depends on ${p.dependsOn}` : p.answer === 'supported' || p.answer === 'not supported' ? `${p.answer}, ` : ''}${p.reason}`
      : p.reason;
  if (decisive.length === 0) {
    const answer: ClaimAnswer = parts.some((p) => p.answer === 'inconclusive') ? 'inconclusive' : 'no data';
    const figures = parts.flatMap((p) => p.figures).slice(0, 2);
    return { answer, dependsOn: null, reason: parts.map(say).join('; ') || 'no cells test it', figures, gap, settle, cells };
  }
  const keys = new Set(decisive.map((p) => `${p.answer}|${p.dependsOn ?? ''}`));
  // One decisive part: its own two figures; several: the first figure of the first and the last (e.g. the fewest and most connections).
  const ends = decisive.length === 1 ? decisive : [decisive[0]!, decisive[decisive.length - 1]!];
  const figures = decisive.length === 1 ? decisive[0]!.figures.slice(0, 2) : ends.flatMap((p) => p.figures.slice(0, 1));
  if (keys.size === 1) {
    const { answer, dependsOn } = decisive[0]!;
    return { answer, dependsOn, reason: decisive.map((p) => (many ? `${p.label}: ${p.reason}` : p.reason)).join('; '), figures, gap, settle, cells };
  }
  return { answer: 'depends', dependsOn: dimension, reason: decisive.map(say).join('; '), figures, gap, settle, cells };
}

function noData(why: string, command: string): Omit<ClaimResult, 'id' | 'claim' | 'conditions' | 'cellIds'> & { cells: MeasuredCell[] } {
  return { answer: 'no data', dependsOn: null, reason: why, figures: [], gap: `${why}: run ${command}`, settle: command, cells: [] };
}

function inconclusivePart(label: string, why: string, command: string, cells: MeasuredCell[]): Part {
  return { label, answer: 'inconclusive', dependsOn: null, reason: why, figures: [], gap: `${why}: run ${command}`, settle: command, cells };
}

/** `wsarena suite threaded-vs-async --only a,b`. */
export function suiteCommand(entries: EntryName[]): string {
  return `wsarena suite ${SUITE} --only ${entries.join(',')}`;
}

/** The suite entries when they cover these servers, else the same runs as `wsarena run` for just these servers. */
function settleFor(entries: EntryName[], servers: string[]): string {
  const covered = entries.every((e) => {
    const list = SUITE_ENTRIES[e];
    return list === 'all' || servers.every((s) => (list as readonly string[]).includes(s));
  });
  if (covered) return suiteCommand(entries);
  const who = servers.join(',');
  return entries
    .map((e) => {
      if (e === 'idle-threads') return `wsarena run --server ${who} ${IDLE_RUN}`;
      if (e === 'scaling-closed') return `wsarena run --server ${who} ${ECHO_RUN} --connections 100,1000,5000,10000 --repeat 3`;
      if (e === 'pool-starvation') return `wsarena run --server ${who} --server-arg ${POOL_ARG}=200 ${POOL_RUN} --connections 300`;
      if (e === 'mixed') return `wsarena run --server ${who} ${MIXED_RUN} --connections 100 --repeat 3`;
      if (e === 'mixed-2cores') return `wsarena run --server ${who} ${MIXED_RUN} --server-cpus 0-1 --connections 100 --repeat 3`;
      return `wsarena run --server ${who} ${ECHO_RUN} --connections 100,1000,5000 --repeat 3`;
    })
    .join(' && ');
}

function modelOf(server: string): ServerModel | null {
  return Object.hasOwn(SERVERS, server) ? SERVERS[server]!.model : null;
}

/** Registered servers of these models that have cells (without --server-arg), in registry order. */
function serversOf(cells: readonly MeasuredCell[], models: readonly ServerModel[]): string[] {
  const present = new Set(cells.filter(noServerArgs).map((c) => c.server));
  return Object.keys(SERVERS).filter((s) => present.has(s) && models.includes(SERVERS[s]!.model));
}

function noServerArgs(c: MeasuredCell): boolean {
  return Object.keys(c.params.serverArgs ?? {}).length === 0;
}

function attempted(c: MeasuredCell): number {
  return c.idle ? c.idle.params.targetConnections : (c.load?.connections.attempted ?? c.params.connections);
}

interface Ramp {
  server: string;
  target: number;
  cells: MeasuredCell[];
}

/** The server's idle ramps (no --server-arg) to its largest target. */
function largestRamp(cells: readonly MeasuredCell[], server: string): Ramp | null {
  const ramps = cells.filter((c) => c.server === server && c.idle && noServerArgs(c));
  if (ramps.length === 0) return null;
  const target = Math.max(...ramps.map((c) => c.idle!.params.targetConnections));
  return { server, target, cells: ramps.filter((c) => c.idle!.params.targetConnections === target) };
}

/** Both servers' ramps to the largest target both ramped to. */
function sharedRamp(cells: readonly MeasuredCell[], a: string, b: string): { a: Ramp; b: Ramp } | null {
  const targets = (s: string) => new Set(cells.filter((c) => c.server === s && c.idle && noServerArgs(c)).map((c) => c.idle!.params.targetConnections));
  const tb = targets(b);
  const shared = [...targets(a)].filter((t) => tb.has(t));
  if (shared.length === 0) return null;
  const target = Math.max(...shared);
  const at = (s: string): Ramp => ({
    server: s,
    target,
    cells: cells.filter((c) => c.server === s && c.idle && noServerArgs(c) && c.idle.params.targetConnections === target),
  });
  return { a: at(a), b: at(b) };
}

interface Ceiling {
  /** Most connections any ramp held. */
  max: number;
  reached: boolean;
  /** A short ramp is believed: ≥ 2 ramps all short, or a machine limit ≥ RULES.limitBound used. */
  definite: boolean;
  limit: string | null;
  stoppedBy: string;
}

function ceilingOf(r: Ramp): Ceiling {
  const idle = r.cells.map((c) => c.idle!);
  const max = Math.max(...idle.map((s) => s.ceiling));
  const reached = idle.some((s) => s.stoppedBy === 'target reached' || s.ceiling >= s.params.targetConnections);
  const limits = idle.map((s) => (s.limits ? nearestLimit(s.limits) : null)).filter((l): l is NonNullable<typeof l> => l !== null);
  const tight = limits.find((l) => l.limit > 0 && l.used / l.limit >= RULES.limitBound) ?? null;
  const nearest = tight ?? limits[0] ?? null;
  return {
    max,
    reached,
    definite: !reached && (idle.length >= 2 || tight !== null),
    limit: nearest ? describeLimit(nearest) : null,
    stoppedBy: idle[0]!.stoppedBy,
  };
}

type CeilingComparison =
  | { kind: 'lower'; a: number; b: number; limit: string | null; target: number }
  | { kind: 'same'; a: number; b: number; target: number }
  | { kind: 'single'; a: number; b: number; stoppedBy: string; target: number };

/** Did `a` (OS threads) hold fewer connections than `b` at the same target? */
function compareCeilings(a: Ramp, b: Ramp): CeilingComparison {
  const ca = ceilingOf(a);
  const cb = ceilingOf(b);
  const target = a.target;
  const lower = !ca.reached && (cb.reached || ca.max < (1 - RULES.ceilingTolerance) * cb.max);
  if (!lower) return { kind: 'same', a: ca.max, b: cb.max, target };
  if (ca.definite) return { kind: 'lower', a: ca.max, b: cb.max, limit: ca.limit, target };
  return { kind: 'single', a: ca.max, b: cb.max, stoppedBy: ca.stoppedBy, target };
}

/** User + kernel bytes per connection of an idle cell (kernel 0 when not measured, as in older files). */
function totalBytes(c: MeasuredCell): number | null {
  const user = c.idle?.bytesPerConnection;
  if (user === null || user === undefined) return null;
  return user + (c.idle?.kernelBytesPerConnection ?? 0);
}

function memoryRatioFigure(a: Ramp, b: Ramp): ClaimFigure {
  const va = a.cells.map(totalBytes).filter((v): v is number => v !== null);
  const vb = b.cells.map(totalBytes).filter((v): v is number => v !== null);
  if (va.length === 0 || vb.length === 0) {
    return { label: 'memory per connection', value: NaN, low: null, high: null, n: 0, text: `memory per connection not measured in the ramp to ${a.target}` };
  }
  const est = ratioOfMeans(va, vb);
  const ia = summarize(va);
  const ib = summarize(vb);
  const ca = ceilingOf(a);
  const cb = ceilingOf(b);
  const held = `held ${ca.max} vs ${cb.max} of ${a.target}`;
  return ratioFigure(
    `memory per connection (user + kernel), ${a.server} ÷ ${b.server}`,
    est,
    `B/conn user + kernel: ${a.server} ${formatBytes(ia.mean)} ÷ ${b.server} ${formatBytes(ib.mean)}; ${held}`,
  );
}

function echoCells(cells: readonly MeasuredCell[], server: string): MeasuredCell[] {
  return cells.filter((c) => c.server === server && c.status === 'ok' && isScorecardEcho(c) && noServerArgs(c));
}

/** The scorecard's echo cells of one server: values per connection count. */
function echoByConnections(cells: readonly MeasuredCell[], server: string, f: (c: MeasuredCell) => number | null | undefined): Map<number, number[]> {
  const out = new Map<number, number[]>();
  for (const c of echoCells(cells, server)) {
    const v = f(c);
    if (typeof v !== 'number' || !Number.isFinite(v)) continue;
    out.set(c.params.connections, [...(out.get(c.params.connections) ?? []), v]);
  }
  return out;
}

interface SharedEcho {
  /** Connection counts both have, ascending. */
  counts: number[];
  a: Map<number, number[]>;
  b: Map<number, number[]>;
  cells: MeasuredCell[];
}

function sharedEcho(cells: readonly MeasuredCell[], a: string, b: string, f: (c: MeasuredCell) => number | null | undefined): SharedEcho | null {
  // Same payload too: the scorecard's selection fixes mode, depth and one core, not the payload.
  const payloads = (s: string) => new Set(echoCells(cells, s).map((c) => c.params.payloadBytes));
  const pb = payloads(b);
  const payload = [...payloads(a)].filter((p) => pb.has(p)).sort((x, y) => x - y)[0];
  if (payload === undefined) return null;
  const only = cells.filter((c) => c.params.payloadBytes === payload);
  const ma = echoByConnections(only, a, f);
  const mb = echoByConnections(only, b, f);
  const counts = [...ma.keys()].filter((n) => mb.has(n)).sort((x, y) => x - y);
  if (counts.length === 0) return null;
  const used = [...echoCells(only, a), ...echoCells(only, b)].filter((c) => counts.includes(c.params.connections));
  return { counts, a: ma, b: mb, cells: used };
}

function cpuRatioFigure(echo: SharedEcho, n: number, s: string, t: string, cells: readonly MeasuredCell[]): ClaimFigure {
  const est = ratioOfMeans(echo.a.get(n)!, echo.b.get(n)!);
  const cs = (server: string) => {
    const v = echoCells(cells, server)
      .filter((c) => c.params.connections === n)
      .map((c) => c.serverResources?.contextSwitchesPerMessage)
      .filter((x): x is number => typeof x === 'number');
    return v.length > 0 ? median(v).toFixed(2) : null;
  };
  const csS = cs(s);
  const csT = cs(t);
  const csText = csS !== null && csT !== null ? `; cs/msg ${csS} vs ${csT}` : '';
  return ratioFigure(
    `CPU µs/msg @${n}, ${s} ÷ ${t}`,
    est,
    `CPU µs/msg @${n}: ${s} ${mean(echo.a.get(n)!).toFixed(1)} ÷ ${t} ${mean(echo.b.get(n)!).toFixed(1)}${csText}`,
  );
}

type RatioClass = 'above' | 'below' | 'unclear' | 'single';

/** Where a ratio's 95% CI lies against threshold k: wholly at/above, wholly below, across it, or no CI. */
function classifyRatio(est: RatioEstimate, k: number): RatioClass {
  if (est.unbounded) return 'unclear';
  if (est.low === null || est.high === null) return 'single';
  if (est.low >= k) return 'above';
  if (est.high < k) return 'below';
  return 'unclear';
}

/** Whether a ratio's CI settles a rule of k× (wholly on one side of it, as classifyRatio reads it). */
const settlesAt =
  (k: number) =>
  (est: RatioEstimate): boolean => {
    const c = classifyRatio(est, k);
    return c === 'above' || c === 'below';
  };

/**
 * What is open about a ratio whose CI spans the rule of k× (or that has a single run on a side), and the run
 * that would settle it: with runs to project from, as many runs a side as report/ratio.ts runsToSettle projects
 * (asking again for the runs that just failed to settle it would loop); with a single run, MORE_REPEATS. When
 * even MAX_SETTLING_RUNS would not do, it says so and names no command.
 */
function ratioGap(why: string, num: number[], den: number[], k: number, run: (repeat: number) => string): OpenGap {
  const single = num.length < 2 || den.length < 2;
  const repeat = single ? MORE_REPEATS : runsToSettle(num, den, settlesAt(k));
  const ratio = ratioOfMeans(num, den).ratio;
  return settleWith(why, repeat, !single, `the ratio (${ratio.toFixed(2)}×) sits so close to ${k}×`, run);
}

/** ratioGap for rules that need two CIs of the mean apart (C4, C5): the runs a side projected to separate them. */
function overlapGap(why: string, a: number[], b: number[], format: (v: number) => string, run: (repeat: number) => string): OpenGap {
  const repeat = runsToSeparate(a, b, (x, y) => !overlaps(x, y));
  return settleWith(why, repeat, true, `the means (${format(mean(a))} and ${format(mean(b))}) lie so close`, run);
}

interface OpenGap {
  gap: string;
  settle: string | null;
}

/** The gap's words and the command with `repeat` runs a side, or (null) that no run up to MAX_SETTLING_RUNS would do. */
function settleWith(why: string, repeat: number | null, projected: boolean, tooClose: string, run: (repeat: number) => string): OpenGap {
  if (repeat === null) return { gap: `${why}; ${tooClose} that not even ${MAX_SETTLING_RUNS} runs a side would settle it at this spread`, settle: null };
  const cmd = run(repeat);
  return { gap: `${why}: run ${cmd}${projected ? ` (${repeat} runs a side, projected from these runs' means and spread)` : ''}`, settle: cmd };
}

/** A per-context gap prefixed with its context's label, as the parts of C5 word theirs. */
const labelled = (label: string, open: OpenGap): OpenGap => ({ gap: `${label}: ${open.gap}`, settle: open.settle });

/** "9.9× (95% CI 8.1–11.2×, n=3): <what>". */
function ratioFigure(label: string, est: RatioEstimate, what: string): ClaimFigure {
  const n = Math.min(est.nNumerator, est.nDenominator);
  const ci =
    est.low !== null && est.high !== null
      ? `95% CI ${est.low.toFixed(2)}–${est.high.toFixed(2)}×, n=${n}`
      : est.unbounded
        ? `CI unbounded, n=${n}`
        : `n=${n}, no CI`;
  return { label, value: est.ratio, low: est.low, high: est.high, n, text: `${Number.isFinite(est.ratio) ? est.ratio.toFixed(2) : '—'}× (${ci}) — ${what}` };
}

function ciBytes(i: Interval): string {
  return i.low === null || i.high === null ? `n=${i.n}` : `95% CI ${formatBytes(Math.max(0, i.low))}–${formatBytes(i.high)}, n=${i.n}`;
}

function ciUs(i: Interval): string {
  return i.low === null || i.high === null ? `n=${i.n}` : `95% CI ${formatUs(Math.max(0, i.low))}–${formatUs(i.high)}, n=${i.n}`;
}

function ciCount(i: Interval): string {
  return i.low === null || i.high === null ? `n=${i.n}` : `95% CI ${Math.max(0, i.low).toFixed(0)}–${i.high.toFixed(0)}, n=${i.n}`;
}

function fmtCount(i: Interval): string {
  return Number.isInteger(i.mean) ? String(i.mean) : i.mean.toFixed(1);
}

function overlaps(a: Interval, b: Interval): boolean {
  return a.low !== null && a.high !== null && b.low !== null && b.high !== null && a.low <= b.high && b.low <= a.high;
}

function distinct<T>(values: T[]): number {
  return new Set(values).size;
}

function groupBy<T>(items: T[], key: (t: T) => string): Array<[string, T[]]> {
  const out = new Map<string, T[]>();
  for (const it of items) out.set(key(it), [...(out.get(key(it)) ?? []), it]);
  return [...out.entries()];
}

/** Knobs that change what a thread costs or how many run (servers' ready lines), shown as conditions. */
const CONDITION_KNOBS = [
  'threadKind',
  'javaVersion',
  'xssBytes',
  'carrierParallelism',
  'maxThreads',
  'goVersion',
  'gomaxprocs',
  'lockOsThreads',
  'threads',
] as const;

/** Server CPUs, connection counts, and per server its threads, flags and the knobs above. */
export function conditionsOf(cells: readonly MeasuredCell[]): string[] {
  if (cells.length === 0) return [];
  const cpus = [...new Set(cells.map((c) => c.pinning.serverCpus ?? 'unpinned'))].sort();
  const out = [`server CPUs: ${cpus.join(' · ')}`];
  const counts = [...new Set(cells.map((c) => (c.idle ? c.idle.params.targetConnections : c.params.connections)))].sort((a, b) => a - b);
  out.push(`connections: ${counts.join(', ')}`);
  for (const [server, cs] of groupBy([...cells], serverLabel)) {
    const parts: string[] = [];
    const threads = [...new Set(cs.map((c) => c.params.serverThreads).filter((t): t is number => t !== null))];
    if (threads.length > 0) parts.push(`--threads ${threads.join('/')}`);
    for (const k of CONDITION_KNOBS) {
      const values = [
        ...new Set(
          cs
            .map((c) => c.serverInfo?.knobs[k])
            .filter((v) => v !== undefined && v !== null)
            .map((v) => (k === 'xssBytes' ? formatBytes(Number(v)) : String(v))),
        ),
      ];
      if (values.length > 0) parts.push(`${k} ${values.join('/')}`);
    }
    if (parts.length > 0) out.push(`${server}: ${parts.join(', ')}`);
  }
  return out;
}

/** "supported", "depends on connection count", … */
export function answerText(r: Pick<ClaimResult, 'answer' | 'dependsOn'>): string {
  return r.answer === 'depends' && r.dependsOn !== null ? `depends on ${r.dependsOn}` : r.answer;
}
