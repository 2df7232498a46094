import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect, it } from 'vitest';
import type { EqualLoad, IoFloor } from '../../bench/calibration.js';
import { readResultFile } from '../../results/reader.js';
import { runCli, tempDir } from './helpers.js';

it('calibrate runs both clients open loop at --equal-rate, prints the comparison and records it as a second cell', async () => {
  const out = join(tempDir(), 'cal.json');
  const args = [
    'calibrate',
    '--server',
    'ws-loop',
    '--connections',
    '4',
    '--duration',
    '1s',
    '--warmup',
    '200ms',
    '--equal-rate',
    '200',
    '--quiet',
    '--out',
    out,
  ];
  const r = await runCli(args, { timeoutMs: 90_000 });
  expect(r.stderr).toBe(`results: ${out}\n`);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ ?client +offered msgs\/s +achieved msgs\/s +p50 latency \(corrected\) +p99 *$/m);
  expect(r.stdout).toMatch(
    /^equal offered load 200 msgs\/s: rates differ by \d+\.\d%, medians by \d+\.\d% \(must agree within 10%\): (agree|DISAGREE \(.+\))$/m,
  );

  // The I/O floor ran against its own server and is printed with its whole-core cost (or why there is none).
  expect(r.stdout).toMatch(/^I\/O floor \(a Node client that only moves the frames: .+\): [\d.]+k? round trips\/s at \d+% of its core/m);

  // The open-loop generator run's own file (a hidden sibling) is gone.
  expect(readdirSync(dirname(out))).toEqual(['cal.json']);
  // The file validates (readResultFile checks the schema), keeps the closed-loop cell first and adds the open-loop one.
  const file = readResultFile(out);
  expect(file.state).toBe('complete');
  expect(file.cells.map((c) => [c.status, c.params.mode, c.params.rateHz])).toEqual([
    ['ok', 'closed', null],
    ['ok', 'open', 200],
  ]);
  const raw = JSON.parse(readFileSync(out, 'utf8')) as { extra: { calibration: { rows: unknown[]; equalLoad: EqualLoad; ioFloor: IoFloor } } };
  const floor = raw.extra.calibration.ioFloor;
  expect(floor.result.connections).toMatchObject({ attempted: 4, established: 4 });
  expect(floor.result.roundTrips).toBeGreaterThan(0);
  const eq = raw.extra.calibration.equalLoad;
  expect(raw.extra.calibration.rows).toHaveLength(2);
  expect(eq).toMatchObject({ rateHz: 200, rateFrom: 'flag', generator: { offeredRateHz: 200 }, baseline: { offeredRateHz: 200 } });
  for (const side of [eq.generator, eq.baseline]) {
    expect(Math.abs(side.achievedRateHz - 200) / 200).toBeLessThan(0.05);
    expect(side.corrected.p50Us).toBeGreaterThan(0);
  }
  expect(eq.comparison.tolerance).toBe(0.1);
  expect(typeof eq.comparison.agree).toBe('boolean');
  expect(r.stdout).toContain(eq.comparison.agree ? ': agree' : `: DISAGREE (${eq.comparison.reason})`);

  // `wsarena report` still reads it.
  const report = await runCli(['report', out, '--quiet', '--out', join(tempDir(), 'site')]);
  expect(report.stderr).not.toMatch(/Error/);
  expect(report.code).toBe(0);
}, 120_000);
