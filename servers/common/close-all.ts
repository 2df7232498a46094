/**
 * How a server closes every connection on shutdown (docs/PROTOCOL.md §6 "Stopping"): stop accepting, send
 * each open connection a 1001 close frame, give the clients a moment to answer it, then drop the rest.
 * Shared so every model shuts down the same way and no benchmark ends with a model-specific close.
 */
import { ServerCloseCode, SHUTDOWN_CLOSE_REASON } from '../../protocol/wire.js';
import type { ContractPeer } from './handle.js';
import type { WsFront } from './ws-http.js';

/** How long shutdown waits for clients to answer the close frame before dropping them. */
export const CLOSE_HANDSHAKE_WAIT_MS = 1_000;
/** How often that wait looks whether every connection is gone. */
const CLOSE_POLL_MS = 20;

/** Sends one connection the shutdown close frame: 1001 (going away), SHUTDOWN_CLOSE_REASON. */
export function closeGoingAway(peer: Pick<ContractPeer, 'close'>): void {
  peer.close(ServerCloseCode.GOING_AWAY, SHUTDOWN_CLOSE_REASON);
}

/** Resolves once open() returns 0 or waitMs have passed, whichever is first. */
export async function waitForClosed(open: () => number, waitMs: number = CLOSE_HANDSHAKE_WAIT_MS): Promise<void> {
  const deadlineMs = Date.now() + waitMs;
  while (open() > 0 && Date.now() < deadlineMs) await new Promise((resolve) => setTimeout(resolve, CLOSE_POLL_MS));
}

/**
 * Shuts a ws front down (ws-http.ts): no new connections, 1001 to every client, up to
 * CLOSE_HANDSHAKE_WAIT_MS for their close frames, then whatever is left (silent clients, HTTP keep-alive
 * sockets) is dropped.
 */
export async function closeWsFront({ httpServer, wss }: WsFront): Promise<void> {
  httpServer.close();
  for (const client of wss.clients) closeGoingAway(client);
  await waitForClosed(() => wss.clients.size);
  for (const client of wss.clients) client.terminate();
  httpServer.closeAllConnections();
}
