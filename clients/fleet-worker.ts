/**
 * Entry of a fleet worker process (spawned by clients/fleet.ts with an IPC channel): one FleetAgent,
 * driven by the parent's commands (fleet-ipc.ts).
 */
import { FleetAgent } from './fleet-agent.js';
import type { FleetCommand, FleetResult, FleetWorkerToParent, ParentToFleetWorker } from './fleet-ipc.js';

if (typeof process.send !== 'function') {
  process.stderr.write('wsarena fleet worker: must be started by a Fleet with an IPC channel\n');
  process.exit(2);
}

function send(msg: FleetWorkerToParent): void {
  if (process.connected) process.send!(msg);
}

let agent: FleetAgent | null = null;
let failing = false;

function fatal(err: unknown): void {
  if (failing) return;
  failing = true;
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.send!({ type: 'fatal', message } satisfies FleetWorkerToParent, undefined, undefined, () => process.exit(1));
  setTimeout(() => process.exit(1), 1000).unref();
}

async function run(id: number, cmd: FleetCommand): Promise<FleetResult> {
  const a = agent;
  if (a === null) throw new Error('command received before init');
  switch (cmd.op) {
    case 'open':
      a.onProgress = (attempted, established) => send({ type: 'progress', id, attempted, established });
      try {
        return await a.open(cmd.from, cmd.to, cmd.rampPerSec);
      } finally {
        a.onProgress = null;
      }
    case 'closeAll':
      return a.closeAll(cmd.waitMs);
    case 'ping':
      a.setPing(cmd.intervalMs);
      return {};
    case 'status':
      return a.status();
    case 'broadcast':
      return a.broadcast(cmd);
    case 'backpressure':
      return a.backpressure(cmd);
  }
}

process.on('message', (msg: ParentToFleetWorker) => {
  switch (msg.type) {
    case 'init':
      agent = new FleetAgent(msg.init);
      send({ type: 'ready' });
      return;
    case 'cmd':
      run(msg.id, msg.cmd).then(
        (result) => send({ type: 'result', id: msg.id, result }),
        (err: unknown) => send({ type: 'error', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
      );
      return;
    case 'exit':
      void (agent?.closeAll(1000) ?? Promise.resolve()).finally(() => process.exit(0));
      return;
  }
});
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fatal);
