import { describe, expect, it } from 'vitest';
import { cpuListSize, cpusOf, cpusOverlap, parseCpuRange } from '../../core/cpu-list.js';
import { parseCpuList } from '../../core/parse.js';

describe('CPU lists (one reading for the CLI, the runner, the report and pool-overhead)', () => {
  it('reads single CPUs, ranges and both', () => {
    expect(parseCpuRange('3')).toEqual({ from: 3, to: 3 });
    expect(parseCpuRange(' 0-3 ')).toEqual({ from: 0, to: 3 });
    expect(parseCpuRange('a')).toBeNull();
    expect(cpusOf('0-3,6')).toEqual([0, 1, 2, 3, 6]);
    expect(cpusOf('1,0,1')).toEqual([0, 1]);
    expect(cpuListSize('0-3,6')).toBe(5);
    expect(cpuListSize(null)).toBeNull();
  });

  it('has no size for a malformed list or a backwards range', () => {
    expect(cpusOf('3-1')).toBeNull();
    expect(cpuListSize('0,x')).toBeNull();
    expect(cpuListSize('')).toBeNull();
  });

  it('overlaps when a CPU is shared or either side is unpinned', () => {
    expect(cpusOverlap('0', '1')).toBe(false);
    expect(cpusOverlap('0-1', '1')).toBe(true);
    expect(cpusOverlap(null, '1')).toBe(true);
    expect(cpusOverlap('0', null)).toBe(true);
  });

  it('the flag parser produces canonical lists the reader reads back', () => {
    const { list, cpus } = parseCpuList('--server-cpus', '1,0', 2);
    expect(list).toBe('0,1');
    expect(cpusOf(list)).toEqual(cpus);
    expect(() => parseCpuList('--server-cpus', '1-0', 2)).toThrow('--server-cpus: range "1-0" runs backwards');
    expect(() => parseCpuList('--server-cpus', 'x', 2)).toThrow('--server-cpus: "x" is not a CPU number or range; use e.g. 0, 0-1 or 0,1');
  });
});
