import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { RunError } from '../core/errors.js';
import { findOnPath } from '../servers/pinning.js';
import { DEFAULT_TOP, type FunctionCost, type FunctionOrigin, type ProfileSummary } from './summary.js';

/**
 * The Go server's CPU profile: fetched from its net/http/pprof endpoint during the measured window,
 * then summarised from `go tool pprof -top`.
 */

/** How long past `seconds` the profile request may take before it counts as failed. */
const FETCH_SLACK_MS = 15_000;

/** http://host:port/debug/pprof/profile?seconds=N for a server whose ready line gave `wsUrl`. */
export function pprofProfileUrl(wsUrl: string, seconds: number): string {
  const url = new URL(wsUrl);
  url.protocol = 'http:';
  url.pathname = '/debug/pprof/profile';
  url.search = `?seconds=${seconds}`;
  return url.toString();
}

/**
 * GETs a `seconds`-long CPU profile and writes it to `path`; resolves with its size in bytes. Rejects
 * with RunError PROFILER_FAILED naming the URL and what went wrong (status, body, timeout).
 */
export async function fetchPprofProfile(wsUrl: string, seconds: number, path: string, signal?: AbortSignal): Promise<number> {
  const url = pprofProfileUrl(wsUrl, seconds);
  const timeout = AbortSignal.timeout(seconds * 1000 + FETCH_SLACK_MS);
  let response: Response;
  try {
    response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
  } catch (error) {
    throw new RunError('PROFILER_FAILED', `GET ${url} failed: ${(error as Error).message}`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (!response.ok) throw new RunError('PROFILER_FAILED', `GET ${url} answered ${response.status}: ${body.toString('utf8').slice(0, 300)}`);
  if (body.length === 0) throw new RunError('PROFILER_FAILED', `GET ${url} returned an empty profile`);
  writeFileSync(path, body);
  return body.length;
}

/**
 * `go tool pprof -top` of a profile file, as text (nodes sorted by flat time). RunError PROFILER_FAILED
 * when go is missing or pprof fails.
 */
export function pprofTop(profilePath: string, nodeCount = 500): string {
  const go = findOnPath('go');
  if (go === null)
    throw new RunError(
      'PROFILER_FAILED',
      `go is not on PATH, so ${profilePath} cannot be summarised (apt-get install -y golang-go); the profile itself was kept`,
    );
  const result = spawnSync(go, ['tool', 'pprof', '-top', `-nodecount=${nodeCount}`, profilePath], { encoding: 'utf8', timeout: 60_000 });
  if (result.error) throw new RunError('PROFILER_FAILED', `go tool pprof failed to run: ${result.error.message}`);
  if (result.status !== 0)
    throw new RunError('PROFILER_FAILED', `go tool pprof -top ${profilePath} exited with code ${result.status}: ${result.stderr.trim().slice(-500)}`);
  return result.stdout;
}

/** One row of `pprof -top`. */
interface TopRow {
  name: string;
  flatMs: number;
  cumMs: number;
}

/**
 * Parses `go tool pprof -top` text into a ProfileSummary. Throws RunError BAD_PPROF_TOP when the text
 * has no "Total samples" line or no table header.
 */
export function parsePprofTop(text: string, top = DEFAULT_TOP): ProfileSummary {
  const lines = text.split('\n');
  const totalLine = lines.find((l) => /Total samples\s*=/.test(l));
  const totalMatch = totalLine?.match(/Total samples\s*=\s*(\S+)/);
  if (!totalMatch) throw new RunError('BAD_PPROF_TOP', `go tool pprof -top output has no "Total samples" line: ${text.slice(0, 300)}`);
  const sampledMs = parsePprofDurationMs(totalMatch[1]!);
  const header = lines.findIndex((l) => /^\s*flat\s+flat%\s+sum%\s+cum\s+cum%/.test(l));
  if (header < 0) throw new RunError('BAD_PPROF_TOP', `go tool pprof -top output has no "flat flat% sum% cum cum%" header: ${text.slice(0, 300)}`);
  const rows: TopRow[] = [];
  for (const line of lines.slice(header + 1)) {
    const m = line.match(/^\s*(\S+)\s+\S+%\s+\S+%\s+(\S+)\s+\S+%\s+(.+?)\s*$/);
    if (!m) continue;
    rows.push({ flatMs: parsePprofDurationMs(m[1]!), cumMs: parsePprofDurationMs(m[2]!), name: m[3]! });
  }
  const costs = rows.map((r) => toCost(r, sampledMs));
  const bySelf = costs
    .filter((c) => c.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs || a.name.localeCompare(b.name))
    .slice(0, top);
  const byTotal = [...costs].sort((a, b) => b.totalMs - a.totalMs || a.name.localeCompare(b.name)).slice(0, top);
  return { source: 'pprof', profiles: 1, window: 'measured', sampledMs, idleMs: null, samples: null, bySelf, byTotal };
}

/** "1.20s", "350ms", "12.5us", "0" → ms. */
export function parsePprofDurationMs(text: string): number {
  if (text === '0') return 0;
  const m = text.match(/^([\d.]+)(ns|us|µs|ms|s|mins|hrs)$/);
  if (!m) throw new RunError('BAD_PPROF_TOP', `cannot read the pprof duration "${text}"`);
  const value = Number(m[1]);
  const scale: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, mins: 60_000, hrs: 3_600_000 };
  return Math.round(value * scale[m[2]!]! * 1000) / 1000;
}

function toCost(row: TopRow, sampledMs: number): FunctionCost {
  const { origin, pkg } = classifyGoFunction(row.name);
  return {
    name: row.name,
    location: null,
    origin,
    package: pkg,
    selfMs: row.flatMs,
    selfFraction: sampledMs > 0 ? Math.round((row.flatMs / sampledMs) * 10_000) / 10_000 : 0,
    totalMs: row.cumMs,
    totalFraction: sampledMs > 0 ? Math.round((row.cumMs / sampledMs) * 10_000) / 10_000 : 0,
  };
}

/**
 * main.* is ours; an import path whose first element has a dot (github.com/…) is a module; runtime and
 * runtime/… are the Go runtime; everything else is the standard library.
 */
export function classifyGoFunction(name: string): { origin: FunctionOrigin; pkg: string | null } {
  const slash = name.lastIndexOf('/', name.indexOf('(') >= 0 ? name.indexOf('(') : name.length);
  const dot = name.indexOf('.', slash + 1);
  const importPath = dot >= 0 ? name.slice(0, dot) : name;
  if (importPath === 'main') return { origin: 'app', pkg: null };
  if (importPath === 'runtime' || importPath.startsWith('runtime/')) return { origin: 'runtime', pkg: null };
  if (importPath.split('/')[0]!.includes('.')) return { origin: 'dependency', pkg: importPath };
  return { origin: 'platform', pkg: null };
}
