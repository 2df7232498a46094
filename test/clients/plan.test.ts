import { describe, expect, it } from 'vitest';
import { LoadPlanError, validatePlan } from '../../clients/plan.js';
import type { LoadPlan } from '../../clients/types.js';
import { loadPlan } from './plan-fixture.js';

const base: LoadPlan = loadPlan();

describe('validatePlan', () => {
  it('accepts a sound plan', () => {
    expect(() => validatePlan(base)).not.toThrow();
    expect(() => validatePlan({ ...base, mode: 'open', rateHz: 100, clientCpus: '0-1', localAddresses: ['127.0.0.2'] })).not.toThrow();
  });

  it.each<[string, Partial<LoadPlan>, string]>([
    ['a wss URL', { url: 'wss://x/' }, 'plan.url must be a ws:// URL'],
    ['zero connections', { connections: 0 }, 'plan.connections must be a positive integer, got 0'],
    ['fractional workers', { workers: 1.5 }, 'plan.workers must be a positive integer, got 1.5'],
    ['open loop without a rate', { mode: 'open', rateHz: null }, 'plan.rateHz must be a positive number in open-loop mode, got null'],
    ['a bad CPU list', { clientCpus: 'one' }, 'plan.clientCpus must be a taskset CPU list'],
    ['too many WORK iterations', { mix: { kind: 'work', iterations: 1e9 } }, 'plan.mix.iterations must be an integer in [0, 50000000]'],
    ['a heavy fraction above 1', { mix: { kind: 'mixed', iterations: 1, heavyFraction: 2 } }, 'plan.mix.heavyFraction must be a number in [0, 1], got 2'],
    ['a zero-length window', { durationMs: 0 }, 'plan.durationMs must be a positive integer, got 0'],
  ])('rejects %s, naming the option', (_, patch, message) => {
    let err: unknown;
    try {
      validatePlan({ ...base, ...patch } as LoadPlan);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadPlanError);
    expect((err as LoadPlanError).code).toBe('ERR_LOAD_PLAN');
    expect((err as Error).message).toContain(message);
  });
});
