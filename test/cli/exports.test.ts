import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXPORT_COLUMNS, exportRows, toCsv, toMarkdown, writeHgrmFiles } from '../../cli/exports.js';
import { errorOf, isMeasured } from '../../results/cell-status.js';
import type { Cell } from '../../results/schema.js';
import { writeResultFile } from '../../results/writer.js';
import { cell, latency, loadReport, resultFile } from '../fixtures/results.js';
import { runCli } from './helpers.js';

const dir = () => mkdtempSync(join(tmpdir(), 'wsarena-export-'));

/** A spread of latencies in µs, beyond the histogram's exact range (2048 µs at 3 digits). */
function spread(n: number, scale: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(50 + (scale * ((i * 7919) % n) ** 1.3) / n));
}

const resources = {
  cpuSeconds: 1.5,
  cpuCoreFraction: 0.75,
  cpuUsPerMessage: 12.345,
  contextSwitches: 3100,
  contextSwitchesPerMessage: 0.031,
  rssBytesMax: 9.5e7,
  rssBytesEnd: 9e7,
  threadsMax: 11,
  fdsMax: 130,
  processesMax: 1,
  sampleIntervalMs: 250,
  samples: [],
};

function cells(): Cell[] {
  const open = loadReport({
    plan: { ...loadReport().plan, mode: 'open', rateHz: 2000 },
    achievedRateHz: 1999.75,
    corrected: latency(spread(5000, 40_000)),
    service: latency(spread(5000, 9_000)),
    byClass: { cheap: latency(spread(900, 3000)), heavy: latency(spread(100, 90_000)) },
  });
  return [
    cell({
      id: 'uws/echo/c100/r0',
      server: 'uws',
      load: loadReport({ achievedRateHz: 48_234.5, service: latency(spread(3000, 20_000)) }),
      serverResources: resources,
    }),
    cell({
      id: 'java-threads/mixed/c100/r0',
      server: 'java-threads',
      params: { ...cell().params, workload: 'mixed', mode: 'open', rateHz: 2000, serverArgs: { 'max-threads': 200 } },
      load: open,
    }),
    cell({ id: 'ws-loop/echo/c100/r1', server: 'ws-loop', repeat: 1, status: 'failed', error: 'server died: "oops", code 1\nsecond line', load: null }),
  ];
}

/** RFC 4180 parser for the test (quoted fields, doubled quotes, newlines inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  return rows;
}

/** value (ms), percentile (0–1), total count of each row of an .hgrm file. */
function parseHgrm(text: string) {
  const rows = text
    .split('\n')
    .filter((l) => /^\s*\d/.test(l))
    .map((l) => l.trim().split(/\s+/).map(Number))
    .map(([value, percentile, totalCount]) => ({ value: value!, percentile: percentile!, totalCount: totalCount! }));
  const max = Number(/#\[Max\s+=\s+([\d.]+), Total count\s+=\s+(\d+)\]/.exec(text)?.[1]);
  const total = Number(/Total count\s+=\s+(\d+)/.exec(text)?.[1]);
  const mean = Number(/#\[Mean\s+=\s+([\d.]+)/.exec(text)?.[1]);
  return { rows, max, total, mean };
}

describe('exports', () => {
  it('CSV: one row per cell, units in the column names, parsed back equal to the cells', () => {
    const cs = cells();
    const parsed = parseCsv(toCsv(exportRows([resultFile(cs)])));
    expect(parsed[0]).toEqual([...EXPORT_COLUMNS]);
    expect(parsed[0]).toEqual(expect.arrayContaining(['msgs_per_sec', 'p50_us', 'p99_us', 'cpu_us_per_msg', 'cs_per_msg']));
    const rows = parsed.slice(1).map((r) => Object.fromEntries(EXPORT_COLUMNS.map((k, i) => [k, r[i]!])));
    expect(rows).toHaveLength(cs.length);
    cs.forEach((c, i) => {
      const r = rows[i]!;
      const m = isMeasured(c) ? c : null;
      const lat = m?.load?.corrected ?? m?.load?.service ?? null;
      expect(r.id).toBe(c.id);
      expect(r.status).toBe(c.status);
      expect(r.connections === '' ? null : Number(r.connections)).toBe(c.params.connections);
      expect(r.msgs_per_sec === '' ? null : Number(r.msgs_per_sec)).toBe(m?.load?.achievedRateHz ?? null);
      expect(r.p50_us === '' ? null : Number(r.p50_us)).toBe(lat?.p50Us ?? null);
      expect(r.p99_us === '' ? null : Number(r.p99_us)).toBe(lat?.p99Us ?? null);
      expect(r.mean_us === '' ? null : Number(r.mean_us)).toBe(lat?.meanUs ?? null);
      expect(r.cpu_us_per_msg === '' ? null : Number(r.cpu_us_per_msg)).toBe(m?.serverResources?.cpuUsPerMessage ?? null);
      expect(r.cs_per_msg === '' ? null : Number(r.cs_per_msg)).toBe(m?.serverResources?.contextSwitchesPerMessage ?? null);
      expect(r.error === '' ? null : r.error).toBe(errorOf(c));
    });
    expect(rows[1]!.latency_kind).toBe('corrected');
    expect(rows[1]!.server).toBe('java-threads max-threads=200');
  });

  it('Markdown: a header and one row per cell, | escaped', () => {
    const md = toMarkdown(exportRows([resultFile(cells())]));
    const lines = md.trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 3);
    expect(lines[0]).toMatch(/^\| server \| workload \| connections .*\| msgs_per_sec .*\| p99_us .*\| cpu_us_per_msg /);
    expect(lines[2]).toMatch(/^\| uws \| echo \| 100 \|/);
    expect(lines[4]).toContain('| failed |');
  });

  it('.hgrm: one file per cell and latency kind, whose percentiles equal the JSON figures', () => {
    const d = dir();
    const cs = cells();
    const written = writeHgrmFiles(d, [resultFile(cs)]);
    expect(readdirSync(d).sort()).toEqual(
      [
        'java-threads_mixed_c100_r0.class-cheap.hgrm',
        'java-threads_mixed_c100_r0.class-heavy.hgrm',
        'java-threads_mixed_c100_r0.corrected.hgrm',
        'java-threads_mixed_c100_r0.handshake.hgrm',
        'java-threads_mixed_c100_r0.service.hgrm',
        'uws_echo_c100_r0.handshake.hgrm',
        'uws_echo_c100_r0.service.hgrm',
      ].sort(),
    );
    expect(written).toHaveLength(7);
    const check = (file: string, s: { count: number; p50Us: number; p90Us: number; p99Us: number; maxUs: number; meanUs: number }) => {
      const text = readFileSync(join(d, file), 'utf8');
      expect(text.startsWith('       Value     Percentile TotalCount 1/(1-Percentile)\n\n')).toBe(true);
      const h = parseHgrm(text);
      const at = (p: number) => h.rows.find((r) => Math.abs(r.percentile - p) < 1e-9)!;
      // Values are in ms with 3 decimals: µs exactly.
      expect(Math.round(at(0.5).value * 1000)).toBe(s.p50Us);
      expect(Math.round(at(0.9).value * 1000)).toBe(s.p90Us);
      // p99 is not a tick: it lies between the ticks around 99%.
      const below = h.rows.filter((r) => r.percentile <= 0.99).at(-1)!;
      const above = h.rows.find((r) => r.percentile >= 0.99)!;
      expect(below.value * 1000).toBeLessThanOrEqual(s.p99Us);
      expect(above.value * 1000).toBeGreaterThanOrEqual(s.p99Us);
      expect(h.total).toBe(s.count);
      expect(h.rows.at(-1)!.percentile).toBe(1);
      expect(h.rows.at(-1)!.totalCount).toBe(s.count);
      // max: within the histogram's resolution (3 significant digits).
      expect(Math.abs(h.max * 1000 - s.maxUs)).toBeLessThanOrEqual(s.maxUs * 0.001 + 1);
      expect(Math.abs(h.mean * 1000 - s.meanUs)).toBeLessThanOrEqual(s.meanUs * 0.001 + 1);
    };
    const loadOf = (c: Cell) => (isMeasured(c) ? c.load : null);
    check('uws_echo_c100_r0.service.hgrm', loadOf(cs[0]!)!.service);
    check('java-threads_mixed_c100_r0.corrected.hgrm', loadOf(cs[1]!)!.corrected!);
    check('java-threads_mixed_c100_r0.class-heavy.hgrm', loadOf(cs[1]!)!.byClass!.heavy!);
  });
});

describe('exports from the CLI (report on existing result files)', () => {
  it('--export-json/-csv/-markdown/-hgrm write what the result file holds; "-" is stdout', async () => {
    const d = dir();
    const path = join(d, 'r.json');
    const file = resultFile(cells());
    writeResultFile(path, file);
    const r = await runCli([
      'report',
      path,
      '--export-csv',
      '-',
      '--export-json',
      join(d, 'out.json'),
      '--export-markdown',
      join(d, 'out.md'),
      '--export-hgrm',
      join(d, 'hgrm'),
    ]);
    expect(r.stderr).toContain('hgrm: 7 file(s)');
    expect(r.code).toBe(0);
    expect(parseCsv(r.stdout)).toHaveLength(1 + 3);
    expect(r.stdout).toBe(toCsv(exportRows([file])));
    const json = JSON.parse(readFileSync(join(d, 'out.json'), 'utf8')) as unknown[];
    expect(json).toEqual([JSON.parse(readFileSync(path, 'utf8'))]);
    expect(readFileSync(join(d, 'out.md'), 'utf8')).toBe(toMarkdown(exportRows([file])));
    expect(readdirSync(join(d, 'hgrm'))).toHaveLength(7);
  });

  it('run: --export-csv - replaces the table on stdout and equals the result file; --export-hgrm writes its histograms', async () => {
    const d = dir();
    const out = join(d, 'run.json');
    const r = await runCli(
      [
        'run',
        '--server',
        'ws-loop',
        '--connections',
        '10',
        '--duration',
        '1s',
        '--warmup',
        '200ms',
        '--drain',
        '200ms',
        '--out',
        out,
        '-q',
        '--export-csv',
        '-',
        '--export-hgrm',
        join(d, 'hgrm'),
        '--export-markdown',
        join(d, 'run.md'),
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(r.stdout).toBe(toCsv(exportRows([file])));
    const row = parseCsv(r.stdout)[1]!;
    expect(Number(row[EXPORT_COLUMNS.indexOf('msgs_per_sec')])).toBe(file.cells[0].load.achievedRateHz);
    expect(Number(row[EXPORT_COLUMNS.indexOf('p99_us')])).toBe(file.cells[0].load.service.p99Us);
    const base = (file.cells[0].id as string).replace(/[^A-Za-z0-9._=-]+/g, '_');
    expect(readdirSync(join(d, 'hgrm')).sort()).toEqual([`${base}.handshake.hgrm`, `${base}.service.hgrm`]);
    const h = parseHgrm(readFileSync(join(d, 'hgrm', `${base}.service.hgrm`), 'utf8'));
    expect(h.total).toBe(file.cells[0].load.service.count);
    expect(Math.round(h.rows.find((x) => x.percentile === 0.5)!.value * 1000)).toBe(file.cells[0].load.service.p50Us);
  });

  it('refuses two exports to stdout and --export-hgrm -', async () => {
    const d = dir();
    const path = join(d, 'r.json');
    writeResultFile(path, resultFile(cells()));
    const two = await runCli(['report', path, '--export-csv', '-', '--export-json', '-']);
    expect(two.code).toBe(2);
    expect(two.stderr).toMatch(/--export-json and --export-csv both write to stdout|--export-csv and --export-json both write to stdout/);
    expect((await runCli(['report', path, '--export-hgrm', '-'])).code).toBe(2);
  });
});
