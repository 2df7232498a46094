import { describe, expect, it } from 'vitest';
import { parseMeminfo, readMeminfo } from '../../bench/meminfo.js';

describe('meminfo', () => {
  it('parses KernelStack, Slab and SUnreclaim from /proc/meminfo text (kB → bytes)', () => {
    const text =
      'MemTotal:        4005432 kB\nMemFree:          181240 kB\nSlab:             183696 kB\nSReclaimable:     154928 kB\nSUnreclaim:        28768 kB\nKernelStack:        1412 kB\nPageTables:         6000 kB\n';
    expect(parseMeminfo(text)).toEqual({ kernelStackBytes: 1412 * 1024, slabBytes: 183696 * 1024, sUnreclaimBytes: 28768 * 1024 });
    expect(parseMeminfo('MemTotal: 1 kB\n')).toEqual({ kernelStackBytes: 0, slabBytes: 0, sUnreclaimBytes: 0 });
  });
  it('reads the live file on Linux', () => {
    const m = readMeminfo();
    expect(m).not.toBeNull();
    expect(m!.kernelStackBytes).toBeGreaterThan(0);
    expect(m!.slabBytes).toBeGreaterThanOrEqual(m!.sUnreclaimBytes);
  });
});
