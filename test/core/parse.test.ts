import { describe, expect, it } from 'vitest';
import { parseBytes, parseCpuList, parseDurationMs, parseInteger, parseIntegerList } from '../../core/parse.js';
import { usageError } from '../cli/helpers.js';

describe('parseDurationMs', () => {
  it('reads units and bare seconds', () => {
    expect(parseDurationMs('--duration', '10s')).toBe(10_000);
    expect(parseDurationMs('--duration', '500ms')).toBe(500);
    expect(parseDurationMs('--duration', '1.5s')).toBe(1500);
    expect(parseDurationMs('--duration', '2m')).toBe(120_000);
    expect(parseDurationMs('--duration', '3')).toBe(3000);
  });
  it('names the flag, the value and what is allowed', () => {
    const err = usageError(() => parseDurationMs('--duration', '10x'));
    expect(err.code).toBe('BAD_DURATION');
    expect(err.message).toBe('--duration: "10x" is not a duration; use a number with ms, s, m or h (e.g. 10s, 500ms)');
    expect(usageError(() => parseDurationMs('--duration', '0s')).message).toContain('must be longer than 0');
  });
  it('caps durations at 24 h, naming the flag (issue 14: longer runs overflow setTimeout and the samples)', () => {
    expect(parseDurationMs('--duration', '24h')).toBe(86_400_000);
    const err = usageError(() => parseDurationMs('--duration', '25h'));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toBe('--duration: "25h" is too long; allowed: up to 24h');
    expect(usageError(() => parseDurationMs('--warmup', '999999999s')).message).toMatch(/^--warmup: /);
  });
});

describe('parseInteger and lists', () => {
  it('rejects non-positive counts with the allowed range', () => {
    expect(usageError(() => parseInteger('--connections', '0')).message).toBe('--connections: 0 is out of range; allowed: an integer ≥ 1');
    expect(usageError(() => parseInteger('--connections', '-5')).code).toBe('OUT_OF_RANGE');
    expect(usageError(() => parseInteger('--connections', '1.5')).code).toBe('BAD_INTEGER');
  });
  it('parses comma lists and refuses empty elements', () => {
    expect(parseIntegerList('--connections', '100,1000')).toEqual([100, 1000]);
    expect(usageError(() => parseIntegerList('--connections', '100,,1000')).code).toBe('BAD_LIST');
  });
});

describe('parseCpuList', () => {
  it('canonicalises ranges and lists', () => {
    expect(parseCpuList('--server-cpus', '0-1', 2)).toEqual({ list: '0,1', cpus: [0, 1] });
    expect(parseCpuList('--server-cpus', '1', 2).list).toBe('1');
  });
  it('refuses CPUs the machine does not have', () => {
    expect(usageError(() => parseCpuList('--server-cpus', '3', 2)).message).toBe('--server-cpus: CPU 3 does not exist; this machine has CPUs 0-1');
    expect(usageError(() => parseCpuList('--server-cpus', '1-0', 2)).code).toBe('BAD_CPUS');
  });
});

describe('parseBytes', () => {
  it('reads sizes with suffixes', () => {
    expect(parseBytes('--payload', '64')).toBe(64);
    expect(parseBytes('--payload', '16KiB')).toBe(16384);
    expect(parseBytes('--payload', '1MiB')).toBe(1048576);
    expect(usageError(() => parseBytes('--payload', 'big')).code).toBe('BAD_SIZE');
  });
});
