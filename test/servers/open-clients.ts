/** Clients and waits the multi-App uWS server tests (uws-threads, uws-procs) share. */
import type { StatsSnapshot } from '../../protocol/wire.js';
import { fetchStats } from '../../servers/launch.js';
import { TestClient } from '../contract/client.js';
import { waitFor } from '../contract/wait.js';

/** n connected test clients. */
export function openClients(url: string, n: number): Promise<TestClient[]> {
  return Promise.all(Array.from({ length: n }, () => TestClient.open(url)));
}

/** The server's /stats once it counts exactly `count` open connections. */
export function waitForOpen(url: string, count: number): Promise<StatsSnapshot> {
  return waitFor(async () => {
    const stats = await fetchStats(url);
    return stats.openConnections === count ? stats : undefined;
  }, `${count} open connections`);
}
