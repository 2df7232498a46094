import { type CoresSection, type CoreUsage, measuredCores } from '../results/cores.js';

/** The thresholds judgeCores reads; their values live in VERDICT_THRESHOLDS (bench/verdict.ts). */
export interface CoreThresholds {
  serverCoreBusyFraction: number;
  clientCoreBusyFraction: number;
  coreOtherWorkFraction: number;
}

/** The processes' own CPU on each side, as measured from /proc/<pid>/stat, to tell a side's work from other work. */
export interface SideProcesses {
  /** Server tree CPU as a fraction of its CPUs (1.0 = all of them); null when unmeasured. */
  serverFraction: number | null;
  /** Sum of the client workers' CPU, in cores. */
  clientCores: number;
}

/** What the pinned cores say about a cell (docs/METHOD.md §1, §3), in sentences with the figures. */
export interface CoreFindings {
  /** The server's cores were saturated (why, with the figures), else null. */
  serverSaturated: string | null;
  /** The client's busiest core was saturated (why, with the figures), else null. */
  clientSaturated: string | null;
  /** Figures not stated above, other work found on a core, or why cores were not measured; empty when the caller gave no cores. */
  notes: string[];
  serverCoreBusyFraction: number | null;
  clientCoreBusyFractionMax: number | null;
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

function cpuList(u: CoreUsage): string {
  return `CPU${u.cpus.length > 1 ? 's' : ''} ${u.cpus.join(',')}`;
}

function busiest(u: CoreUsage): CoreUsage['perCpu'][number] {
  return u.perCpu.reduce((a, b) => (b.busyFraction > a.busyFraction ? b : a));
}

/**
 * Busy time on a side's cores that is neither its processes nor interrupt work (softirq, irq) nor steal:
 * other processes ran there (the runner, anything else on the machine). It can read below 0 when the
 * kernel also charges softirq ticks to the task they interrupted.
 */
export function otherWorkFraction(u: CoreUsage, processFraction: number): number {
  return u.busyFraction - processFraction - u.softirq - u.irq - u.steal;
}

/**
 * Judges the whole cores: a server's cores at least serverCoreBusyFraction busy on average are saturated
 * even when its processes show less (loopback softirq is charged to no process); a client core at least
 * clientCoreBusyFraction busy leaves the generator no room. Neither holds when more than
 * coreOtherWorkFraction of that side's cores went to other work: the machine was not quiet, and a busy
 * core then says nothing about the side pinned to it.
 */
export function judgeCores(cores: CoresSection | null | undefined, processes: SideProcesses, t: CoreThresholds): CoreFindings {
  const none: CoreFindings = { serverSaturated: null, clientSaturated: null, notes: [], serverCoreBusyFraction: null, clientCoreBusyFractionMax: null };
  if (!cores) return none;
  const measured = measuredCores(cores);
  if (!measured) return { ...none, notes: [`whole cores not measured: ${'unavailable' in cores ? cores.unavailable : 'no figures'}`] };
  const { server, client } = measured;
  const top = busiest(client);
  const serverText = `server ${cpuList(server)} ${pct(server.busyFraction)} busy (softirq ${pct(server.softirq)})`;
  const clientText = `client CPU ${top.cpu} ${pct(top.busyFraction)} busy (softirq ${pct(top.softirq)})`;
  const notes: string[] = [];
  const otherWork = (label: string, u: CoreUsage, processFraction: number | null): boolean => {
    if (processFraction === null) return false;
    const other = otherWorkFraction(u, processFraction);
    if (other <= t.coreOtherWorkFraction) return false;
    notes.push(
      `${pct(other)} of the ${label}'s ${cpuList(u)} went to other processes (> ${pct(t.coreOtherWorkFraction)}): the machine was not quiet, so that core's busy figure judges nothing`,
    );
    return true;
  };
  const serverOther = otherWork('server', server, processes.serverFraction);
  const clientOther = otherWork('client', client, processes.clientCores / client.cpus.length);
  const serverSaturated =
    server.busyFraction >= t.serverCoreBusyFraction && !serverOther
      ? `${serverText}, ≥ ${pct(t.serverCoreBusyFraction)}: saturated${processes.serverFraction === null ? '' : ` though its processes used ${pct(processes.serverFraction)} of it`}; the kernel's packet work on a core is charged to no process`
      : null;
  const clientSaturated =
    top.busyFraction >= t.clientCoreBusyFraction && !clientOther ? `${clientText}, ≥ ${pct(t.clientCoreBusyFraction)}: the generator's core had no room` : null;
  // The figures of a side its saturation sentence does not already state.
  const unstated = [serverSaturated === null ? serverText : null, clientSaturated === null ? clientText : null].filter((x) => x !== null);
  if (unstated.length > 0) notes.unshift(`whole cores: ${unstated.join(', ')}`);
  return { serverSaturated, clientSaturated, notes, serverCoreBusyFraction: server.busyFraction, clientCoreBusyFractionMax: client.busyFractionMax };
}
