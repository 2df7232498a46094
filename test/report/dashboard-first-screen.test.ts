import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { colorKey, MAX_SERIES_PER_CHART, OTHER_SERVER, serverColor } from '../../report/colors.js';
import { introText } from '../../report/dashboard.js';
import { firstScreenScorecard } from '../../report/first-screen.js';
import { buildModel } from '../../report/model.js';
import { findPoolOverhead, POOL_OVERHEAD_FILE, poolOverheadText } from '../../report/pool-overhead-note.js';
import { buildScorecard } from '../../report/scorecard.js';
import { VIEWS } from '../../report/views.js';
import type { Cell } from '../../results/schema.js';
import { SERVERS } from '../../servers/registry.js';
import { tempDir } from '../cli/helpers.js';
import { idleRun, model, run } from './builders.js';
import { HOSTILE, sampleResultFiles } from './sample-results.js';

/**
 * The dashboard's first screen and chart rules (issue 13): little prose before the first table, a scorecard with
 * the best per column marked, pool timings from ws-piscina's /stats, one fixed colour per server in every chart.
 */

const sampleModel = () => buildModel(sampleResultFiles().map(({ name, file }) => ({ path: `/tmp/${name}`, file })));

const words = (text: string) => text.split(/\s+/).filter((w) => w !== '').length;

/** Every object in a spec with the given key (specs nest layers, concat and hconcat). */
function collect(spec: unknown, key: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (typeof v === 'object' && v !== null) {
      const o = v as Record<string, unknown>;
      if (key in o) out.push(o);
      Object.values(o).forEach(walk);
    }
  };
  walk(spec);
  return out;
}

describe('first screen', () => {
  it('has at most 150 words above the claims table: the title, one line and the heading', () => {
    const m = sampleModel();
    // What dashboard.js puts before the claims table: <h1>, the intro line, and the table's <h2>.
    const above = ['wsarena results', introText(m), 'Claims'].join(' ');
    expect(words(above)).toBeLessThanOrEqual(150);
    expect(introText(m)).toContain(`${m.runs.length} runs`);
  });

  it('marks the best of each scorecard column: most msgs/s, least CPU, lowest cheap p99, fewest bytes, highest ceiling', () => {
    const echo = (server: string, msgs: number, cpu: number) => run({ server, msgsPerSec: msgs, cpuUsPerMessage: cpu });
    const cells: Cell[] = [
      echo('ws-loop', 50_000, 9),
      echo('uws', 90_000, 4),
      idleRun('ws-loop', 9000, { connections: 5000, kernelBytesPerConnection: 3000 }),
      idleRun('uws', 2000, { connections: 5000, ceiling: 4000, stoppedBy: 'handshake ×3', kernelBytesPerConnection: 1000 }),
    ];
    const sc = firstScreenScorecard(cells);
    const row = (s: string) => sc.rows.find((r) => r.server === s)!;
    expect(row('uws').cells.msgsPerCore).toMatchObject({ value: 90_000, best: true });
    expect(row('ws-loop').cells.msgsPerCore.best).toBe(false);
    expect(row('uws').cells.cpuUsPerMessage).toMatchObject({ value: 4, best: true });
    expect(row('uws').cells.bytesPerConnection.best).toBe(true);
    // uws stopped short (4000 of 5000): ws-loop holds the best ceiling, and uws's cell says what stopped it.
    expect(row('ws-loop').cells.ceiling).toMatchObject({ value: 5000, best: true });
    expect(row('uws').cells.ceiling.detail).toBe('handshake ×3');
    // Memory without its kernel part is only a lower bound: it may not win a lower-is-better column.
    const userOnly = firstScreenScorecard([...cells, idleRun('uws-threads', 400, { connections: 5000 })]);
    expect(userOnly.rows.find((r) => r.server === 'uws-threads')!.cells.bytesPerConnection).toMatchObject({ value: 400, best: false, detail: 'user only' });
    expect(userOnly.rows.find((r) => r.server === 'uws')!.cells.bytesPerConnection.best).toBe(true);
    const columns = sc.columns.map((c) => c.id);
    expect(columns).toEqual(['msgsPerCore', 'cpuUsPerMessage', 'cheapP99', 'bytesPerConnection', 'ceiling']);
  });

  it('shows a pool’s queue wait and run time per task from its /stats, with the pool-overhead note', () => {
    const withPool = (repeat: number, waitP99: number, runP99: number, completed = 100): Cell => {
      const c = run({ server: 'ws-piscina', msgsPerSec: 1000, repeat, workload: 'mixed' });
      const pool = {
        threads: 1,
        queueSize: 0,
        completed,
        utilization: 0.5,
        waitTime: { p50: waitP99 / 4, p99: waitP99, mean: waitP99 / 3 },
        runTime: { p50: runP99 / 2, p99: runP99, mean: runP99 / 2 },
        taskErrors: 0,
        lastTaskError: null,
      };
      return { ...c, serverStats: { server: 'ws-piscina', extra: { framingErrors: 0, pool } } };
    };
    const rows = buildScorecard([withPool(0, 4, 10), withPool(1, 8, 12), withPool(2, 6, 14)]);
    const pool = rows.find((r) => r.server === 'ws-piscina')!.pool!;
    expect(pool).toMatchObject({ workload: 'mixed', runs: 3 });
    expect(pool.waitMs.p99Ms).toBe(6); // median of 4, 8, 6
    expect(pool.runMs.p99Ms).toBe(12);
    const note = firstScreenScorecard([withPool(0, 4, 10), withPool(1, 8, 12), withPool(2, 6, 14)]).pools[0]!;
    expect(note.text).toContain('queue wait p50 1.50 ms, p99 6.00 ms');
    expect(note.text).toContain('wsarena pool-overhead');
    // A pool that ran no task (echo) has no timings to show.
    expect(buildScorecard([withPool(0, 0, 0, 0)]).find((r) => r.server === 'ws-piscina')?.pool ?? null).toBeNull();
    expect(buildScorecard([run({ server: 'ws-loop', msgsPerSec: 1 })])[0]!.pool).toBeNull();
  });
});

describe('pool-overhead note', () => {
  it('reads `wsarena pool-overhead --json` figures found beside the results; without them names the command', () => {
    const dir = tempDir('wsarena-pool-note-');
    mkdirSync(join(dir, 'pool'));
    expect(findPoolOverhead([join(dir, 'pool', 'work-sweep.json')])).toBeNull();
    expect(poolOverheadText(null)).toContain('wsarena pool-overhead --json pool-overhead.json');
    const rows = [
      { mode: 'inline', cpus: '0', threads: 0, cpuUsPerTask: 100, overheadUsPerTask: 0, ratioToInline: 1 },
      { mode: 'piscina', cpus: '0', threads: 1, cpuUsPerTask: 137, overheadUsPerTask: 37, ratioToInline: 1.37 },
    ];
    writeFileSync(join(dir, 'pool', POOL_OVERHEAD_FILE), JSON.stringify({ cells: [], rows }));
    const found = findPoolOverhead([join(dir, 'pool', 'work-sweep.json')]);
    expect(found?.rows).toHaveLength(2);
    const text = poolOverheadText(found);
    expect(text).toContain('37 µs (1.37× inline) on CPUs 0 with 1 thread');
    expect(text).toContain(found!.path);
    writeFileSync(join(dir, 'pool', POOL_OVERHEAD_FILE), 'not json');
    expect(findPoolOverhead([join(dir, 'pool', 'x.json')])).toBeNull();
  });
});

describe('charts', () => {
  it('colour every server with one fixed colour in every view, ≤ 12 legend entries, no result string in a scale', () => {
    const m = sampleModel();
    const seen = new Map<string, string>();
    for (const v of VIEWS) {
      for (const enc of collect(v.spec(m), 'field').filter((e) => e['field'] === 'colorKey')) {
        const scale = enc['scale'] as { domain: string[]; range: string[] };
        expect(scale.domain.length, v.id).toBeLessThanOrEqual(MAX_SERIES_PER_CHART);
        scale.domain.forEach((server, i) => {
          expect(Object.keys(SERVERS).includes(server) || server === OTHER_SERVER, `${v.id}: ${server}`).toBe(true);
          expect(seen.get(server) ?? scale.range[i], `${v.id}: ${server}`).toBe(scale.range[i]);
          seen.set(server, scale.range[i]!);
        });
      }
    }
    expect(seen.get('ws-loop')).toBe(serverColor('ws-loop'));
    expect(new Set(Object.keys(SERVERS).map(serverColor)).size).toBe(Object.keys(SERVERS).length);
    expect(colorKey(HOSTILE.server)).toBe(OTHER_SERVER);
  });

  it('memory starts at 0 and clips what would fall below it; ramps of different size keep apart', () => {
    const memory = VIEWS.find((v) => v.id === 'memory')!;
    const cells = [idleRun('ws-loop', 9000, { connections: 1000 }), idleRun('ws-loop', 9000, { connections: 19_000 })];
    cells.forEach((c, i) => {
      c.idle!.points = [0, 1, 2].map((step) => ({ step, open: step * 500 * (i + 1), rssBytes: 5e7 + step * 4e6, pssBytes: null }) as never);
    });
    const m = model(cells);
    const ramps = new Set(memory.data(m)['points']!.map((p) => p['ramp']));
    expect(ramps.size).toBe(2);
    const y = collect(memory.spec(m), 'field').filter((e) => e['field'] === 'memoryMiB' && 'scale' in e);
    expect(y.length).toBeGreaterThan(0);
    for (const e of y) expect(e['scale']).toMatchObject({ domainMin: 0, zero: true });
    const regression = collect(memory.spec(m), 'transform')
      .flatMap((o) => o['transform'] as Array<Record<string, unknown>>)
      .find((t) => 'regression' in t)!;
    expect(regression['groupby']).toContain('ramp');
  });

  it('latency is in ms on every axis', () => {
    const m = sampleModel();
    for (const v of VIEWS) {
      for (const e of collect(v.spec(m), 'title').filter((o) => typeof o['title'] === 'string' && /latency|p99/.test(o['title'] as string))) {
        expect(e['title'], v.id).not.toMatch(/µs/);
      }
    }
    const lines = VIEWS.find((v) => v.id === 'latency-spectrum')!.data(m)['lines']!;
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => typeof l['valueMs'] === 'number' && !('valueUs' in l))).toBe(true);
  });
});
