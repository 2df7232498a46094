import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { findChromium } from '../../report/render.js';
import { writeResultFile } from '../../results/writer.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { file, runs } from './builders.js';
import { writeSampleResults } from './sample-results.js';

describe('wsarena report', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('wsarena-report-cli-');
    writeSampleResults(join(dir, 'results'));
  });

  it('builds the dashboard and prints the findings', async () => {
    const out = join(dir, 'site');
    const r = await runCli(['report', join(dir, 'results'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`dashboard: ${join(out, 'index.html')}`);
    expect(r.stdout).toContain(
      '2 result file(s); views with data: throughput, latency-spectrum, cpu-per-message, mixed, memory, broadcast, core-sweep, timeline\n',
    );
    expect(r.stdout).toMatch(/Findings:\n {2}- Threads vs async: At 5000 connections/);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
  });

  it('never reads its own copies back when the dashboard sits inside the input folder', async () => {
    const out = join(dir, 'results', 'dashboard');
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['report', join(dir, 'results'), '--out', out, '--quiet']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe(join(out, 'index.html'));
    }
    expect(readdirSync(join(out, 'results')).sort()).toEqual(['00-hostile.json', '01-sample-run.json']);
  });

  it.skipIf(findChromium() === null)(
    '--svg --png writes the main charts as SVG and PNG',
    async () => {
      const out = join(dir, 'pictures');
      const r = await runCli(['report', join(dir, 'results'), '--out', out, '--svg', '--png']);
      expect(r.code, r.stderr).toBe(0);
      const images = readdirSync(join(out, 'images')).sort();
      expect(images).toContain('throughput.svg');
      expect(images).toContain('throughput.png');
      expect(images.filter((f) => f.endsWith('.png'))).toHaveLength(7);
      expect(
        readFileSync(join(out, 'images', 'throughput.png'))
          .subarray(1, 4)
          .toString(),
      ).toBe('PNG');
    },
    60_000,
  );

  it('exit 2 with the path named when an input does not exist', async () => {
    const r = await runCli(['report', join(dir, 'missing'), '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`Error: result path ${join(dir, 'missing')} does not exist\n`);
  });

  it('exit 2 rather than writing into a folder it did not make', async () => {
    const foreign = tempDir('wsarena-foreign-');
    writeFileSync(join(foreign, 'keep.txt'), 'x');
    const r = await runCli(['report', join(dir, 'results'), '--out', foreign]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^Error: --out .* is not empty and was not made by wsarena report/);
  });
});

describe('wsarena compare', () => {
  let base: string;
  let next: string;
  let other: string;
  beforeAll(() => {
    const dir = tempDir('wsarena-compare-cli-');
    base = join(dir, 'base.json');
    next = join(dir, 'new.json');
    other = join(dir, 'other.json');
    writeResultFile(base, file([...runs('uws', [100_000, 100_500, 99_500]), ...runs('ws-loop', [50_000, 50_200, 49_800])]));
    writeResultFile(next, file([...runs('uws', [90_000, 90_400, 89_600]), ...runs('ws-loop', [50_100, 50_300, 49_900])]));
    writeResultFile(other, file(runs('ws-piscina', [1, 2])));
  });

  it('prints the table and exits 0 without a threshold', async () => {
    const r = await runCli(['compare', base, next]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/uws .*0\.90× \(0\.8\d–0\.9\d\) ▼ worse/);
    expect(r.stdout).toMatch(/ws-loop .*≈ noise/);
    expect(r.stdout).toContain("Fieller's theorem");
  });

  it('exits 3 when a regression beyond --threshold is outside the noise', async () => {
    const r = await runCli(['compare', base, next, '--threshold', '5%']);
    expect(r.code).toBe(3);
    expect(r.stderr).toBe('threshold 5.0% exceeded: 1 cell(s) regressed outside the noise\n');
    expect((await runCli(['compare', base, next, '--threshold', '15%'])).code).toBe(0);
  });

  it('--json prints the comparison for machines', async () => {
    const r = await runCli(['compare', base, next, '--json', '--threshold', '5%']);
    expect(r.code).toBe(3);
    const json = JSON.parse(r.stdout);
    expect(json.exceeded).toBe(true);
    expect(json.threshold).toBe(0.05);
    expect(json.cells).toHaveLength(2);
    expect(json.cells[0].metrics[0].ratio.ratio).toBeCloseTo(0.9, 6);
  });

  it('--markdown prints a table for a pull request', async () => {
    // --markdown is a switch: it may come before the positional arguments.
    const r = await runCli(['compare', '--markdown', base, next]);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('### wsarena compare\n')).toBe(true);
    expect(r.stdout).toMatch(/^\| uws \| echo \| 100 \|/m);
  });

  it('exit 2 on a bad threshold, on both formats to stdout, and when no cell matches', async () => {
    const bad = await runCli(['compare', base, next, '--threshold', 'five']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('Error: --threshold: "five" is not a percentage; use e.g. 5% (above 0, below 100)\n');
    expect((await runCli(['compare', base, next, '--json', '--markdown'])).code).toBe(2);
    const none = await runCli(['compare', base, other]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^Error: no cell of .*other\.json matches one of .*base\.json/);
  });
});
