import type { MessageMix } from '../clients/types.js';
import { Op } from '../protocol/wire.js';
import { UsageError } from '../cli/errors.js';

/**
 * Workloads as data: what each message asks of the server, and which contract ops a server must
 * implement to run it. A server lacking an op gets a `skipped` cell with the reason, not a failure.
 */
export interface WorkloadDef {
  name: string;
  description: string;
  /** Ops the server must support. */
  ops: number[];
  /** Whether a plain echo server (no contract) can run it. */
  plainEcho: boolean;
  mix(params: { workIterations: number; heavyFraction: number }): MessageMix;
}

export const WORKLOADS: Record<string, WorkloadDef> = {
  echo: {
    name: 'echo',
    description: 'every message is ECHO: the server returns the same bytes',
    ops: [Op.ECHO],
    plainEcho: true,
    mix: () => ({ kind: 'echo' }),
  },
  work: {
    name: 'work',
    description: 'every message is WORK(iterations): CPU-bound, the reply carries the result',
    ops: [Op.WORK],
    plainEcho: false,
    mix: ({ workIterations }) => ({ kind: 'work', iterations: workIterations }),
  },
  mixed: {
    name: 'mixed',
    description: 'mostly ECHO, a fraction WORK: shows head-of-line blocking of cheap messages behind heavy ones',
    ops: [Op.ECHO, Op.WORK],
    plainEcho: false,
    mix: ({ workIterations, heavyFraction }) => ({ kind: 'mixed', iterations: workIterations, heavyFraction }),
  },
};

export function getWorkload(name: string): WorkloadDef {
  const w = WORKLOADS[name];
  if (!w) throw new UsageError('UNKNOWN_WORKLOAD', `--workload: unknown workload "${name}"; known workloads: ${Object.keys(WORKLOADS).join(', ')}`);
  return w;
}
