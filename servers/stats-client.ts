import { get } from 'node:http';
import { STATS_PATH, type StatsSnapshot } from '../protocol/wire.js';
import { ServerLaunchError } from './errors.js';

/** Default limit for one GET /stats, connection included. */
export const STATS_TIMEOUT_MS = 5_000;

/** Largest /stats body accepted; a real one is well under 2 KiB. */
const MAX_STATS_BODY_BYTES = 1024 * 1024;

/**
 * GET /stats from the server whose WebSocket URL is `url` (same host and port). Throws ServerLaunchError
 * with code STATS_FAILED on a connection error, a non-200 status, a timeout, or a body that is not a
 * StatsSnapshot.
 */
export function fetchStats(url: string, timeoutMs: number = STATS_TIMEOUT_MS): Promise<StatsSnapshot> {
  const { host } = new URL(url);
  const statsUrl = `http://${host}${STATS_PATH}`;
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => reject(new ServerLaunchError('STATS_FAILED', `GET ${statsUrl}: ${why}`));
    // agent: false gives a fresh connection that closes after the reply, so no idle keep-alive socket
    // lingers on the server under test.
    const request = get(statsUrl, { agent: false, timeout: timeoutMs }, (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        fail(`status ${response.statusCode ?? 'none'}`);
        return;
      }
      const chunks: Buffer[] = [];
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_STATS_BODY_BYTES) request.destroy(new Error(`body over ${MAX_STATS_BODY_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', (error) => fail(error.message));
      response.on('end', () => {
        try {
          resolve(parseStats(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          fail((error as Error).message);
        }
      });
    });
    request.on('timeout', () => request.destroy(new Error(`no reply within ${timeoutMs} ms`)));
    request.on('error', (error) => fail(error.message));
  });
}

const NUMBER_FIELDS = ['pid', 'uptimeMs', 'openConnections', 'messagesHandled', 'broadcastDeliveries', 'protocolCloses'] as const;

function parseStats(body: string): StatsSnapshot {
  const value: unknown = JSON.parse(body);
  if (typeof value !== 'object' || value === null) throw new Error('body is not a JSON object');
  const record = value as Record<string, unknown>;
  if (typeof record['server'] !== 'string') throw new Error('field "server" is not a string');
  for (const field of NUMBER_FIELDS) {
    if (typeof record[field] !== 'number') throw new Error(`field "${field}" is not a number`);
  }
  return value as StatsSnapshot;
}
