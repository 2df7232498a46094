import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyMachineCaveat, measureCpuBusyShare, profileVsProcCaveat } from '../../profile/caveats.js';
import { renderProfileReport } from '../../profile/format.js';
import { type ProfileManifest, profileManifestSchema } from '../../profile/manifest.js';
import { describeCpuProfileName, newProfileId, overheadOf } from '../../profile/run.js';
import type { ProfileSummary } from '../../profile/summary.js';
import type { Cell } from '../../results/schema.js';
import { tempDir } from '../cli/helpers.js';

const summary: ProfileSummary = {
  source: 'cpuprofile',
  profiles: 1,
  window: 'measured',
  sampledMs: 5000,
  idleMs: 500,
  samples: 4000,
  bySelf: [
    { name: 'writev', location: null, origin: 'native', package: null, selfMs: 3000, selfFraction: 0.6, totalMs: 3000, totalFraction: 0.6 },
    {
      name: 'unmask',
      location: 'node_modules/ws/lib/buffer-util.js:135:38',
      origin: 'dependency',
      package: 'ws',
      selfMs: 80,
      selfFraction: 0.016,
      totalMs: 80,
      totalFraction: 0.016,
    },
  ],
  byTotal: [
    {
      name: 'socketOnData',
      location: 'node_modules/ws/lib/websocket.js:1437:22',
      origin: 'dependency',
      package: 'ws',
      selfMs: 1,
      selfFraction: 0.0002,
      totalMs: 4400,
      totalFraction: 0.88,
    },
  ],
};

const manifest: ProfileManifest = {
  manifestVersion: 1,
  id: '2026-11-24T22-44-52-ws-loop-cpuprof',
  createdAt: '2026-11-24T22:44:52.000Z',
  status: 'ok',
  error: null,
  server: 'ws-loop',
  language: 'node',
  tool: 'cpuprof',
  command: ['profile'],
  cellId: 'ws-loop/echo/c1000/cpus0/r0',
  resultFile: 'result.json',
  profiledResultFile: 'profiled-result.json',
  artifacts: [{ path: 'CPU.20261124.224504.7777.0.001.cpuprofile', kind: 'cpuprofile', bytes: 168_960, description: 'pid 7777 thread 0 (main)' }],
  summary,
  overhead: { baselineMsgsPerSec: 51_445, profiledMsgsPerSec: 29_746, ratio: 0.578 },
  warnings: [],
};

describe('renderProfileReport', () => {
  it('shows both throughputs and their ratio, the top functions and the artifacts', () => {
    expect(profileManifestSchema.safeParse(manifest).success).toBe(true);
    const text = renderProfileReport(manifest, '/r/profiles/x', { cwd: '/r' });
    expect(text).toContain('throughput: unprofiled 51.4k msgs/s, profiled 29.7k msgs/s: 0.58× (the profiler cost 42% of the throughput)');
    expect(text).toContain('quote result.json; profiled-result.json ran under the profiler');
    expect(text).toMatch(/top 2 by self time\n.*\n\s+3000 ms\s+60\.0%\s+60\.0%\s+writev\s+native/);
    expect(text).toMatch(/unmask\s+ws\s+node_modules\/ws\/lib\/buffer-util\.js:135:38/);
    expect(text).toMatch(/top 1 by total time\n.*\n\s+4400 ms\s+88\.0%/);
    expect(text).toContain('time sampled in the measured window: 5.00 s, 10.0% idle');
    expect(text).toContain('artifacts in profiles/x/');
    expect(text).toContain('manifest: profiles/x/profile.json');
  });

  it('does not call a faster profiled run a cost', () => {
    const faster = { ...manifest, overhead: { baselineMsgsPerSec: 80_000, profiledMsgsPerSec: 100_000, ratio: 1.25 } };
    expect(renderProfileReport(faster, '/r/x', { cwd: '/r' })).toMatch(
      /1\.25× \(no measurable cost: run-to-run noise is larger than the profiler's overhead here\)/,
    );
  });

  it('says when there is no unprofiled run to compare with', () => {
    expect(renderProfileReport({ ...manifest, overhead: null, summary: null }, '/r/x', { cwd: '/r' })).toMatch(/no unprofiled run to compare with/);
  });
});

describe('caveats', () => {
  it('warns about a busy machine only above a quarter of the CPUs busy', () => {
    expect(busyMachineCaveat(0.2, 2)).toBeNull();
    expect(busyMachineCaveat(null, 2)).toBeNull();
    expect(busyMachineCaveat(0.62, 2)).toMatch(/other processes kept 62% of the 2 CPUs busy just before the run/);
  });

  it('measures how busy the CPUs are from /proc/stat', async () => {
    const share = await measureCpuBusyShare(50);
    expect(share).not.toBeNull();
    expect(share!).toBeGreaterThanOrEqual(0);
    expect(share!).toBeLessThanOrEqual(1);
  });

  it('flags wall time charged to the stack when V8 saw more work than /proc', () => {
    // 4.5 s busy in a 5 s window = 0.9 cores in V8's eyes; /proc says 0.3.
    expect(profileVsProcCaveat(summary, 5000, 0.3)).toMatch(
      /V8 saw the server busy for 0\.90 cores .* \/proc says it ran on a CPU for 0\.30 cores.*probably writev/,
    );
  });

  it('flags native work V8 files as idle when /proc saw more work than V8', () => {
    expect(profileVsProcCaveat({ ...summary, idleMs: 4000 }, 5000, 0.9)).toMatch(/native work that no JavaScript called/);
  });

  it('stays quiet when they agree, or without a window', () => {
    expect(profileVsProcCaveat(summary, 5000, 0.85)).toBeNull();
    expect(profileVsProcCaveat(summary, null, 0.3)).toBeNull();
    expect(profileVsProcCaveat({ ...summary, window: 'whole' }, 5000, 0.3)).toBeNull();
  });
});

describe('profile helpers', () => {
  it('names a profile folder by time, server and tool, never reusing one', () => {
    const dir = tempDir('wsarena-profile-ids-');
    const now = new Date('2026-11-24T22:44:52.123Z');
    expect(newProfileId(dir, 'ws-loop', 'cpuprof', now)).toBe('2026-11-24T22-44-52-ws-loop-cpuprof');
    mkdirSync(join(dir, '2026-11-24T22-44-52-ws-loop-cpuprof'));
    expect(newProfileId(dir, 'ws-loop', 'cpuprof', now)).toBe('2026-11-24T22-44-52-ws-loop-cpuprof-2');
  });

  it('describes the file names node --cpu-prof writes', () => {
    expect(describeCpuProfileName('CPU.20261124.222740.9758.0.001.cpuprofile')).toBe('pid 9758 thread 0 (main)');
    expect(describeCpuProfileName('CPU.20261124.222740.9758.3.004.cpuprofile')).toBe('pid 9758 thread 3 (worker)');
  });

  it('computes the overhead from the two cells’ achieved rates', () => {
    const cell = (rate: number) => ({ load: { achievedRateHz: rate } }) as unknown as Cell;
    expect(overheadOf(cell(50_000), cell(40_000))).toEqual({ baselineMsgsPerSec: 50_000, profiledMsgsPerSec: 40_000, ratio: 0.8 });
    expect(overheadOf(null, cell(40_000))).toBeNull();
  });
});
