/**
 * http-echo: request/response throughput of an HTTP server (the long-poll server's POST /echo) measured
 * by autocannon, closed loop with pipelining 1 (clients/long-poll/autocannon.ts; caveats in
 * docs/LONG-POLL.md §5.2). autocannon runs in its own client process pinned to the client CPUs
 * (clients/long-poll/autocannon-child.ts). The server CPU window and the /stats delta cover the measured
 * run only, not autocannon's warmup run.
 */
import type { ChildProcess } from 'node:child_process';
import { monoUs } from '../../clients/clock.js';
import type { AutocannonEchoResult } from '../../clients/long-poll/autocannon.js';
import type { AutocannonToParent, ParentToAutocannon } from '../../clients/long-poll/autocannon-child.js';
import { killChild, spawnClientProcess, waitForExit } from '../../clients/process/spawn.js';
import type { StatsSnapshot } from '../../protocol/wire.js';
import type { HttpEchoSection } from '../../results/sections.js';
import { errorMessage, stats, type WorkloadContext, type WorkloadOutcome } from './context.js';

export const AUTOCANNON_WORKER_SCRIPT = 'clients/long-poll/autocannon-child.js';

/** autocannon's per-request timeout is 10 s; beyond warmup + duration + this, the run is stuck. */
const RESULT_MARGIN_MS = 20_000;
const EXIT_GRACE_MS = 2_000;

export async function runHttpEcho(ctx: WorkloadContext): Promise<WorkloadOutcome> {
  const { warmupMs } = ctx.req;
  let before: StatsSnapshot | null = null;
  let after: StatsSnapshot | null = null;
  let result: AutocannonEchoResult | null = null;
  let error: string | null = null;
  try {
    ctx.onLoadEvent({ type: 'phase', phase: warmupMs > 0 ? 'warmup' : 'measuring', atUs: monoUs() });
    result = await runInChild(ctx, {
      onMeasureStart: async () => {
        before = await stats(ctx);
        ctx.markWindow('start');
        ctx.onLoadEvent({ type: 'phase', phase: 'measuring', atUs: monoUs() });
      },
      onMeasureEnd: () => ctx.markWindow('end'),
    });
    after = await stats(ctx);
    ctx.onLoadEvent({ type: 'phase', phase: 'done', atUs: monoUs() });
  } catch (err) {
    error = errorMessage(err, ctx.signal);
  }
  const s0 = before as StatsSnapshot | null;
  const s1 = after as StatsSnapshot | null;
  const serverMessagesHandled = s0 && s1 ? s1.messagesHandled - s0.messagesHandled : null;
  if (result === null) return { sections: {}, error: error ?? 'autocannon returned no result', serverMessagesHandled };
  const httpEcho: HttpEchoSection = { ...result, warmupMs };
  const problems = [
    result.requestsCompleted === 0 ? 'no request completed' : '',
    result.errors > 0 ? `${result.errors} errors` : '',
    result.timeouts > 0 ? `${result.timeouts} timeouts` : '',
    result.non2xx > 0 ? `${result.non2xx} non-2xx responses` : '',
  ].filter(Boolean);
  error ??= problems.length > 0 ? `autocannon against ${result.url}: ${problems.join(', ')}` : null;
  return { sections: { httpEcho }, error, serverMessagesHandled };
}

interface Hooks {
  onMeasureStart(): Promise<void>;
  onMeasureEnd(): void;
}

/** Spawns the autocannon worker, drives it over IPC and resolves with its result; the child never outlives this call. */
async function runInChild(ctx: WorkloadContext, hooks: Hooks): Promise<AutocannonEchoResult> {
  ctx.signal.throwIfAborted();
  const { durationMs, warmupMs, payloadBytes, clientCpus } = ctx.req;
  const child: ChildProcess = spawnClientProcess(AUTOCANNON_WORKER_SCRIPT, clientCpus);
  let fatalMessage: string | null = null;
  let done = false;
  let succeeded = false;
  let timer: NodeJS.Timeout | null = null;
  let onAbort: (() => void) | null = null;
  const send = (msg: ParentToAutocannon): void => {
    if (child.connected) child.send(msg);
  };
  try {
    return await new Promise<AutocannonEchoResult>((resolve, reject) => {
      const fail = (err: unknown): void => {
        if (done) return;
        done = true;
        reject(err);
      };
      onAbort = () => fail(ctx.signal.reason ?? new Error('aborted'));
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () => fail(new Error(`autocannon did not report within ${warmupMs + durationMs + RESULT_MARGIN_MS} ms`)),
        warmupMs + durationMs + RESULT_MARGIN_MS,
      );
      child.on('message', (msg: AutocannonToParent) => {
        switch (msg.type) {
          case 'measure-start':
            hooks.onMeasureStart().then(() => send({ type: 'go' }), fail);
            return;
          case 'measure-end':
            hooks.onMeasureEnd();
            return;
          case 'result':
            if (done) return;
            done = true;
            succeeded = true;
            resolve(msg.result);
            return;
          case 'fatal':
            fatalMessage = msg.message;
            return;
        }
      });
      child.once('error', (err) => fail(new Error(`autocannon worker failed to start: ${err.message}`)));
      child.once('exit', (code, sig) => {
        const how = sig !== null ? `was killed by ${sig}` : `exited with code ${code}`;
        fail(new Error(`autocannon worker (pid ${child.pid}) ${how} before reporting${fatalMessage !== null ? `: ${fatalMessage}` : ''}`));
      });
      send({ type: 'run', options: { url: ctx.url, connections: ctx.connections, durationMs, warmupMs, payloadBytes } });
    });
  } finally {
    if (timer !== null) clearTimeout(timer);
    if (onAbort !== null) ctx.signal.removeEventListener('abort', onAbort);
    // After a result the worker exits on its own; on failure or abort it is killed now.
    if (succeeded) await waitForExit(child, EXIT_GRACE_MS);
    killChild(child);
  }
}
