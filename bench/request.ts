/**
 * What the runner is asked (RunRequest) and what it tells its caller (RunnerEvents). Apart from the runner so
 * that the workloads, which read the request, do not import the runner that imports them.
 */
import type { LoadEvent } from '../clients/types.js';
import type { Cell, ResultFile } from '../results/schema.js';
import type { LaunchOptions, RunningServer } from '../servers/launch.js';
import type { ServerOptions } from '../servers/spec.js';
import type { SegmentRequest } from './segment-run.js';
import type { WorkloadParams } from './workloads/params.js';

/** Everything `wsarena run` (and the suites) ask the runner for. Validated by the CLI before it gets here. */
export interface RunRequest {
  kind: ResultFile['kind'];
  /** Server names from the registry; ignored when target is set. */
  servers: string[];
  /** Drive an already-running server instead of starting one. */
  target: { url: string; pid: number | null; contract: boolean } | null;
  workload: string;
  connections: number[];
  mode: 'closed' | 'open';
  depth: number;
  rateHz: number | null;
  payloadBytes: number;
  durationMs: number;
  warmupMs: number;
  drainMs: number;
  repeat: number;
  clientWorkers: number;
  /** Server CPU lists to sweep (taskset syntax); [null] = unpinned. */
  serverCpus: Array<string | null>;
  clientCpus: string | null;
  serverThreads: number | null;
  /** The servers' own flags (--server-arg), validated against their specs; {} = none. */
  serverArgs?: Record<string, number>;
  workIterations: number;
  heavyFraction: number;
  rampPerSec: number | null;
  sourceAddresses: string[];
  /** Fixed server port; 0 = any free port. */
  port: number;
  /** Test mode: make the server stall on purpose (see ServerOptions.stall). */
  stall: ServerOptions['stall'];
  /** Parameters of the idle / broadcast / storm / backpressure / sizes workloads; unset ones take bench/workloads/params.ts defaults. */
  workloadParams?: Partial<WorkloadParams>;
  outPath: string;
  command: string[];
  /** How servers are launched (e.g. under a profiler: wrap, stopSignal, stopGraceMs); default: as is. */
  serverLaunch?: Partial<Omit<LaunchOptions, 'cpus'>>;
  /** `--segment i/N` (with --target): run only this share of each cell's plan (bench/segment-run.ts). */
  segment?: SegmentRequest;
}

export interface RunnerEvents {
  cellStart?(info: { index: number; total: number; label: string }): void;
  cellEnd?(cell: Cell, index: number, total: number): void;
  /** A cell's server printed its ready line; the load starts next. */
  serverStarted?(server: RunningServer): void;
  load?(event: LoadEvent): void;
  warn?(message: string): void;
}
