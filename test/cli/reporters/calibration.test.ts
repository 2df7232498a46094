import { describe, expect, it } from 'vitest';
import { compareEqualLoad, type EqualLoad } from '../../../bench/calibration.js';
import { cpuPerMessage } from '../../../bench/cpu-per-message.js';
import { describeCpuPerMessage, describeEqualLoad, renderEqualLoadTable } from '../../../cli/reporters/calibration.js';
import { clientWorker, coreSide, serverResources } from '../../fixtures/cpu.js';
import { cell, latency, loadReport } from '../../fixtures/results.js';

describe('calibrate: CPU per message lines', () => {
  // 100k round trips/s; client 0.9 cores = 9 µs per round trip; server 8 µs per message; cores 88% and 100% busy.
  const measured = cell({
    load: loadReport({ achievedRateHz: 100_000, client: { workers: [clientWorker(0.45), clientWorker(0.45)] } }),
    serverResources: serverResources(8),
    // Server 80% process + 8% softirq = its core's 88%; client 0.9 cores + 10% softirq = its core's 100%.
    cores: { server: coreSide(0, 0.88, 0.08), client: coreSide(1, 1, 0.1) },
  });
  it('calibrate prints both figures, their ratio and the goal, met or not, and the goal’s conditions', () => {
    const lines = describeCpuPerMessage(cpuPerMessage(measured), { connections: 100, depth: 8 });
    expect(lines).toEqual([
      'CPU per message (processes): client 9.00 µs CPU per round trip, server 8.00 µs per message, ratio 1.13 (goal ≤ 0.80: not met)',
      'CPU per message (whole cores, softirq included): client 10.00 µs CPU per round trip, server 8.80 µs per message, ratio 1.14 (goal ≤ 0.80: not met)',
      // coreSide puts all non-softirq busy time in user: client 90% user + 10% softirq, server 80% + 8%.
      "whole cores split: client user 9.00 + kernel 0.00 + softirq 1.00 µs per round trip; server user 8.00 + kernel 0.00 + softirq 0.80 µs per message; the client's kernel + softirq alone is 11% of the server's whole cost",
      'the goal is stated at 1000 connections, depth 8; this run: 100 connections, depth 8',
    ]);
    const cheap = cell({
      load: loadReport({ achievedRateHz: 100_000, client: { workers: [clientWorker(0.6)] } }),
      serverResources: serverResources(8),
      cores: { unavailable: 'server not pinned: whole cores cannot be attributed to one side' },
    });
    expect(describeCpuPerMessage(cpuPerMessage(cheap), { connections: 1000, depth: 8 })).toEqual([
      'CPU per message (processes): client 6.00 µs CPU per round trip, server 8.00 µs per message, ratio 0.75 (goal ≤ 0.80: met)',
      'CPU per message (whole cores): not given, server not pinned: whole cores cannot be attributed to one side',
    ]);
    expect(describeCpuPerMessage(null, { connections: 1000, depth: 8 })).toEqual(['CPU per message: not measured (no server CPU or no replies in the window)']);
  });
});

describe('calibrate: equal offered load lines', () => {
  const side = (client: string, achievedRateHz: number, values: number[]) => ({
    client,
    offeredRateHz: 2000,
    achievedRateHz,
    corrected: latency(values),
    service: latency(values),
  });
  const equalLoad = (gen: number[], ws: number[], wsRate: number): EqualLoad => {
    const generator = side('wsarena generator (raw frames)', 2000, gen);
    const baseline = side('ws package client (baseline)', wsRate, ws);
    const comparison = compareEqualLoad({ rateHz: 2000, p50Us: generator.corrected.p50Us }, { rateHz: wsRate, p50Us: baseline.corrected.p50Us });
    return { rateHz: 2000, rateFrom: 'flag', generator, baseline, comparison };
  };

  it('says the rate, both differences, the tolerance and agree or DISAGREE with the reason', () => {
    expect(describeEqualLoad(equalLoad([100, 100, 5000], [104, 104, 8000], 1960))).toBe(
      'equal offered load 2000 msgs/s: rates differ by 2.0%, medians by 3.8% (must agree within 10%): agree',
    );
    expect(describeEqualLoad(equalLoad([100], [200], 2000))).toBe(
      'equal offered load 2000 msgs/s: rates differ by 0.0%, medians by 50.0% (must agree within 10%): DISAGREE (medians differ by 50.0% > 10.0%)',
    );
  });

  it('tabulates offered and achieved msgs/s, corrected p50 and p99 per client', () => {
    const text = renderEqualLoadTable(equalLoad([100, 100, 5000], [104, 104, 8000], 1960), { color: false, box: false });
    const rows = text.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(rows[0]).toEqual(['client', 'offered msgs/s', 'achieved msgs/s', 'p50 latency (corrected)', 'p99']);
    expect(rows.slice(1)).toEqual([
      ['wsarena generator (raw frames)', '2000', '2000', '100 µs', '5.00 ms'],
      ['ws package client (baseline)', '2000', '1960', '104 µs', '8.00 ms'],
    ]);
  });
});
