import { describe, expect, it } from 'vitest';
import { CoreWindow, coreUsage, type pinnedSides } from '../../bench/core-window.js';
import { busyTicks, parseProcStat, readProcStat, tickDelta, totalTicks } from '../../bench/proc-stat.js';
import { coresSectionSchema } from '../../results/cores.js';
import { PROC_STAT_AFTER, PROC_STAT_BEFORE } from '../fixtures/proc-stat.js';

const pinned = { serverCpus: '0', clientCpus: '1', applied: true, reason: null };

describe('/proc/stat per-CPU lines', () => {
  it('parses cpuN lines by number, in the kernel’s field order, and ignores the aggregate and other lines', () => {
    const stat = parseProcStat(PROC_STAT_BEFORE);
    expect([...stat.keys()]).toEqual([0, 1]);
    expect(stat.get(0)).toEqual({ user: 316090, nice: 671, system: 149303, idle: 721577, iowait: 640, irq: 0, softirq: 46750, steal: 1001 });
  });
  it('reads missing trailing fields (an old kernel without steal) as 0', () => {
    expect(parseProcStat('cpu3 10 0 5 100 1 0 2\n').get(3)).toEqual({ user: 10, nice: 0, system: 5, idle: 100, iowait: 1, irq: 0, softirq: 2, steal: 0 });
  });
  it('the delta counts guest time once (inside user) and busy excludes idle and iowait', () => {
    const d = tickDelta(parseProcStat(PROC_STAT_BEFORE).get(0)!, parseProcStat(PROC_STAT_AFTER).get(0)!);
    expect(totalTicks(d)).toBe(500);
    expect(busyTicks(d)).toBe(440);
  });
  it('a counter that steps back (iowait on some kernels) gives 0, not a negative share', () => {
    const a = parseProcStat('cpu0 10 0 0 100 50 0 0 0\n').get(0)!;
    const b = parseProcStat('cpu0 20 0 0 190 40 0 0 0\n').get(0)!;
    expect(tickDelta(a, b).iowait).toBe(0);
  });
  it('reads the live file on Linux', () => {
    const live = readProcStat();
    expect(live).not.toBeNull();
    expect(live!.size).toBeGreaterThan(0);
    expect(totalTicks(live!.get(0)!)).toBeGreaterThan(0);
  });
});

describe('whole-core usage of a side', () => {
  const before = parseProcStat(PROC_STAT_BEFORE);
  const after = parseProcStat(PROC_STAT_AFTER);
  it('gives busy and each field as fractions of the window’s ticks (issue 12’s server core: 88% busy, 15% softirq)', () => {
    const u = coreUsage([0], before, after);
    if (typeof u === 'string') throw new Error(u);
    expect(u.ticks).toBe(500);
    expect(u.busyFraction).toBeCloseTo(0.88, 12);
    expect(u.busyFractionMax).toBeCloseTo(0.88, 12);
    expect([u.user, u.nice, u.system, u.irq, u.softirq, u.steal, u.idle, u.iowait].map((x) => Number(x.toFixed(6)))).toEqual([
      0.5, 0, 0.23, 0, 0.15, 0, 0.11, 0.01,
    ]);
    expect(u.perCpu).toEqual([{ cpu: 0, busyFraction: 0.88, softirq: 0.15 }]);
  });
  it('over several CPUs: busy is over all their ticks together, busyFractionMax the busiest one', () => {
    const u = coreUsage([0, 1], before, after);
    if (typeof u === 'string') throw new Error(u);
    expect(u.ticks).toBe(1000);
    expect(u.busyFraction).toBeCloseTo(0.94, 12);
    expect(u.busyFractionMax).toBe(1);
    expect(u.softirq).toBeCloseTo(0.16, 12);
  });
  it('a CPU missing from /proc/stat, or no tick in the window, is a reason, not a figure', () => {
    expect(coreUsage([7], before, after)).toBe('CPU 7 is not in /proc/stat (offline?)');
    expect(coreUsage([0], before, before)).toBe('the window was shorter than one clock tick on CPU 0');
  });
});

describe('CoreWindow', () => {
  it('reads /proc/stat at the two edges and records both sides, valid against the result schema', () => {
    const readings = [PROC_STAT_BEFORE, PROC_STAT_AFTER].map(parseProcStat);
    let reads = 0;
    const w = new CoreWindow(pinned, () => readings[reads++]!);
    w.markStart();
    w.markEnd();
    const section = w.result();
    expect(reads).toBe(2);
    if (!('server' in section)) throw new Error(section.unavailable);
    expect(section.server.busyFraction).toBeCloseTo(0.88, 12);
    expect(section.client.busyFraction).toBe(1);
    expect(section.client.softirq).toBeCloseTo(0.17, 12);
    expect(coresSectionSchema.parse(section)).toEqual(section);
  });
  it('unpinned, shared or unapplied pinning says why it cannot, and reads nothing', () => {
    const cases: Array<[Parameters<typeof pinnedSides>[0], string]> = [
      [{ ...pinned, serverCpus: null }, 'server not pinned: whole cores cannot be attributed to one side'],
      [{ ...pinned, serverCpus: null, clientCpus: null }, 'server and client not pinned: whole cores cannot be attributed to one side'],
      [{ ...pinned, serverCpus: '0-1' }, "server and client share CPU 1: a shared core's time belongs to both sides"],
      [{ ...pinned, applied: false, reason: 'taskset not found' }, 'server pinning not applied: taskset not found'],
    ];
    for (const [sides, reason] of cases) {
      let reads = 0;
      const w = new CoreWindow(sides, () => {
        reads++;
        return parseProcStat(PROC_STAT_BEFORE);
      });
      w.markStart();
      w.markEnd();
      expect(w.result()).toEqual({ unavailable: reason });
      expect(reads).toBe(0);
    }
  });
  it('a window that never ended has no figures', () => {
    const w = new CoreWindow(pinned, () => parseProcStat(PROC_STAT_BEFORE));
    w.markStart();
    expect('unavailable' in w.result()).toBe(true);
  });
});
