import { describe, expect, it } from 'vitest';
import { cpuPerMessage } from '../../../bench/cpu-per-message.js';
import { describeCpuPerMessage } from '../../../cli/reporters/calibration.js';
import { clientWorker, coreSide, serverResources } from '../../fixtures/cpu.js';
import { cell, loadReport } from '../../fixtures/results.js';

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
