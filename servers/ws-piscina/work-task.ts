/**
 * The piscina task of ws-piscina: runs on a pool thread, computes the contract's WORK function and
 * returns the result. The main loop built nothing here and sends nothing from here: it turns the result
 * into the reply (buildWorkReply) and sends it on the connection.
 */
import { work } from '../../protocol/wire.js';

/** What main.ts submits per WORK request: the two numbers, not the message (structured clone of two numbers). */
export interface WorkTask {
  iterations: number;
  seed: number;
}

export default function runWork(task: WorkTask): number {
  // Through Function.prototype.call on purpose: piscina's worker calls this handler inside a try block of
  // an async function (dist/worker.js onMessage). Called directly, V8 (Node 20's TurboFan) inlines work()
  // there, and its loop, compiled inside that exception-handler region, ran 2.5× slower on this machine
  // (≈260 µs instead of ≈100 µs for 50,000 iterations; `wsarena pool-overhead` shows it). Through .call
  // the call site's feedback names `call`, not work, so work() stays a function of its own with its own
  // optimised code, as fast as inline on the main loop.
  return work.call(undefined, task.iterations, task.seed);
}
