import { describe, expect, it } from 'vitest';
import { colorEnabled } from '../../cli/color.js';
import { renderCells } from '../../cli/reporters/summary.js';
import { COMPACT_WIDTH, renderCompactTable } from '../../cli/reporters/table.js';
import { quickSuiteCells } from '../fixtures/quick-suite.js';
import { runCli } from './helpers.js';

const ESC = '\u001b';
const widest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));

describe('the default table', () => {
  it(`fits ${COMPACT_WIDTH} columns for the quick suite's cells, on a terminal and in a pipe, with and without repeats`, () => {
    for (const repeats of [1, 3]) {
      for (const box of [true, false]) {
        const text = renderCells(quickSuiteCells(repeats), { color: false, box });
        expect(widest(text)).toBeLessThanOrEqual(COMPACT_WIDTH);
        expect(text).toMatch(/^server\s+workload\s+conns\s+msgs\/s ±CI\s+p50\s+p99\s+CPU µs\/msg\s+verdict\s+vs best$/m);
      }
    }
  });

  it('draws no box without a terminal, a rule under the header on one', () => {
    const plain = renderCompactTable(quickSuiteCells(), { box: false });
    expect(plain).not.toMatch(/[─│┌┐└┘├┤┬┴┼]/);
    const boxed = renderCompactTable(quickSuiteCells(), { box: true });
    expect(boxed.split('\n')[1]).toMatch(/^─+/);
  });

  it('shows msgs/s ± the 95% CI, the verdict and the speed relative to the best', () => {
    const text = renderCompactTable(quickSuiteCells(3));
    expect(text).toMatch(/^ws-loop\s+echo\s+100\s+\d+\.\dk ±\d+(\.\d)?%\s+.*\s+server\s+best$/m);
    expect(text).toMatch(/^uws\s+echo\s+100\s+.*client\s+\d\.\d\d×$/m);
  });

  it('--wide is the full table', () => {
    const text = renderCells(quickSuiteCells(), { wide: true, box: false });
    expect(text).toContain('p99.9');
    expect(text).toContain('cs/msg');
    expect(widest(text)).toBeGreaterThan(COMPACT_WIDTH);
  });

  it('has no ESC bytes without colour, and colours with it', () => {
    expect(renderCells(quickSuiteCells(), { color: false, box: true })).not.toContain(ESC);
    expect(renderCells(quickSuiteCells(), { color: true, box: true })).toContain(ESC);
  });
});

describe('colour: --color, NO_COLOR, FORCE_COLOR', () => {
  const tty = { isTTY: true };
  const pipe = { isTTY: false };
  it('auto: a terminal only; NO_COLOR turns it off; FORCE_COLOR on; --color wins over both', () => {
    expect(colorEnabled(tty, {}, 'auto')).toBe(true);
    expect(colorEnabled(pipe, {}, 'auto')).toBe(false);
    expect(colorEnabled(tty, { TERM: 'dumb' }, 'auto')).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '1' }, 'auto')).toBe(false);
    expect(colorEnabled(tty, { NO_COLOR: '' }, 'auto')).toBe(true);
    expect(colorEnabled(pipe, { FORCE_COLOR: '1' }, 'auto')).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '0' }, 'auto')).toBe(false);
    expect(colorEnabled(pipe, { NO_COLOR: '1', FORCE_COLOR: '1' }, 'auto')).toBe(false);
    expect(colorEnabled(pipe, { NO_COLOR: '1' }, 'always')).toBe(true);
    expect(colorEnabled(tty, { FORCE_COLOR: '1' }, 'never')).toBe(false);
  });

  it('NO_COLOR output has no ESC bytes; FORCE_COLOR output has them; --no-color and --color never are accepted', async () => {
    const noColor = await runCli(['servers'], { env: { NO_COLOR: '1', FORCE_COLOR: '1' } });
    expect(noColor.code).toBe(0);
    expect(noColor.stdout).not.toContain(ESC);
    const forced = await runCli(['servers'], { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
    expect(forced.stdout).toContain(ESC);
    for (const args of [
      ['servers', '--no-color'],
      ['--color', 'never', 'servers'],
      ['servers', '--color=never'],
    ]) {
      const r = await runCli(args, { env: { FORCE_COLOR: '1', NO_COLOR: '' } });
      expect(r.code).toBe(0);
      expect(r.stdout).not.toContain(ESC);
    }
    expect((await runCli(['--color', 'sometimes', 'servers'])).code).toBe(2);
  });
});

describe('help, version, bare wsarena', () => {
  it('bare wsarena prints the help on stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: wsarena');
  });
  it('--version carries the git commit when known', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+( \(git [0-9a-f]{7,}(, modified)?\))?\n$/);
  });
  it('the help has exit codes and environment variables; run groups its flags; suite lists bench/scenarios', async () => {
    const top = await runCli(['--help']);
    for (const s of ['Exit codes:', '130', 'Environment:', 'NO_COLOR', 'WSARENA_CLIENT_NODE_ARGS', 'WSARENA_CHROMIUM', 'WSARENA_JAVA_HOME'])
      expect(top.stdout).toContain(s);
    const run = await runCli(['run', '--help']);
    const headings = ['Servers:', 'Load:', 'Timing:', 'Output:', 'Advanced'].map((h) => run.stdout.indexOf(`\n${h}`));
    expect(headings.every((i) => i > 0)).toBe(true);
    expect([...headings].sort((a, b) => a - b)).toEqual(headings);
    expect(run.stdout).toMatch(/Output:[\s\S]*--export-csv/);
    const suite = await runCli(['suite', '--help']);
    expect(suite.stdout.replace(/\s+/g, ' ')).toContain('c10k, quick, reference, threaded-vs-async');
  });
});

describe('compare --json', () => {
  it('is a switch: compare --json BASE NEW works', async () => {
    const ref = 'results/reference/suite/work.json';
    const r = await runCli(['compare', '--json', ref, ref]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).cells.length).toBeGreaterThan(0);
  });
});
