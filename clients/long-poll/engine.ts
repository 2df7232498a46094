/**
 * The long-poll load driver: runs a LoadPlan against the long-poll server over client worker processes
 * (clients/long-poll/worker.ts, pinned like the WebSocket engine's) and returns one LoadReport, merged
 * by the WebSocket engine's own mergeReports, so results go through the same schema, verdict and table.
 *
 * Phases and events are the WebSocket engine's: connecting (sessions opened, polls started) → warmup →
 * measuring → draining → done. Closed loop (`plan.depth` round trips in flight per session) or open loop
 * (`plan.rateHz` in total, on the WebSocket engine's schedule, with corrected latency).
 */
import type { ChildProcess } from 'node:child_process';
import { killChild, spawnClientProcess, waitForExit } from '../child.js';
import { monoUs } from '../clock.js';
import { atMonoUs, sleepUntilUs, type LongTimer } from '../timers.js';
import { WorkerCrashError, mergeReports } from '../engine.js';
import type { ParentToWorker, PhaseTimes, WorkerReport, WorkerToParent } from '../ipc.js';
import { validatePlan } from '../plan.js';
import type { LoadEvent, LoadPlan, LoadReport } from '../types.js';

/** Compiled entry of the worker processes. */
export const LONG_POLL_WORKER_SCRIPT = 'clients/long-poll/worker.js';

const START_MARGIN_MS = 100;
const REPORT_MARGIN_MS = 50;
const REPORT_TIMEOUT_MS = 30_000;
/** Workers DELETE their sessions (≤ 1 s) before exiting. */
const EXIT_GRACE_MS = 3_000;


interface Handle {
  index: number;
  child: ChildProcess;
  connected: Promise<{ attempted: number; established: number }>;
  resolveConnected(v: { attempted: number; established: number }): void;
  report: Promise<WorkerReport>;
  resolveReport(r: WorkerReport): void;
  progress: { attempted: number; established: number };
  fatalMessage: string | null;
  exitExpected: boolean;
}

/**
 * Runs the plan and resolves with the merged report. Rejects with LoadPlanError for an invalid plan,
 * WorkerCrashError when a worker dies, or signal.reason when aborted; in every case all workers are killed.
 * Same signature as runLoad, so the runner can dispatch on the server's transport.
 */
export async function runLongPollLoad(plan: LoadPlan, onEvent: (e: LoadEvent) => void = () => {}, signal?: AbortSignal): Promise<LoadReport> {
  validatePlan(plan);
  signal?.throwIfAborted();

  const handles: Handle[] = [];
  const timers: LongTimer[] = [];
  const ticks = new Map<number, { sent: number; received: number; workers: number }>();
  let fail!: (err: unknown) => void;
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => {});
  const onAbort = (): void => fail(signal?.reason ?? new Error('aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  const race = <T>(p: Promise<T>): Promise<T> => Promise.race([p, failure]);
  const sleepUntil = (instantUs: number): Promise<void> =>
    sleepUntilUs(instantUs, timers);
  const emitAt = (phase: 'warmup' | 'measuring' | 'draining', atUs: number): void => {
    timers.push(atMonoUs(atUs, () => onEvent({ type: 'phase', phase, atUs })));
  };
  const emitConnected = (): void => {
    let attempted = 0;
    let established = 0;
    for (const h of handles) {
      attempted += h.progress.attempted;
      established += h.progress.established;
    }
    onEvent({ type: 'connected', established, attempted, total: plan.connections });
  };
  const sendTo = (h: Handle, msg: ParentToWorker): void => {
    if (h.child.connected) h.child.send(msg);
  };

  const spawnWorker = (index: number, count: number): Handle => {
    const child = spawnClientProcess(LONG_POLL_WORKER_SCRIPT, plan.clientCpus);
    let resolveConnected!: Handle['resolveConnected'];
    let resolveReport!: Handle['resolveReport'];
    const h: Handle = {
      index,
      child,
      connected: new Promise((r) => (resolveConnected = r)),
      resolveConnected: (v) => resolveConnected(v),
      report: new Promise((r) => (resolveReport = r)),
      resolveReport: (r) => resolveReport(r),
      progress: { attempted: 0, established: 0 },
      fatalMessage: null,
      exitExpected: false,
    };
    child.on('message', (msg: WorkerToParent) => {
      switch (msg.type) {
        case 'progress':
          h.progress = { attempted: msg.attempted, established: msg.established };
          emitConnected();
          return;
        case 'connected':
          h.progress = { attempted: msg.attempted, established: msg.established };
          emitConnected();
          h.resolveConnected(h.progress);
          return;
        case 'tick': {
          const t = ticks.get(msg.second) ?? { sent: 0, received: 0, workers: 0 };
          t.sent += msg.sent;
          t.received += msg.received;
          t.workers++;
          ticks.set(msg.second, t);
          if (t.workers === handles.length) {
            ticks.delete(msg.second);
            onEvent({ type: 'tick', second: msg.second, sent: t.sent, received: t.received });
          }
          return;
        }
        case 'report':
          h.resolveReport(msg.report);
          return;
        case 'fatal':
          h.fatalMessage = msg.message;
          return;
      }
    });
    child.once('error', (err) => fail(new WorkerCrashError(`long-poll client worker ${index} failed to start: ${err.message}`, index, child.pid, null, null)));
    child.once('exit', (code, sig) => {
      if (h.exitExpected) return;
      const how = sig !== null ? `was killed by ${sig}` : `exited with code ${code}`;
      const cause = h.fatalMessage !== null ? `: ${h.fatalMessage}` : '';
      fail(new WorkerCrashError(`long-poll client worker ${index} (pid ${child.pid}) ${how} before reporting${cause}`, index, child.pid, code, sig));
    });
    sendTo(h, { type: 'init', plan, workerIndex: index, workers: count });
    return h;
  };

  try {
    const count = Math.min(plan.workers, plan.connections);
    onEvent({ type: 'phase', phase: 'connecting', atUs: monoUs() });
    for (let w = 0; w < count; w++) handles.push(spawnWorker(w, count));
    const connected = await race(Promise.all(handles.map((h) => h.connected)));
    const established = connected.reduce((n, c) => n + c.established, 0);

    if (established > 0) {
      const startUs = monoUs() + START_MARGIN_MS * 1000;
      const times: PhaseTimes = {
        warmupStartUs: startUs,
        measureStartUs: startUs + plan.warmupMs * 1000,
        measureEndUs: startUs + (plan.warmupMs + plan.durationMs) * 1000,
        drainEndUs: startUs + (plan.warmupMs + plan.durationMs + plan.drainMs) * 1000,
      };
      for (const h of handles) sendTo(h, { type: 'start', times });
      emitAt('warmup', times.warmupStartUs);
      emitAt('measuring', times.measureStartUs);
      emitAt('draining', times.measureEndUs);
      await race(sleepUntil(times.drainEndUs + REPORT_MARGIN_MS * 1000));
    }

    for (const h of handles) sendTo(h, { type: 'report' });
    const reportTimeout = sleepUntil(monoUs() + REPORT_TIMEOUT_MS * 1000).then(() => {
      throw new Error(`long-poll client workers did not report within ${REPORT_TIMEOUT_MS} ms`);
    });
    const reports = await race(Promise.race([Promise.all(handles.map((h) => h.report)), reportTimeout]));
    onEvent({ type: 'phase', phase: 'done', atUs: monoUs() });
    for (const h of handles) {
      h.exitExpected = true;
      sendTo(h, { type: 'exit' });
    }
    await Promise.all(handles.map((h) => waitForExit(h.child, EXIT_GRACE_MS)));
    return mergeReports(plan, reports);
  } finally {
    signal?.removeEventListener('abort', onAbort);
    for (const t of timers) t.clear();
    for (const h of handles) {
      h.exitExpected = true;
      killChild(h.child);
    }
  }
}
