/**
 * Request/response throughput of the long-poll server's POST /echo, measured with autocannon's
 * programmatic API: `connections` keep-alive connections, pipelining 1, each sending its next request
 * as soon as the previous response arrived.
 *
 * Caveat (docs/METHOD.md §2): this is a closed loop. When the server stalls, each connection records one slow
 * request and then sends nothing, so autocannon's latency percentiles understate stalls (coordinated
 * omission); without a rate it does not correct them, and with one it applies a 1 ms expected interval
 * whatever the rate. Its latency histogram also has 1 ms resolution. Read the requests/s as the figure,
 * the latency as indicative only.
 */
import { createRequire } from 'node:module';
import { buildMessage, nowUs, Op } from '../../protocol/wire.js';
import { ECHO_PATH, httpBase } from '../../servers/long-poll/http-wire.js';

/** The part of autocannon's options and result this wrapper uses (the package ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration: number;
  pipelining: number;
  method: 'POST';
  body: Buffer;
  headers: Record<string, string>;
  timeout: number;
}
interface AutocannonHistogram {
  average: number;
  mean: number;
  stddev: number;
  min: number;
  max: number;
  total: number;
  p50: number;
  p90: number;
  p99: number;
  p99_9: number;
}
interface AutocannonResult {
  duration: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  mismatches: number;
  resets: number;
  latency: AutocannonHistogram;
  requests: AutocannonHistogram & { sent: number };
  throughput: AutocannonHistogram;
}
type Autocannon = ((options: AutocannonOptions) => Promise<AutocannonResult>) & { stop?: () => void };

const require = createRequire(import.meta.url);

export interface AutocannonEchoOptions {
  /** The server's ready-line URL (ws://host:port/) or its http:// base. */
  url: string;
  connections: number;
  durationMs: number;
  /** Discarded run before the measured one (same connections); 0 = none. */
  warmupMs: number;
  /** Body = one contract ECHO message with this payload after the 16-byte header. */
  payloadBytes: number;
  /** Called right before and right after the measured run (after the warmup), e.g. to read /stats. */
  onMeasureStart?: () => Promise<void> | void;
  onMeasureEnd?: () => Promise<void> | void;
}

export interface AutocannonEchoResult {
  tool: string;
  url: string;
  connections: number;
  pipelining: 1;
  /** Always true: autocannon without a rate is a closed loop (see the caveat above). */
  closedLoop: true;
  bodyBytes: number;
  /** Wall time autocannon measured, ms. */
  durationMs: number;
  /** Completed requests / measured duration. */
  requestsPerSec: number;
  requestsCompleted: number;
  requestsSent: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  /** autocannon's latency in ms (1 ms resolution, not corrected for coordinated omission). */
  latencyMs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
  bytesPerSec: number;
  /** CPU of this process (autocannon runs in it) during the measured run / its wall time: 1.0 = one core. */
  clientCpuCoreFraction: number;
}

/** The autocannon version actually loaded, e.g. "autocannon@8.0.0". */
export function autocannonVersion(): string {
  return `autocannon@${(require('autocannon/package.json') as { version: string }).version}`;
}

/** Runs autocannon against POST /echo and summarises the run. */
export async function runAutocannonEcho(options: AutocannonEchoOptions): Promise<AutocannonEchoResult> {
  const autocannon = require('autocannon') as Autocannon;
  const target = `${options.url.startsWith('ws://') ? httpBase(options.url) : options.url.replace(/\/$/, '')}${ECHO_PATH}`;
  const body = buildMessage(Op.ECHO, 1, nowUs(), options.payloadBytes);
  const base = {
    url: target,
    connections: options.connections,
    pipelining: 1,
    method: 'POST' as const,
    body,
    headers: { 'content-type': 'application/octet-stream' },
    timeout: 10,
  };
  if (options.warmupMs > 0) await autocannon({ ...base, duration: options.warmupMs / 1000 });
  await options.onMeasureStart?.();
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const result = await autocannon({ ...base, duration: options.durationMs / 1000 });
  const cpu = process.cpuUsage(cpuBefore);
  const wallUs = (performance.now() - wallBefore) * 1000;
  await options.onMeasureEnd?.();
  const durationMs = Math.round(result.duration * 1000);
  return {
    tool: autocannonVersion(),
    url: target,
    connections: options.connections,
    pipelining: 1,
    closedLoop: true,
    bodyBytes: body.length,
    durationMs,
    requestsPerSec: durationMs > 0 ? Math.round((result.requests.total / durationMs) * 1000) : 0,
    requestsCompleted: result.requests.total,
    requestsSent: result.requests.sent,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      p999: result.latency.p99_9,
      max: result.latency.max,
      mean: result.latency.mean,
    },
    bytesPerSec: result.throughput.average,
    clientCpuCoreFraction: wallUs > 0 ? Math.round(((cpu.user + cpu.system) / wallUs) * 1000) / 1000 : 0,
  };
}
