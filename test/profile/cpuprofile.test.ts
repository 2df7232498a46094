import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RunError } from '../../core/errors.js';
import { type CpuProfile, classifyFrame, parseCpuProfile, summarizeCpuProfiles } from '../../profile/cpuprofile.js';

const FIXTURE = new URL('./fixtures/tiny.cpuprofile', import.meta.url);
// 12 samples of 1 ms: parseFrame ×4, handleMessage ×2, fib ×3 (two of them recursive), GC ×1, idle ×2.
const tiny = (): CpuProfile => parseCpuProfile(readFileSync(FIXTURE, 'utf8'), 'tiny.cpuprofile');

describe('summarizeCpuProfiles', () => {
  it('ranks the tiny profile by self time: parseFrame (ws) first', () => {
    const summary = summarizeCpuProfiles([tiny()], { root: '/app' });
    expect(summary.bySelf.map((f) => [f.name, f.selfMs])).toEqual([
      ['parseFrame', 4],
      ['fib', 3],
      ['handleMessage', 2],
      ['(garbage collector)', 1],
    ]);
    const top = summary.bySelf[0]!;
    expect(top).toMatchObject({ origin: 'dependency', package: 'ws', location: 'node_modules/ws/lib/receiver.js:100:5', selfFraction: 0.3333 });
    expect(summary).toMatchObject({ source: 'cpuprofile', profiles: 1, window: 'whole', sampledMs: 12, idleMs: 2, samples: 12 });
  });

  it('ranks by total time, counting a recursive function once per sample', () => {
    const summary = summarizeCpuProfiles([tiny()], { root: '/app' });
    expect(summary.byTotal.map((f) => [f.name, f.totalMs])).toEqual([
      ['handleMessage', 9],
      ['main', 9],
      ['parseFrame', 4],
      ['fib', 3],
      ['(garbage collector)', 1],
    ]);
    expect(summary.byTotal.find((f) => f.name === 'main')).toMatchObject({ origin: 'app', location: 'main.js:1:1', selfMs: 0 });
  });

  it('keeps only samples in the window, clipping the last one at its end', () => {
    // Samples at 1 005 000 … 1 008 000 µs: handleMessage ×2, fib ×2 (the last clipped to 0 ms).
    const summary = summarizeCpuProfiles([tiny()], { root: '/app', window: { startUs: 1_005_000, endUs: 1_008_000 } });
    expect(summary).toMatchObject({ window: 'measured', samples: 4, sampledMs: 3, idleMs: 0 });
    expect(summary.bySelf.map((f) => [f.name, f.selfMs])).toEqual([
      ['handleMessage', 2],
      ['fib', 1],
    ]);
  });

  it('falls back to the whole profile when no sample is in the window', () => {
    const summary = summarizeCpuProfiles([tiny()], { root: '/app', window: { startUs: 5_000_000, endUs: 6_000_000 } });
    expect(summary.window).toBe('whole');
    expect(summary.bySelf[0]!.name).toBe('parseFrame');
  });

  it('merges profiles (threads) function by function and honours top', () => {
    const summary = summarizeCpuProfiles([tiny(), tiny()], { root: '/app', top: 2 });
    expect(summary.profiles).toBe(2);
    expect(summary.sampledMs).toBe(24);
    expect(summary.bySelf.map((f) => [f.name, f.selfMs])).toEqual([
      ['parseFrame', 8],
      ['fib', 6],
    ]);
  });
});

describe('parseCpuProfile', () => {
  it.each([
    ['not JSON', '{', /invalid JSON/],
    ['no nodes', '{"nodes":[],"startTime":0,"endTime":1}', /"nodes" is missing or empty/],
    ['a node without a callFrame', '{"nodes":[{"id":1}],"startTime":0,"endTime":1}', /lacks an id or a callFrame/],
    [
      'samples and deltas of different lengths',
      '{"nodes":[{"id":1,"callFrame":{"functionName":"(root)","url":""}}],"startTime":0,"endTime":1,"samples":[1],"timeDeltas":[]}',
      /same length/,
    ],
  ])('refuses %s with BAD_CPUPROFILE', (_what, text, message) => {
    let error: unknown;
    try {
      parseCpuProfile(text, 'x.cpuprofile');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RunError);
    expect((error as RunError).code).toBe('BAD_CPUPROFILE');
    expect((error as RunError).message).toMatch(/^x\.cpuprofile is not a V8 CPU profile: /);
    expect((error as RunError).message).toMatch(message);
  });
});

describe('classifyFrame', () => {
  const frame = (url: string, functionName = 'f') => ({ functionName, url, scriptId: 1, lineNumber: 0, columnNumber: 0 });
  it.each([
    [frame('file:///app/dist/servers/ws-loop/main.js'), { origin: 'app', pkg: null }],
    [frame('file:///app/node_modules/@trufflesuite/uws-js-unofficial/dist/uws.js'), { origin: 'dependency', pkg: '@trufflesuite/uws-js-unofficial' }],
    [frame('node:internal/stream_base_commons'), { origin: 'platform', pkg: null }],
    [frame('', 'writev'), { origin: 'native', pkg: null }],
    [frame('', '(program)'), { origin: 'runtime', pkg: null }],
  ])('%o → %o', (f, expected) => {
    expect(classifyFrame(f, '/app')).toEqual(expected);
  });
});
