import { readdirSync, readFileSync } from 'node:fs';
import { parseStat, processTree } from './proc-tree.js';

/**
 * The limits that can end a connection ramp on this kind of machine (docs/METHOD.md §7), read at a moment
 * with their current use, so a ceiling comes with its arithmetic: open files per process (20,000 hard
 * here), tasks system-wide (kernel.pid_max 32,768 and kernel.threads-max), memory maps per process
 * (vm.max_map_count 65,530; a thread stack costs about 2), and RAM. A thread-per-connection server
 * meets a different one of these than an event loop does; saying which is the finding.
 */
export interface LimitUse {
  /** Stable key, e.g. "open-files". */
  name: 'open-files' | 'pid-max' | 'threads-max' | 'max-map-count' | 'memory';
  /** What it counts and where the limit comes from, for people. */
  label: string;
  scope: 'process' | 'system';
  limit: number;
  used: number;
}

/** "Max open files  20000  20000  files" → the soft limit; null when unlimited or absent. */
export function parseOpenFilesLimit(limitsText: string): number | null {
  const m = /^Max open files\s+(\S+)/m.exec(limitsText);
  return m && /^\d+$/.test(m[1]!) ? Number(m[1]) : null;
}

/** MemTotal and MemAvailable in bytes from /proc/meminfo text; null when either is missing. */
export function parseMemAvailable(meminfoText: string): { totalBytes: number; availableBytes: number } | null {
  const kb = (key: string) => {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(meminfoText);
    return m ? Number(m[1]) * 1024 : null;
  };
  const totalBytes = kb('MemTotal');
  const availableBytes = kb('MemAvailable');
  return totalBytes === null || availableBytes === null ? null : { totalBytes, availableBytes };
}

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

function readNumber(path: string): number | null {
  const text = read(path);
  return text !== null && /^\s*\d+\s*$/.test(text) ? Number(text.trim()) : null;
}

function countEntries(path: string): number | null {
  try {
    return readdirSync(path).length;
  } catch {
    return null;
  }
}

/** Every task (thread) on the machine: what pid_max and threads-max bound. */
function systemTasks(): number {
  let tasks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = read(`/proc/${name}/stat`);
    if (stat !== null) tasks += parseStat(stat).threads;
  }
  return tasks;
}

/**
 * The limits as they stand for the server tree rooted at `pid` (per-process limits: its most loaded
 * process). Limits that cannot be read are left out rather than guessed. Reading a 10,000-thread
 * server's maps file costs a few milliseconds: call this at sample points, not in a tight loop.
 */
export function readLimits(pid: number): LimitUse[] {
  const out: LimitUse[] = [];
  const tree = processTree(pid);

  let files: LimitUse | null = null;
  let maps: LimitUse | null = null;
  const mapMax = readNumber('/proc/sys/vm/max_map_count');
  for (const p of tree) {
    const fds = countEntries(`/proc/${p}/fd`);
    const limitsText = read(`/proc/${p}/limits`);
    const fdLimit = limitsText === null ? null : parseOpenFilesLimit(limitsText);
    if (fds !== null && fdLimit !== null && (files === null || fds / fdLimit > files.used / files.limit)) {
      files = { name: 'open-files', label: `open files of pid ${p} (RLIMIT_NOFILE)`, scope: 'process', limit: fdLimit, used: fds };
    }
    const mapsText = mapMax === null ? null : read(`/proc/${p}/maps`);
    if (mapsText !== null && mapMax !== null) {
      const used = mapsText.length === 0 ? 0 : mapsText.split('\n').length - 1;
      if (maps === null || used > maps.used)
        maps = { name: 'max-map-count', label: `memory maps of pid ${p} (vm.max_map_count)`, scope: 'process', limit: mapMax, used };
    }
  }
  if (files) out.push(files);
  if (maps) out.push(maps);

  const tasks = systemTasks();
  const pidMax = readNumber('/proc/sys/kernel/pid_max');
  if (pidMax !== null) out.push({ name: 'pid-max', label: 'tasks on the machine (kernel.pid_max)', scope: 'system', limit: pidMax, used: tasks });
  const threadsMax = readNumber('/proc/sys/kernel/threads-max');
  if (threadsMax !== null)
    out.push({ name: 'threads-max', label: 'tasks on the machine (kernel.threads-max)', scope: 'system', limit: threadsMax, used: tasks });

  const mem = parseMemAvailable(read('/proc/meminfo') ?? '');
  if (mem !== null)
    out.push({
      name: 'memory',
      label: 'RAM in use on the machine (MemTotal − MemAvailable)',
      scope: 'system',
      limit: mem.totalBytes,
      used: mem.totalBytes - mem.availableBytes,
    });
  return out;
}

/** The limit closest to being reached (highest used/limit), or null. */
export function nearestLimit(limits: readonly LimitUse[]): LimitUse | null {
  let best: LimitUse | null = null;
  for (const l of limits) if (l.limit > 0 && (best === null || l.used / l.limit > best.used / best.limit)) best = l;
  return best;
}

/** "open files of pid 123 (RLIMIT_NOFILE): 19046 of 20000 (95%)". */
export function describeLimit(l: LimitUse): string {
  const fmt = (n: number) => (l.name === 'memory' ? `${(n / 2 ** 30).toFixed(1)} GiB` : String(n));
  return `${l.label}: ${fmt(l.used)} of ${fmt(l.limit)} (${Math.round((100 * l.used) / l.limit)}%)`;
}
