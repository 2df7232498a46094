/**
 * The load generator engine: runs a LoadPlan over client worker processes and returns one LoadReport.
 *
 *   connecting  every worker opens its share of the connections (strided, see clients/schedule.ts)
 *   warmup      all workers start sending at the same CLOCK_MONOTONIC instant
 *   measuring   the window every count and latency comes from
 *   draining    no new sends; replies to window messages still count until the drain ends
 *   done        workers report; histograms are decoded, merged and summarised (clients/load/merge-reports.ts)
 *
 * One engine for every transport: the WebSocket workers (ws-load-child.ts) and the long-poll ones
 * (clients/long-poll/http-load-child.ts) take the same commands and send the same messages
 * (clients/load/load-ipc.ts), so only the script differs. The engine only emits events and returns data;
 * drawing progress is a reporter's job.
 */
import { monoUs } from '../clock.js';
import type { ParentToWorker, WorkerReport, WorkerToParent } from '../load/load-ipc.js';
import { mergeReports } from '../load/merge-reports.js';
import { validatePlan } from '../plan.js';
import { WorkerCrashError, WorkerProcess } from '../process/client-process.js';
import { atMonoUs, type LongTimer, sleepUntilUs } from '../timers.js';
import type { LoadEvent, LoadPlan, LoadReport } from '../types.js';
import { phaseTimes } from './phase-times.js';

export { WorkerCrashError } from '../process/client-process.js';

/** Wait past the drain end before asking for reports, so the workers' own drain timers have fired. */
const REPORT_MARGIN_MS = 50;
/** A worker that has not reported this long after being asked is treated as hung. */
const REPORT_TIMEOUT_MS = 30_000;
/** Workers close their connections (long-poll: DELETE their sessions, ≤ 1 s) before exiting. */
const EXIT_GRACE_MS = 3_000;

/** How one run is timed, beyond its plan. */
export interface LoadRunOptions {
  /** Wall-clock start of the measured window agreed between agents (ms since the epoch; clients/engine/phase-times.ts). */
  measureStartWallMs?: number | null;
}

/** Which worker processes carry the load. */
export interface LoadWorkerKind {
  /** Compiled entry under dist/, e.g. "clients/engine/ws-load-child.js". */
  script: string;
  /** How errors name one worker, e.g. "client worker". */
  label: string;
}

export const WEBSOCKET_WORKERS: LoadWorkerKind = { script: 'clients/engine/ws-load-child.js', label: 'client worker' };

/**
 * Runs the plan and resolves with the merged report. Rejects with LoadPlanError for an invalid plan,
 * WorkerCrashError when a worker dies, or signal.reason when aborted; in every case all workers are killed.
 */
export function runLoad(plan: LoadPlan, onEvent: (e: LoadEvent) => void = () => {}, signal?: AbortSignal, options: LoadRunOptions = {}): Promise<LoadReport> {
  return runLoadOn(WEBSOCKET_WORKERS, plan, onEvent, signal, options);
}

/** runLoad over the worker processes of `kind`. */
export async function runLoadOn(
  kind: LoadWorkerKind,
  plan: LoadPlan,
  onEvent: (e: LoadEvent) => void = () => {},
  signal?: AbortSignal,
  options: LoadRunOptions = {},
): Promise<LoadReport> {
  validatePlan(plan);
  signal?.throwIfAborted();
  const run = new LoadRun(kind, plan, onEvent, signal, options);
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

/** What the engine keeps about one worker besides its process. */
class WorkerState {
  readonly connected = deferred<{ attempted: number; established: number }>();
  readonly report = deferred<WorkerReport>();
  progress = { attempted: 0, established: 0 };
  process!: WorkerProcess<ParentToWorker, WorkerToParent>;
}

class LoadRun {
  private readonly workers: WorkerState[] = [];
  private readonly failure: Promise<never>;
  private fail!: (err: unknown) => void;
  private readonly timers: LongTimer[] = [];
  private readonly ticks = new Map<number, { sent: number; received: number; workers: number }>();
  private readonly onAbort = (): void => this.fail(this.signal?.reason ?? new Error('aborted'));

  constructor(
    private readonly kind: LoadWorkerKind,
    private readonly plan: LoadPlan,
    private readonly onEvent: (e: LoadEvent) => void,
    private readonly signal: AbortSignal | undefined,
    private readonly options: LoadRunOptions,
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
    if (established > 0) await this.runPhases();

    for (const h of this.workers) h.process.send({ type: 'report' });
    const reportTimeout = this.sleepUntil(monoUs() + REPORT_TIMEOUT_MS * 1000).then(() => {
      throw new Error(`${this.kind.label}s did not report within ${REPORT_TIMEOUT_MS} ms`);
    });
    const reports = await this.race(Promise.race([Promise.all(this.workers.map((h) => h.report.promise)), reportTimeout]));
    this.emit({ type: 'phase', phase: 'done', atUs: monoUs() });

    await Promise.all(this.workers.map((h) => h.process.exit({ type: 'exit' }, EXIT_GRACE_MS)));
    return mergeReports(plan, reports);
  }

  /** Sends every worker the same phase instants and waits until the drain has ended. */
  private async runPhases(): Promise<void> {
    const plan = this.plan;
    const times = phaseTimes(plan, { nowMonoUs: monoUs(), nowWallMs: Date.now() }, this.options.measureStartWallMs ?? null);
    for (const h of this.workers) h.process.send({ type: 'start', times });
    this.emitPhaseAt('warmup', times.warmupStartUs);
    this.emitPhaseAt('measuring', times.measureStartUs);
    this.emitPhaseAt('draining', times.measureEndUs);
    await this.race(this.sleepUntil(times.drainEndUs + REPORT_MARGIN_MS * 1000));
  }

  private spawnWorker(index: number, count: number): WorkerState {
    const h = new WorkerState();
    const label = this.kind.label;
    h.process = new WorkerProcess<ParentToWorker, WorkerToParent>(index, this.kind.script, this.plan.clientCpus, {
      onMessage: (msg) => this.onWorkerMessage(h, msg),
      onStartError: (err) => this.fail(new WorkerCrashError(`${label} ${index} failed to start: ${err.message}`, index, h.process.pid, null, null)),
      onExit: (exit) => {
        if (exit.expected) return;
        const pid = h.process.pid;
        this.fail(new WorkerCrashError(`${label} ${index} (pid ${pid}) ${exit.how} before reporting${exit.cause}`, index, pid, exit.code, exit.signal));
      },
    });
    h.process.send({ type: 'init', plan: this.plan, workerIndex: index, workers: count });
    return h;
  }

  private onWorkerMessage(h: WorkerState, msg: Exclude<WorkerToParent, { type: 'fatal' }>): void {
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
      case 'tick':
        this.mergeTick(msg.second, msg.sent, msg.received);
        return;
      case 'report':
        h.report.resolve(msg.report);
        return;
    }
  }

  /** A second's tick goes out once every worker has sent its share of it. */
  private mergeTick(second: number, sent: number, received: number): void {
    const t = this.ticks.get(second) ?? { sent: 0, received: 0, workers: 0 };
    t.sent += sent;
    t.received += received;
    t.workers++;
    this.ticks.set(second, t);
    if (t.workers === this.workers.length) {
      this.ticks.delete(second);
      this.emit({ type: 'tick', second, sent: t.sent, received: t.received });
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
    for (const h of this.workers) h.process.kill();
  }
}
