import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDashboard, jsonForScript, type PageData, renderIndexHtml } from '../../report/dashboard.js';
import { spectrumOf } from '../../report/hdr.js';
import { buildModel, safeFileName } from '../../report/model.js';
import { renderSvg } from '../../report/render.js';
import { FILTER_DIMENSIONS, slope, VIEWS, withData } from '../../report/views.js';
import { readResults } from '../../results/reader.js';
import { tempDir } from '../cli/helpers.js';
import { latency } from '../fixtures/results.js';
import { file, run } from './builders.js';
import { HOSTILE, sampleResultFiles, writeSampleResults } from './sample-results.js';

let cachedModel: ReturnType<typeof buildModel> | null = null;
/** The model of the sample results, built once (views only read it). */
const sampleModel = () => (cachedModel ??= buildModel(sampleResultFiles().map(({ name, file }) => ({ path: `/tmp/${name}`, file }))));

describe('latency spectrum from HDR histograms', () => {
  it('is monotonic on the 1/(1−p) axis and ends at the maximum', () => {
    const values = Array.from({ length: 10_000 }, (_, i) => i + 1);
    const points = spectrumOf([latency(values).encoded]);
    expect(points[0]).toMatchObject({ inverseTail: 1, percentile: 0 });
    const p90 = points.find((p) => Math.abs(p.inverseTail - 10) < 1e-9)!;
    expect(p90.percentile).toBeCloseTo(90, 9);
    expect(p90.valueUs).toBeGreaterThan(8_990);
    expect(p90.valueUs).toBeLessThan(9_010);
    for (let i = 1; i < points.length; i++) expect(points[i]!.valueUs).toBeGreaterThanOrEqual(points[i - 1]!.valueUs);
    expect(points[points.length - 1]!.valueUs).toBeGreaterThanOrEqual(10_000);
    // Resolution stops where the sample count does: 1/(1−p) ≤ 10 000.
    expect(points[points.length - 2]!.inverseTail).toBeLessThanOrEqual(10_000);
  });

  it('merges repeats and skips what does not decode', () => {
    const merged = spectrumOf([latency([100, 100]).encoded, latency([1000, 1000]).encoded, 'not base64 hdr']);
    expect(merged[merged.length - 1]!.valueUs).toBeGreaterThanOrEqual(1000);
    expect(merged[0]!.valueUs).toBeLessThanOrEqual(101);
    expect(spectrumOf(['garbage'])).toEqual([]);
  });
});

describe('views as data', () => {
  it('least-squares slope', () => {
    expect(
      slope([
        { x: 0, y: 10 },
        { x: 1, y: 12 },
        { x: 2, y: 14 },
      ]),
    ).toBe(2);
    expect(
      slope([
        { x: 1, y: 1 },
        { x: 1, y: 2 },
      ]),
    ).toBeNull();
  });

  it('every view has rows for the sample; every row carries the filter dimensions', () => {
    const model = sampleModel();
    for (const v of VIEWS) {
      const data = v.data(model);
      const rows = data[v.primary] ?? [];
      expect(rows.length, v.id).toBeGreaterThan(0);
      for (const list of Object.values(data))
        for (const row of list) for (const { field } of FILTER_DIMENSIONS) expect(row, `${v.id}.${field}`).toHaveProperty(field);
    }
  });

  it('memory per connection comes from the idle section, else from a fit of the /proc samples', () => {
    const memory = VIEWS.find((v) => v.id === 'memory')!;
    const slopes = memory.data(sampleModel())['slopes']!;
    const kib = Object.fromEntries(slopes.map((r) => [r['server'], r['kibPerConnection'] as number]));
    expect(kib['ws-loop']).toBeGreaterThan(8.5);
    expect(kib['ws-loop']).toBeLessThan(9.5);
    expect(kib['uws']).toBeGreaterThan(2.2);
    expect(kib['uws']).toBeLessThan(2.8);
    expect(slopes.find((r) => r['server'] === 'ws-worker-per-conn')).toMatchObject({ ceiling: 4000, stoppedBy: 'handshake ×12, close:1011 ×3' });

    const samples = Array.from({ length: 5 }, (_, i) => ({
      tMs: i * 500,
      cpuSeconds: 0,
      rssBytes: 50e6 + i * 1000 * 4096,
      pssBytes: null,
      threads: 1,
      fds: 10 + i * 1000,
      processes: 1,
    }));
    const old = run({ server: 'ws-loop', msgsPerSec: 0, workload: 'idle' });
    old.serverResources = { ...old.serverResources!, samples };
    const fallback = memory.data(buildModel([{ path: 'old.json', file: file([old]) }]))['slopes']!;
    expect(fallback[0]!['kibPerConnection']).toBeCloseTo(4, 9);
  });

  it('client-bound and failed runs are marked, never drawn as clean server figures', () => {
    const data = VIEWS.find((v) => v.id === 'throughput')!.data(sampleModel());
    const runs = data['runs']!;
    expect(runs.filter((r) => r['quality'] === 'failed').every((r) => r['msgsPerSec'] === 0 && r['qualityLabel'] === 'failed')).toBe(true);
    expect(runs.some((r) => r['qualityLabel'] === 'client-bound: lower bound only')).toBe(true);
    // The line layer drops client-bound groups (a Vega-Lite filter), so it only joins server figures.
    const spec = JSON.stringify(VIEWS.find((v) => v.id === 'throughput')!.spec(sampleModel()));
    expect(spec).toContain("datum.quality !== 'client-bound'");
  });

  it('every view with data renders to SVG in Node with the same spec, without warnings', async () => {
    const model = sampleModel();
    for (const v of VIEWS) {
      const data = v.data(model);
      if ((data[v.primary] ?? []).length === 0) continue;
      const out = await renderSvg(withData(v.spec(model), data));
      expect(out.warnings, v.id).toEqual([]);
      expect(out.svg.startsWith('<svg'), v.id).toBe(true);
      expect(out.svg, v.id).toMatch(/class="mark-(symbol|line|rect)/);
      expect(out.width).toBeGreaterThan(200);
    }
  }, 30_000);

  it('no spec puts a result string into a Vega expression', () => {
    const model = sampleModel();
    for (const v of VIEWS) expect(JSON.stringify(v.spec(model)), v.id).not.toContain('onerror');
  });
});

describe('page embedding', () => {
  it('escapes <, > and & so no string can close the data script', () => {
    const value = { s: '</script><script>alert(1)</script>', amp: 'a&b', line: '\u2028' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('index.html holds hostile strings only inside the escaped JSON', () => {
    const page = {
      generatedAt: 'now',
      vendor: {},
      qualities: [],
      filters: [],
      findings: [],
      views: [],
      runs: [{ server: HOSTILE.server }],
      sets: [{ hostname: HOSTILE.hostname }],
    } as unknown as PageData;
    const html = renderIndexHtml(page);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>window');
    expect(html).toContain('\\u003cimg src=x onerror=');
    expect(html.match(/<script/g)).toHaveLength(5);
    expect(html).toContain('Content-Security-Policy');
  });

  it('safe file names for the copies', () => {
    expect(safeFileName('../../etc/passwd')).toBe('__.._etc_passwd.json');
    expect(safeFileName('run 1 <x>.json')).toBe('run_1_x_.json');
  });
});

describe('buildDashboard', () => {
  it('writes a self-contained site: page, vendored Vega, assets and byte-identical result copies', async () => {
    const dir = tempDir('wsarena-report-');
    const paths = writeSampleResults(join(dir, 'in'));
    const out = join(dir, 'site');
    const built = await buildDashboard(readResults(paths), { outDir: out, generatedAt: '2026-11-24T00:00:00Z' });
    for (const f of [
      'index.html',
      'assets/dashboard.js',
      'assets/dashboard.css',
      'vendor/vega.min.js',
      'vendor/vega-lite.min.js',
      'vendor/vega-embed.min.js',
    ]) {
      expect(existsSync(join(out, f)), f).toBe(true);
    }
    expect(readFileSync(join(out, 'results/00-sample-run.json'))).toEqual(readFileSync(paths[0]!));
    expect(readFileSync(join(out, 'results/01-hostile.json'))).toEqual(readFileSync(paths[1]!));
    const html = readFileSync(built.indexPath, 'utf8');
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io\/schema)/);
    expect(html).toContain('src="vendor/vega.min.js"');
    expect(built.views.filter((v) => v.rows > 0)).toHaveLength(VIEWS.length);
    expect(built.findings.length).toBeGreaterThan(3);
  });

  it('rebuilds its own folder, but refuses a foreign non-empty one', async () => {
    const dir = tempDir('wsarena-report-');
    const paths = writeSampleResults(join(dir, 'in'));
    const out = join(dir, 'site');
    await buildDashboard(readResults(paths.slice(0, 1)), { outDir: out });
    await buildDashboard(readResults(paths.slice(1)), { outDir: out });
    expect(existsSync(join(out, 'results/00-sample-run.json'))).toBe(false);
    expect(existsSync(join(out, 'results/00-hostile.json'))).toBe(true);

    const foreign = join(dir, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(buildDashboard(readResults(paths), { outDir: foreign })).rejects.toMatchObject({ code: 'BAD_OUT' });
    expect(readFileSync(join(foreign, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('--svg writes one image per main view with data', async () => {
    const dir = tempDir('wsarena-report-');
    const out = join(dir, 'site');
    const built = await buildDashboard(readResults(writeSampleResults(join(dir, 'in'))), { outDir: out, svg: true });
    const names = built.images.map((p) => p.slice(p.lastIndexOf('/') + 1)).sort();
    expect(names).toEqual(['broadcast.svg', 'core-sweep.svg', 'cpu-per-message.svg', 'latency-spectrum.svg', 'memory.svg', 'mixed.svg', 'throughput.svg']);
    expect(built.warnings).toEqual([]);
    expect(readFileSync(join(out, 'images/throughput.svg'), 'utf8')).toMatch(/^<svg/);
  }, 30_000);
});
