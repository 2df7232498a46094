import { describe, expect, it } from 'vitest';
import { compareEqualLoad, type EqualLoad, type IoFloor } from '../../../bench/calibration.js';
import { cpuPerMessage, wholeCoreCost } from '../../../bench/cpu-per-message.js';
import { describeCpuPerMessage, describeEqualLoad, describeIoFloor, renderEqualLoadTable } from '../../../cli/reporters/calibration.js';
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

describe('calibrate: I/O floor lines', () => {
  // The floor at 200k round trips/s: client core 60% busy (3 µs per round trip), server core 100% (5 µs per message).
  const floor = (clientBusy: number, cores?: { unavailable: string }): IoFloor => {
    const section = cores ?? { server: coreSide(0, 1, 0.2), client: coreSide(1, clientBusy, 0.1) };
    return {
      result: {
        roundTrips: 2_000_000,
        roundTripsPerSec: 200_000,
        measuredMs: 10_000,
        cpuCoreFraction: clientBusy - 0.1,
        connections: { attempted: 1000, established: 1000, errors: {} },
        pid: 1,
      },
      cores: section,
      cost: wholeCoreCost(section, 200_000, { serverFraction: 0.8, clientCores: clientBusy - 0.1 }),
    };
  };
  const generator = cpuPerMessage(
    cell({
      load: loadReport({ achievedRateHz: 100_000, client: { workers: [clientWorker(0.9)] } }),
      serverResources: serverResources(8),
      cores: { server: coreSide(0, 0.88, 0.08), client: coreSide(1, 1, 0.1) },
    }),
  );

  it('gives the floor’s whole-core cost, what the generator spends above it, and whether the goal lies below the floor', () => {
    const lines = describeIoFloor(floor(0.6), generator);
    expect(lines[0]).toBe(
      'I/O floor (a Node client that only moves the frames: no matching, checks, fresh mask keys, timestamps or histograms): 200.0k round trips/s at 50% of its core',
    );
    expect(lines[1]).toBe('I/O floor CPU (whole cores, softirq included): client 3.00 µs CPU per round trip, server 5.00 µs per message, ratio 0.60');
    expect(lines[2]).toMatch(/^I\/O floor split: client user 2\.50 \+ kernel 0\.00 \+ softirq 0\.50 µs per round trip; server user 4\.00/);
    // The generator: 10 µs per round trip (whole cores) against the floor's 3.
    expect(lines[3]).toBe('the generator spends 7.00 µs per round trip above the floor (its bookkeeping)');
    expect(lines[4]).toBe("the floor's own ratio 0.60 is within the goal ≤ 0.80: what stands between the generator and the goal is its bookkeeping");
    // A floor at 90% of its core: 4.5 µs per round trip, ratio 0.90, above the goal.
    expect(describeIoFloor(floor(0.9), generator).at(-1)).toBe(
      "the floor's own ratio 0.90 is above the goal ≤ 0.80: on this machine even a client that only moves these frames misses it",
    );
  });

  it('says why there is no whole-core figure', () => {
    expect(describeIoFloor(floor(0.6, { unavailable: 'server not pinned: whole cores cannot be attributed to one side' }), generator)).toEqual([
      'I/O floor (a Node client that only moves the frames: no matching, checks, fresh mask keys, timestamps or histograms): 200.0k round trips/s at 50% of its core; whole cores: not given, server not pinned: whole cores cannot be attributed to one side',
    ]);
  });
});
