import { describe, expect, it } from 'vitest';
import { buildRunRequest, type RunFlags } from '../../cli/commands/run.js';
import { parseSegment, parseStartAt, segmentRequest } from '../../cli/segment-flags.js';
import { usageError } from './helpers.js';

const NOW = Date.parse('2026-11-26T12:00:00Z');

const flags = (over: Partial<RunFlags> = {}): RunFlags => ({
  server: 'ws-loop',
  target: 'ws://10.0.0.1:9001/',
  workload: 'echo',
  connections: '10',
  duration: '2s',
  warmup: '1s',
  drain: '1s',
  payload: '64',
  repeat: '1',
  pin: false,
  workIterations: '0',
  heavyFraction: '0',
  ...over,
});

describe('--segment and --start-at', () => {
  it('parse i/N (0-based) and wall-clock times with a zone', () => {
    expect(parseSegment('2/3')).toEqual({ index: 2, count: 3 });
    expect(parseStartAt('2026-11-26T12:01:00Z', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('2026-11-26T13:01:00+01:00', NOW)).toBe(NOW + 60_000);
    expect(parseStartAt('@1795694460', NOW)).toBe(NOW + 60_000);
  });

  it('refuse what no agent could mean, saying what is allowed', () => {
    expect(usageError(() => parseSegment('1-3')).message).toBe('--segment: "1-3" is not i/N; allowed: 0/N … (N−1)/N, e.g. 0/3 for the first of three');
    expect(usageError(() => parseSegment('0/0')).message).toBe('--segment: "0/0" has 0 segments; allowed: 1 to 10000');
    // A time without a zone would mean another instant on each agent.
    expect(usageError(() => parseStartAt('2026-11-26T12:01:00', NOW)).code).toBe('BAD_START_AT');
    expect(usageError(() => parseStartAt('2026-11-28T12:00:00Z', NOW)).message).toBe(
      '--start-at: "2026-11-28T12:00:00Z" is more than 24h ahead; allowed: up to 24h from now',
    );
  });

  it('make a segment request only with --target, an engine workload, enough connections and one cell for --start-at', () => {
    const req = (over: Partial<RunFlags>) => buildRunRequest(flags(over), ['run']);
    expect(segmentRequest({ segment: '1/2', startAt: '2026-11-26T12:01:00Z' }, req({}), NOW)).toEqual({ index: 1, count: 2, startAtMs: NOW + 60_000 });
    expect(segmentRequest({}, req({}), NOW)).toBeUndefined();
    expect(usageError(() => segmentRequest({ startAt: '@1795694460' }, req({}), NOW)).message).toMatch(/^--start-at needs --segment i\/N/);
    expect(usageError(() => segmentRequest({ segment: '0/2' }, req({ workload: 'idle' }), NOW)).message).toBe(
      '--segment: workload idle cannot be cut into segments; allowed: echo, work, mixed',
    );
    expect(usageError(() => segmentRequest({ segment: '0/20' }, req({}), NOW)).message).toBe(
      '--segment: "0/20": 10 connections cannot be cut into 20 segments of at least one connection each',
    );
    expect(usageError(() => segmentRequest({ segment: '0/2', startAt: '@1795694460' }, req({ repeat: '2' }), NOW)).message).toBe(
      '--start-at agrees one window, but this run has 2 cells (connections × repeats); allowed: one --connections value and --repeat 1',
    );
  });
});
