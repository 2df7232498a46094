import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { estimateClockOffset, offsetFromProbes } from '../../bench/clock-offset.js';
import { CONNECT_ALLOWANCE_MS, engineStartMs, measureStartMs, segmentPlan } from '../../bench/segment-run.js';
import { loadReport } from '../fixtures/results.js';

const whole = { ...loadReport().plan, connections: 10, workers: 2, mode: 'open' as const, rateHz: 1000, warmupMs: 2000, rampPerSec: null };

describe('segmentPlan', () => {
  it('gives a segment its connections and rate share, and no more workers than connections', () => {
    const share = segmentPlan(whole, { index: 0, count: 3, startAtMs: null });
    expect(share).toMatchObject({ connections: 4, rateHz: 400, workers: 2, durationMs: whole.durationMs, url: whole.url });
    expect(segmentPlan({ ...whole, connections: 3 }, { index: 2, count: 3, startAtMs: null })).toMatchObject({ connections: 1, workers: 1 });
    expect(segmentPlan({ ...whole, mode: 'closed', rateHz: null }, { index: 1, count: 3, startAtMs: null })).toMatchObject({ connections: 3, rateHz: null });
  });
});

describe('engineStartMs', () => {
  it('starts the engine before --start-at by the warmup, the connect allowance, the ramp and after the segment phase', () => {
    const seg = { index: 1, count: 2, startAtMs: 1_000_000 };
    // interval = 10 connections / 1000 Hz = 10 ms; segment 1's first connection is global 1: phase 1 ms.
    expect(engineStartMs(seg, whole, segmentPlan(whole, seg))).toBeCloseTo(1_000_000 + 1 - 2000 - CONNECT_ALLOWANCE_MS, 6);
    const ramped = { ...whole, rampPerSec: 10 };
    expect(engineStartMs(seg, ramped, segmentPlan(ramped, seg))).toBeCloseTo(1_000_000 + 1 - 2000 - CONNECT_ALLOWANCE_MS - 500, 6);
    expect(engineStartMs({ ...seg, startAtMs: null }, whole, segmentPlan(whole, seg))).toBeNull();
  });

  it('aims the measured window at --start-at plus the segment phase', () => {
    expect(measureStartMs({ index: 1, count: 2, startAtMs: 1_000_000 }, whole)).toBeCloseTo(1_000_001, 6);
    expect(measureStartMs({ index: 0, count: 2, startAtMs: 1_000_000 }, whole)).toBeCloseTo(1_000_000, 6);
    expect(measureStartMs({ index: 0, count: 2, startAtMs: null }, whole)).toBeNull();
  });
});

describe('clock offset', () => {
  it('puts the server second boundary between the last old Date and the first new one', () => {
    const probes = [
      { sentMs: 10_990, receivedMs: 10_992, dateMs: 12_000 },
      { sentMs: 11_000, receivedMs: 11_002, dateMs: 13_000 },
    ];
    // Server read 12.x s before 10 990 + ε and 13.0 s before 11 002: its 13 000 is at local ≈ 10 996 ± 6.
    expect(offsetFromProbes(probes)).toEqual({ offsetMs: 13_000 - 10_996, uncertaintyMs: 6 });
    expect(offsetFromProbes(probes.slice(0, 1))).toBeNull();
  });

  it('measures a server whose clock runs 1.5 s ahead to within its uncertainty', async () => {
    const server = http.createServer((_req, res) => {
      res.sendDate = false;
      res.setHeader('Date', new Date(Date.now() + 1500).toUTCString());
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const o = await estimateClockOffset(`http://127.0.0.1:${port}/stats`);
      expect(o.method).toMatch(/^HTTP Date tick/);
      expect(Math.abs(o.offsetMs! - 1500)).toBeLessThanOrEqual(o.uncertaintyMs! + 5);
      expect(o.uncertaintyMs!).toBeLessThan(50);
    } finally {
      server.close();
    }
  });

  it('records why it has no estimate instead of failing the run', async () => {
    const o = await estimateClockOffset('http://127.0.0.1:9/stats');
    expect(o).toMatchObject({ offsetMs: null, uncertaintyMs: null });
    expect(o.method).toMatch(/^GET http:\/\/127\.0\.0\.1:9\/stats failed: .*ECONNREFUSED/);
  });
});
