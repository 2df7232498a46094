import { readFileSync } from 'node:fs';

/**
 * Kernel socket figures from /proc/net/sockstat (docs/METHOD.md §3: kernel socket memory is a separate line
 * from the server's RSS). Machine-wide: it counts the client's sockets too, so only its changes against
 * a baseline, taken the same way for every server, mean anything.
 */
export interface SockStat {
  /** "sockets: used" — every socket of every process. */
  socketsUsed: number;
  /** TCP sockets in use (both ends of a loopback connection count). */
  tcpInuse: number;
  tcpOrphan: number;
  tcpTimeWait: number;
  tcpAlloc: number;
  /** TCP buffer memory in pages ("mem"), and the same in bytes with the page size. */
  tcpMemPages: number;
  tcpMemBytes: number;
}

export const PAGE_BYTES = 4096;

/** Parses the text of /proc/net/sockstat; missing fields read 0. */
export function parseSockStat(text: string, pageBytes = PAGE_BYTES): SockStat {
  const field = (line: string, key: string): number => {
    const m = new RegExp(`^${line}:.*?\\b${key} (\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  const tcpMemPages = field('TCP', 'mem');
  return {
    socketsUsed: field('sockets', 'used'),
    tcpInuse: field('TCP', 'inuse'),
    tcpOrphan: field('TCP', 'orphan'),
    tcpTimeWait: field('TCP', 'tw'),
    tcpAlloc: field('TCP', 'alloc'),
    tcpMemPages,
    tcpMemBytes: tcpMemPages * pageBytes,
  };
}

/** Reads /proc/net/sockstat now; null when it is not readable (not Linux). */
export function readSockStat(): SockStat | null {
  try {
    return parseSockStat(readFileSync('/proc/net/sockstat', 'utf8'));
  } catch {
    return null;
  }
}
