/**
 * An agent's clock against the target server's, so a merge can line up agents' windows (`--segment`).
 *
 * The HTTP Date header has one-second resolution, but the instant it changes does not: polling the server
 * until its Date ticks over brackets the server's second boundary between the send of the last request
 * that saw the old second and the reply of the first that saw the new one (htpdate's method). Every agent
 * asks the same server, so differences of offsets are the agents' skews, whatever the server's own error.
 */
import http from 'node:http';
import type { ClockOffset } from '../results/segment.js';

/** Time between polls, ms: the uncertainty is about half of it plus half a round trip. */
const POLL_MS = 10;
/** A Date must tick within this; two seconds and a bit covers any phase. */
const GIVE_UP_MS = 2_500;

/** Wall clock in fractional ms (Date.now() is whole ms). */
export function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

/** One server second boundary seen between two replies: where it lies on the local clock. */
export interface DateProbe {
  /** Local wall ms when the request was sent. */
  sentMs: number;
  /** Local wall ms when the reply arrived. */
  receivedMs: number;
  /** The reply's Date header, ms since the epoch (a whole second). */
  dateMs: number;
}

/**
 * From a series of probes in send order, the offset (server − local) at the first change of Date: the
 * server's clock read dateMs somewhere after `before.sentMs` and before `after.receivedMs`. Null when Date never changed.
 */
export function offsetFromProbes(probes: readonly DateProbe[]): { offsetMs: number; uncertaintyMs: number } | null {
  for (let k = 1; k < probes.length; k++) {
    const before = probes[k - 1]!;
    const after = probes[k]!;
    if (after.dateMs > before.dateMs) {
      const tickLocalMs = (before.sentMs + after.receivedMs) / 2;
      return { offsetMs: after.dateMs - tickLocalMs, uncertaintyMs: (after.receivedMs - before.sentMs) / 2 };
    }
  }
  return null;
}

/** Polls GET `httpUrl` until its Date ticks; never throws (a failure is recorded as the method). */
export async function estimateClockOffset(httpUrl: string, signal?: AbortSignal): Promise<ClockOffset> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const probes: DateProbe[] = [];
  const deadline = wallMs() + GIVE_UP_MS;
  try {
    while (wallMs() < deadline && !signal?.aborted) {
      const sentMs = wallMs();
      const date = await getDate(httpUrl, agent);
      const receivedMs = wallMs();
      if (date === null) return { offsetMs: null, uncertaintyMs: null, method: `no Date header from GET ${httpUrl}` };
      probes.push({ sentMs, receivedMs, dateMs: date });
      const found = offsetFromProbes(probes.slice(-2));
      if (found) return { ...round(found), method: `HTTP Date tick of GET ${httpUrl} (htpdate)` };
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    return { offsetMs: null, uncertaintyMs: null, method: `the Date header of GET ${httpUrl} did not change within ${GIVE_UP_MS} ms` };
  } catch (err) {
    return { offsetMs: null, uncertaintyMs: null, method: `GET ${httpUrl} failed: ${(err as Error).message}` };
  } finally {
    agent.destroy();
  }
}

function round(o: { offsetMs: number; uncertaintyMs: number }): { offsetMs: number; uncertaintyMs: number } {
  return { offsetMs: Math.round(o.offsetMs * 10) / 10, uncertaintyMs: Math.round(o.uncertaintyMs * 10) / 10 };
}

function getDate(url: string, agent: http.Agent): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, timeout: 2_000 }, (res) => {
      res.resume();
      const header = res.headers.date;
      const ms = header === undefined ? NaN : Date.parse(header);
      resolve(Number.isNaN(ms) ? null : ms);
    });
    req.on('timeout', () => req.destroy(new Error('no reply within 2 s')));
    req.on('error', reject);
  });
}
