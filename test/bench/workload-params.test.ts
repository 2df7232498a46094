import { describe, expect, it } from 'vitest';
import { DEFAULT_WORKLOAD_PARAMS, resolveWorkloadParams } from '../../bench/workloads/params.js';
import { getWorkload } from '../../bench/workloads.js';
import { buildRunRequest, type RunFlags } from '../../cli/commands/run.js';
import { RUN_DEFAULTS } from '../../cli/commands/suite.js';

/** `wsarena run`'s defaults (as a suite entry gets them), on idle, unpinned. */
const base: RunFlags = { ...RUN_DEFAULTS, server: 'ws-loop', workload: 'idle', pin: false };

describe('workload flags', () => {
  it('every new workload is selectable', () => {
    for (const name of ['idle', 'broadcast', 'storm', 'backpressure', 'sizes']) expect(getWorkload(name).name).toBe(name);
    expect(() => getWorkload('nope')).toThrow(/known workloads: echo, work, mixed, idle, broadcast, storm, backpressure, sizes/);
  });

  it('only given flags land in workloadParams; the rest take the defaults', () => {
    const req = buildRunRequest(base, ['run']);
    expect(req.workloadParams).toEqual({});
    expect(resolveWorkloadParams(req.workloadParams)).toEqual(DEFAULT_WORKLOAD_PARAMS);
  });

  it('parses every workload flag', () => {
    const req = buildRunRequest(
      {
        ...base,
        handshakeTimeout: '45s',
        steps: '10',
        hold: '500ms',
        finalHold: '60s',
        pingInterval: 'off',
        publishRate: '25',
        rounds: '4',
        settle: '0',
        slowFraction: '0.25',
        slowPayload: '16KiB',
        slowRate: '5',
        resumeWait: '3s',
        sizes: '16,256,4KiB,64KiB',
      },
      ['run'],
    );
    expect(req.workloadParams).toEqual({
      handshakeTimeoutMs: 45_000,
      steps: 10,
      holdMs: 500,
      finalHoldMs: 60_000,
      pingIntervalMs: null,
      publishRateHz: 25,
      rounds: 4,
      settleMs: 0,
      slowFraction: 0.25,
      slowPayloadBytes: 16_384,
      slowRateHz: 5,
      resumeWaitMs: 3000,
      sizes: [16, 256, 4096, 65_536],
    });
  });

  it('names the flag and the allowed values on bad input', () => {
    expect(() => buildRunRequest({ ...base, steps: '0' }, ['run'])).toThrow('--steps: 0 is out of range; allowed: an integer from 1 to 1000');
    expect(() => buildRunRequest({ ...base, pingInterval: 'soon' }, ['run'])).toThrow(/--ping-interval: "soon" is not a duration/);
    expect(() => buildRunRequest({ ...base, slowFraction: '1.5' }, ['run'])).toThrow('--slow-fraction: 1.5 is out of range; allowed: ≥ 0 and ≤ 1');
    expect(() => buildRunRequest({ ...base, publishRate: '0' }, ['run'])).toThrow(/--publish-rate: 0 is out of range/);
    expect(() => buildRunRequest({ ...base, sizes: '16,32MiB' }, ['run'])).toThrow(/--sizes: 32MiB is above the servers' 16 MiB message limit/);
    expect(() => buildRunRequest({ ...base, sizes: '16,,64' }, ['run'])).toThrow(/--sizes: "16,,64" has an empty element/);
  });
});

describe('cell sections in the schema', () => {
  it('files without the workload sections still validate; null sections too', async () => {
    const { cellSchema } = await import('../../results/schema.js');
    const { cell } = await import('../fixtures/results.js');
    const old = cell();
    for (const k of ['idle', 'broadcast', 'storm', 'backpressure', 'sizes'] as const) expect(k in old).toBe(false);
    expect(cellSchema.safeParse(old).success).toBe(true);
    expect(cellSchema.safeParse({ ...old, idle: null, broadcast: null, storm: null, backpressure: null, sizes: null }).success).toBe(true);
    expect(cellSchema.safeParse({ ...old, sizes: { payloadBytes: 16, messageBytes: 32, msgsPerSec: 100, mibPerSec: 0 } }).success).toBe(true);
    expect(cellSchema.safeParse({ ...old, sizes: { payloadBytes: -1 } }).success).toBe(false);
  });
});
