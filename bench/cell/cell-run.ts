/**
 * One cell of the matrix while it runs: what every step of bench/cell/run-cell.ts reads (the request, the
 * planned cell, the workload's definition, the server's spec) and the state the steps share.
 */
import type { Environment, OkCell } from '../../results/schema.js';
import type { RunningServer } from '../../servers/launch.js';
import type { ServerSpec } from '../../servers/spec.js';
import type { RunnerEvents, RunRequest } from '../request.js';
import type { WorkloadDef } from '../workloads.js';

/** A cell as planned by runMatrix: one point of repeat × connections × payload × serverCpus × server. */
export interface PlannedCell {
  server: string;
  connections: number;
  serverCpus: string | null;
  repeat: number;
  /** ECHO payload of this cell (the sizes workload sweeps it; else the request's). */
  payloadBytes: number;
}

export interface CellRun {
  req: RunRequest;
  planned: PlannedCell;
  /** Looked up once by runMatrix and handed down: no step looks the workload up again. */
  workload: WorkloadDef;
  /** null when driving an already-running server (--target). */
  spec: ServerSpec | null;
  env: Environment;
  events: RunnerEvents;
  /** The result being filled in, step by step; given its status when the cell ends (bench/cell/settle.ts). */
  cell: CellDraft;
  /** Aborted when the run is interrupted, the server dies, or the cell ends. */
  abort: AbortController;
  /** The server this cell started, stopped when the cell ends. */
  server: RunningServer | null;
  /** Set when the server exits on its own mid-run: that, not what failed next because of it, is the cell's error. */
  serverDied: string | null;
}

/** A cell while it runs: every field but its status (and the error that comes with all but ok). */
export type CellDraft = Omit<OkCell, 'status'>;

/** How a cell ended: ok, or the status with why. */
export type CellEnd = { status: 'ok' } | { status: 'failed' | 'interrupted' | 'skipped'; error: string };

/** Where the load goes: the started server or the --target. */
export interface Endpoint {
  url: string;
  /** Server root pid to sample, or null (--target without --target-pid). */
  pid: number | null;
  /** Whether the server serves GET /stats and the contract ops. */
  contract: boolean;
  knobs: Record<string, string | number | boolean | null>;
}
