import type { ResourceSample, ServerResources } from '../results/schema.js';
import { contextSwitchDelta, type ProcSnapshot, snapshotTree, treeContextSwitches } from './proc-tree.js';

/** Something else measured over the same window (bench/core-window.ts): marked at the same two instants. */
export interface WindowEdges {
  markStart(): void;
  markEnd(): void;
}

/** A window edge: the tree snapshot and, per task id, its context switches so far. */
interface WindowMark {
  tMs: number;
  snap: ProcSnapshot;
  switches: Map<number, number>;
}

/** How often the tree is sampled by default, ms (docs/METHOD.md §3). */
export const SAMPLE_INTERVAL_MS = 250;

/** The tree figures result() takes maxima of. */
export type PeakFigures = Pick<ProcSnapshot, 'rssBytes' | 'threads' | 'fds' | 'processes'>;

/**
 * Most samples a sampler keeps. An 8-hour run at 250 ms takes 115,200; past this bound every other sample
 * is dropped and the keeping stride doubles, so the series stays evenly spaced and bounded (4096 samples ≈
 * 100 KB per cell in the result file). The maxima are kept exactly aside, over every sample taken.
 */
export const MAX_KEPT_SAMPLES = 4096;

/** Running maxima of the figures result() reports. */
function emptyPeaks(): PeakFigures {
  return { rssBytes: 0, threads: 0, fds: 0, processes: 0 };
}

function foldPeak(into: PeakFigures, s: PeakFigures): void {
  if (s.rssBytes > into.rssBytes) into.rssBytes = s.rssBytes;
  if (s.threads > into.threads) into.threads = s.threads;
  if (s.fds > into.fds) into.fds = s.fds;
  if (s.processes > into.processes) into.processes = s.processes;
}

/** Samples a server's process tree every intervalMs until stopped; marks the measured window. */
export class TreeSampler {
  private samples: ResourceSample[] = [];
  /** Samples taken (kept or not). */
  private taken = 0;
  /** Keep one sample in `stride` (doubles each time the kept ones reach MAX_KEPT_SAMPLES). */
  private stride = 1;
  private readonly peakAll = emptyPeaks();
  private readonly peakWindow = emptyPeaks();
  private windowSamples = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();
  private windowStart: WindowMark | null = null;
  private windowEnd: WindowMark | null = null;

  constructor(
    private readonly pid: number,
    private readonly clockTicksPerSecond: number,
    private readonly intervalMs = SAMPLE_INTERVAL_MS,
    private readonly alsoMark: WindowEdges | null = null,
  ) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Call at the start and end of the measured window: CPU is the difference between the two. */
  markWindowStart(): void {
    this.windowStart = this.mark();
    // Inside the tree's marks: reading every task's status (10,000 of them for a thread per connection) is
    // the runner's work, which may run on a pinned core, and must not count as that core being busy.
    this.alsoMark?.markStart();
  }

  markWindowEnd(): void {
    this.alsoMark?.markEnd();
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
    // A loop, not Math.max(...all): spreading ~125k samples as arguments throws RangeError.
    const max = { ...(this.windowSamples > 0 ? this.peakWindow : this.peakAll) };
    for (const p of peaks) foldPeak(max, p);
    return {
      cpuSeconds,
      cpuCoreFraction: cpuSeconds / wallSeconds,
      cpuUsPerMessage: messagesHandled && messagesHandled > 0 ? (cpuSeconds * 1e6) / messagesHandled : null,
      contextSwitches,
      contextSwitchesPerMessage: messagesHandled && messagesHandled > 0 ? contextSwitches / messagesHandled : null,
      rssBytesMax: max.rssBytes,
      rssBytesEnd: b.snap.rssBytes,
      threadsMax: max.threads,
      fdsMax: max.fds,
      processesMax: max.processes,
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
    const snap = snapshotTree(this.pid, this.clockTicksPerSecond, this.taken % 4 === 0);
    if (!snap) return;
    this.record({ tMs: Math.round(performance.now() - this.t0), ...snap });
  }

  /** Folds one sample into the maxima and keeps it if the stride says so. Exposed for tests. */
  record(s: ResourceSample): void {
    this.taken++;
    foldPeak(this.peakAll, s);
    if (this.windowStart && !this.windowEnd && s.tMs >= this.windowStart.tMs) {
      foldPeak(this.peakWindow, s);
      this.windowSamples++;
    }
    if ((this.taken - 1) % this.stride !== 0) return;
    this.samples.push(s);
    if (this.samples.length >= MAX_KEPT_SAMPLES) {
      this.samples = this.samples.filter((_, i) => i % 2 === 0);
      this.stride *= 2;
    }
  }

  /** Samples kept so far (at most MAX_KEPT_SAMPLES). */
  get keptSamples(): number {
    return this.samples.length;
  }
}
