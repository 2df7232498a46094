import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCpuProfile } from '../../profile/cpuprofile.js';
import { type ProfileManifest, readProfileManifest } from '../../profile/manifest.js';
import { readResultFile } from '../../results/reader.js';
import { goGoroutines } from '../../servers/go-goroutines/spec.js';
import { runCli, tempDir } from '../cli/helpers.js';
import { measured } from '../fixtures/results.js';

/** A short, light cell: these tests check the plumbing, not the numbers. */
const SHORT = ['--server', 'ws-loop', '--workload', 'echo', '--connections', '20', '--depth', '2', '--duration', '1s', '--warmup', '500ms', '--drain', '500ms'];
const FAKE_CLINIC = new URL('./fixtures/fake-clinic.mjs', import.meta.url).pathname;

function manifestFrom(stdout: string): ProfileManifest {
  return JSON.parse(stdout) as ProfileManifest;
}

describe('wsarena profile', () => {
  it('--tool cpuprof on ws-loop: a .cpuprofile whose top self time names ws or our handler, next to both result files', async () => {
    const dir = tempDir('wsarena-profile-');
    const res = await runCli(['profile', ...SHORT, '--connections', '100', '--duration', '2s', '--tool', 'cpuprof', '--profiles-dir', dir, '--json', '-q'], {
      timeoutMs: 60_000,
    });
    expect(res.code, res.stderr).toBe(0);
    const printed = manifestFrom(res.stdout);
    const folder = join(dir, printed.id);
    const manifest = readProfileManifest(join(folder, 'profile.json'));
    expect(manifest).toMatchObject({ status: 'ok', server: 'ws-loop', tool: 'cpuprof', resultFile: 'result.json', profiledResultFile: 'profiled-result.json' });

    const profiles = manifest.artifacts.filter((a) => a.kind === 'cpuprofile');
    expect(profiles.length).toBeGreaterThanOrEqual(1);
    for (const a of profiles) expect(readCpuProfile(join(folder, a.path)).samples.length).toBeGreaterThan(0);

    const summary = manifest.summary!;
    expect(summary.source).toBe('cpuprofile');
    expect(summary.bySelf.length).toBeGreaterThan(0);
    const ours = summary.bySelf.filter((f) => f.package === 'ws' || f.origin === 'app');
    expect(ours.length, JSON.stringify(summary.bySelf.map((f) => `${f.name} ${f.package ?? f.origin}`))).toBeGreaterThan(0);

    // The numbers belong to the profile: both runs of the same cell, marked, with the overhead between them.
    const baseline = readResultFile(join(folder, 'result.json'));
    const profiled = readResultFile(join(folder, 'profiled-result.json'));
    expect(baseline.cells[0]!.id).toBe(profiled.cells[0]!.id);
    expect(manifest.cellId).toBe(baseline.cells[0]!.id);
    expect(baseline.extra?.['profile']).toMatchObject({ id: manifest.id, profiled: false });
    expect(profiled.extra?.['profile']).toMatchObject({ id: manifest.id, profiled: true });
    expect(manifest.overhead).toMatchObject({
      baselineMsgsPerSec: measured(baseline.cells[0]).load!.achievedRateHz,
      profiledMsgsPerSec: measured(profiled.cells[0]).load!.achievedRateHz,
    });
    expect(manifest.overhead!.ratio).toBeGreaterThan(0);
  });

  it('--tool flame writes clinic flame’s HTML report', async () => {
    const dir = tempDir('wsarena-profile-');
    const res = await runCli(['profile', ...SHORT, '--tool', 'flame', '--no-baseline', '--profiles-dir', dir, '-q'], { timeoutMs: 90_000 });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/under clinic flame/);
    const manifestPath = /^profile: (.+)$/m.exec(res.stderr)?.[1];
    expect(manifestPath).toBeDefined();
    const manifest = readProfileManifest(manifestPath!);
    const html = manifest.artifacts.find((a) => a.kind === 'clinic-html');
    expect(html?.path).toMatch(/\.clinic-flame\.html$/);
    const text = readFileSync(join(manifestPath!, '..', html!.path), 'utf8');
    expect(text.slice(0, 200).toLowerCase()).toContain('<!doctype html>');
    expect(manifest.overhead).toBeNull();
  });

  it('--tool heapprofiler survives the server’s own SIGINT handling and writes its report', async () => {
    const dir = tempDir('wsarena-profile-');
    const res = await runCli(['profile', ...SHORT, '--tool', 'heapprofiler', '--no-baseline', '--profiles-dir', dir, '--json', '-q'], { timeoutMs: 90_000 });
    expect(res.code, res.stderr).toBe(0);
    const manifest = manifestFrom(res.stdout);
    expect(manifest.artifacts.map((a) => a.kind)).toEqual(expect.arrayContaining(['clinic-html', 'clinic-data']));
  });

  it.each([
    ['writes no report', 'no-report', /Error: clinic flame wrote no HTML report into .+ \(exit code 0\); its last output:\n.*To generate the report/s],
    [
      'exits at once doing nothing',
      'silent-exit',
      /Error: the profiled run \(ws-loop under clinic flame\) failed: ws-loop exited with code 0 before it was ready/,
    ],
  ])('a profiler that %s gives exit 1, a message and a failed manifest', async (_what, mode, message) => {
    const dir = tempDir('wsarena-profile-');
    const res = await runCli(['profile', ...SHORT, '--tool', 'flame', '--no-baseline', '--profiles-dir', dir, '-q'], {
      timeoutMs: 60_000,
      env: { WSARENA_CLINIC_BIN: FAKE_CLINIC, FAKE_CLINIC_MODE: mode },
    });
    expect(res.code, res.stderr).toBe(1);
    expect(res.stderr).toMatch(message);
    const folder = /^\(profile folder: (.+); details in profile\.json\)$/m.exec(res.stderr)?.[1];
    const manifestPath = join(folder ?? '', 'profile.json');
    expect(existsSync(manifestPath), res.stderr).toBe(true);
    expect(readProfileManifest(manifestPath)).toMatchObject({
      status: 'failed',
      error: expect.stringMatching(message.source.includes('wrote no') ? /wrote no HTML/ : /before it was ready/),
    });
  });

  it.each([
    [['--tool', 'perf'], /--tool: unknown profiler "perf"; known: cpuprof, flame, doctor, bubbleprof, heapprofiler/],
    [['--server', 'go-goroutines', '--tool', 'flame'], /--tool flame: clinic profiles Node servers; go-goroutines is a go server, use --tool cpuprof/],
    [['--server', 'ws-cluster', '--tool', 'doctor'], /clinic does not follow cluster worker processes/],
    [['--server', 'ws-loop,uws'], /--server: profile runs one server at a time/],
    [['--connections', '10,100'], /--connections: profile runs one cell/],
    [['--out', 'x.json'], /--out: profile writes its result files/],
  ])('refuses %j with exit 2', async (args, message) => {
    const res = await runCli(['profile', ...args, '--profiles-dir', tempDir('wsarena-profile-')], { timeoutMs: 30_000 });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(message);
  });

  it.skipIf(!goGoroutines.availability().available)('--tool cpuprof on go-goroutines: a pprof CPU profile from the measured window, summarised', async () => {
    const dir = tempDir('wsarena-profile-');
    const res = await runCli(['profile', ...SHORT, '--server', 'go-goroutines', '--tool', 'cpuprof', '--no-baseline', '--profiles-dir', dir, '--json', '-q'], {
      timeoutMs: 60_000,
    });
    expect(res.code, res.stderr).toBe(0);
    const manifest = manifestFrom(res.stdout);
    expect(manifest.language).toBe('go');
    expect(manifest.artifacts.map((a) => a.path)).toEqual(['cpu.pprof', 'pprof-top.txt']);
    expect(manifest.summary?.source).toBe('pprof');
    expect(manifest.summary?.byTotal.some((f) => f.origin === 'app')).toBe(true);
  });
});
