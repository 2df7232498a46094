import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../cli/commands/compare.js';
import { compareResults, matchKey } from '../../report/compare.js';
import { escapeMarkdownCell, formatRatioCell, renderCompareMarkdown, renderCompareTable } from '../../report/compare-output.js';
import { buildModel } from '../../report/model.js';
import type { Cell } from '../../results/schema.js';
import { file, run, runs } from './builders.js';

const loaded = (cells: Cell[], path: string) => [{ path, file: file(cells) }];
const compare = (base: Cell[], next: Cell[], threshold: number | null = 0.05) =>
  compareResults(loaded(base, 'base.json'), loaded(next, 'new.json'), { threshold });

describe('compareResults', () => {
  it('a 10% throughput drop outside the noise exceeds a 5% threshold', () => {
    const r = compare(runs('uws', [100_000, 100_500, 99_500]), runs('uws', [90_000, 90_400, 89_600]));
    const [c] = r.cells;
    const tput = c!.metrics.find((m) => m.metric === 'msgsPerSec')!;
    expect(tput.ratio!.ratio).toBeCloseTo(0.9, 6);
    expect(tput.ratio!.high!).toBeLessThan(1);
    expect(tput).toMatchObject({ change: 'lower', direction: 'worse', regression: true });
    expect(c!.regressions[0]).toMatch(/^msgs\/s -10\.0% \(95% CI 0\.8\d\d–0\.9\d\d×\), beyond ±5\.0%$/);
    expect(r.exceeded).toBe(true);
  });

  it('the same drop within a 15% threshold does not exceed it', () => {
    expect(compare(runs('uws', [100_000, 100_500, 99_500]), runs('uws', [90_000, 90_400, 89_600]), 0.15).exceeded).toBe(false);
  });

  it('a 10% drop inside the noise (CI includes 1) does not exceed the threshold', () => {
    const r = compare(runs('uws', [100_000, 120_000, 80_000]), runs('uws', [90_000, 110_000, 70_000]));
    expect(r.cells[0]!.metrics[0]).toMatchObject({ change: 'noise', direction: 'noise', regression: false });
    expect(r.exceeded).toBe(false);
  });

  it('a throughput rise is better, never a regression', () => {
    const r = compare(runs('uws', [100_000, 100_500, 99_500]), runs('uws', [120_000, 120_500, 119_500]));
    expect(r.cells[0]!.metrics[0]).toMatchObject({ direction: 'better', regression: false });
    expect(r.exceeded).toBe(false);
  });

  it('a p99 latency rise beyond the threshold is a regression', () => {
    const at = (p99Us: number) => ({ p99Us });
    const base = [1000, 1010, 990].map((p99, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, ...at(p99) }));
    const next = [1300, 1310, 1290].map((p99, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, ...at(p99) }));
    const r = compare(base, next);
    expect(r.cells[0]!.metrics.find((m) => m.metric === 'p99Us')).toMatchObject({ change: 'higher', direction: 'worse', regression: true });
    expect(r.exceeded).toBe(true);
  });

  it('CPU µs/msg is compared but not gated', () => {
    const base = [10, 10.1, 9.9].map((cpu, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu }));
    const next = [20, 20.1, 19.9].map((cpu, i) => run({ server: 'uws', msgsPerSec: 1000, repeat: i, cpuUsPerMessage: cpu }));
    const r = compare(base, next);
    expect(r.cells[0]!.metrics.find((m) => m.metric === 'cpuUsPerMessage')).toMatchObject({ direction: 'worse', regression: false });
    expect(r.exceeded).toBe(false);
  });

  it('client-bound cells are shown but never gated', () => {
    const r = compare(runs('uws', [100_000, 100_500, 99_500]), runs('uws', [50_000, 50_100, 49_900], { verdict: 'client-bound' }));
    expect(r.cells[0]!.clientBound).toBe(true);
    expect(r.cells[0]!.metrics[0]).toMatchObject({ direction: 'worse', regression: false });
    expect(r.exceeded).toBe(false);
  });

  it('single runs have no CI: unknown, not gated', () => {
    const r = compare(runs('uws', [100_000]), runs('uws', [50_000]));
    expect(r.cells[0]!.metrics[0]).toMatchObject({ change: 'unknown', regression: false });
    expect(r.exceeded).toBe(false);
  });

  it('NEW failing where BASE ran is a regression under a threshold', () => {
    const r = compare(runs('uws', [100_000, 100_500]), [run({ server: 'uws', msgsPerSec: 0, status: 'failed', error: 'server died' })]);
    expect(r.cells[0]!.status).toBe('new-failed');
    expect(r.cells[0]!.regressions).toEqual(['every NEW run failed where BASE ran']);
    expect(r.exceeded).toBe(true);
    expect(compare(runs('uws', [100_000, 100_500]), [run({ server: 'uws', msgsPerSec: 0, status: 'failed' })], null).exceeded).toBe(false);
  });

  it('matches by server, workload, connections, mode, depth, payload and server CPUs', () => {
    const base = [...runs('uws', [1, 2], { connections: 100 }), ...runs('uws', [1, 2], { connections: 1000 }), ...runs('uws', [1, 2], { depth: 8 })];
    const next = [...runs('uws', [1, 2], { connections: 100 }), ...runs('uws', [1, 2], { serverCpus: '0,1' })];
    const r = compare(base, next);
    expect(r.cells.map((c) => c.status).sort()).toEqual(['compared', 'only-base', 'only-base', 'only-new']);
    const keys = buildModel(loaded(base, 'b.json')).runs.map(matchKey);
    expect(new Set(keys).size).toBe(3);
  });
});

describe('compare output', () => {
  const result = compare(runs('uws', [100_000, 100_500, 99_500]), runs('uws', [90_000, 90_400, 89_600]));

  it('a ratio cell shows the ratio, its CI and the noise mark', () => {
    expect(formatRatioCell(result.cells[0]!.metrics[0]!)).toMatch(/^0\.90× \(0\.8\d–0\.9\d\) ▼ worse ✗$/);
  });

  it('the table names the method and the regression', () => {
    const text = renderCompareTable(result);
    expect(text).toContain('Fieller');
    expect(text).toMatch(/threshold 5\.0% exceeded by 1 cell/);
  });

  it('Markdown is a table with escaped cells', () => {
    const md = renderCompareMarkdown(compare(runs('a|b<script>', [1, 1.1]), runs('a|b<script>', [1, 1.1])));
    expect(md).toContain('| server | workload | conns |');
    expect(md).toContain('a\\|b&lt;script&gt;');
    expect(md).not.toContain('<script>');
    expect(escapeMarkdownCell('x|y\nz')).toBe('x\\|y z');
  });
});

describe('parseThreshold', () => {
  it('takes a percentage', () => {
    expect(parseThreshold('5%')).toBe(0.05);
    expect(parseThreshold('2.5')).toBe(0.025);
  });
  it('rejects anything else with the flag named', () => {
    expect(() => parseThreshold('abc')).toThrow(/--threshold: "abc" is not a percentage/);
    expect(() => parseThreshold('0%')).toThrow(/BAD_THRESHOLD|not a percentage/);
    expect(() => parseThreshold('150%')).toThrow(/not a percentage/);
  });
});
