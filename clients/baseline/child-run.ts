/**
 * Runs one of calibrate's comparison clients (the ws baseline, the I/O floor) in its own process pinned like the
 * generator's workers: send it one request, resolve with its one result, reject when it exits or hangs first.
 */
import { WorkerProcess } from '../process/client-process.js';
import { waitForExit } from '../process/spawn.js';

/** What such a child sends: its result, or (the I/O floor) the edges of its measured window as they pass. */
export type ComparisonChildMessage<R> = { type: 'result'; result: R } | { type: 'edge'; edge: 'start' | 'end' } | { type: 'fatal'; message: string };

/** What every comparison child is asked with: its pinning and the phases that bound how long it is busy. */
export interface ComparisonOptions {
  /** taskset CPU list, or null for unpinned. */
  clientCpus: string | null;
  warmupMs: number;
  durationMs: number;
}

/** The one request such a child reads. */
export type ComparisonRequest<O extends ComparisonOptions> = { type: 'run'; options: O };

export interface ComparisonChild<O extends ComparisonOptions> {
  /** Who it is, for error messages ("ws baseline client"). */
  name: string;
  /** Entry script under dist/, e.g. 'clients/baseline/ws-baseline-child.js'. */
  script: string;
  options: O;
  /** Called at each window edge the child reports (while it is still measuring). */
  onEdge?(edge: 'start' | 'end'): void;
}

/** Margin on top of connect + warmup + window (+ drain) before a child is declared hung. */
const HANG_MARGIN_MS = 30_000;

export async function runComparisonChild<O extends ComparisonOptions, R>(c: ComparisonChild<O>): Promise<R> {
  type Q = ComparisonRequest<O>;
  let worker!: WorkerProcess<Q, ComparisonChildMessage<R>>;
  // Connect, warmup and window; past them plus HANG_MARGIN_MS the child is declared hung.
  const busyMs = c.options.warmupMs + c.options.durationMs;
  try {
    const result = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${c.name} did not report in time`)), busyMs + HANG_MARGIN_MS);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      worker = new WorkerProcess<Q, ComparisonChildMessage<R>>(0, c.script, c.options.clientCpus, {
        onMessage: (msg) => {
          if (msg.type === 'edge') c.onEdge?.(msg.edge);
          else if (msg.type === 'result') settle(() => resolve(msg.result));
        },
        onStartError: (err) => settle(() => reject(new Error(`${c.name} failed to start: ${err.message}`))),
        // After the result an exit changes nothing: the promise is settled.
        onExit: (exit) => settle(() => reject(new Error(`${c.name} (pid ${worker.pid}) ${exit.how} before reporting${exit.cause}`))),
      });
      worker.send({ type: 'run', options: c.options });
    });
    await waitForExit(worker.child, 3_000);
    return result;
  } finally {
    worker?.kill();
  }
}
