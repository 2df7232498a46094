/**
 * Kernel queue sizes of one loopback TCP connection, from /proc/net/tcp{,6}: bytes the server's socket has
 * not had acknowledged (tx_queue, including what waits for window) and bytes our socket has received but
 * not read (rx_queue). The backpressure probe subtracts them from what the server produced, so what is left
 * is what the server holds in its own memory.
 */
import { readFileSync } from 'node:fs';

export interface QueueBytes {
  /** tx_queue of the socket whose local port is `localPort` and remote port `remotePort`. */
  txQueueBytes: number;
  rxQueueBytes: number;
  /** Kernel TCP state: 0x01 ESTABLISHED, 0x08 CLOSE_WAIT (the peer sent FIN), … */
  state: number;
}

/** TCP states of /proc/net/tcp (include/net/tcp_states.h). */
export const TCP_ESTABLISHED = 0x01;

/** Parses /proc/net/tcp text; returns the queues of the socket local:remote, or null when absent. */
export function parseTcpQueues(text: string, localPort: number, remotePort: number): QueueBytes | null {
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    // sl local_address rem_address st tx_queue:rx_queue …
    if (fields.length < 5 || !fields[0]!.endsWith(':')) continue;
    if (portOf(fields[1]!) !== localPort || portOf(fields[2]!) !== remotePort) continue;
    const [tx, rx] = fields[4]!.split(':');
    return { txQueueBytes: parseInt(tx ?? '0', 16), rxQueueBytes: parseInt(rx ?? '0', 16), state: parseInt(fields[3]!, 16) };
  }
  return null;
}

/** Queues of the socket local:remote in this network namespace (IPv4 then IPv6); null when unreadable. */
export function readTcpQueues(localPort: number, remotePort: number): QueueBytes | null {
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    try {
      const found = parseTcpQueues(readFileSync(file, 'utf8'), localPort, remotePort);
      if (found !== null) return found;
    } catch {
      // Not Linux, or no IPv6: try the next table.
    }
  }
  return null;
}

function portOf(address: string): number {
  return parseInt(address.slice(address.lastIndexOf(':') + 1), 16);
}
