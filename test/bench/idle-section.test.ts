import { describe, expect, it } from 'vitest';
import type { RunRequest } from '../../bench/runner.js';
import { buildIdleSection } from '../../bench/workloads/idle.js';
import { DEFAULT_WORKLOAD_PARAMS } from '../../bench/workloads/params.js';
import { type IdleSection, idleSectionSchema } from '../../results/sections.js';

const ctx = { params: DEFAULT_WORKLOAD_PARAMS, connections: 4000, req: { rampPerSec: null } as unknown as RunRequest };
type Point = IdleSection['points'][number];

function point(step: number, open: number, meminfo: Point['meminfo']): Point {
  return {
    step,
    tMs: step * 1000,
    targetConnections: open,
    open,
    serverOpen: open,
    rssBytes: 50e6 + open * 10_000,
    pssBytes: null,
    fds: 20 + open,
    threads: 8 + open,
    processes: 1,
    sockstat: null,
    ...(meminfo === undefined ? {} : { meminfo }),
    errors: {},
  };
}

describe('idle section: kernel memory per connection', () => {
  it('fits KernelStack + SUnreclaim against open connections beside the RSS slope', () => {
    // A thread per connection: 16 KiB of kernel stack and ~2 KB of unreclaimable slab (task struct, sockets) each.
    const points = [0, 1000, 2000, 3000, 4000].map((open, step) =>
      point(step, open, { kernelStackBytes: 2e6 + open * 16_384, slabBytes: 200e6 + open * 3000, sUnreclaimBytes: 30e6 + open * 2000 }),
    );
    const s = buildIdleSection(ctx, 4, points, {}, [], null, 'target reached');
    expect(s.bytesPerConnection).toBe(10_000);
    expect(s.kernelBytesPerConnection).toBe(18_384);
    expect(s.kernelR2).toBeCloseTo(1, 9);
    expect(s.fit.kernelStack!.slope).toBeCloseTo(16_384, 6);
    expect(s.fit.sUnreclaim!.slope).toBeCloseTo(2000, 6);
    expect(s.fit.kernel!.intercept).toBeCloseTo(32e6, 0);
    expect(idleSectionSchema.parse(s)).toEqual(s);
  });
  it('has no kernel figure when a point lacks /proc/meminfo, and older sections without the fields still validate', () => {
    const points = [point(0, 0, null), point(1, 2000, { kernelStackBytes: 1, slabBytes: 1, sUnreclaimBytes: 1 })];
    const s = buildIdleSection(ctx, 1, points, {}, [], null, 'target reached');
    expect(s.kernelBytesPerConnection).toBeNull();
    expect(s.kernelR2).toBeNull();
    expect(s.fit.kernel).toBeNull();
    const { kernelBytesPerConnection: _k, kernelR2: _r, ...old } = s;
    const oldSection = {
      ...old,
      fit: { rss: s.fit.rss, pss: s.fit.pss, kernelTcpMem: s.fit.kernelTcpMem },
      points: [point(0, 0, undefined), point(1, 2000, undefined)],
    };
    expect(idleSectionSchema.safeParse(oldSection).success).toBe(true);
  });
});
