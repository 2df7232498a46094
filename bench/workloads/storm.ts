/**
 * storm: connection churn. Each round opens K connections as fast as possible (or at --ramp) and closes
 * them all; handshakes per second and connect-time percentiles per round, then the server tree's RSS and
 * fds once it has settled, against the baseline taken before the first round. A server that leaks a
 * socket or a handler per connection shows it here as fds or RSS creeping up round after round.
 */
import type { Fleet } from '../../clients/fleet/fleet.js';
import type { StormSection } from '../../results/sections.js';
import { median } from '../stats.js';
import {
  errorMessage,
  openWithProgress,
  pause,
  sampleTree,
  startFleet,
  stats,
  type TreeFigures,
  type WorkloadContext,
  type WorkloadOutcome,
} from './context.js';

const SETTLE_POLL_MS = 100;

export async function runStorm(ctx: WorkloadContext): Promise<WorkloadOutcome> {
  const p = ctx.params;
  const k = ctx.connections;
  const baseline = sampleTree(ctx, false);
  const rounds: StormSection['rounds'] = [];
  let fleet: Fleet | null = null;
  let error: string | null = null;
  try {
    fleet = await startFleet(ctx);
    await fleet.setPing(null);
    for (let round = 0; round < p.rounds; round++) {
      const opened = await openWithProgress(ctx, fleet, k, 0, k);
      const closed = await fleet.closeAll(2000);
      // Wait (bounded) until the server has let go of the sockets: its fds back near the baseline.
      let after: TreeFigures = sampleTree(ctx, false);
      let serverOpen = (await stats(ctx))?.openConnections ?? null;
      const settleEnd = performance.now() + p.settleMs;
      while (performance.now() < settleEnd && (after.fds > baseline.fds + p.fdTolerance || (serverOpen ?? 0) > 0)) {
        await pause(SETTLE_POLL_MS, ctx.signal);
        after = sampleTree(ctx, false);
        serverOpen = (await stats(ctx))?.openConnections ?? null;
      }
      const connectMs = opened.elapsedUs / 1000;
      rounds.push({
        round,
        attempted: opened.attempted,
        established: opened.established,
        errors: opened.errors,
        connectMs: round1(connectMs),
        handshakesPerSec: connectMs > 0 ? Math.round((opened.established / connectMs) * 1000) : 0,
        handshake: opened.handshake,
        closeMs: round1(closed.elapsedUs / 1000),
        after,
        serverOpen,
        rssDeltaBytes: after.rssBytes - baseline.rssBytes,
        fdsDelta: after.fds - baseline.fds,
      });
    }
  } catch (err) {
    error = errorMessage(err, ctx.signal);
  } finally {
    await fleet?.stop();
  }
  if (rounds.length === 0) return { sections: {}, error: error ?? 'no round ran', serverMessagesHandled: null };
  const last = rounds[rounds.length - 1]!;
  const failedRounds = rounds.filter((r) => r.established < r.attempted);
  error ??=
    failedRounds.length > 0
      ? `${failedRounds.length} round(s) did not connect every connection: ${failedRounds.map((r) => `round ${r.round + 1}: ${r.established}/${r.attempted} ${JSON.stringify(r.errors)}`).join('; ')}`
      : null;
  const storm: StormSection = {
    params: { connectionsPerRound: k, rounds: p.rounds, rampPerSec: ctx.req.rampPerSec, settleMs: p.settleMs, fdTolerance: p.fdTolerance },
    baseline,
    rounds,
    rssDeltaBytes: last.rssDeltaBytes,
    fdsDelta: last.fdsDelta,
    nearBaseline: last.fdsDelta <= p.fdTolerance,
    handshakesPerSecMedian: median(rounds.map((r) => r.handshakesPerSec)),
  };
  return { sections: { storm }, error, serverMessagesHandled: null };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
