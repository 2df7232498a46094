import type { ResourceSample, ServerResources } from '../results/schema.js';
import { snapshotTree, type ProcSnapshot } from './proc-tree.js';

/** Samples a server's process tree every intervalMs until stopped; marks the measured window. */
export class TreeSampler {
  private readonly samples: ResourceSample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly t0 = performance.now();
  private windowStart: { tMs: number; snap: ProcSnapshot } | null = null;
  private windowEnd: { tMs: number; snap: ProcSnapshot } | null = null;

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

  /** Resource figures for the window; messagesHandled (server's own count) gives CPU µs per message. */
  result(messagesHandled: number | null): ServerResources | null {
    const a = this.windowStart;
    const b = this.windowEnd;
    if (!a || !b) return null;
    const cpuSeconds = Math.max(0, b.snap.cpuSeconds - a.snap.cpuSeconds);
    const wallSeconds = Math.max(1e-9, (b.tMs - a.tMs) / 1000);
    const inWindow = this.samples.filter((s) => s.tMs >= a.tMs && s.tMs <= b.tMs);
    const all = inWindow.length > 0 ? inWindow : this.samples;
    return {
      cpuSeconds,
      cpuCoreFraction: cpuSeconds / wallSeconds,
      cpuUsPerMessage: messagesHandled && messagesHandled > 0 ? (cpuSeconds * 1e6) / messagesHandled : null,
      rssBytesMax: Math.max(0, ...all.map((s) => s.rssBytes)),
      rssBytesEnd: b.snap.rssBytes,
      threadsMax: Math.max(0, ...all.map((s) => s.threads)),
      fdsMax: Math.max(0, ...all.map((s) => s.fds)),
      processesMax: Math.max(0, ...all.map((s) => s.processes)),
      sampleIntervalMs: this.intervalMs,
      samples: this.samples,
    };
  }

  private mark(): { tMs: number; snap: ProcSnapshot } | null {
    const snap = snapshotTree(this.pid, this.clockTicksPerSecond, false);
    return snap ? { tMs: performance.now() - this.t0, snap } : null;
  }

  private sample(): void {
    const snap = snapshotTree(this.pid, this.clockTicksPerSecond, this.samples.length % 4 === 0);
    if (!snap) return;
    this.samples.push({ tMs: Math.round(performance.now() - this.t0), ...snap });
  }
}
