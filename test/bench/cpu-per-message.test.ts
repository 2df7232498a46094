import { describe, expect, it } from 'vitest';
import { CLIENT_TO_SERVER_CPU_GOAL, cpuPerMessage } from '../../bench/cpu-per-message.js';
import { clientWorker, coreSide, serverResources } from '../fixtures/cpu.js';
import { cell, loadReport } from '../fixtures/results.js';

describe('CPU per message, client against server (issue 12 item 2)', () => {
  // 100k round trips/s; two client workers at 0.45 + 0.45 cores = 9 µs per round trip; server 8 µs per message.
  const measured = cell({
    load: loadReport({ achievedRateHz: 100_000, client: { workers: [clientWorker(0.45), clientWorker(0.45)] } }),
    serverResources: serverResources(8),
    // Server 80% process + 8% softirq = its core's 88%; client 0.9 cores + 10% softirq = its core's 100%.
    cores: { server: coreSide(0, 0.88, 0.08), client: coreSide(1, 1, 0.1) },
  });
  it('sums the client workers’ CPU per round trip and divides by the server’s CPU per message', () => {
    const cost = cpuPerMessage(measured)!;
    expect(cost.goal).toBe(CLIENT_TO_SERVER_CPU_GOAL);
    expect(cost.goal).toBe(0.8);
    expect(cost.processes.clientUsPerRoundTrip).toBeCloseTo(9, 9);
    expect(cost.processes.serverUsPerMessage).toBe(8);
    expect(cost.processes.clientToServerRatio).toBeCloseTo(1.125, 9);
  });
  it('whole cores give the same pair from each side’s busy time (softirq included)', () => {
    const w = cpuPerMessage(measured)!.wholeCores!;
    expect(w.clientUsPerRoundTrip).toBeCloseTo(10, 9);
    expect(w.serverUsPerMessage).toBeCloseTo(8.8, 9);
    expect(w.clientToServerRatio).toBeCloseTo(10 / 8.8, 9);
  });
  it('splits each side’s whole-core time into user, kernel and softirq µs per round trip, summing to the whole', () => {
    const withKernel = cell({
      ...measured,
      // Client core: 50% user, 30% system, 20% softirq; server core: 40% user, 5% nice, 30% system, 13% softirq.
      cores: {
        server: { ...coreSide(0, 0.88, 0.13), user: 0.4, nice: 0.05, system: 0.3 },
        client: { ...coreSide(1, 1, 0.2), user: 0.5, system: 0.3 },
      },
    });
    const cost = cpuPerMessage(withKernel)!;
    expect(cost.wholeCoresSplit!.client.userUs).toBeCloseTo(5, 9);
    expect(cost.wholeCoresSplit!.client.kernelUs).toBeCloseTo(3, 9);
    expect(cost.wholeCoresSplit!.client.softirqUs).toBeCloseTo(2, 9);
    expect(cost.wholeCoresSplit!.server.userUs).toBeCloseTo(4.5, 9);
    const server = cost.wholeCoresSplit!.server;
    expect(server.userUs + server.kernelUs + server.softirqUs).toBeCloseTo(cost.wholeCores!.serverUsPerMessage, 9);
    expect(cpuPerMessage(cell({ ...measured, cores: undefined }))!.wholeCoresSplit).toBeNull();
  });
  it('no whole-core pair when other processes used a pinned core, or cores were not measured, and why', () => {
    const loaded = cell({ ...measured, cores: { server: coreSide(0, 1, 0.03), client: coreSide(1, 1, 0.1) } });
    const cost = cpuPerMessage(loaded)!;
    expect(cost.wholeCores).toBeNull();
    expect(cost.wholeCoresUnavailable).toBe('other processes used 17% of a pinned core (the machine was not quiet)');
    expect(cost.processes.clientToServerRatio).toBeCloseTo(1.125, 9);
    expect(cpuPerMessage(cell({ ...measured, cores: { unavailable: 'server and client share CPU 1' } }))!.wholeCoresUnavailable).toBe(
      'server and client share CPU 1',
    );
    expect(cpuPerMessage(cell({ ...measured, cores: undefined }))!.wholeCoresUnavailable).toBe('not recorded');
  });
  it('nothing to say without server CPU or without replies', () => {
    expect(cpuPerMessage(cell({ serverResources: serverResources(null) }))).toBeNull();
    expect(cpuPerMessage(cell({ serverResources: serverResources(8), load: loadReport({ achievedRateHz: 0 }) }))).toBeNull();
    expect(cpuPerMessage(cell({ serverResources: serverResources(8), cores: { unavailable: 'x' } }))!.wholeCores).toBeNull();
  });
});
