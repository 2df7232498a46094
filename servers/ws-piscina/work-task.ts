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
  return work(task.iterations, task.seed);
}
