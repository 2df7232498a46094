/**
 * The load generator engine: runs a LoadPlan over client worker processes and returns one LoadReport.
 *
 *   connecting  every worker opens its share of the connections (strided, see schedule.ts)
 *   warmup      all workers start sending at the same CLOCK_MONOTONIC instant
 *   measuring   the window every count and latency comes from
 *   draining    no new sends; replies to window messages still count until the drain ends
 *   done        workers report; histograms are decoded, merged and summarised here
 *
 * The engine only emits events and returns data; drawing progress is a reporter's job.
 */
import type { ChildProcess } from 'node:child_process';
import { monoUs } from './clock.js';
import { killChild, spawnClientProcess, waitForExit } from './child.js';
import { mergeEncoded, summarizeEncoded } from './histogram.js';
import type { ParentToWorker, PhaseTimes, WorkerReport, WorkerToParent } from './ipc.js';
import { CLASS_NAMES } from './messages.js';
import { validatePlan } from './plan.js';
import { timelinePointCount, timelineStepSeconds } from './worker-report.js';
import { atMonoUs, sleepUntilUs, type LongTimer } from './timers.js';
import type { LatencySummary, LoadEvent, LoadPlan, LoadReport, MessageCounts, TimelinePoint } from './types.js';

/** Lead time between the start command and the first send, so every worker has it before the instant. */
const START_MARGIN_MS = 100;
/** Wait past the drain end before asking for reports, so the workers' own drain timers have fired. */
const REPORT_MARGIN_MS = 50;
/** A worker that has not reported this long after being asked is treated as hung. */
const REPORT_TIMEOUT_MS = 30_000;
const EXIT_GRACE_MS = 3_000;

/** A client worker process exited (or failed to start) before it had reported. */
export class WorkerCrashError extends Error {
  override readonly name = 'WorkerCrashError';
  readonly code = 'ERR_CLIENT_WORKER_CRASHED';
  constructor(
    message: string,
    readonly workerIndex: number,
    readonly pid: number | undefined,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(message);
  }
}

/**
 * Runs the plan and resolves with the merged report. Rejects with LoadPlanError for an invalid plan,
 * WorkerCrashError when a worker dies, or signal.reason when aborted; in every case all workers are killed.
 */
export async function runLoad(plan: LoadPlan, onEvent: (e: LoadEvent) => void = () => {}, signal?: AbortSignal): Promise<LoadReport> {
  validatePlan(plan);
  signal?.throwIfAborted();
  const run = new LoadRun(plan, onEvent, signal);
  try {
    return await run.execute();
  } finally {
    run.dispose();
  }
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class WorkerHandle {
  readonly connected = deferred<{ attempted: number; established: number }>();
  readonly report = deferred<WorkerReport>();
  progress = { attempted: 0, established: 0 };
  fatalMessage: string | null = null;
  exitExpected = false;

  constructor(
    readonly index: number,
    readonly child: ChildProcess,
  ) {}

  send(msg: ParentToWorker): void {
    if (this.child.connected) this.child.send(msg);
  }
}

class LoadRun {
  private readonly workers: WorkerHandle[] = [];
  private readonly failure: Promise<never>;
  private fail!: (err: unknown) => void;
  private readonly timers: LongTimer[] = [];
  private readonly ticks = new Map<number, { sent: number; received: number; workers: number }>();
  private readonly onAbort = (): void => this.fail(this.signal?.reason ?? new Error('aborted'));

  constructor(
    private readonly plan: LoadPlan,
    private readonly onEvent: (e: LoadEvent) => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.failure = new Promise<never>((_, reject) => (this.fail = reject));
    // Nobody may be awaiting the failure at the moment it happens; the phase awaits pick it up via race().
    this.failure.catch(() => {});
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  private race<T>(p: Promise<T>): Promise<T> {
    return Promise.race([p, this.failure]);
  }

  private emit(e: LoadEvent): void {
    this.onEvent(e);
  }

  async execute(): Promise<LoadReport> {
    const plan = this.plan;
    const count = Math.min(plan.workers, plan.connections);
    this.emit({ type: 'phase', phase: 'connecting', atUs: monoUs() });
    for (let w = 0; w < count; w++) this.workers.push(this.spawnWorker(w, count));
    const connected = await this.race(Promise.all(this.workers.map((h) => h.connected.promise)));
    const established = connected.reduce((n, c) => n + c.established, 0);

    // With no connection there is nothing to measure: go straight to the (empty) reports.
    if (established > 0) {
      const startUs = monoUs() + START_MARGIN_MS * 1000;
      const times: PhaseTimes = {
        warmupStartUs: startUs,
        measureStartUs: startUs + plan.warmupMs * 1000,
        measureEndUs: startUs + (plan.warmupMs + plan.durationMs) * 1000,
        drainEndUs: startUs + (plan.warmupMs + plan.durationMs + plan.drainMs) * 1000,
      };
      for (const h of this.workers) h.send({ type: 'start', times });
      this.emitPhaseAt('warmup', times.warmupStartUs);
      this.emitPhaseAt('measuring', times.measureStartUs);
      this.emitPhaseAt('draining', times.measureEndUs);
      await this.race(this.sleepUntil(times.drainEndUs + REPORT_MARGIN_MS * 1000));
    }

    for (const h of this.workers) h.send({ type: 'report' });
    const reportTimeout = this.sleepUntil(monoUs() + REPORT_TIMEOUT_MS * 1000).then(() => {
      throw new Error(`client workers did not report within ${REPORT_TIMEOUT_MS} ms`);
    });
    const reports = await this.race(Promise.race([Promise.all(this.workers.map((h) => h.report.promise)), reportTimeout]));
    this.emit({ type: 'phase', phase: 'done', atUs: monoUs() });

    for (const h of this.workers) {
      h.exitExpected = true;
      h.send({ type: 'exit' });
    }
    await Promise.all(this.workers.map((h) => waitForExit(h.child, EXIT_GRACE_MS)));
    return mergeReports(plan, reports);
  }

  private spawnWorker(index: number, count: number): WorkerHandle {
    const child = spawnClientProcess('clients/worker.js', this.plan.clientCpus);
    const h = new WorkerHandle(index, child);
    child.on('message', (msg: WorkerToParent) => this.onWorkerMessage(h, msg));
    child.once('error', (err) => this.fail(new WorkerCrashError(`client worker ${index} failed to start: ${err.message}`, index, child.pid, null, null)));
    child.once('exit', (code, sig) => {
      if (h.exitExpected) return;
      const how = sig !== null ? `was killed by ${sig}` : `exited with code ${code}`;
      const cause = h.fatalMessage !== null ? `: ${h.fatalMessage}` : '';
      this.fail(new WorkerCrashError(`client worker ${index} (pid ${child.pid}) ${how} before reporting${cause}`, index, child.pid, code, sig));
    });
    h.send({ type: 'init', plan: this.plan, workerIndex: index, workers: count });
    return h;
  }

  private onWorkerMessage(h: WorkerHandle, msg: WorkerToParent): void {
    switch (msg.type) {
      case 'progress':
        h.progress = { attempted: msg.attempted, established: msg.established };
        this.emitConnected();
        return;
      case 'connected':
        h.progress = { attempted: msg.attempted, established: msg.established };
        this.emitConnected();
        h.connected.resolve(h.progress);
        return;
      case 'tick': {
        const t = this.ticks.get(msg.second) ?? { sent: 0, received: 0, workers: 0 };
        t.sent += msg.sent;
        t.received += msg.received;
        t.workers++;
        this.ticks.set(msg.second, t);
        if (t.workers === this.workers.length) {
          this.ticks.delete(msg.second);
          this.emit({ type: 'tick', second: msg.second, sent: t.sent, received: t.received });
        }
        return;
      }
      case 'report':
        h.report.resolve(msg.report);
        return;
      case 'fatal':
        h.fatalMessage = msg.message;
        return;
    }
  }

  private emitConnected(): void {
    let attempted = 0;
    let established = 0;
    for (const h of this.workers) {
      attempted += h.progress.attempted;
      established += h.progress.established;
    }
    this.emit({ type: 'connected', established, attempted, total: this.plan.connections });
  }

  private emitPhaseAt(phase: 'warmup' | 'measuring' | 'draining', atUs: number): void {
    this.timers.push(atMonoUs(atUs, () => this.emit({ type: 'phase', phase, atUs })));
  }

  private sleepUntil(instantUs: number): Promise<void> {
    return sleepUntilUs(instantUs, this.timers);
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    for (const t of this.timers) t.clear();
    for (const h of this.workers) {
      h.exitExpected = true;
      killChild(h.child);
    }
  }
}

/** Sums counts, merges histograms and timelines of all workers into the public report. */
export function mergeReports(plan: LoadPlan, reports: readonly WorkerReport[]): LoadReport {
  const counts: Required<MessageCounts> = { sent: 0, received: 0, lost: 0, duplicated: 0, corrupted: 0, outOfOrder: 0, unexpected: 0, late: 0, clientDrops: 0 };
  const errors: Record<string, number> = {};
  let attempted = 0;
  let established = 0;
  let unexpectedCloses = 0;
  for (const r of reports) {
    for (const k of Object.keys(counts) as (keyof Required<MessageCounts>)[]) counts[k] += r.counts[k] ?? 0;
    for (const [k, v] of Object.entries(r.connections.errors)) errors[k] = (errors[k] ?? 0) + v;
    attempted += r.connections.attempted;
    established += r.connections.established;
    unexpectedCloses += r.connections.unexpectedCloses;
  }
  const points = timelinePointCount(plan.durationMs);
  const step = timelineStepSeconds(plan.durationMs);
  const timeline: TimelinePoint[] = [];
  for (let s = 0; s < points; s++) {
    const atS = reports.map((r) => r.timeline[s]).filter((p) => p !== undefined);
    const h = mergeEncoded(atS.map((p) => p.latency));
    timeline.push({
      second: s * step,
      sent: atS.reduce((n, p) => n + p.sent, 0),
      received: atS.reduce((n, p) => n + p.received, 0),
      p99Us: h.totalCount > 0 ? h.getValueAtPercentile(99) : 0,
    });
    h.destroy();
  }
  let byClass: Record<string, LatencySummary> | null = null;
  if (plan.mix.kind === 'mixed') {
    byClass = {};
    for (const name of CLASS_NAMES) byClass[name] = summarizeEncoded(reports.map((r) => r.byClass?.[name] ?? '').filter((e) => e !== ''));
  }
  const corrected = plan.mode === 'open' ? summarizeEncoded(reports.map((r) => r.corrected ?? '').filter((e) => e !== '')) : null;
  return {
    plan,
    connections: {
      attempted,
      established,
      errors,
      unexpectedCloses,
      handshake: summarizeEncoded(reports.map((r) => r.connections.handshake)),
    },
    measuredMs: plan.durationMs,
    counts,
    targetRateHz: plan.mode === 'open' ? plan.rateHz : null,
    achievedRateHz: Math.round((counts.received / plan.durationMs) * 1000 * 10) / 10,
    corrected,
    service: summarizeEncoded(reports.map((r) => r.service)),
    byClass,
    timeline,
    client: { workers: reports.map((r) => r.stats) },
  };
}
