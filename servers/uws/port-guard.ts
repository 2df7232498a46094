/**
 * SO_REUSEPORT lets any process of the same user join a port. uws-threads needs it among its own threads
 * and uws-procs among its own processes only, so after listening each checks the kernel's socket tables
 * that every listener on its address:port belongs to the server (sockets are process-wide: /proc/self/fd
 * lists the threads' sockets too; uws-procs names its child processes).
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

/** A process whose sockets count as the server's own: 'self', or the pid of a child process. */
export type PortOwner = number | 'self';

/**
 * How many LISTEN sockets of other processes share the owners' address on `port`; null when the kernel
 * tables cannot be read (not Linux, /proc not mounted, an owner gone).
 */
export function foreignListeners(port: number, owners: readonly PortOwner[] = ['self']): number | null {
  let entries: ListenEntry[];
  let own: Set<string>;
  try {
    entries = [...readListeners('/proc/net/tcp'), ...readListeners('/proc/net/tcp6')].filter((entry) => entry.port === port);
    own = new Set(owners.flatMap((owner) => [...socketInodesOf(owner)]));
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

function socketInodesOf(owner: PortOwner): Set<string> {
  const inodes = new Set<string>();
  const fdDir = `/proc/${owner}/fd`;
  for (const fd of readdirSync(fdDir)) {
    let target: string;
    try {
      target = readlinkSync(`${fdDir}/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    const match = /^socket:\[(\d+)\]$/.exec(target);
    if (match !== null) inodes.add(match[1]!);
  }
  return inodes;
}
