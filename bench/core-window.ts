import { cpusOf } from '../core/cpu-list.js';
import type { CoresSection, CoreUsage } from '../results/cores.js';
import { busyTicks, CPU_TICK_FIELDS, type CpuTicks, readProcStat, tickDelta, totalTicks } from './proc-stat.js';

/** Who ran where: a cell's pinning (taskset CPU lists, null = unpinned) and whether taskset took. */
export interface CoreSides {
  serverCpus: string | null;
  clientCpus: string | null;
  applied: boolean;
  reason: string | null;
}

/**
 * The server's and the client's CPUs, or why whole cores cannot be told apart for this cell. A core's time
 * is only the server's (or the client's) when that side alone was pinned to it: an unpinned side may run
 * on any core, and a shared core's softirq belongs to both.
 */
export function pinnedSides(sides: CoreSides): { server: number[]; client: number[] } | string {
  if (sides.serverCpus === null || sides.clientCpus === null) {
    const which = sides.serverCpus === null && sides.clientCpus === null ? 'server and client' : sides.serverCpus === null ? 'server' : 'client';
    return `${which} not pinned: whole cores cannot be attributed to one side`;
  }
  if (!sides.applied) return `server pinning not applied${sides.reason ? `: ${sides.reason}` : ' (a --target server runs where it was started)'}`;
  const server = cpusOf(sides.serverCpus);
  const client = cpusOf(sides.clientCpus);
  if (server === null || client === null) return `unreadable CPU list (server "${sides.serverCpus}", client "${sides.clientCpus}")`;
  const shared = client.filter((c) => server.includes(c));
  if (shared.length > 0) return `server and client share CPU ${shared.join(',')}: a shared core's time belongs to both sides`;
  return { server, client };
}

/**
 * One side's cores between two /proc/stat readings, or why not (a CPU missing from either reading, or
 * a window shorter than one clock tick).
 */
export function coreUsage(cpus: readonly number[], before: ReadonlyMap<number, CpuTicks>, after: ReadonlyMap<number, CpuTicks>): CoreUsage | string {
  const sum: CpuTicks = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  const perCpu: CoreUsage['perCpu'] = [];
  for (const cpu of cpus) {
    const a = before.get(cpu);
    const b = after.get(cpu);
    if (!a || !b) return `CPU ${cpu} is not in /proc/stat (offline?)`;
    const d = tickDelta(a, b);
    const total = totalTicks(d);
    if (total === 0) return `the window was shorter than one clock tick on CPU ${cpu}`;
    for (const field of CPU_TICK_FIELDS) sum[field] += d[field];
    perCpu.push({ cpu, busyFraction: busyTicks(d) / total, softirq: d.softirq / total });
  }
  const ticks = totalTicks(sum);
  if (ticks === 0) return 'no CPUs to measure';
  const share = (field: keyof CpuTicks) => sum[field] / ticks;
  return {
    cpus: [...cpus],
    ticks,
    busyFraction: busyTicks(sum) / ticks,
    busyFractionMax: Math.max(...perCpu.map((p) => p.busyFraction)),
    user: share('user'),
    nice: share('nice'),
    system: share('system'),
    irq: share('irq'),
    softirq: share('softirq'),
    steal: share('steal'),
    idle: share('idle'),
    iowait: share('iowait'),
    perCpu,
  };
}

/**
 * Reads /proc/stat at the measured window's two edges (the counters are cumulative, so two readings give
 * the window exactly; nothing is read in between) and turns the server's and the client's pinned cores
 * into a cell's `cores` section.
 */
export class CoreWindow {
  private start: Map<number, CpuTicks> | null = null;
  private end: Map<number, CpuTicks> | null = null;
  private readonly sides: { server: number[]; client: number[] } | string;

  constructor(
    pinning: CoreSides,
    private readonly read: () => Map<number, CpuTicks> | null = readProcStat,
  ) {
    this.sides = pinnedSides(pinning);
  }

  /** Call at the window's start; a later call starts it again (a workload that marks its own window). */
  markStart(): void {
    if (typeof this.sides === 'string') return;
    this.start = this.read();
    this.end = null;
  }

  markEnd(): void {
    if (typeof this.sides === 'string' || this.start === null) return;
    this.end = this.read();
  }

  result(): CoresSection {
    if (typeof this.sides === 'string') return { unavailable: this.sides };
    if (this.start === null || this.end === null)
      return { unavailable: '/proc/stat was not read at both edges of the window (not Linux, or the window never ended)' };
    const server = coreUsage(this.sides.server, this.start, this.end);
    const client = coreUsage(this.sides.client, this.start, this.end);
    if (typeof server === 'string') return { unavailable: `server: ${server}` };
    if (typeof client === 'string') return { unavailable: `client: ${client}` };
    return { server, client };
  }
}
