import { describe, expect, it } from 'vitest';
import { computeVerdict } from '../../bench/verdict.js';
import { loadReport } from '../fixtures/results.js';

const worker = (cpuCoreFraction: number, extra: Partial<{ eventLoopDelayP99Ms: number; sendLagP99Us: number }> = {}) => ({
  pid: 1,
  connections: 100,
  cpuCoreFraction,
  eventLoopDelayP99Ms: extra.eventLoopDelayP99Ms ?? 1,
  sendLagP99Us: extra.sendLagP99Us ?? 0,
});

describe('computeVerdict', () => {
  it('server-bound when the server uses its core and the client has room', () => {
    const v = computeVerdict({ load: loadReport({ client: { workers: [worker(0.6)] } }), serverCpuCoreFraction: 0.97, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('server-bound');
    expect(v.reasons[0]).toBe('server at 97% of its 1 CPU(s) while the client peaked at 60% of a core');
  });
  it('client-bound when the client saturates and the server has room: the figure is then only a lower bound', () => {
    const v = computeVerdict({ load: loadReport({ client: { workers: [worker(0.95)] } }), serverCpuCoreFraction: 0.7, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons.join(' ')).toMatch(/client worker CPU at 95% of a core .* lower bound/);
  });
  it('a saturated server is the limit even when the client is busy too, and says so', () => {
    const v = computeVerdict({ load: loadReport({ client: { workers: [worker(0.95)] } }), serverCpuCoreFraction: 0.99, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('server-bound');
    expect(v.reasons[1]).toMatch(/^the client was busy too \(client worker CPU at 95% of a core/);
  });
  it('client-bound on open-loop send lag', () => {
    const load = loadReport({
      plan: { ...loadReport().plan, mode: 'open', rateHz: 1000 },
      targetRateHz: 1000,
      achievedRateHz: 990,
      client: { workers: [worker(0.3, { sendLagP99Us: 12_000 })] },
    });
    const v = computeVerdict({ load, serverCpuCoreFraction: 0.2, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons[0]).toBe('client send lag p99 12.0 ms (≥ 5 ms)');
  });
  it('send lag that is small against the corrected latency is noted, not disqualifying', () => {
    const base = loadReport();
    const corrected = { ...base.service, p99Us: 100_000 };
    const load = loadReport({
      plan: { ...base.plan, mode: 'open', rateHz: 1000 },
      targetRateHz: 1000,
      achievedRateHz: 1000,
      corrected,
      client: { workers: [worker(0.2, { sendLagP99Us: 6_000 })] },
    });
    const v = computeVerdict({ load, serverCpuCoreFraction: 0.3, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons).toContain('client send lag p99 6.0 ms (≥ 5 ms), small against the corrected p99 of 100.0 ms');
  });
  it('inconclusive when neither side saturates, and says why', () => {
    const v = computeVerdict({ load: loadReport(), serverCpuCoreFraction: 0.3, serverCpuCount: 1, sharedCores: true });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons).toContain('server and client share CPU cores: they compete, so neither figure is clean');
    expect(v.sharedCores).toBe(true);
  });
  it('inconclusive without server measurements', () => {
    const v = computeVerdict({ load: loadReport(), serverCpuCoreFraction: null, serverCpuCount: null, sharedCores: false });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons[0]).toMatch(/not measured/);
  });
  it('client-bound when open-loop sends were dropped for write backpressure (issue 14)', () => {
    const base = loadReport();
    const load = loadReport({
      plan: { ...base.plan, mode: 'open', rateHz: 1000 },
      targetRateHz: 1000,
      achievedRateHz: 1000,
      counts: { ...base.counts, clientDrops: 40 },
      client: { workers: [worker(0.2)] },
    });
    const v = computeVerdict({ load, serverCpuCoreFraction: 0.3, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons[0]).toMatch(/^client dropped 40 of \d+ due sends: their sockets had more than the write-buffer bound queued/);
  });
  it('every reason is worded here: an unpinned server and a /stats span that missed the window come last, in that order', () => {
    const v = computeVerdict({
      load: loadReport(),
      serverCpuCoreFraction: 0.3,
      serverCpuCount: 2,
      sharedCores: true,
      serverUnpinned: true,
      statsSpan: { spanMs: 368.4, windowMs: 5000 },
    });
    expect(v.reasons.slice(-2)).toEqual([
      'server not pinned: its CPU share is out of 2 cores shared with the client',
      "the server's /stats snapshots span 368 ms of its uptime, not the 5000 ms window (it answered /stats late): CPU and context switches per message divide by the client's count of replies instead",
    ]);
    const plain = computeVerdict({
      load: loadReport(),
      serverCpuCoreFraction: 0.3,
      serverCpuCount: 1,
      sharedCores: false,
      serverUnpinned: false,
      statsSpan: null,
    });
    expect(plain.reasons.join(' ')).not.toMatch(/not pinned|\/stats/);
  });
});
