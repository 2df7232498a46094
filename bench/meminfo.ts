import { readFileSync } from 'node:fs';

/**
 * Kernel memory from /proc/meminfo (docs/METHOD.md §3): a thread's kernel stack (16 KB on x86-64) and its task
 * structures are not in any process's RSS, so a thread-per-connection server's cost per connection is
 * partly here. Machine-wide: only changes against a baseline, taken the same way for every server, mean
 * anything. KernelStack is dominated by the server's threads (the client has a fixed handful of
 * processes); SUnreclaim (unreclaimable slab) also holds the socket structures of both ends of every
 * loopback connection, the client's included.
 */
export interface KernelMem {
  /** "KernelStack": kernel stacks of every task on the machine. */
  kernelStackBytes: number;
  /** "Slab": all slab allocations (reclaimable and not). */
  slabBytes: number;
  /** "SUnreclaim": the unreclaimable part of Slab (task structs, sockets, …). */
  sUnreclaimBytes: number;
}

/** Parses the text of /proc/meminfo (values in kB); a missing field reads 0. */
export function parseMeminfo(text: string): KernelMem {
  const kb = (key: string): number => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : 0;
  };
  return { kernelStackBytes: kb('KernelStack'), slabBytes: kb('Slab'), sUnreclaimBytes: kb('SUnreclaim') };
}

/** Reads /proc/meminfo now; null when it is not readable (not Linux). */
export function readMeminfo(): KernelMem | null {
  try {
    return parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
  } catch {
    return null;
  }
}
