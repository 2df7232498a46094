/**
 * Validation of a LoadPlan at the engine's boundary: each problem names the option path and what was given.
 */
import { MAX_WORK_ITERATIONS } from '../protocol/wire.js';
import type { LoadPlan } from './types.js';

export class LoadPlanError extends Error {
  override readonly name = 'LoadPlanError';
  readonly code = 'ERR_LOAD_PLAN';
}

/** Throws LoadPlanError on the first invalid field. */
export function validatePlan(plan: LoadPlan): void {
  const fail = (path: string, rule: string, got: unknown): never => {
    throw new LoadPlanError(`plan.${path} must be ${rule}, got ${JSON.stringify(got)}`);
  };
  const positiveInt = (path: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 1) fail(path, 'a positive integer', v);
  };
  const nonNegativeInt = (path: string, v: unknown): void => {
    if (!Number.isInteger(v) || (v as number) < 0) fail(path, 'a non-negative integer', v);
  };

  let url: URL | null = null;
  try {
    url = new URL(plan.url);
  } catch {
    fail('url', 'a ws:// URL', plan.url);
  }
  if (url?.protocol !== 'ws:') fail('url', 'a ws:// URL', plan.url);
  positiveInt('connections', plan.connections);
  positiveInt('workers', plan.workers);
  if (plan.clientCpus !== null && !/^[0-9]+([-,][0-9]+)*$/.test(plan.clientCpus))
    fail('clientCpus', 'a taskset CPU list like "1" or "0-1", or null', plan.clientCpus);
  if (plan.mode !== 'closed' && plan.mode !== 'open') fail('mode', '"closed" or "open"', plan.mode);
  positiveInt('depth', plan.depth);
  if (plan.mode === 'open' && !(typeof plan.rateHz === 'number' && plan.rateHz > 0 && Number.isFinite(plan.rateHz))) {
    fail('rateHz', 'a positive number in open-loop mode', plan.rateHz);
  }
  nonNegativeInt('payloadBytes', plan.payloadBytes);
  const mix = plan.mix;
  if (mix.kind !== 'echo' && mix.kind !== 'work' && mix.kind !== 'mixed') fail('mix.kind', '"echo", "work" or "mixed"', (mix as { kind: unknown }).kind);
  if (mix.kind !== 'echo') {
    if (!Number.isInteger(mix.iterations) || mix.iterations < 0 || mix.iterations > MAX_WORK_ITERATIONS) {
      fail('mix.iterations', `an integer in [0, ${MAX_WORK_ITERATIONS}]`, mix.iterations);
    }
  }
  if (mix.kind === 'mixed' && !(mix.heavyFraction >= 0 && mix.heavyFraction <= 1)) fail('mix.heavyFraction', 'a number in [0, 1]', mix.heavyFraction);
  if (plan.rampPerSec !== null && !(plan.rampPerSec > 0)) fail('rampPerSec', 'a positive number or null', plan.rampPerSec);
  nonNegativeInt('warmupMs', plan.warmupMs);
  positiveInt('durationMs', plan.durationMs);
  nonNegativeInt('drainMs', plan.drainMs);
  positiveInt('handshakeTimeoutMs', plan.handshakeTimeoutMs);
  if (!Array.isArray(plan.localAddresses) || plan.localAddresses.some((a) => typeof a !== 'string' || a === '')) {
    fail('localAddresses', 'an array of IP address strings', plan.localAddresses);
  }
}
