/**
 * The ws baseline client's open loop against a real ws-loop server (workers run from dist/: build first).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runWsBaseline } from '../../../clients/baseline/ws-baseline.js';
import { type RunningServer, startServer } from '../../../servers/launch.js';
import { getServer } from '../../../servers/registry.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer(getServer('ws-loop'), { port: 0 }, { cpus: null, readyTimeoutMs: 15_000 });
});
afterAll(async () => {
  await server?.stop();
});

it('open loop: sends at the offered rate from the pacer, reports the achieved rate and corrected and service latency', async () => {
  const r = await runWsBaseline({ url: server.url, connections: 4, durationMs: 1000, warmupMs: 200, payloadBytes: 64, clientCpus: null, rateHz: 400 });
  expect(r.mode).toBe('open');
  expect(r.offeredRateHz).toBe(400);
  expect(r.connections).toMatchObject({ attempted: 4, established: 4 });
  // 400 due in the 1 s window, each answered.
  expect(r.sentInWindow).toBe(400);
  expect(r.unsent).toBe(0);
  expect(r.corrupted).toBe(0);
  expect(Math.abs(r.roundTripsPerSec - 400) / 400).toBeLessThan(0.03);
  expect(r.corrected).not.toBeNull();
  expect(r.corrected!.count).toBe(r.roundTrips);
  expect(r.service.count).toBe(r.roundTrips);
  // Corrected latency counts from the intended instant, never after the actual send.
  expect(r.corrected!.p50Us).toBeGreaterThanOrEqual(r.service.p50Us);
  expect(r.corrected!.p50Us).toBeGreaterThan(0);
}, 30_000);
