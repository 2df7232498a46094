import { describe, expect, it } from 'vitest';
import { compareResults, matchKey } from '../../report/compare.js';
import { buildModel } from '../../report/model.js';
import type { Cell, ResultFile } from '../../results/schema.js';
import { file, runs } from './builders.js';

const loaded = (cells: Cell[], path: string, state: ResultFile['state'] = 'complete') => [{ path, file: { ...file(cells), state } }];
const withParams = (cells: Cell[], params: Partial<Cell['params']>) => cells.map((c) => ({ ...c, params: { ...c.params, ...params } }));

describe('compare: incomplete NEW', () => {
  it('an interrupted NEW is incomplete even when every cell it has matches', () => {
    const r = compareResults(loaded(runs('uws', [100, 101]), 'base.json'), loaded(runs('uws', [100, 101]), 'new.json', 'interrupted'), { threshold: 0.05 });
    expect(r.exceeded).toBe(false);
    expect(r.incomplete).toEqual(['NEW new.json is interrupted, not complete (2 cell(s) recorded)']);
  });

  it('NEW lacking cells of BASE is incomplete; a complete match is not', () => {
    const base = [...runs('uws', [100, 101]), ...runs('uws', [100, 101], { connections: 1000 })];
    const r = compareResults(loaded(base, 'base.json'), loaded(runs('uws', [100, 101]), 'new.json'), { threshold: null });
    expect(r.incomplete).toEqual(['NEW lacks 1 cell(s) BASE has: uws echo c=1000 closed · depth 1']);
    expect(compareResults(loaded(base, 'b.json'), loaded(base, 'n.json'), { threshold: null }).incomplete).toEqual([]);
  });

  it('the match key separates WORK iterations, heavy fraction, server threads and server args', () => {
    const base = runs('uws', [100, 101]);
    const variants = [
      withParams(base, { workIterations: 1 }),
      withParams(base, { heavyFraction: 0.5 }),
      withParams(base, { serverThreads: 4 }),
      withParams(base, { serverArgs: { 'max-threads': 200 } }),
    ];
    const keys = new Set([base, ...variants].map((cells) => matchKey(buildModel(loaded(cells, 'x.json')).runs[0]!)));
    expect(keys.size).toBe(5);
    for (const v of variants) {
      const r = compareResults(loaded(base, 'base.json'), loaded(v, 'new.json'), { threshold: 0.05 });
      expect(r.cells.map((c) => c.status).sort()).toEqual(['only-base', 'only-new']);
    }
  });
});
