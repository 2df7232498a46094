import { describe, expect, it } from 'vitest';
import { serverMessageCount } from '../../bench/server-count.js';
import { statsSpanReason } from '../../bench/verdict.js';
import type { StatsSnapshot } from '../../protocol/wire.js';

function stats(uptimeMs: number, messagesHandled: number): StatsSnapshot {
  return { server: 'x', pid: 1, uptimeMs, openConnections: 1, messagesHandled, broadcastDeliveries: 0, protocolCloses: 0 } as StatsSnapshot;
}

describe('serverMessageCount', () => {
  it('uses the server count when its snapshots bracket the window', () => {
    expect(serverMessageCount(stats(1000, 10), stats(6050, 50_010), 5000)).toEqual({ serverMessagesHandled: 50_000, distrust: null });
  });

  it('falls back to the client count, saying why, when /stats answered late (a span far from the window)', () => {
    // Measured: java-threads at 5,000 connections answered the start snapshot seconds late; the delta was 26 messages.
    const r = serverMessageCount(stats(8000, 211_000), stats(8368, 211_026), 5000);
    expect(r.serverMessagesHandled).toBeNull();
    expect(r.distrust).toEqual({ spanMs: 368, windowMs: 5000 });
    // The verdict words it (every reason lives in bench/verdict.ts).
    expect(statsSpanReason(r.distrust!)).toContain('span 368 ms of its uptime, not the 5000 ms window');
  });

  it('has no count without both snapshots', () => {
    expect(serverMessageCount(null, stats(1, 1), 5000)).toEqual({ serverMessagesHandled: null, distrust: null });
  });
});
