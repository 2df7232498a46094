/**
 * Issue 14: open-loop sends ignored write() backpressure, so a server that stops reading made the client
 * buffer the whole offered load. Now each send due on a socket holding more than MAX_BUFFERED_BYTES is a
 * client drop, and any drop makes the verdict client-bound.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { computeVerdict } from '../../../bench/verdict.js';
import { runLoad } from '../../../clients/engine/engine.js';
import type { LoadPlan } from '../../../clients/types.js';

let wss: WebSocketServer;
let url: string;

beforeAll(async () => {
  wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
  // Completes the handshake, then never reads again: the kernel buffers fill, then the client's.
  wss.on('connection', (ws) => (ws as unknown as { _socket: import('node:net').Socket })._socket.pause());
  await new Promise<void>((r) => wss.once('listening', () => r()));
  url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  for (const c of wss.clients) c.terminate();
  await new Promise<void>((r) => wss.close(() => r()));
});

describe('open loop against a server that stops reading', () => {
  it('counts sends it cannot write as client drops and the verdict says client-bound', async () => {
    const plan: LoadPlan = {
      url,
      connections: 2,
      workers: 1,
      clientCpus: null,
      mode: 'open',
      depth: 1,
      rateHz: 2000,
      payloadBytes: 16 * 1024,
      mix: { kind: 'echo' },
      rampPerSec: null,
      warmupMs: 200,
      durationMs: 3000,
      drainMs: 200,
      handshakeTimeoutMs: 5000,
      localAddresses: [],
    };
    const r = await runLoad(plan);
    const c = r.counts;
    process.stderr.write(`[backpressure] sent ${c.sent} clientDrops ${c.clientDrops} lost ${c.lost}\n`);
    // ~6000 due in the window, 16 KiB each = ~96 MiB offered; the kernel takes a few MiB per socket.
    expect(c.clientDrops).toBeGreaterThan(1000);
    expect(c.sent + c.clientDrops!).toBeGreaterThanOrEqual(5900);
    expect(c.received).toBe(0);
    expect(c.lost).toBe(c.sent);
    const v = computeVerdict({ load: r, serverCpuCoreFraction: 0.1, serverCpuCount: 1, sharedCores: false });
    expect(v.verdict).toBe('client-bound');
    expect(v.reasons[0]).toMatch(/^client dropped \d+ of \d+ due sends/);
  });
});
