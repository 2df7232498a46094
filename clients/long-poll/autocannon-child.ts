/**
 * Entry of the autocannon client process (spawned by bench/workloads/http-echo.ts with
 * spawnClientProcess, so pinned to the client CPUs like the load generator). autocannon runs here, not
 * in the CLI process, and clientCpuCoreFraction is this process's CPU.
 *
 * IPC: parent → { run, options } → worker; worker → { measure-start } and waits for { go } (the parent
 * reads /stats and marks its CPU window first) → { measure-end } → { result } → exits. A { fatal } message
 * precedes a crash. The worker exits when the IPC channel drops, so it never outlives the parent.
 */
import { fatalExit, requireIpcChannel } from '../process/child-ipc.js';
import { type AutocannonEchoOptions, type AutocannonEchoResult, runAutocannonEcho } from './autocannon.js';

export type AutocannonRunOptions = Omit<AutocannonEchoOptions, 'onMeasureStart' | 'onMeasureEnd'>;

export type ParentToAutocannon = { type: 'run'; options: AutocannonRunOptions } | { type: 'go' };
export type AutocannonToParent =
  | { type: 'measure-start' }
  | { type: 'measure-end' }
  | { type: 'result'; result: AutocannonEchoResult }
  | { type: 'fatal'; message: string };

requireIpcChannel('wsarena autocannon worker', 'the http-echo workload');

function send(msg: AutocannonToParent): Promise<void> {
  return new Promise((resolve, reject) => process.send!(msg, undefined, undefined, (err) => (err ? reject(err) : resolve())));
}

const fatal = fatalExit();

let started = false;
let go: (() => void) | null = null;

async function run(options: AutocannonRunOptions): Promise<void> {
  const result = await runAutocannonEcho({
    ...options,
    onMeasureStart: async () => {
      const waiting = new Promise<void>((resolve) => (go = resolve));
      await send({ type: 'measure-start' });
      await waiting;
    },
    onMeasureEnd: () => send({ type: 'measure-end' }),
  });
  await send({ type: 'result', result });
  process.exit(0);
}

process.on('message', (msg: ParentToAutocannon) => {
  if (msg.type === 'run') {
    if (started) return fatal(new Error('run received twice'));
    started = true;
    run(msg.options).catch(fatal);
  } else if (msg.type === 'go') {
    go?.();
    go = null;
  }
});
// The parent is gone (crashed, killed, or aborted the run): never outlive it.
process.on('disconnect', () => process.exit(0));
process.on('uncaughtException', fatal);
