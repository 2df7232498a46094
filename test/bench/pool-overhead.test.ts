/**
 * bench/pool-overhead.ts: the arithmetic and the table only. The measurement itself is a benchmark
 * (`wsarena pool-overhead`), never a timed assertion.
 */
import { describe, expect, it } from 'vitest';
import {
  countCpus,
  cpuUsPerTask,
  formatPoolOverheadTable,
  median,
  medianOrNull,
  type PoolOverheadSample,
  poolOverheadCells,
  summarizePoolOverhead,
} from '../../bench/pool-overhead.js';

function sample(cpuUs: number, tasks: number, extra: Partial<PoolOverheadSample> = {}): PoolOverheadSample {
  return {
    userUs: cpuUs * 0.75,
    systemUs: cpuUs * 0.25,
    wallMs: cpuUs / 1000,
    tasks,
    checksum: 0,
    mainThreadCpuUs: cpuUs / 2,
    contextSwitches: tasks * 2,
    ...extra,
  };
}

describe('pool-overhead arithmetic', () => {
  it('median: odd, even, and refuses no values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
    expect(medianOrNull([1, null, 3])).toBeNull();
    expect(medianOrNull([1, 5, 3])).toBe(3);
  });

  it('CPU per task is user + system over the task count', () => {
    expect(cpuUsPerTask({ userUs: 300, systemUs: 100, wallMs: 1, tasks: 4, checksum: 0, mainThreadCpuUs: null, contextSwitches: null })).toBe(100);
    expect(() => cpuUsPerTask(sample(1, 0))).toThrow();
  });

  it('rows: median of repeats, overhead and ratio against inline on the same CPUs only', () => {
    const rows = summarizePoolOverhead([
      { cell: { mode: 'inline', cpus: '0', threads: 0 }, samples: [sample(100_000, 1000), sample(110_000, 1000), sample(90_000, 1000)] },
      { cell: { mode: 'piscina', cpus: '0', threads: 1 }, samples: [sample(150_000, 1000), sample(140_000, 1000), sample(400_000, 1000)] },
      { cell: { mode: 'port', cpus: '0,1', threads: 2 }, samples: [sample(120_000, 1000)] },
    ]);
    expect(rows[0]).toMatchObject({
      mode: 'inline',
      cpuUsPerTask: 100,
      minCpuUsPerTask: 90,
      maxCpuUsPerTask: 110,
      overheadUsPerTask: 0,
      ratioToInline: 1,
      repeats: 3,
    });
    // The outlier (400) moves neither the median nor the overhead much: median 150.
    expect(rows[1]).toMatchObject({ cpuUsPerTask: 150, overheadUsPerTask: 50, ratioToInline: 1.5, maxCpuUsPerTask: 400 });
    expect(rows[1]!.systemShare).toBeCloseTo(0.25);
    expect(rows[1]!.wallUsPerTask).toBeCloseTo(150);
    expect(rows[1]!.mainThreadUsPerTask).toBeCloseTo(75);
    expect(rows[1]!.contextSwitchesPerTask).toBe(2);
    // No inline row on CPUs 0,1: no overhead figure rather than one against the wrong baseline.
    expect(rows[2]).toMatchObject({ cpus: '0,1', overheadUsPerTask: null, ratioToInline: null });
  });

  it('a figure /proc could not give in some repeat is shown as missing', () => {
    const [row] = summarizePoolOverhead([
      { cell: { mode: 'port', cpus: null, threads: 1 }, samples: [sample(100, 1), sample(100, 1, { mainThreadCpuUs: null, contextSwitches: null })] },
    ]);
    expect(row).toMatchObject({ mainThreadUsPerTask: null, contextSwitchesPerTask: null });
  });

  it('cells: every mode on every CPU set; threads follow the set unless given; inline has none', () => {
    const base = { tasks: 10, warmupTasks: 1, iterations: 5, inFlight: 4, atomics: 'sync', concurrentTasksPerWorker: 1, piscinaTask: 'ws-piscina' } as const;
    const cells = poolOverheadCells({ ...base, modes: ['inline', 'piscina'], cpuSets: ['0', '0,1'], threads: null });
    expect(cells.map((c) => [c.mode, c.cpus, c.threads])).toEqual([
      ['inline', '0', 0],
      ['piscina', '0', 1],
      ['inline', '0,1', 0],
      ['piscina', '0,1', 2],
    ]);
    expect(poolOverheadCells({ ...base, modes: ['port'], cpuSets: [null], threads: 3 })[0]).toMatchObject({ cpus: null, threads: 3 });
    expect(countCpus('0-3,6')).toBe(5);
    expect(() => countCpus('3-1')).toThrow();
  });

  it('table: one line per row, headers, missing figures as —', () => {
    const rows = summarizePoolOverhead([
      { cell: { mode: 'inline', cpus: '0', threads: 0 }, samples: [sample(100_000, 1000)] },
      { cell: { mode: 'port', cpus: null, threads: 1 }, samples: [sample(120_000, 1000, { mainThreadCpuUs: null })] },
    ]);
    const lines = formatPoolOverheadTable(rows).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^mode\s+cpus\s+threads\s+n\s+CPU µs\/task/);
    expect(lines[2]).toMatch(/^inline\s+0\s+0\s+1\s+100\.0\s+100\.0–100\.0\s+25%\s+50\.0\s+2\.00\s+100\.0\s+0\.0\s+1\.00×$/);
    expect(lines[3]).toMatch(/^port\s+any\s+1\s+1\s+120\.0 .*—\s+—$/);
  });
});
