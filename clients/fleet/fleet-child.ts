/**
 * Entry of a fleet worker process (spawned by clients/fleet/fleet.ts with an IPC channel): one FleetAgent,
 * driven by the parent's commands (fleet-ipc.ts).
 */
import { fatalExit, requireIpcChannel } from '../process/child-ipc.js';
import { FleetAgent } from './agent.js';
import type { FleetCommand, FleetResult, FleetWorkerToParent, ParentToFleetWorker } from './fleet-ipc.js';

requireIpcChannel('wsarena fleet worker', 'a Fleet');

function send(msg: FleetWorkerToParent): void {
  if (process.connected) process.send!(msg);
}

let agent: FleetAgent | null = null;
const fatal = fatalExit();

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
