import { describe, expect, it } from 'vitest';
import { MAX_KEPT_SAMPLES, TreeSampler } from '../../bench/sampler.js';
import { serverResourcesSchema } from '../../results/schema.js';
import { serverResources } from '../fixtures/cpu.js';

describe('TreeSampler window', () => {
  it('reports context switches of the window, per message, and takes maxima from a workload’s own points', async () => {
    const sampler = new TreeSampler(process.pid, 100, 10);
    sampler.start();
    sampler.markWindowStart();
    await new Promise((r) => setTimeout(r, 50));
    sampler.markWindowEnd();
    sampler.stop();
    const res = sampler.result(1000, [{ rssBytes: 1, threads: 10_007, fds: 3, processes: 1 }])!;
    expect(res.contextSwitches).toBeGreaterThan(0);
    expect(res.contextSwitchesPerMessage).toBeCloseTo(res.contextSwitches! / 1000, 12);
    // idle: the points at the end of each hold count toward threadsMax (threadsMax ≥ connections).
    expect(res.threadsMax).toBe(10_007);
    expect(res.rssBytesMax).toBeGreaterThan(1);
    expect(serverResourcesSchema.parse(res)).toEqual(res);
    expect(sampler.result(null)!.contextSwitchesPerMessage).toBeNull();
  });
  it('marks the whole-core window at the same two edges as the tree (issue 12)', () => {
    const order: string[] = [];
    const sampler = new TreeSampler(process.pid, 100, 250, { markStart: () => order.push('cores start'), markEnd: () => order.push('cores end') });
    sampler.markWindowStart();
    order.push('load');
    sampler.markWindowEnd();
    expect(order).toEqual(['cores start', 'load', 'cores end']);
    expect(sampler.result(1)).not.toBeNull();
  });
  it('older serverResources without the context switch fields still validate', () => {
    const old = serverResources(2, 0.5);
    expect(serverResourcesSchema.safeParse(old).success).toBe(true);
  });
  it('an 8-hour run: 200k samples give exact maxima without RangeError, and the kept series stays bounded (issue 14)', () => {
    const sampler = new TreeSampler(process.pid, 100, 250);
    sampler.markWindowStart();
    const sample = (i: number, rss: number) => ({ tMs: 1_000_000 + i * 250, cpuSeconds: i, rssBytes: rss, pssBytes: null, threads: 3, fds: 9, processes: 1 });
    for (let i = 0; i < 200_000; i++) sampler.record(sample(i, i === 123_457 ? 999_999_999 : 1000 + (i % 7)));
    expect(sampler.keptSamples).toBeLessThanOrEqual(MAX_KEPT_SAMPLES);
    expect(sampler.keptSamples).toBeGreaterThan(MAX_KEPT_SAMPLES / 4);
    sampler.markWindowEnd();
    sampler.record(sample(200_001, 5e9)); // after the window: not a window figure
    const res = sampler.result(null)!;
    expect(res.rssBytesMax).toBe(999_999_999); // the one peak, which the kept series may well not hold
    expect([res.threadsMax, res.fdsMax, res.processesMax]).toEqual([3, 9, 1]);
    expect(res.samples.length).toBeLessThanOrEqual(MAX_KEPT_SAMPLES);
    // evenly spaced
    const gaps = new Set(res.samples.slice(1, 200).map((x, k) => x.tMs - res.samples[k]!.tMs));
    expect(gaps.size).toBe(1);
  });
});
