import { cpuListSize } from '../../core/cpu-list.js';
import { startServer } from '../../servers/launch.js';
import { DEFAULT_SERVER_OPTIONS } from '../../servers/spec.js';
import type { CellRun, Endpoint } from './cell-run.js';

/**
 * Starts the cell's server pinned to its CPUs (or takes the --target as it is) and records where it runs.
 * A server that exits on its own later aborts the cell with its exit and last output.
 */
export async function launch(run: CellRun): Promise<Endpoint> {
  const { spec, req, planned, cell } = run;
  if (!spec) {
    const { url, pid, contract } = req.target!;
    cell.serverInfo = { pid, url, knobs: {} };
    return { url, pid, contract, knobs: {} };
  }
  const server = await startServer(
    spec,
    {
      ...DEFAULT_SERVER_OPTIONS,
      port: req.port,
      threads: req.serverThreads,
      serverArgs: req.serverArgs ?? {},
      stall: req.stall,
      cpuCount: cpuListSize(planned.serverCpus),
    },
    { readyTimeoutMs: 15_000, ...req.serverLaunch, cpus: planned.serverCpus },
  );
  run.server = server;
  run.events.serverStarted?.(server);
  cell.pinning.applied = server.pinning.applied;
  cell.pinning.reason = server.pinning.reason ?? null;
  cell.serverInfo = { pid: server.pid, url: server.url, knobs: server.knobs };
  void server.exited.then(({ code, signal }) => {
    if (run.abort.signal.aborted) return;
    run.serverDied = `server ${spec.name} exited during the run (code ${code ?? 'none'}, signal ${signal ?? 'none'})${tail(server.stderrTail())}`;
    run.abort.abort(new Error(run.serverDied));
  });
  return { url: server.url, pid: server.pid, contract: true, knobs: server.knobs };
}

function tail(text: string): string {
  const t = text.trim();
  return t ? `; last output: ${t.slice(-500)}` : '';
}
