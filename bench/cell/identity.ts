import { cpusOverlap } from '../../core/cpu-list.js';
import type { CellParams } from '../../results/schema.js';
import { formatServerArgs } from '../../servers/spec.js';
import type { RunRequest } from '../request.js';
import type { WorkloadDef } from '../workloads.js';
import type { CellDraft, PlannedCell } from './cell-run.js';

/**
 * A new cell for a planned run: its parameters, its id (what the report keys repeats on) and its pinning.
 * No status until it ends (bench/cell/settle.ts); every figure null until measured.
 */
export function newCell(req: RunRequest, pc: PlannedCell, workload: WorkloadDef): CellDraft {
  const startedAt = new Date().toISOString();
  const serverArgs = formatServerArgs(req.serverArgs ?? {});
  const params: CellParams = {
    workload: workload.name,
    connections: pc.connections,
    mode: req.mode,
    depth: req.depth,
    rateHz: req.rateHz,
    payloadBytes: pc.payloadBytes,
    durationMs: req.durationMs,
    warmupMs: req.warmupMs,
    clientWorkers: req.clientWorkers,
    serverThreads: req.serverThreads,
    ...(serverArgs === '' ? {} : { serverArgs: req.serverArgs }),
    workIterations: workload.name === 'echo' ? null : req.workIterations,
    heavyFraction: workload.name === 'mixed' ? req.heavyFraction : null,
  };
  return {
    id: `${pc.server}/${workload.name}/c${pc.connections}${workload.sweepsPayload ? `/p${pc.payloadBytes}` : ''}${pc.serverCpus ? `/cpus${pc.serverCpus}` : ''}${serverArgs ? `/${serverArgs}` : ''}/r${pc.repeat}`,
    server: pc.server,
    target: req.target?.url ?? null,
    params,
    repeat: pc.repeat,
    startedAt,
    finishedAt: startedAt,
    pinning: { serverCpus: pc.serverCpus, clientCpus: req.clientCpus, applied: false, reason: null, sharedCores: cpusOverlap(pc.serverCpus, req.clientCpus) },
    serverInfo: null,
    load: null,
    serverResources: null,
    serverStats: null,
    serverMessagesHandled: null,
    verdict: null,
  };
}
