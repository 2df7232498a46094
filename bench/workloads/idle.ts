/**
 * idle: memory per connection (docs/METHOD.md §3). Ramp to N connections in equal steps, hold each step with
 * the connections idle but alive (pings at an interval, every unexpected close counted), then sample the
 * server tree's RSS (PSS too), /proc/net/sockstat and /proc/meminfo. Bytes per connection is the
 * least-squares slope of memory against open connections, reported with its R² and intercept; kernel
 * bytes per connection (KernelStack + SUnreclaim, not in RSS) is the same fit beside it. The ceiling is
 * the most connections open at once and stoppedBy says what ended the ramp.
 */

import type { Fleet, FleetStatusMerged } from '../../clients/fleet/fleet.js';
import { summarizeEncoded } from '../../clients/histogram.js';
import type { IdleSection } from '../../results/sections.js';
import { type LimitUse, readLimits } from '../limits.js';
import { readMeminfo } from '../meminfo.js';
import { linearFit } from '../regression.js';
import { readSockStat } from '../sockstat.js';
import {
  addCounts,
  describeCounts,
  errorMessage,
  openWithProgress,
  pause,
  sampleTree,
  startFleet,
  stats,
  type WorkloadContext,
  type WorkloadOutcome,
} from './context.js';

export async function runIdle(ctx: WorkloadContext): Promise<WorkloadOutcome> {
  const p = ctx.params;
  const n = ctx.connections;
  const steps = Math.max(1, Math.min(p.steps, n));
  const t0 = performance.now();
  const points: IdleSection['points'] = [];
  const errors: Record<string, number> = {};
  const handshakes: string[] = [];

  // Limits read where the most connections were open: the arithmetic behind the ceiling.
  let limits: LimitUse[] | undefined;
  let limitsOpen = -1;
  const sample = async (step: number, targetConnections: number, open: number, stepErrors: Record<string, number>): Promise<void> => {
    if (ctx.pid !== null && open >= limitsOpen) {
      limits = readLimits(ctx.pid);
      limitsOpen = open;
    }
    const s = await stats(ctx);
    const tree = sampleTree(ctx, true);
    points.push({
      step,
      tMs: Math.round(performance.now() - t0),
      targetConnections,
      open,
      serverOpen: s?.openConnections ?? null,
      ...tree,
      sockstat: readSockStat(),
      meminfo: readMeminfo(),
      errors: stepErrors,
    });
  };

  await sample(0, 0, 0, {});
  let stoppedBy = 'target reached';
  let error: string | null = null;
  let status: FleetStatusMerged | null = null;
  let fleet: Fleet | null = null;
  try {
    fleet = await startFleet(ctx);
    await fleet.setPing(p.pingIntervalMs);
    let target = 0;
    for (let k = 1; k <= steps; k++) {
      const next = Math.round((n * k) / steps);
      const r = await openWithProgress(ctx, fleet, next - target, target, n);
      target = next;
      addCounts(errors, r.errors);
      handshakes.push(r.handshake.encoded);
      await pause(k === steps ? p.finalHoldMs : p.holdMs, ctx.signal);
      status = await fleet.status();
      await sample(k, target, status.open, r.errors);
      const failed = r.attempted - r.established;
      if (failed > 0 || status.unexpectedCloses > 0) {
        stoppedBy = describeCounts({ ...errors, ...status.closeCodes });
        break;
      }
    }
    status = await fleet.status();
  } catch (err) {
    error = errorMessage(err, ctx.signal);
    stoppedBy = `error: ${error}`;
  } finally {
    await fleet?.stop();
  }
  const idle = buildIdleSection(ctx, steps, points, errors, handshakes, status, stoppedBy, limits);
  if (error === null && idle.ceiling === 0) error = `no connection could be established: ${stoppedBy}`;
  return { sections: { idle }, error, serverMessagesHandled: null };
}

export function buildIdleSection(
  ctx: Pick<WorkloadContext, 'params' | 'connections' | 'req'>,
  steps: number,
  points: IdleSection['points'],
  errors: Record<string, number>,
  handshakes: string[],
  status: FleetStatusMerged | null,
  stoppedBy: string,
  limits?: LimitUse[],
): IdleSection {
  const p = ctx.params;
  const xs = points.map((pt) => pt.open);
  const multiProcess = points.some((pt) => pt.processes > 1);
  // Without a pid to sample (--target without --target-pid) every figure reads 0: no fit rather than a fake 0 B/conn.
  const sampled = points.every((pt) => pt.rssBytes > 0);
  const pssAll = sampled && points.every((pt) => pt.pssBytes !== null);
  const fitOf = (ys: number[]) => linearFit(xs, ys);
  const rss = sampled ? fitOf(points.map((pt) => pt.rssBytes)) : null;
  const pss = pssAll ? fitOf(points.map((pt) => pt.pssBytes!)) : null;
  const withSock = points.filter((pt) => pt.sockstat !== null);
  const kernelTcpMem = withSock.length === points.length ? fitOf(withSock.map((pt) => pt.sockstat!.tcpMemBytes)) : null;
  // Kernel memory not in RSS (thread stacks, task structs, socket slabs): /proc/meminfo, machine-wide.
  const mem = points.every((pt) => pt.meminfo != null) ? points.map((pt) => pt.meminfo!) : null;
  const kernelStack = mem ? fitOf(mem.map((m) => m.kernelStackBytes)) : null;
  const sUnreclaim = mem ? fitOf(mem.map((m) => m.sUnreclaimBytes)) : null;
  const kernel = mem ? fitOf(mem.map((m) => m.kernelStackBytes + m.sUnreclaimBytes)) : null;
  const memoryBasis = multiProcess && pss !== null ? 'pss' : 'rss';
  const fit = memoryBasis === 'pss' ? pss : rss;
  const pongRtt = status?.pongRtt ?? summarizeEncoded([]);
  return {
    params: {
      targetConnections: ctx.connections,
      steps,
      holdMs: p.holdMs,
      finalHoldMs: p.finalHoldMs,
      pingIntervalMs: p.pingIntervalMs,
      rampPerSec: ctx.req.rampPerSec,
      handshakeTimeoutMs: p.handshakeTimeoutMs,
    },
    points,
    fit: { rss, pss, kernelTcpMem, kernelStack, sUnreclaim, kernel },
    bytesPerConnection: fit ? Math.round(fit.slope) : null,
    r2: fit?.r2 ?? null,
    kernelBytesPerConnection: kernel ? Math.round(kernel.slope) : null,
    kernelR2: kernel?.r2 ?? null,
    memoryBasis,
    ceiling: Math.max(0, ...points.map((pt) => pt.open)),
    stoppedBy,
    ...(limits === undefined ? {} : { limits }),
    errors,
    handshake: summarizeEncoded(handshakes),
    liveness: {
      pingIntervalMs: p.pingIntervalMs,
      pingsSent: status?.pingsSent ?? 0,
      pongsReceived: status?.pongsReceived ?? 0,
      pongsLate: status?.pongsLate ?? 0,
      pongsOverdue: status?.pongsOverdue ?? 0,
      pongRtt,
      unexpectedCloses: status?.unexpectedCloses ?? 0,
      closeCodes: status?.closeCodes ?? {},
      unexpectedMessages: status?.unexpectedMessages ?? 0,
    },
  };
}
