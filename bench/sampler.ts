import type { ResourceSample, ServerResources } from '../results/schema.js';
import { contextSwitchDelta, snapshotTree, treeContextSwitches, type ProcSnapshot } from './proc-tree.js';

/** A window edge: the tree snapshot and, per task id, its context switches so far. */
interface WindowMark {
  tMs: number;
  snap: ProcSnapshot;
  switches: Map<number, number>;
}

/** The tree figures result() takes maxima of. */
export type PeakFigures = Pick<ProcSnapshot, 'rssBytes' | 'threads' | 'fds' | 'processes'>;

/** Samples a server's process tree every intervalMs until stopped; marks the measured window. */
export class TreeSampler {
  private readonly samples: ResourceSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();
  private windowStart: WindowMark | null = null;
  private windowEnd: WindowMark | null = null;

  constructor(
    private readonly pid: number,
    private readonly clockTicksPerSecond: number,
    private readonly intervalMs = 250,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Call at the start and end of the measured window: CPU is the difference between the two. */
  markWindowStart(): void {
    this.windowStart = this.mark();
  }

  markWindowEnd(): void {
    this.windowEnd = this.mark();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * Resource figures for the window; messagesHandled (server's own count) gives CPU µs per message.
   * peaks: tree snapshots a workload took itself (idle's points, at the end of each hold, when the most
   * connections are open); they raise the maxima so a peak the 250 ms samples missed still counts.
   */
  result(messagesHandled: number | null, peaks: readonly PeakFigures[] = []): ServerResources | null {
    const a = this.windowStart;
    const b = this.windowEnd;
    if (!a || !b) return null;
    const cpuSeconds = Math.max(0, b.snap.cpuSeconds - a.snap.cpuSeconds);
    // Lower bound when tasks exit inside the window (proc-tree.ts contextSwitchDelta).
    const contextSwitches = contextSwitchDelta(a.switches, b.switches);
    const wallSeconds = Math.max(1e-9, (b.tMs - a.tMs) / 1000);
    const inWindow = this.samples.filter((s) => s.tMs >= a.tMs && s.tMs <= b.tMs);
    const all: PeakFigures[] = [...(inWindow.length > 0 ? inWindow : this.samples), ...peaks];
    return {
      cpuSeconds,
      cpuCoreFraction: cpuSeconds / wallSeconds,
      cpuUsPerMessage: messagesHandled && messagesHandled > 0 ? (cpuSeconds * 1e6) / messagesHandled : null,
      contextSwitches,
      contextSwitchesPerMessage: messagesHandled && messagesHandled > 0 ? contextSwitches / messagesHandled : null,
      rssBytesMax: Math.max(0, ...all.map((s) => s.rssBytes)),
      rssBytesEnd: b.snap.rssBytes,
      threadsMax: Math.max(0, ...all.map((s) => s.threads)),
      fdsMax: Math.max(0, ...all.map((s) => s.fds)),
      processesMax: Math.max(0, ...all.map((s) => s.processes)),
      sampleIntervalMs: this.intervalMs,
      samples: this.samples,
    };
  }

  private mark(): WindowMark | null {
    const snap = snapshotTree(this.pid, this.clockTicksPerSecond, false);
    if (!snap) return null;
    const tMs = performance.now() - this.t0;
    // Context switches are read here, at the two window edges only, and not in the periodic sample(): they
    // need one status read per task, and a thread-per-connection server has 10,000 tasks at 10k
    // connections — reading them all every 250 ms would perturb the server being measured.
    return { tMs, snap, switches: treeContextSwitches(this.pid) };
  }

  private sample(): void {
    const snap = snapshotTree(this.pid, this.clockTicksPerSecond, this.samples.length % 4 === 0);
    if (!snap) return;
    this.samples.push({ tMs: Math.round(performance.now() - this.t0), ...snap });
  }
}
