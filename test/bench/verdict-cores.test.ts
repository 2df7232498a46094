import { describe, expect, it } from 'vitest';
import { computeVerdict, VERDICT_THRESHOLDS } from '../../bench/verdict.js';
import type { CoresSection } from '../../results/cores.js';
import { verdictSchema } from '../../results/schema.js';
import { clientWorker, coreSide } from '../fixtures/cpu.js';
import { loadReport } from '../fixtures/results.js';

const verdict = (serverCpuCoreFraction: number, clientCpu: number, cores: CoresSection | null) =>
  computeVerdict({
    load: loadReport({ client: { workers: [clientWorker(clientCpu, 100)] } }),
    serverCpuCoreFraction,
    serverCpuCount: 1,
    sharedCores: false,
    cores,
  });

describe('verdict from whole cores (issue 12)', () => {
  it('thresholds are named once, at 95% busy', () => {
    expect(VERDICT_THRESHOLDS.serverCoreBusyFraction).toBe(0.95);
    expect(VERDICT_THRESHOLDS.clientCoreBusyFraction).toBe(0.95);
  });
  it('a server core ≥ 95% busy is saturated even when its processes show 80%, and says both figures', () => {
    const v = verdict(0.8, 0.6, { server: coreSide(0, 0.96, 0.15), client: coreSide(1, 0.7, 0.1) });
    expect(v.verdict).toBe('server-bound');
    expect(v.reasons[0]).toBe(
      "server CPU 0 96% busy (softirq 15%), ≥ 95%: saturated though its processes used 80% of it; the kernel's packet work on a core is charged to no process; the client peaked at 60% of a core",
    );
    expect(v.reasons).toContain('whole cores: client CPU 1 70% busy (softirq 10%)');
    expect(v.numbers.serverCoreBusyFraction).toBe(0.96);
    expect(v.numbers.clientCoreBusyFractionMax).toBe(0.7);
    expect(verdictSchema.parse(v)).toEqual(v);
  });
  it('the same process figures with the core at 88% stay inconclusive, with the core figures stated', () => {
    const v = verdict(0.8, 0.6, { server: coreSide(0, 0.88, 0.15), client: coreSide(1, 0.7, 0.1) });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons).toContain('whole cores: server CPU 0 88% busy (softirq 15%), client CPU 1 70% busy (softirq 10%)');
  });
  it('a client core ≥ 95% busy is client-bound even when the worker process shows less than its 85%', () => {
    const v = verdict(0.7, 0.83, { server: coreSide(0, 0.85, 0.15), client: coreSide(1, 1, 0.17) });
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons[0]).toBe("client CPU 1 100% busy (softirq 17%), ≥ 95%: the generator's core had no room");
    expect(v.reasons).toContain('whole cores: server CPU 0 85% busy (softirq 15%)');
  });
  it('issue 12’s measured run (server core 88%, client core 100%) is client-bound, not inconclusive', () => {
    const v = verdict(0.79, 0.83, { server: coreSide(0, 0.88, 0.15), client: coreSide(1, 1, 0.17) });
    expect(v.verdict).toBe('client-bound');
  });
  it('both saturated: the server is the limit, and the client’s core shows as busy too', () => {
    const v = verdict(0.8, 0.83, { server: coreSide(0, 0.97, 0.15), client: coreSide(1, 0.99, 0.17) });
    expect(v.verdict).toBe('server-bound');
    expect(v.reasons[1]).toMatch(/^the client was busy too \(client CPU 1 99% busy/);
    expect(v.reasons.some((r) => r.startsWith('whole cores:'))).toBe(false);
  });
  it('a server saturated by its processes keeps that reason first and adds the core’s', () => {
    const v = verdict(0.97, 0.5, { server: coreSide(0, 0.99, 0.05), client: coreSide(1, 0.6, 0.1) });
    expect(v.reasons[0]).toBe('server at 97% of its 1 CPU(s) while the client peaked at 50% of a core');
    expect(v.reasons[1]).toMatch(/^server CPU 0 99% busy \(softirq 5%\), ≥ 95%: saturated though its processes used 97% of it/);
  });
  it('a core busy with other processes (a machine not quiet) judges nothing, and says how much was other work', () => {
    // Seen in a smoke run on a loaded machine: the server's core 100% busy while its processes used 18%.
    const v = verdict(0.18, 0.17, { server: coreSide(0, 1, 0.03), client: coreSide(1, 1, 0.01) });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons).toContain('whole cores: server CPU 0 100% busy (softirq 3%), client CPU 1 100% busy (softirq 1%)');
    expect(v.reasons).toContain(
      "79% of the server's CPU 0 went to other processes (> 10%): the machine was not quiet, so that core's busy figure judges nothing",
    );
    expect(v.reasons).toContain(
      "82% of the client's CPU 1 went to other processes (> 10%): the machine was not quiet, so that core's busy figure judges nothing",
    );
    expect(VERDICT_THRESHOLDS.coreOtherWorkFraction).toBe(0.1);
  });
  it('unmeasured cores change nothing but say why', () => {
    const v = verdict(0.8, 0.6, { unavailable: 'server not pinned: whole cores cannot be attributed to one side' });
    expect(v.verdict).toBe('inconclusive');
    expect(v.reasons).toContain('whole cores not measured: server not pinned: whole cores cannot be attributed to one side');
    expect(v.numbers.serverCoreBusyFraction).toBeNull();
    const without = verdict(0.8, 0.6, null);
    expect(without.reasons.some((r) => r.includes('whole cores'))).toBe(false);
  });
  it('older verdicts without the core numbers still validate', () => {
    const v = verdict(0.8, 0.6, null);
    const { serverCoreBusyFraction: _s, clientCoreBusyFractionMax: _c, ...older } = v.numbers;
    expect(verdictSchema.safeParse({ ...v, numbers: older }).success).toBe(true);
  });
});
