/**
 * A fleet of client connections spread over worker processes, driven step by step by the parent: the
 * load generator for workloads about connections rather than message rate (idle ramp, broadcast fan-out,
 * connection storms, slow readers). Same raw RFC 6455 client, same worker split (connection c lives in
 * worker c % workers), same source-address rotation and error classification as the echo engine.
 */
import { summarizeEncoded } from '../histogram.js';
import { type FatalMessage, WorkerProcess } from '../process/client-process.js';
import type { LatencySummary } from '../types.js';
import type {
  BackpressureCommand,
  BackpressureWorkerResult,
  BroadcastCommand,
  BroadcastWorkerResult,
  CloseResult,
  FleetCommand,
  FleetInit,
  FleetResult,
  FleetStatus,
  FleetWorkerToParent,
  OpenResult,
  ParentToFleetWorker,
} from './fleet-ipc.js';

export interface FleetOptions {
  url: string;
  /** Worker processes; connection c lives in worker c % workers. */
  workers: number;
  clientCpus: string | null;
  handshakeTimeoutMs: number;
  localAddresses: string[];
  /** Per worker, when no ramp rate is set. Default 128. */
  maxConcurrentHandshakes?: number;
}

/** Merged result of one open() over all workers. */
export interface FleetOpenResult {
  attempted: number;
  established: number;
  errors: Record<string, number>;
  handshake: LatencySummary;
  /** First attempt to last settled attempt over all workers, µs. */
  elapsedUs: number;
  /** Connections open in the fleet afterwards. */
  open: number;
}

/** FleetStatus summed over the workers, the pong round trips as a summary. */
export type FleetStatusMerged = Omit<FleetStatus, 'pongRtt'> & { pongRtt: LatencySummary };

const READY_TIMEOUT_MS = 15_000;
const EXIT_GRACE_MS = 3_000;

interface Pending {
  resolve(result: FleetResult): void;
  reject(err: Error): void;
  onProgress?: (attempted: number, established: number) => void;
}

class FleetWorkerHandle {
  readonly pending = new Map<number, Pending>();
  process!: WorkerProcess<ParentToFleetWorker, FleetWorkerToParent>;
  constructor(readonly index: number) {}
  send(msg: ParentToFleetWorker): void {
    this.process.send(msg);
  }
}

export class FleetError extends Error {
  override readonly name = 'FleetError';
}

export class Fleet {
  private readonly workers: FleetWorkerHandle[] = [];
  private nextId = 1;
  private failure: Error | null = null;
  /** Connection indices handed out so far (the next open starts here). */
  private nextIndex = 0;
  private readonly onAbort = (): void => this.failAll(new FleetError(String((this.signal?.reason as Error | undefined)?.message ?? 'aborted')));

  private constructor(
    readonly options: FleetOptions,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** Spawns the workers and waits until each is ready. */
  static async start(options: FleetOptions, signal?: AbortSignal): Promise<Fleet> {
    signal?.throwIfAborted();
    const fleet = new Fleet(options, signal);
    try {
      await Promise.all(Array.from({ length: options.workers }, (_, w) => fleet.spawn(w)));
    } catch (err) {
      await fleet.stop();
      throw err;
    }
    return fleet;
  }

  get workerCount(): number {
    return this.workers.length;
  }

  private spawn(index: number): Promise<void> {
    const h = new FleetWorkerHandle(index);
    return new Promise<void>((resolve, reject) => {
      // Armed once the process exists (its handlers only run later, never before this is set).
      let timer: NodeJS.Timeout | undefined;
      const failed = (e: FleetError): void => {
        reject(e);
        this.failAll(e);
      };
      h.process = new WorkerProcess(index, 'clients/fleet/fleet-child.js', this.options.clientCpus, {
        onMessage: (msg) => {
          if (msg.type === 'ready') {
            clearTimeout(timer);
            resolve();
          } else this.onMessage(h, msg);
        },
        onStartError: (err) => {
          clearTimeout(timer);
          failed(new FleetError(`fleet worker ${index} failed to start: ${err.message}`));
        },
        onExit: (exit) => {
          clearTimeout(timer);
          if (!exit.expected) failed(new FleetError(`fleet worker ${index} (pid ${h.process.pid}) ${exit.how}${exit.cause}`));
        },
      });
      this.workers.push(h);
      timer = setTimeout(() => reject(new FleetError(`fleet worker ${index} not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
      const init: FleetInit = {
        url: this.options.url,
        workerIndex: index,
        workers: this.options.workers,
        handshakeTimeoutMs: this.options.handshakeTimeoutMs,
        localAddresses: this.options.localAddresses,
        maxConcurrentHandshakes: this.options.maxConcurrentHandshakes ?? 128,
      };
      h.send({ type: 'init', init });
    });
  }

  private onMessage(h: FleetWorkerHandle, msg: Exclude<FleetWorkerToParent, FatalMessage>): void {
    switch (msg.type) {
      case 'progress':
        h.pending.get(msg.id)?.onProgress?.(msg.attempted, msg.established);
        return;
      case 'result': {
        const p = h.pending.get(msg.id);
        h.pending.delete(msg.id);
        p?.resolve(msg.result);
        return;
      }
      case 'error': {
        const p = h.pending.get(msg.id);
        h.pending.delete(msg.id);
        p?.reject(new FleetError(`fleet worker ${h.index}: ${msg.message}`));
        return;
      }
      case 'ready':
        return;
    }
  }

  private failAll(err: Error): void {
    this.failure ??= err;
    for (const h of this.workers) {
      for (const p of h.pending.values()) p.reject(err);
      h.pending.clear();
    }
  }

  /** Sends cmd to every worker; resolves with their results in worker order. */
  private command<T extends FleetResult>(cmd: FleetCommand, onProgress?: (worker: number, attempted: number, established: number) => void): Promise<T[]> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return Promise.all(
      this.workers.map(
        (h) =>
          new Promise<T>((resolve, reject) => {
            h.pending.set(id, {
              resolve: resolve as (r: FleetResult) => void,
              reject,
              onProgress: onProgress ? (a, e) => onProgress(h.index, a, e) : undefined,
            });
            h.send({ type: 'cmd', id, cmd });
          }),
      ),
    );
  }

  /**
   * Opens `count` more connections (so the fleet has tried nextIndex + count in total). rampPerSec is the
   * fleet-wide rate (null: as fast as possible, bounded by concurrent handshakes per worker).
   */
  async open(count: number, rampPerSec: number | null, onProgress?: (attempted: number, established: number) => void): Promise<FleetOpenResult> {
    const from = this.nextIndex;
    const to = from + count;
    this.nextIndex = to;
    const progress = this.workers.map(() => ({ attempted: 0, established: 0 }));
    const results = await this.command<OpenResult>({ op: 'open', from, to, rampPerSec }, (w, attempted, established) => {
      progress[w] = { attempted, established };
      onProgress?.(
        progress.reduce((n, p) => n + p.attempted, 0),
        progress.reduce((n, p) => n + p.established, 0),
      );
    });
    return mergeOpenResults(results);
  }

  async closeAll(waitMs = 2000): Promise<{ closed: number; elapsedUs: number }> {
    const results = await this.command<CloseResult>({ op: 'closeAll', waitMs });
    const start = Math.min(...results.map((r) => r.startedUs));
    const end = Math.max(...results.map((r) => r.doneUs));
    return { closed: results.reduce((n, r) => n + r.closed, 0), elapsedUs: end - start };
  }

  async setPing(intervalMs: number | null): Promise<void> {
    await this.command({ op: 'ping', intervalMs });
  }

  async status(): Promise<FleetStatusMerged> {
    return mergeStatus(await this.command<FleetStatus>({ op: 'status' }));
  }

  broadcast(cmd: BroadcastCommand): Promise<BroadcastWorkerResult[]> {
    return this.command<BroadcastWorkerResult>({ op: 'broadcast', ...cmd });
  }

  backpressure(cmd: BackpressureCommand): Promise<BackpressureWorkerResult[]> {
    return this.command<BackpressureWorkerResult>({ op: 'backpressure', ...cmd });
  }

  /** Asks every worker to close its connections and exit; SIGKILLs what is left after a grace period. */
  async stop(): Promise<void> {
    this.signal?.removeEventListener('abort', this.onAbort);
    await Promise.all(this.workers.map((h) => h.process.exit({ type: 'exit' }, EXIT_GRACE_MS)));
    for (const h of this.workers) h.process.kill();
    this.failAll(new FleetError('fleet stopped'));
  }
}

export function mergeOpenResults(results: readonly OpenResult[]): FleetOpenResult {
  const errors: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.errors)) errors[k] = (errors[k] ?? 0) + v;
  const tried = results.filter((r) => r.attempted > 0);
  const elapsedUs = tried.length > 0 ? Math.max(...tried.map((r) => r.lastSettledUs)) - Math.min(...tried.map((r) => r.firstAttemptUs)) : 0;
  return {
    attempted: results.reduce((n, r) => n + r.attempted, 0),
    established: results.reduce((n, r) => n + r.established, 0),
    errors,
    handshake: summarizeEncoded(results.map((r) => r.handshake)),
    elapsedUs,
    open: results.reduce((n, r) => n + r.open, 0),
  };
}

export function mergeStatus(results: readonly FleetStatus[]): FleetStatusMerged {
  const closeCodes: Record<string, number> = {};
  for (const r of results) for (const [k, v] of Object.entries(r.closeCodes)) closeCodes[k] = (closeCodes[k] ?? 0) + v;
  const sum = (f: (r: FleetStatus) => number) => results.reduce((n, r) => n + f(r), 0);
  return {
    open: sum((r) => r.open),
    unexpectedCloses: sum((r) => r.unexpectedCloses),
    closeCodes,
    pingsSent: sum((r) => r.pingsSent),
    pongsReceived: sum((r) => r.pongsReceived),
    pongsLate: sum((r) => r.pongsLate),
    pongsOverdue: sum((r) => r.pongsOverdue),
    pongRtt: summarizeEncoded(results.map((r) => r.pongRtt)),
    unexpectedMessages: sum((r) => r.unexpectedMessages),
  };
}
