/**
 * broadcast: N connections; one of them (global index 0) publishes a BROADCAST at a fixed rate, each
 * message carrying its CLOCK_MONOTONIC send time and its publish id in seq. Every connection receives
 * every publish (the sender too), so receivers in any worker process compute latency = receive − send
 * time. Workers keep per-publish receive counts and the latest receive; merged here by publish id, that
 * gives the time to the last receiver per publish and delivered vs expected copies.
 */
import { monoUs } from '../../clients/clock.js';
import type { Fleet, FleetStatusMerged } from '../../clients/fleet/fleet.js';
import type { BroadcastWorkerResult } from '../../clients/fleet/fleet-ipc.js';
import { buildHistogram, recordUs, summarize, summarizeEncoded } from '../../clients/histogram.js';
import type { BroadcastSection } from '../../results/sections.js';
import { errorMessage, openAllQuiet, startFleet, stats, type WorkloadContext, type WorkloadOutcome } from './context.js';

/** Lead time between the broadcast command and the first publish, so every worker is listening. */
const START_MARGIN_MS = 200;

export async function runBroadcast(ctx: WorkloadContext): Promise<WorkloadOutcome> {
  const p = ctx.params;
  const durationMs = ctx.req.durationMs;
  const drainMs = ctx.req.drainMs;
  const publishes = Math.max(1, Math.floor((durationMs / 1000) * p.publishRateHz));
  let fleet: Fleet | null = null;
  try {
    fleet = await startFleet(ctx);
    const openError = await openAllQuiet(ctx, fleet);
    if (openError !== null) return { sections: {}, error: openError, serverMessagesHandled: null };
    const s0 = await stats(ctx);
    const startUs = monoUs() + START_MARGIN_MS * 1000;
    const endUs = startUs + (durationMs + drainMs) * 1000;
    ctx.onLoadEvent({ type: 'phase', phase: 'measuring', atUs: startUs });
    const results = await fleet.broadcast({ publisher: 0, startUs, rateHz: p.publishRateHz, publishes, payloadBytes: ctx.req.payloadBytes, endUs });
    const s1 = await stats(ctx);
    const status = await fleet.status();
    const section = mergeBroadcast(results, status, {
      publishRateHz: p.publishRateHz,
      publishes,
      payloadBytes: ctx.req.payloadBytes,
      durationMs,
      drainMs,
      publisher: 0,
    });
    section.serverDeliveries = s0 && s1 ? s1.broadcastDeliveries - s0.broadcastDeliveries : null;
    const error =
      section.published === 0
        ? 'the publisher (connection 0) is not open: nothing was published'
        : section.corrupted > 0
          ? `${section.corrupted} corrupted broadcast copies: the server broke the contract`
          : null;
    return { sections: { broadcast: section }, error, serverMessagesHandled: s0 && s1 ? s1.messagesHandled - s0.messagesHandled : null };
  } catch (err) {
    return { sections: {}, error: errorMessage(err, ctx.signal), serverMessagesHandled: null };
  } finally {
    await fleet?.stop();
  }
}

/** Merges the workers' per-publish figures by publish id (pure; tested directly). */
export function mergeBroadcast(
  results: readonly BroadcastWorkerResult[],
  status: Pick<FleetStatusMerged, 'unexpectedCloses' | 'closeCodes'>,
  params: BroadcastSection['params'],
): BroadcastSection {
  const openAtStart = sum(results, (r) => r.openAtStart);
  const published = sum(results, (r) => r.published);
  const hLast = buildHistogram();
  const hFirst = buildHistogram();
  let complete = 0;
  let delivered = 0;
  for (let id = 0; id < published; id++) {
    let got = 0;
    let last = -1;
    let first = -1;
    for (const r of results) {
      got += r.received[id] ?? 0;
      const max = r.maxLatencyUs[id] ?? -1;
      const min = r.minLatencyUs[id] ?? -1;
      if (max > last) last = max;
      if (min >= 0 && (first < 0 || min < first)) first = min;
    }
    delivered += got;
    if (first >= 0) recordUs(hFirst, first);
    if (got >= openAtStart && last >= 0) {
      complete++;
      recordUs(hLast, last);
    }
  }
  const expected = published * openAtStart;
  const section: BroadcastSection = {
    params,
    openAtStart,
    openAtEnd: sum(results, (r) => r.openAtEnd),
    published,
    expected,
    delivered,
    lost: Math.max(0, expected - delivered),
    duplicated: sum(results, (r) => r.duplicated),
    corrupted: sum(results, (r) => r.corrupted),
    unexpected: sum(results, (r) => r.unexpected),
    latency: summarizeEncoded(results.map((r) => r.latency)),
    timeToLast: summarize(hLast),
    timeToFirst: summarize(hFirst),
    completePublishes: complete,
    incompletePublishes: published - complete,
    publishLagP99Us: Math.max(0, ...results.map((r) => r.publishLagP99Us)),
    clientCpuCoreFraction: results.map((r) => r.cpuCoreFraction),
    serverDeliveries: null,
    unexpectedCloses: status.unexpectedCloses,
    closeCodes: status.closeCodes,
  };
  hLast.destroy();
  hFirst.destroy();
  return section;
}

function sum<T>(xs: readonly T[], f: (x: T) => number): number {
  return xs.reduce((n, x) => n + f(x), 0);
}
