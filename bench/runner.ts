import { segmentConnectionCount } from '../clients/segment.js';
import { UsageError } from '../core/errors.js';
import { errorOf, isFailure } from '../results/cell-status.js';
import { collectEnvironment, toolInfo } from '../results/environment.js';
import type { Environment, ResultFile } from '../results/schema.js';
import { SCHEMA_VERSION } from '../results/schema.js';
import { writeResultFile } from '../results/writer.js';
import { getServer } from '../servers/registry.js';
import type { ServerSpec } from '../servers/spec.js';
import { transportOf } from '../servers/spec.js';
import type { PlannedCell } from './cell/cell-run.js';
import { PORT_IN_USE_PREFIX } from './cell/judge.js';
import { runCell } from './cell/run-cell.js';
import { preflight } from './preflight.js';
import type { RunnerEvents, RunRequest } from './request.js';
import { resolveWorkloadParams } from './workloads/params.js';
import { getWorkload, type WorkloadDef } from './workloads.js';

export type { RunnerEvents, RunRequest } from './request.js';

/**
 * Walks the matrix repeat × connections × serverCpus × server, interleaving servers inside each repeat
 * (A B C A B C …, docs/METHOD.md §5) so drift hits them alike. Writes the result file after every cell.
 */
export async function runMatrix(req: RunRequest, events: RunnerEvents = {}, signal?: AbortSignal): Promise<ResultFile> {
  const workload = getWorkload(req.workload);
  const environment = collectEnvironment();
  const serverNames = req.target ? ['target'] : req.servers;
  const specs = new Map<string, ServerSpec>();
  if (!req.target) for (const name of serverNames) specs.set(name, getServer(name));
  refuseImpossible(req, specs, environment);
  const planned = planCells(req, workload, serverNames);

  const now = new Date().toISOString();
  const file: ResultFile = {
    schemaVersion: SCHEMA_VERSION,
    kind: req.kind,
    tool: toolInfo(),
    command: req.command,
    createdAt: now,
    updatedAt: now,
    state: 'running',
    environment,
    cells: [],
    extra: null,
  };
  writeResultFile(req.outPath, file);

  for (const [index, pc] of planned.entries()) {
    if (signal?.aborted) break;
    const label = `${pc.server} ${req.workload} c=${pc.connections}${workload.sweepsPayload ? ` payload=${pc.payloadBytes}` : ''}${pc.serverCpus ? ` cpus=${pc.serverCpus}` : ''} #${pc.repeat + 1}`;
    events.cellStart?.({ index, total: planned.length, label });
    const cell = await runCell(req, pc, workload, specs.get(pc.server) ?? null, environment, events, signal);
    file.cells.push(cell);
    file.updatedAt = new Date().toISOString();
    writeResultFile(req.outPath, file);
    events.cellEnd?.(cell, index, planned.length);
    // A taken --port fails every later cell the same way: stop and report it as bad input.
    const error = errorOf(cell);
    if (error?.startsWith(PORT_IN_USE_PREFIX)) {
      file.state = 'failed';
      writeResultFile(req.outPath, file);
      throw new UsageError('PORT_IN_USE', `--port: ${error.slice(PORT_IN_USE_PREFIX.length)}`);
    }
  }
  file.state = signal?.aborted ? 'interrupted' : file.cells.every(isFailure) ? 'failed' : 'complete';
  file.updatedAt = new Date().toISOString();
  writeResultFile(req.outPath, file);
  return file;
}

/** Refuses impossible runs (file descriptors, ephemeral ports) before anything starts: bench/preflight.ts. */
function refuseImpossible(req: RunRequest, specs: ReadonlyMap<string, ServerSpec>, environment: Environment): void {
  for (const connections of req.connections) {
    for (const spec of specs.size > 0 ? specs.values() : [null]) {
      preflight({
        // A segment opens only its share of the connections.
        connections: req.segment ? segmentConnectionCount(connections, req.segment) : connections,
        clientWorkers: req.clientWorkers,
        serverProcesses: spec?.model === 'processes' ? (req.serverThreads ?? 1) : 1,
        startsServer: spec !== null,
        nofileSoftLimit: environment.ulimitNofile.soft,
        ephemeralPortRange: environment.ephemeralPortRange,
        localAddressCount: req.sourceAddresses.length,
        socketsPerConnection: spec !== null && transportOf(spec) === 'http-long-poll' ? 2 : 1,
      });
    }
  }
}

/** The cells in run order: repeat outermost, servers innermost (interleaved). */
function planCells(req: RunRequest, workload: WorkloadDef, serverNames: readonly string[]): PlannedCell[] {
  const planned: PlannedCell[] = [];
  const payloads = workload.sweepsPayload ? resolveWorkloadParams(req.workloadParams).sizes : [req.payloadBytes];
  for (let repeat = 0; repeat < req.repeat; repeat++) {
    for (const connections of req.connections) {
      for (const payloadBytes of payloads) {
        for (const serverCpus of req.serverCpus) {
          for (const server of serverNames) planned.push({ server, connections, serverCpus, repeat, payloadBytes });
        }
      }
    }
  }
  return planned;
}
