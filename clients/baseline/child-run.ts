/**
 * Runs one of calibrate's comparison clients (the ws baseline, the I/O floor) in its own process pinned like the
 * generator's workers: send it one request, resolve with its one result, reject when it exits or hangs first.
 */
import { WorkerProcess } from '../process/client-process.js';
import { waitForExit } from '../process/spawn.js';

/** What such a child sends: its result, or (the I/O floor) the edges of its measured window as they pass. */
export type ComparisonChildMessage<R> = { type: 'result'; result: R } | { type: 'edge'; edge: 'start' | 'end' } | { type: 'fatal'; message: string };

export interface ComparisonChild<Q> {
  /** Who it is, for error messages ("ws baseline client"). */
  name: string;
  /** Entry script under dist/, e.g. 'clients/baseline/ws-baseline-child.js'. */
  script: string;
  /** taskset CPU list, or null for unpinned. */
  clientCpus: string | null;
  request: Q;
  /** How long the child connects, warms up and measures; past this plus HANG_MARGIN_MS it is declared hung. */
  busyMs: number;
  /** Called at each window edge the child reports (while it is still measuring). */
  onEdge?(edge: 'start' | 'end'): void;
}

/** Margin on top of connect + warmup + window (+ drain) before a child is declared hung. */
const HANG_MARGIN_MS = 30_000;

export async function runComparisonChild<Q extends object, R>(c: ComparisonChild<Q>): Promise<R> {
  let worker!: WorkerProcess<Q, ComparisonChildMessage<R>>;
  try {
    const result = await new Promise<R>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${c.name} did not report in time`)), c.busyMs + HANG_MARGIN_MS);
      const settle = (fn: () => void): void => {
        clearTimeout(timer);
        fn();
      };
      worker = new WorkerProcess<Q, ComparisonChildMessage<R>>(0, c.script, c.clientCpus, {
        onMessage: (msg) => {
          if (msg.type === 'edge') c.onEdge?.(msg.edge);
          else if (msg.type === 'result') settle(() => resolve(msg.result));
        },
        onStartError: (err) => settle(() => reject(new Error(`${c.name} failed to start: ${err.message}`))),
        // After the result an exit changes nothing: the promise is settled.
        onExit: (exit) => settle(() => reject(new Error(`${c.name} (pid ${worker.pid}) ${exit.how} before reporting${exit.cause}`))),
      });
      worker.send(c.request);
    });
    await waitForExit(worker.child, 3_000);
    return result;
  } finally {
    worker?.kill();
  }
}
