import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CELL_COSTS, estimateCellMs, estimateDurationMs, estimateRequestMs, formatEstimate, plannedCells } from '../../bench/estimate.js';
import { loadScenario } from '../../bench/scenario.js';
import { buildRunRequest } from '../../cli/commands/run.js';
import { entryToFlags } from '../../cli/commands/suite.js';
import { PROJECT_ROOT } from '../../protocol/paths.js';
import type { ResultFile } from '../../results/schema.js';

/** The RunRequests `wsarena suite NAME` would run, entry by entry. */
function suiteRequests(name: string) {
  const { path, scenario } = loadScenario(name);
  return scenario.entries.map((entry, index) => ({
    entry: entry.name,
    req: buildRunRequest(entryToFlags(path, scenario, index, entry, `/tmp/${entry.name}.json`), ['suite', name], 'suite'),
  }));
}

describe('estimateDurationMs', () => {
  it('counts the cells the runner plans and adds each phase of a cell', () => {
    const scaling = suiteRequests('threaded-vs-async').find((r) => r.entry === 'scaling-closed');
    if (scaling === undefined) throw new Error('threaded-vs-async has no scaling-closed entry');
    const { req } = scaling;
    expect(plannedCells(req)).toBe(req.servers.length * req.connections.length * req.repeat);
    const one = { ...req, servers: ['ws-loop'], connections: [1000], repeat: 1 };
    expect(estimateCellMs(one, 1000, 'event-loop')).toBeCloseTo(
      CELL_COSTS.startStopMs + 1000 * CELL_COSTS.perConnectionMs + one.warmupMs + one.durationMs + one.drainMs,
    );
    expect(estimateRequestMs({ ...one, repeat: 3 })).toBeCloseTo(3 * estimateRequestMs(one));
    expect(estimateRequestMs({ ...one, serverCpus: ['0', '0-1'] })).toBeCloseTo(2 * estimateRequestMs(one));
    // An OS thread per connection costs more to open than a socket on an event loop.
    expect(estimateRequestMs({ ...one, servers: ['go-os-threads'] })).toBeGreaterThan(estimateRequestMs(one));
    // An idle ramp holds each step; a --ramp cap slows the opening.
    const idle = { ...one, workload: 'idle', workloadParams: { steps: 4, holdMs: 2000, finalHoldMs: 5000 } };
    expect(estimateCellMs(idle, 1000, 'event-loop')).toBeCloseTo(
      CELL_COSTS.startStopMs + 1000 * (CELL_COSTS.perConnectionMs + CELL_COSTS.idlePerConnectionMs) + 3 * 2000 + 5000,
    );
    expect(estimateCellMs({ ...idle, rampPerSec: 100 }, 1000, 'event-loop')).toBeCloseTo(
      CELL_COSTS.startStopMs + 10_000 + 1000 * CELL_COSTS.idlePerConnectionMs + 3 * 2000 + 5000,
    );
    expect(estimateDurationMs([one, idle])).toBeCloseTo(estimateRequestMs(one) + estimateRequestMs(idle));
  });

  it('predicts how long the reference result files took, from their suites’ entries', () => {
    // Every file of results/reference/ made by a suite entry whose settings are still those of the file.
    const compared: Array<{ file: string; estimated: number; actual: number }> = [];
    const root = join(PROJECT_ROOT, 'results', 'reference');
    for (const dir of readdirSync(root)) {
      let names: string[];
      try {
        names = readdirSync(join(root, dir)).filter((n) => n.endsWith('.json'));
      } catch {
        continue;
      }
      for (const name of names) {
        const file = JSON.parse(readFileSync(join(root, dir, name), 'utf8')) as ResultFile;
        // Companions such as pool-overhead.json have cells of their own and no command: not suite results.
        if (!Array.isArray(file.cells) || file.cells.length === 0 || !Array.isArray(file.command) || file.command[0] !== 'suite') continue;
        const entryAt = file.command.indexOf('--entry');
        let requests: ReturnType<typeof suiteRequests>;
        try {
          requests = suiteRequests(file.command[1]!);
        } catch {
          continue;
        }
        const req = requests.find((r) => r.entry === file.command[entryAt + 1])?.req;
        if (
          !req ||
          file.cells.some((c) => c.params.durationMs !== req.durationMs || !req.connections.includes(c.params.connections) || !req.servers.includes(c.server))
        )
          continue;
        if (file.cells.length !== plannedCells(req)) continue;
        // A ramp that stopped short waited out handshake timeouts of starved connections, which no plan can know
        // in advance (the reference worker-per-conn ramp to 3,000 left 331 unanswered and took 3 min, not 75 s).
        if (file.cells.some((c) => 'idle' in c && c.idle != null && c.idle.stoppedBy !== 'target reached')) continue;
        compared.push({ file: `${dir}/${name}`, estimated: estimateRequestMs(req), actual: Date.parse(file.updatedAt) - Date.parse(file.createdAt) });
      }
    }
    expect(compared.length, 'reference files still matching their entries').toBeGreaterThanOrEqual(4);
    for (const c of compared)
      expect(c.estimated / c.actual, `${c.file}: estimated ${formatEstimate(c.estimated)}, took ${formatEstimate(c.actual)}`).toBeGreaterThan(0.6);
    for (const c of compared)
      expect(c.estimated / c.actual, `${c.file}: estimated ${formatEstimate(c.estimated)}, took ${formatEstimate(c.actual)}`).toBeLessThan(1.5);
    const estimated = compared.reduce((s, c) => s + c.estimated, 0);
    const actual = compared.reduce((s, c) => s + c.actual, 0);
    expect(estimated / actual).toBeGreaterThan(0.9);
    expect(estimated / actual).toBeLessThan(1.15);
  });

  it('formats an estimate in the unit a person would say', () => {
    expect(formatEstimate(40_000)).toBe('about 40 s');
    expect(formatEstimate(24 * 60_000 + 10_000)).toBe('about 24 min');
    expect(formatEstimate(2 * 3_600_000)).toBe('about 2.0 h');
  });
});
