import { readFileSync } from 'node:fs';

/** The kernel's ephemeral port range [lo, hi] (net.ipv4.ip_local_port_range), or null when it cannot be read. */
export function portRange(): [number, number] | null {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return lo !== undefined && hi !== undefined && Number.isInteger(lo) && Number.isInteger(hi) ? [lo, hi] : null;
  } catch {
    return null;
  }
}
