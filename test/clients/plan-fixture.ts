/** A sound LoadPlan for client tests: a closed-loop echo plan, changed by `patch`. */
import type { LoadPlan } from '../../clients/types.js';

export function loadPlan(patch: Partial<LoadPlan> = {}): LoadPlan {
  return {
    url: 'ws://127.0.0.1:9000/',
    connections: 10,
    workers: 1,
    clientCpus: '1',
    mode: 'closed',
    depth: 1,
    rateHz: null,
    payloadBytes: 64,
    mix: { kind: 'echo' },
    rampPerSec: null,
    warmupMs: 100,
    durationMs: 1000,
    drainMs: 100,
    handshakeTimeoutMs: 1000,
    localAddresses: [],
    ...patch,
  };
}
