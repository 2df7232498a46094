/**
 * SO_REUSEPORT lets any process of the same user join a port. uws-threads needs it among its own threads
 * only, so after listening it checks the kernel's socket tables that every listener on its address:port
 * belongs to this process (sockets are process-wide: /proc/self/fd lists the threads' sockets too).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** TCP state LISTEN in /proc/net/tcp*. */
const TCP_LISTEN = '0A';

interface ListenEntry {
  /** Local address as the table spells it (hex), without the port. */
  address: string;
  port: number;
  inode: string;
}

/**
 * How many LISTEN sockets of other processes share this process's address on `port`; null when the
 * kernel tables cannot be read (not Linux, /proc not mounted).
 */
export function foreignListeners(port: number): number | null {
  let entries: ListenEntry[];
  let own: Set<string>;
  try {
    entries = [...readListeners('/proc/net/tcp'), ...readListeners('/proc/net/tcp6')].filter((entry) => entry.port === port);
    own = ownSocketInodes();
  } catch {
    return null;
  }
  const ownAddresses = new Set(entries.filter((entry) => own.has(entry.inode)).map((entry) => entry.address));
  return entries.filter((entry) => !own.has(entry.inode) && ownAddresses.has(entry.address)).length;
}

function readListeners(table: string): ListenEntry[] {
  let text: string;
  try {
    text = readFileSync(table, 'utf8');
  } catch (error) {
    // No IPv6 in this kernel: that table is simply absent.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && table.endsWith('6')) return [];
    throw error;
  }
  const entries: ListenEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 10 || fields[3] !== TCP_LISTEN) continue;
    const [address, portHex] = fields[1]!.split(':');
    entries.push({ address: address!, port: Number.parseInt(portHex!, 16), inode: fields[9]! });
  }
  return entries;
}

function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync('/proc/self/fd')) {
    let target: string;
    try {
      target = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match !== null) inodes.add(match[1]!);
  }
  return inodes;
}
