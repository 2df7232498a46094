import { portRange } from '../core/port-range.js';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { PROJECT_ROOT } from '../protocol/paths.js';
import type { Environment } from './schema.js';

const require = createRequire(import.meta.url);

/** Provenance of the machine and software a result was measured with (docs/METHOD.md §6). */
export function collectEnvironment(): Environment {
  return {
    hostname: os.hostname(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    kernel: os.release(),
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    cpuCount: os.cpus().length,
    memTotalBytes: os.totalmem(),
    node: process.version,
    go: goVersion(),
    libraries: libraryVersions(['ws', '@trufflesuite/uws-js-unofficial', 'hdr-histogram-js', 'piscina', 'autocannon', 'clinic']),
    ulimitNofile: nofileLimits(),
    ephemeralPortRange: portRange(),
    tasksetAvailable: commandExists('taskset'),
    clockTicksPerSecond: clockTicks(),
  };
}

export function libraryVersions(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const version = packageVersion(name);
    // Not installed: absence is itself recorded by leaving it out.
    if (version !== null) out[name] = version;
  }
  return out;
}

/**
 * The installed version of a package: its package.json, found directly or, when the package's `exports`
 * hide it (piscina: ERR_PACKAGE_PATH_NOT_EXPORTED), by walking up from the resolved entry point to the
 * package.json that carries its name. null when not installed.
 */
export function packageVersion(name: string): string | null {
  try {
    return (require(require.resolve(`${name}/package.json`, { paths: [PROJECT_ROOT] })) as { version: string }).version;
  } catch {
    // exports may hide package.json: walk up from the entry point
  }
  let dir: string;
  try {
    dir = dirname(require.resolve(name, { paths: [PROJECT_ROOT] }));
  } catch {
    return null;
  }
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && typeof pkg.version === 'string') return pkg.version;
      } catch {
        // unreadable: keep walking
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function goVersion(): string | null {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8', timeout: 5000 }).trim();
  } catch {
    return null;
  }
}

function nofileLimits(): { soft: number | null; hard: number | null } {
  // /proc/self/limits is what the kernel enforces on us (and on children we start).
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'));
    const m = line ? /Max open files\s+(\S+)\s+(\S+)/.exec(line) : null;
    const num = (s: string | undefined) => (s === undefined || s === 'unlimited' ? null : Number(s));
    return { soft: num(m?.[1]), hard: num(m?.[2]) };
  } catch {
    return { soft: null, hard: null };
  }
}


let ticks: number | null = null;
/** USER_HZ for /proc/<pid>/stat times; 100 on every Linux we know, but asked, not assumed. */
export function clockTicks(): number {
  if (ticks !== null) return ticks;
  try {
    ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    ticks = 100;
  }
  return ticks;
}

export function commandExists(name: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((d) => d !== '' && existsSync(`${d}/${name}`));
}

/** Tool version and git commit for provenance; null when not a git checkout. */
export function toolInfo(): { name: 'wsarena'; version: string; gitCommit: string | null; gitDirty: boolean | null } {
  const pkg = JSON.parse(readFileSync(`${PROJECT_ROOT}/package.json`, 'utf8')) as { version: string };
  let gitCommit: string | null = null;
  let gitDirty: boolean | null = null;
  try {
    gitCommit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    gitDirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    // Not a git checkout (e.g. an npm tarball): recorded as null.
  }
  return { name: 'wsarena', version: pkg.version, gitCommit, gitDirty };
}
