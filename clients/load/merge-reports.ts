/**
 * The parent's merge of its load workers' reports into the public LoadReport: counts summed, histograms
 * and timelines merged. One merge for every load worker kind, since they all report the same way
 * (accounting.ts).
 */
import { mergeEncoded, summarizeEncoded } from '../histogram.js';
import type { LatencySummary, LoadPlan, LoadReport, MessageCounts, TimelinePoint } from '../types.js';
import { CLASS_NAMES } from './contract-messages.js';
import type { WorkerReport } from './load-ipc.js';
import { timelinePointCount, timelineStepSeconds } from './timeline.js';

/** Sums counts, merges histograms and timelines of all workers into the public report. */
export function mergeReports(plan: LoadPlan, reports: readonly WorkerReport[]): LoadReport {
  const counts: Required<MessageCounts> = { sent: 0, received: 0, lost: 0, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0, late: 0, clientDrops: 0 };
  const errors: Record<string, number> = {};
  let attempted = 0;
  let established = 0;
  let unexpectedCloses = 0;
  for (const r of reports) {
    for (const k of Object.keys(counts) as (keyof Required<MessageCounts>)[]) counts[k] += r.counts[k] ?? 0;
    for (const [k, v] of Object.entries(r.connections.errors)) errors[k] = (errors[k] ?? 0) + v;
    attempted += r.connections.attempted;
    established += r.connections.established;
    unexpectedCloses += r.connections.unexpectedCloses;
  }
  const points = timelinePointCount(plan.durationMs);
  const step = timelineStepSeconds(plan.durationMs);
  const timeline: TimelinePoint[] = [];
  for (let s = 0; s < points; s++) {
    const atS = reports.map((r) => r.timeline[s]).filter((p) => p !== undefined);
    const h = mergeEncoded(atS.map((p) => p.latency));
    timeline.push({
      second: s * step,
      sent: atS.reduce((n, p) => n + p.sent, 0),
      received: atS.reduce((n, p) => n + p.received, 0),
      p99Us: h.totalCount > 0 ? h.getValueAtPercentile(99) : 0,
    });
    h.destroy();
  }
  let byClass: Record<string, LatencySummary> | null = null;
  if (plan.mix.kind === 'mixed') {
    byClass = {};
    for (const name of CLASS_NAMES) byClass[name] = summarizeEncoded(reports.map((r) => r.byClass?.[name] ?? '').filter((e) => e !== ''));
  }
  const corrected = plan.mode === 'open' ? summarizeEncoded(reports.map((r) => r.corrected ?? '').filter((e) => e !== '')) : null;
  return {
    plan,
    connections: {
      attempted,
      established,
      errors,
      unexpectedCloses,
      handshake: summarizeEncoded(reports.map((r) => r.connections.handshake)),
    },
    measuredMs: plan.durationMs,
    counts,
    targetRateHz: plan.mode === 'open' ? plan.rateHz : null,
    achievedRateHz: Math.round((counts.received / plan.durationMs) * 1000 * 10) / 10,
    corrected,
    service: summarizeEncoded(reports.map((r) => r.service)),
    byClass,
    timeline,
    client: { workers: reports.map((r) => r.stats) },
  };
}
