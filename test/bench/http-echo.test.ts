/**
 * The http-echo workload end to end through runMatrix: autocannon (in a pinned client process) against
 * the long-poll server's POST /echo, and the skip for a WebSocket server. Workers run from dist/, so
 * build first (`npx tsc -p tsconfig.json`).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type RunRequest, runMatrix } from '../../bench/runner.js';
import { describeWorkloadSection } from '../../cli/reporters/workloads.js';
import { errorOf } from '../../results/cell-status.js';
import { commandExists } from '../../results/environment.js';
import { resultFileSchema } from '../../results/schema.js';
import { measured } from '../fixtures/results.js';
import { resultPathIn, runRequest } from '../fixtures/run-request.js';

const pin = commandExists('taskset');

function request(overrides: Partial<RunRequest>): RunRequest {
  return runRequest({
    servers: ['long-poll'],
    workload: 'http-echo',
    connections: [20],
    drainMs: 0,
    serverCpus: [pin ? '0' : null],
    clientCpus: pin ? '1' : null,
    outPath: resultPathIn('wsarena-http-echo-'),
    ...overrides,
  });
}

describe('http-echo workload', () => {
  it('long-poll: autocannon against POST /echo records an httpEcho section; ws-loop is skipped with the reason', async () => {
    const req = request({ servers: ['long-poll', 'ws-loop'] });
    const file = await runMatrix(req);
    resultFileSchema.parse(JSON.parse(readFileSync(req.outPath, 'utf8')));
    expect(file.cells).toHaveLength(2);

    const lp = measured(file.cells.find((c) => c.server === 'long-poll'));
    expect(errorOf(lp)).toBeNull();
    expect(lp.status).toBe('ok');
    const h = lp.httpEcho!;
    expect(h).toBeTruthy();
    expect(h.tool).toMatch(/^autocannon@\d+\./);
    expect(h.closedLoop).toBe(true);
    expect(h.pipelining).toBe(1);
    expect(h.connections).toBe(20);
    expect(h.bodyBytes).toBe(16 + 64);
    expect(h.warmupMs).toBe(200);
    expect(h.requestsPerSec).toBeGreaterThan(0);
    expect(h.requestsCompleted).toBeGreaterThan(0);
    expect(h.errors).toBe(0);
    expect(h.non2xx).toBe(0);
    expect(h.timeouts).toBe(0);
    expect(h.clientCpuCoreFraction).toBeGreaterThan(0);
    // The server counted the measured run's requests only (each /echo is one message handled).
    expect(lp.serverMessagesHandled).not.toBeNull();
    expect(lp.serverMessagesHandled!).toBeGreaterThanOrEqual(h.requestsCompleted);
    expect(lp.serverMessagesHandled!).toBeLessThanOrEqual(h.requestsSent + 20);
    expect(lp.serverResources?.cpuUsPerMessage ?? 0).toBeGreaterThan(0);
    expect(describeWorkloadSection(lp)).toMatch(/req\/s \(POST \/echo, 20 conns, closed loop/);

    const ws = file.cells.find((c) => c.server === 'ws-loop')!;
    expect(ws.status).toBe('skipped');
    expect(errorOf(ws)).toBe('http-echo needs an HTTP server (long-poll); ws-loop serves websocket');
    // Skipped: no figures at all, not even a null section.
    expect('httpEcho' in ws).toBe(false);
    process.stderr.write(`[http-echo long-poll] ${describeWorkloadSection(lp)}\n`);
  }, 30_000);
});
