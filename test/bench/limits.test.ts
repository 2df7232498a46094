import { describe, expect, it } from 'vitest';
import { describeLimit, type LimitUse, nearestLimit, parseMemAvailable, parseOpenFilesLimit, readLimits } from '../../bench/limits.js';

describe('limits', () => {
  it('parses the open-files soft limit and unlimited', () => {
    expect(parseOpenFilesLimit('Limit  Soft Limit  Hard Limit  Units\nMax open files            20000                20000                files\n')).toBe(
      20_000,
    );
    expect(parseOpenFilesLimit('Max open files            unlimited            unlimited            files\n')).toBeNull();
    expect(parseOpenFilesLimit('')).toBeNull();
  });

  it('parses MemTotal and MemAvailable', () => {
    expect(parseMemAvailable('MemTotal:       24000000 kB\nMemFree:  1 kB\nMemAvailable:   20000000 kB\n')).toEqual({
      totalBytes: 24_000_000 * 1024,
      availableBytes: 20_000_000 * 1024,
    });
    expect(parseMemAvailable('MemTotal: 1 kB\n')).toBeNull();
  });

  it('names the nearest limit with its arithmetic', () => {
    const limits: LimitUse[] = [
      { name: 'open-files', label: 'open files of pid 7 (RLIMIT_NOFILE)', scope: 'process', limit: 20_000, used: 19_046 },
      { name: 'pid-max', label: 'tasks on the machine (kernel.pid_max)', scope: 'system', limit: 32_768, used: 10_300 },
      { name: 'memory', label: 'RAM', scope: 'system', limit: 2 ** 34, used: 2 ** 33 },
    ];
    expect(nearestLimit(limits)?.name).toBe('open-files');
    expect(describeLimit(limits[0]!)).toBe('open files of pid 7 (RLIMIT_NOFILE): 19046 of 20000 (95%)');
    expect(describeLimit(limits[2]!)).toBe('RAM: 8.0 GiB of 16.0 GiB (50%)');
    expect(nearestLimit([])).toBeNull();
  });

  it('reads this process: its own fds and maps, and the machine-wide task count', () => {
    const limits = readLimits(process.pid);
    const byName = new Map(limits.map((l) => [l.name, l]));
    expect(byName.get('open-files')!.used).toBeGreaterThan(2);
    expect(byName.get('max-map-count')!.used).toBeGreaterThan(10);
    // This process alone runs several threads (libuv pool, V8 platform).
    expect(byName.get('pid-max')!.used).toBeGreaterThan(4);
    expect(byName.get('memory')!.used).toBeGreaterThan(0);
  });
});
