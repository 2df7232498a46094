import { describe, expect, it } from 'vitest';
import { renderScorecard } from '../../cli/reporters/scorecard.js';
import { buildScorecard, isScorecardEcho } from '../../report/scorecard.js';
import type { Cell } from '../../results/schema.js';
import { type CellFields, cell, loadReport } from '../fixtures/results.js';
import { idleRun } from './builders.js';

function echo(server: string, connections: number, msgsPerSec: number, cpuUs: number, cs: number, extra: CellFields = {}): Cell {
  return cell({
    server,
    load: loadReport({ achievedRateHz: msgsPerSec }),
    params: { ...cell().params, connections },
    serverResources: {
      cpuSeconds: 1,
      cpuCoreFraction: 0.9,
      cpuUsPerMessage: cpuUs,
      contextSwitches: cs * 1000,
      contextSwitchesPerMessage: cs,
      rssBytesMax: 1,
      rssBytesEnd: 1,
      threadsMax: connections + 10,
      fdsMax: connections,
      processesMax: 1,
      sampleIntervalMs: 250,
      samples: [],
    },
    ...extra,
  });
}

describe('scorecard', () => {
  it('folds repeats into medians per connection count and keeps idle ramps, limits and starvation per server', () => {
    const idle = idleRun('java-threads', 40_000, { connections: 19_000 });
    idle.idle = {
      ...idle.idle!,
      kernelBytesPerConnection: 20_000,
      limits: [
        { name: 'open-files', label: 'open files of pid 9 (RLIMIT_NOFILE)', scope: 'process', limit: 20_000, used: 19_050 },
        { name: 'pid-max', label: 'tasks on the machine (kernel.pid_max)', scope: 'system', limit: 32_768, used: 19_300 },
      ],
    };
    const pool = idleRun('java-threads', null, { connections: 300, ceiling: 200, stoppedBy: 'unanswered ×100' });
    pool.params = { ...pool.params, serverArgs: { 'max-threads': 200 } };
    pool.idle = { ...pool.idle!, errors: { unanswered: 100 } };
    const cells = [
      idle,
      pool,
      echo('java-threads', 100, 10_000, 20, 2.1),
      echo('java-threads', 100, 12_000, 22, 2.3),
      echo('java-threads', 100, 11_000, 21, 2.2),
      echo('java-threads', 10_000, 8_000, 30, 3),
      // Not compared: depth 8, two server cores, a failed run.
      echo('java-threads', 100, 99_000, 1, 0, { params: { ...cell().params, depth: 8 } }),
      echo('java-threads', 100, 99_000, 1, 0, { pinning: { ...cell().pinning, serverCpus: '0-1' } }),
      echo('java-threads', 100, 99_000, 1, 0, { status: 'failed' }),
    ];
    const rows = buildScorecard(cells);
    expect(rows.map((r) => r.server)).toEqual(['java-threads', 'java-threads max-threads=200']);
    const [threads, pooled] = rows;
    expect(threads!.idle).toMatchObject({
      ceiling: 19_000,
      bytesPerConnection: 40_000,
      kernelBytesPerConnection: 20_000,
      nearestLimit: 'open files of pid 9 (RLIMIT_NOFILE): 19050 of 20000 (95%)',
    });
    expect(threads!.echo).toEqual([
      { connections: 100, runs: 3, msgsPerSec: 11_000, cpuUsPerMessage: 21, contextSwitchesPerMessage: 2.2, p99Us: 900, verdicts: ['none'] },
      { connections: 10_000, runs: 1, msgsPerSec: 8_000, cpuUsPerMessage: 30, contextSwitchesPerMessage: 3, p99Us: 900, verdicts: ['none'] },
    ]);
    expect(pooled!.starved).toEqual({ starved: 100, of: 300 });

    const text = renderScorecard(rows);
    expect(text).toContain('msgs/s @100');
    expect(text).toContain('msgs/s @10000');
    expect(text).toContain('starved: 100 of 300');
    expect(text).toContain('39.1 KiB');
    expect(text).not.toContain('\u001b[');
  });

  it('compares closed-loop depth-1 echo on exactly one server core only', () => {
    expect(isScorecardEcho(echo('x', 100, 1, 1, 1))).toBe(true);
    expect(isScorecardEcho(echo('x', 100, 1, 1, 1, { pinning: { ...cell().pinning, serverCpus: null } }))).toBe(false);
    expect(isScorecardEcho(echo('x', 100, 1, 1, 1, { params: { ...cell().params, mode: 'open', rateHz: 100 } }))).toBe(false);
    expect(renderScorecard(buildScorecard([]))).toBe('');
  });
});
