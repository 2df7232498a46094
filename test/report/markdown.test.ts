import { describe, expect, it } from 'vitest';
import { type ClaimResult, computeClaims } from '../../report/claims.js';
import { claimsMarkdown, mdCell, mdTable, scorecardMarkdown } from '../../report/markdown.js';
import { buildScorecard } from '../../report/scorecard.js';
import { idleRun, runs } from './builders.js';

/** A Markdown table row's cells: split on the `|` that are not escaped. */
function cellsOf(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, '')
    .replace(/(?<!\\)\|$/, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

function tableRows(md: string, header: string): string[][] {
  const lines = md.split('\n');
  const at = lines.findIndex((l) => l.startsWith(`| ${header} |`));
  expect(at, `table with header "${header}"`).toBeGreaterThanOrEqual(0);
  const rows: string[][] = [];
  for (let i = at; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(cellsOf(lines[i]!));
  return rows;
}

const hostile = 'java|threads <script>alert(1)</script> *bold* [x](http://e.example) `tick`\nsecond line';

describe('mdCell', () => {
  it('keeps a result string one cell of text: pipes, markup, HTML and newlines escaped', () => {
    const out = mdCell(hostile);
    expect(out).not.toMatch(/(?<!\\)\|/);
    expect(out).not.toContain('<script>');
    expect(out).toContain('&lt;script>');
    expect(out).toContain('\\*bold\\*');
    expect(out).toContain('\\[x\\](http://e.example)');
    expect(out).toContain('\\`tick\\`');
    expect(out).toContain('<br>second line');
    expect(out).not.toContain('\n');
    expect(mdCell('a & b')).toBe('a &amp; b');
  });

  it('mdTable writes a header, a rule and one line per row', () => {
    expect(
      mdTable(
        ['a', 'b'],
        [
          ['1', ''],
          ['3', '4'],
        ],
      ),
    ).toBe('| a | b |\n| --- | --- |\n| 1 |   |\n| 3 | 4 |');
  });
});

describe('claimsMarkdown', () => {
  it('one row of five cells per claim, whatever the strings hold', () => {
    const claims: ClaimResult[] = computeClaims([]).map((c, i) =>
      i === 0
        ? {
            ...c,
            answer: 'depends',
            dependsOn: 'server cores',
            reason: hostile,
            figures: [{ label: 'x', value: 2, low: 1.5, high: 2.5, n: 3, text: '2.00× (95% CI 1.50–2.50×, n=3) | cs/msg' }],
            conditions: ['server CPUs: 0', hostile],
            gap: hostile,
          }
        : c,
    );
    const md = claimsMarkdown(claims);
    const rows = tableRows(md, 'claim');
    expect(rows[0]).toEqual(['claim', 'answer', 'decisive figures', 'conditions', 'what would settle it']);
    expect(rows.slice(2).map((r) => r.length)).toEqual([5, 5, 5, 5, 5]);
    expect(rows[2]![0]).toBe(`**C1** ${claims[0]!.claim}`);
    expect(rows[2]![1]).toMatch(/^\*\*DEPENDS ON SERVER CORES\*\*<br>java\\\|threads/);
    expect(rows[2]![2]).toBe('• 2.00× (95% CI 1.50–2.50×, n=3) \\| cs/msg');
    expect(md).not.toContain('<script>');
  });

  it('says "no data" for every claim without cells, with the run that would settle it', () => {
    const rows = tableRows(claimsMarkdown(computeClaims([])), 'claim').slice(2);
    expect(rows.map((r) => r[0]!.slice(0, 6))).toEqual(['**C1**', '**C2**', '**C3**', '**C4**', '**C5**']);
    for (const r of rows) {
      expect(r[1]).toMatch(/^\*\*NO DATA\*\*/);
      expect(r[4]).toContain('wsarena');
    }
  });
});

describe('scorecardMarkdown', () => {
  it('mirrors the scorecard: memory, ceiling, echo at the fewest and the most connections, then every count', () => {
    const cells = [
      idleRun('go-os-threads', 48_000, { connections: 19_000, stoppedBy: hostile, ceiling: 12_000 }),
      ...runs('go-os-threads', [50_000, 52_000, 51_000], { connections: 100 }),
      ...runs('go-os-threads', [20_000, 19_000, 18_000], { connections: 10_000, verdict: 'client-bound' }),
      ...runs('uws', [90_000, 91_000], { connections: 100 }),
    ];
    const md = scorecardMarkdown(buildScorecard(cells));
    const main = tableRows(md, 'server');
    const head = main[0]!;
    expect(head).toEqual([
      'server',
      'B/conn user',
      'B/conn kernel',
      'threads max',
      'ceiling',
      'nearest limit',
      'msgs/s @100',
      'µs/msg @100',
      'cs/msg @100',
      'msgs/s @10000',
      'µs/msg @10000',
      'cs/msg @10000',
    ]);
    for (const row of main.slice(2)) expect(row).toHaveLength(head.length);
    const threads = main.find((r) => r[0] === '`go-os-threads`')!;
    expect(threads[1]).toBe('46.9 KiB');
    expect(threads[4]).toMatch(/^12000 of 19000: java\\\|threads &lt;script>/);
    expect(threads[6]).toBe('51.0k');
    expect(threads[9]).toBe('19.0k ▲');
    expect(main.find((r) => r[0] === '`uws`')![9]).toBe('—');
    const long = md.split('Echo by connections:')[1]!;
    const byConns = tableRows(long, 'server').slice(2);
    expect(byConns.map((r) => `${r[0]} ${r[1]} ${r[2]}`)).toEqual(['`go-os-threads` 100 3', '`go-os-threads` 10000 3', '`uws` 100 2']);
  });

  it('is empty when there is nothing to score', () => {
    expect(scorecardMarkdown(buildScorecard(runs('ws-loop', [1000], { workload: 'work' })))).toBe('');
  });
});
