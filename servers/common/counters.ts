/**
 * The counters every Node contract server keeps for GET /stats. A plain mutable object: the hot path
 * increments fields directly, without a call or an allocation.
 */
export interface Counters {
  /** WebSocket connections open right now. */
  openConnections: number;
  /** Contract messages received and acted on (ECHO, WORK, BROADCAST), since start. */
  messagesHandled: number;
  /** Frames sent by BROADCAST fan-out, since start. */
  broadcastDeliveries: number;
  /** Connections this server closed because the client broke the contract (close codes 1003, 44xx). */
  protocolCloses: number;
}

/** A fresh set of counters, all zero. */
export function createCounters(): Counters {
  return { openConnections: 0, messagesHandled: 0, broadcastDeliveries: 0, protocolCloses: 0 };
}

/**
 * The server-wide counters of a server whose connections are spread over workers or threads, each
 * keeping its own: the sum over parts.
 */
export function sumCounters(parts: Iterable<Counters>): Counters {
  const total = createCounters();
  for (const part of parts) {
    total.openConnections += part.openConnections;
    total.messagesHandled += part.messagesHandled;
    total.broadcastDeliveries += part.broadcastDeliveries;
    total.protocolCloses += part.protocolCloses;
  }
  return total;
}
