/**
 * backpressure: a fraction of the connections stop reading (their sockets are paused) and keep sending
 * ECHO requests, so the server's replies to them pile up: first in the kernel socket buffers, then in
 * whatever the server does about it — buffer without bound (ws), buffer up to a limit and drop (uWS with
 * maxBackpressure), close the connection, or stop reading from it (Go's blocking writes push back through
 * TCP). Meanwhile the other connections run closed-loop echo and their latency shows whether the slow
 * readers hurt everyone. At the end the slow readers resume and count what reaches them, and how their
 * connections were closed, if they were.
 */
import { monoUs } from '../../clients/clock.js';
import type { Fleet } from '../../clients/fleet/fleet.js';
import type { BackpressureWorkerResult } from '../../clients/fleet/fleet-ipc.js';
import { summarizeEncoded } from '../../clients/histogram.js';
import type { BackpressureSection } from '../../results/sections.js';
import { snapshotTree } from '../proc-tree.js';
import {
  addCounts,
  describeCounts,
  errorMessage,
  openAllQuiet,
  sampleTree,
  sleepUntilUs,
  startFleet,
  stats,
  type WorkloadContext,
  type WorkloadOutcome,
} from './context.js';

const START_MARGIN_MS = 200;
const TIMELINE_INTERVAL_MS = 250;
/** Knobs that decide what a server does with a reader that does not keep up. */
const BACKPRESSURE_KNOBS = [
  'library',
  'maxBackpressureBytes',
  'closeOnBackpressureLimit',
  'maxPayloadBytes',
  'writeBufferBytes',
  'readBufferBytes',
  'idleTimeoutSec',
];

/** Samples the server tree's RSS into `timeline` every TIMELINE_INTERVAL_MS (none without a pid); returns the stop. */
function sampleRssTimeline(ctx: WorkloadContext, t0: number, timeline: BackpressureSection['server']['timeline']): () => void {
  const pid = ctx.pid;
  if (pid === null) return () => {};
  const tick = (): void => {
    const snap = snapshotTree(pid, ctx.clockTicksPerSecond, false);
    if (snap) timeline.push({ tMs: Math.round(performance.now() - t0), rssBytes: snap.rssBytes });
  };
  tick();
  const timer = setInterval(tick, TIMELINE_INTERVAL_MS);
  return () => clearInterval(timer);
}

export async function runBackpressure(ctx: WorkloadContext): Promise<WorkloadOutcome> {
  const p = ctx.params;
  const durationMs = ctx.req.durationMs;
  const slowBelow = p.slowFraction > 0 ? Math.max(1, Math.round(p.slowFraction * ctx.connections)) : 0;
  let fleet: Fleet | null = null;
  const timeline: BackpressureSection['server']['timeline'] = [];
  const t0 = performance.now();
  let stopTimeline = (): void => {};
  try {
    fleet = await startFleet(ctx);
    const openError = await openAllQuiet(ctx, fleet);
    if (openError !== null) return { sections: {}, error: openError, serverMessagesHandled: null };
    const baseline = sampleTree(ctx, false);
    const s0 = await stats(ctx);
    stopTimeline = sampleRssTimeline(ctx, t0, timeline);
    const startUs = monoUs() + START_MARGIN_MS * 1000;
    const endUs = startUs + durationMs * 1000;
    const resumeEndUs = endUs + p.resumeWaitMs * 1000;
    ctx.onLoadEvent({ type: 'phase', phase: 'measuring', atUs: startUs });
    const running = fleet.backpressure({
      slowBelow,
      startUs,
      endUs,
      resumeEndUs,
      healthyPayloadBytes: ctx.req.payloadBytes,
      slowPayloadBytes: p.slowPayloadBytes,
      slowRateHz: p.slowRateHz,
      slowSendBufferCapBytes: p.slowSendBufferCapBytes,
    });
    running.catch(() => {});
    // What the server holds for the slow readers is largest just before they resume.
    await sleepUntilUs(endUs - 30_000, ctx.signal);
    const atResume = sampleTree(ctx, false);
    ctx.onLoadEvent({ type: 'phase', phase: 'draining', atUs: endUs });
    const results = await running;
    const s1 = await stats(ctx);
    const after = sampleTree(ctx, false);
    stopTimeline();
    const knobs: BackpressureSection['knobs'] = {};
    for (const k of BACKPRESSURE_KNOBS) if (k in ctx.knobs) knobs[k] = ctx.knobs[k]!;
    const section = mergeBackpressure(results, {
      params: {
        slowFraction: p.slowFraction,
        durationMs,
        slowPayloadBytes: p.slowPayloadBytes,
        slowRateHz: p.slowRateHz,
        healthyPayloadBytes: ctx.req.payloadBytes,
        resumeWaitMs: p.resumeWaitMs,
        slowSendBufferCapBytes: p.slowSendBufferCapBytes,
      },
      knobs,
      server: {
        rssBaselineBytes: baseline.rssBytes,
        rssAtResumeBytes: atResume.rssBytes,
        rssPeakBytes: Math.max(atResume.rssBytes, after.rssBytes, ...timeline.map((t) => t.rssBytes)),
        rssAfterBytes: after.rssBytes,
        rssGrowthBytes: atResume.rssBytes - baseline.rssBytes,
        timeline,
        statsExtra: (s1?.extra as Record<string, unknown> | undefined) ?? null,
      },
    });
    const error =
      section.healthy.corrupted + section.slow.corrupted > 0
        ? `${section.healthy.corrupted + section.slow.corrupted} corrupted replies: the server broke the contract`
        : null;
    return { sections: { backpressure: section }, error, serverMessagesHandled: s0 && s1 ? s1.messagesHandled - s0.messagesHandled : null };
  } catch (err) {
    return { sections: {}, error: errorMessage(err, ctx.signal), serverMessagesHandled: null };
  } finally {
    stopTimeline();
    await fleet?.stop();
  }
}

/** Sums the workers' figures and says in one sentence what the server did (pure; tested directly). */
export function mergeBackpressure(
  results: readonly BackpressureWorkerResult[],
  base: Pick<BackpressureSection, 'params' | 'knobs' | 'server'>,
): BackpressureSection {
  const sum = (f: (r: BackpressureWorkerResult) => number) => results.reduce((n, r) => n + f(r), 0);
  const healthyCloses: Record<string, number> = {};
  const slowCloses: Record<string, number> = {};
  for (const r of results) {
    addCounts(healthyCloses, r.healthy.closes);
    addCounts(slowCloses, r.slow.closes);
  }
  const healthySent = sum((r) => r.healthy.sent);
  const healthyReceived = sum((r) => r.healthy.received);
  const slowSent = sum((r) => r.slow.sent);
  const slowReceived = sum((r) => r.slow.received);
  const drained = results.map((r) => r.slow.drainedAfterUs).filter((v): v is number => v !== null);
  const section: BackpressureSection = {
    ...base,
    healthy: {
      connections: sum((r) => r.healthy.connections),
      sent: healthySent,
      received: healthyReceived,
      lost: Math.max(0, healthySent - healthyReceived),
      corrupted: sum((r) => r.healthy.corrupted),
      msgsPerSec: Math.round((healthyReceived / base.params.durationMs) * 1000 * 10) / 10,
      latency: summarizeEncoded(results.map((r) => r.healthy.latency)),
      closes: healthyCloses,
    },
    slow: {
      connections: sum((r) => r.slow.connections),
      sent: slowSent,
      sentBytes: sum((r) => r.slow.sentBytes),
      sendsSkipped: sum((r) => r.slow.sendsSkipped),
      received: slowReceived,
      receivedBytes: sum((r) => r.slow.receivedBytes),
      missing: Math.max(0, slowSent - slowReceived),
      corrupted: sum((r) => r.slow.corrupted),
      closes: slowCloses,
      openAtEnd: sum((r) => r.slow.openAtEnd),
      drainedAfterMs: drained.length > 0 ? Math.round(Math.max(...drained) / 100) / 10 : null,
    },
    outcome: '',
    clientCpuCoreFraction: results.map((r) => r.cpuCoreFraction),
  };
  section.outcome = describeOutcome(section);
  return section;
}

function describeOutcome(s: BackpressureSection): string {
  const mib = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
  const parts: string[] = [];
  if (s.slow.connections === 0) return 'no slow readers (--slow-fraction 0)';
  const closed = Object.values(s.slow.closes).reduce((a, b) => a + b, 0);
  if (closed > 0) parts.push(`server closed ${closed} of ${s.slow.connections} slow readers (${describeCounts(s.slow.closes)})`);
  if (s.slow.missing > 0)
    parts.push(`${s.slow.missing} of ${s.slow.sent} replies to slow readers never arrived${closed === 0 ? ' (dropped, connections kept)' : ''}`);
  if (s.slow.sendsSkipped > 0) parts.push(`server stopped reading from slow readers (TCP pushback): ${s.slow.sendsSkipped} client sends skipped`);
  if (closed === 0 && s.slow.missing === 0) {
    parts.push(
      `server buffered every reply (${mib(s.slow.receivedBytes)} delivered after resuming${s.slow.drainedAfterMs !== null ? ` in ${s.slow.drainedAfterMs} ms` : ''})`,
    );
  }
  parts.push(`server RSS +${mib(Math.max(0, s.server.rssGrowthBytes))} while they did not read`);
  return parts.join('; ');
}
