/**
 * GET /stats in a multi-process server (ws-cluster, uws-procs). The primary's half: a child process got
 * the request and asks; the primary asks every child for its counters at that moment and answers the asker
 * once all have replied, or after timeoutMs with the last figures of those that did not (counted as stale).
 * Fresh figures, not a periodic push, so a /stats read at a window's edge describes that instant.
 * The messages themselves are the server's own (links).
 */
import { performance } from 'node:perf_hooks';
import type { StatsSnapshot } from '../../protocol/wire.js';
import { type Counters, sumCounters } from './counters.js';
import type { StatsRecorder } from './stats.js';

/** The primary's own figures: it relays every BROADCAST (and, in ws-cluster, accepts every connection). */
export interface PrimaryFigures {
  pid: number;
  /** performance.eventLoopUtilization of the primary since the previous /stats answer (or start). */
  eventLoopUtilization: number;
  rssBytes: number;
}

/** One child process as the gatherer sees it. */
export interface GatherMember<C> {
  index: number;
  /** Last counters this child reported (zero until it first answers). */
  latest: C;
}

/** How the gatherer reaches the children: the server's own IPC messages. */
export interface GatherLinks<M, C> {
  timeoutMs: number;
  /** Whether member can still answer (its IPC channel is open). */
  connected(member: M): boolean;
  /** Asks member for its counters now; it answers through StatsGatherer.counters with this query id. */
  askCounters(member: M, query: number): void;
  /** Answers asker's request id with every child's counters. */
  answer(asker: M, id: number, all: C[], stale: number, primary: PrimaryFigures): void;
}

export interface StatsGatherer<M, C> {
  /** asker received GET /stats and asked with this id. */
  query(asker: M, id: number): void;
  /** from answered counters-query `query` with its counters. */
  counters(from: M, query: number, counters: C): void;
}

/** A /stats request waiting for every child's counters. */
interface PendingQuery<M> {
  asker: M;
  id: number;
  missing: Set<number>;
  timer: NodeJS.Timeout;
}

export function createStatsGatherer<C, M extends GatherMember<C>>(members: readonly M[], links: GatherLinks<M, C>): StatsGatherer<M, C> {
  let nextQuery = 1;
  const pending = new Map<number, PendingQuery<M>>();
  const primaryFigures = createPrimaryFigures();

  const answer = (query: number): void => {
    const entry = pending.get(query);
    if (entry === undefined) return;
    pending.delete(query);
    clearTimeout(entry.timer);
    const all = members.map((member) => member.latest);
    links.answer(entry.asker, entry.id, all, entry.missing.size, primaryFigures());
  };

  return {
    query(asker, id) {
      const query = nextQuery++;
      const missing = new Set(members.filter((member) => links.connected(member)).map((member) => member.index));
      const timer = setTimeout(() => answer(query), links.timeoutMs);
      pending.set(query, { asker, id, missing, timer });
      for (const member of members) if (links.connected(member)) links.askCounters(member, query);
      if (missing.size === 0) answer(query);
    },
    counters(from, query, counters) {
      from.latest = counters;
      const entry = pending.get(query);
      if (entry === undefined) return;
      entry.missing.delete(from.index);
      if (entry.missing.size === 0) answer(query);
    },
  };
}

/** The primary's own figures; event-loop utilisation covers the time since the previous call. */
function createPrimaryFigures(): () => PrimaryFigures {
  let previousElu = performance.eventLoopUtilization();
  return () => {
    const elu = performance.eventLoopUtilization(previousElu);
    previousElu = performance.eventLoopUtilization();
    return { pid: process.pid, eventLoopUtilization: elu.utilization, rssBytes: process.memoryUsage.rss() };
  };
}

/** How a server names its children in /stats extra (ws-cluster: workers, perWorker, …; uws-procs: processes, perProcess, …). */
export interface ChildNaming {
  /** How many children. */
  count: string;
  /** Every child's counters. */
  list: string;
  /** The child that answered this request. */
  answeredBy: string;
  /** Children that did not answer in time (their last figures are in the list). */
  stale: string;
}

/** What the primary sent back for one /stats request. */
export interface Gathered<C> {
  children: C[];
  stale: number;
  primary: PrimaryFigures;
}

/**
 * The child's half: the /stats body once the primary sent every child's counters. Counters are the sum over
 * children; pid and uptimeMs are the server's, i.e. the primary's (the launcher started it, samples its
 * tree and knows it by that pid); `node` describes the answering child; own: the server's extra figures.
 */
export function gatheredSnapshot<C extends Counters>(
  recorder: StatsRecorder,
  naming: ChildNaming,
  answeredBy: number,
  gathered: Gathered<C>,
  own: Record<string, unknown>,
  startedAtMs: number,
): StatsSnapshot {
  const { children, stale, primary } = gathered;
  const extra = { ...own, [naming.count]: children.length, [naming.list]: children, [naming.answeredBy]: answeredBy, [naming.stale]: stale, primary };
  const snapshot = recorder.snapshot(sumCounters(children), extra);
  snapshot.pid = process.ppid;
  snapshot.uptimeMs = Date.now() - startedAtMs;
  return snapshot;
}
