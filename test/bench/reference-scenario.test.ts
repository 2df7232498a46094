import { describe, expect, it } from 'vitest';
import { estimateDurationMs } from '../../bench/estimate.js';
import { loadScenario } from '../../bench/scenario.js';
import { buildRunRequest } from '../../cli/commands/run.js';
import { entryToFlags } from '../../cli/commands/suite.js';
import { listServers } from '../../servers/registry.js';

/**
 * Issue 13's reference set, as checks on bench/scenarios/reference.json: every model, connection scaling from
 * 100 to 10,000, work and mixed on 1 and 2 server cores, idle ramps, and all of it within 30 minutes here.
 */
const { path, scenario } = loadScenario('reference');
const requests = scenario.entries.map((entry, index) => ({
  entry: entry.name,
  req: buildRunRequest(entryToFlags(path, scenario, index, entry, `/tmp/${entry.name}.json`), ['suite', 'reference'], 'suite'),
}));
/** Cores in a taskset list ("0", "0-1", "0,2"); kept here so the test does not lean on the runner's internals. */
function cpuCounts(list: string | null): number {
  if (list === null) return 0;
  return list.split(',').reduce((n, part) => {
    const [lo, hi] = part.split('-').map(Number);
    return n + (hi === undefined ? 1 : hi - lo! + 1);
  }, 0);
}

describe('the reference suite', () => {
  it('runs every registered model', () => {
    const ran = new Set(requests.flatMap(({ req }) => req.servers));
    expect([...ran].sort()).toEqual(
      listServers()
        .map((s) => s.name)
        .sort(),
    );
  });

  it('scales closed-loop echo from 100 to 10,000 connections on one server core, repeated for CIs', () => {
    const echo = requests.filter(({ req }) => req.workload === 'echo' && req.mode === 'closed' && req.depth === 1);
    const counts = echo.flatMap(({ req }) => req.connections);
    expect(Math.min(...counts)).toBe(100);
    expect(Math.max(...counts)).toBe(10_000);
    for (const { req } of echo) {
      expect(req.repeat).toBeGreaterThanOrEqual(3);
      expect(req.serverCpus.map(cpuCounts)).toEqual([1]);
    }
  });

  it.each(['work', 'mixed'])('runs %s on 1 and on 2 server cores', (workload) => {
    const cores = new Set(requests.filter(({ req }) => req.workload === workload).flatMap(({ req }) => req.serverCpus.map(cpuCounts)));
    expect([...cores].sort()).toEqual([1, 2]);
  });

  it('ramps idle connections past 10,000 (claims C1 and C3 need it) and starves a bounded pool (C2)', () => {
    const idle = requests.filter(({ req }) => req.workload === 'idle');
    expect(Math.max(...idle.flatMap(({ req }) => req.connections))).toBeGreaterThanOrEqual(10_000);
    expect(idle.some(({ req }) => Object.keys(req.serverArgs ?? {}).includes('max-threads'))).toBe(true);
  });

  it('fits in 30 minutes with room for the build, the dashboard and the README (estimate ≤ 27 min)', () => {
    expect(estimateDurationMs(requests.map(({ req }) => req))).toBeLessThanOrEqual(27 * 60_000);
  });
});
