import { describe, expect, it } from 'vitest';
import { TreeSampler } from '../../bench/sampler.js';
import { serverResourcesSchema } from '../../results/schema.js';

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
  it('older serverResources without the context switch fields still validate', () => {
    const old = { cpuSeconds: 1, cpuCoreFraction: 0.5, cpuUsPerMessage: 2, rssBytesMax: 1, rssBytesEnd: 1, threadsMax: 1, fdsMax: 1, processesMax: 1, sampleIntervalMs: 250, samples: [] };
    expect(serverResourcesSchema.safeParse(old).success).toBe(true);
  });
});
