import { parseCpuRange } from './cpu-list.js';
import { UsageError } from './errors.js';

/**
 * Flag parsers. Each throws a UsageError naming the flag, the value received and what is allowed,
 * so `wsarena run --duration 10x` says exactly what is wrong.
 */

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Longest duration any flag accepts: a run's timers, timeline and samples are bounded for this long. */
export const MAX_DURATION_MS = 24 * 3_600_000;

/** "10s", "500ms", "2m", "1.5s" → milliseconds. A bare number is seconds. */
export function parseDurationMs(flag: string, value: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!m) throw new UsageError('BAD_DURATION', `${flag}: "${value}" is not a duration; use a number with ms, s, m or h (e.g. 10s, 500ms)`);
  const ms = Number(m[1]) * DURATION_UNITS_MS[m[2] ?? 's']!;
  if (!(ms > 0)) throw new UsageError('BAD_DURATION', `${flag}: "${value}" must be longer than 0`);
  if (ms > MAX_DURATION_MS) throw new UsageError('OUT_OF_RANGE', `${flag}: "${value}" is too long; allowed: up to 24h`);
  return Math.round(ms);
}

/** Non-negative when allowZero, otherwise strictly positive integer. */
export function parseInteger(flag: string, value: string, { min = 1, max = Number.MAX_SAFE_INTEGER } = {}): number {
  const trimmed = value.trim();
  if (!/^-?\d+$/.test(trimmed)) throw new UsageError('BAD_INTEGER', `${flag}: "${value}" is not an integer; allowed: ${describeRange(min, max)}`);
  const n = Number(trimmed);
  if (n < min || n > max) throw new UsageError('OUT_OF_RANGE', `${flag}: ${n} is out of range; allowed: ${describeRange(min, max)}`);
  return n;
}

export interface NumberRange {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  /** What the flag takes, for the not-a-number message (default "a number"), e.g. "a total rate in msgs/s". */
  what?: string;
  /** An allowed value to show in the not-a-number message, e.g. "2000". */
  example?: string;
}

export function parseNumber(
  flag: string,
  value: string,
  { min = 0, max = Number.MAX_VALUE, exclusiveMin = false, what = 'a number', example }: NumberRange = {},
): number {
  const n = Number(value.trim());
  const bounds = `${exclusiveMin ? '>' : '≥'} ${min}${max < Number.MAX_VALUE ? ` and ≤ ${max}` : ''}`;
  if (value.trim() === '' || !Number.isFinite(n)) {
    throw new UsageError('BAD_NUMBER', `${flag}: "${value}" is not a number; allowed: ${what} ${bounds}${example === undefined ? '' : `, e.g. ${example}`}`);
  }
  if (n < min || n > max || (exclusiveMin && n === min)) throw new UsageError('OUT_OF_RANGE', `${flag}: ${n} is out of range; allowed: ${bounds}`);
  return n;
}

function describeRange(min: number, max: number): string {
  return max >= Number.MAX_SAFE_INTEGER ? `an integer ≥ ${min}` : `an integer from ${min} to ${max}`;
}

/** "100,1000" → [100, 1000]; every element checked like parseInteger. */
export function parseIntegerList(flag: string, value: string, range?: { min?: number; max?: number }): number[] {
  const parts = splitList(flag, value);
  return parts.map((p) => parseInteger(flag, p, range));
}

/** "ws-loop,uws" → ["ws-loop","uws"]; empty elements rejected. */
export function splitList(flag: string, value: string): string[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) {
    throw new UsageError('BAD_LIST', `${flag}: "${value}" has an empty element; use a comma-separated list like a,b`);
  }
  return parts;
}

/**
 * A CPU list in taskset syntax ("0", "0,1", "0-1") validated against the CPUs this machine has.
 * Returns the canonical string and the CPU indices.
 */
export function parseCpuList(flag: string, value: string, cpuCount: number): { list: string; cpus: number[] } {
  const cpus = new Set<number>();
  for (const part of splitList(flag, value)) {
    const range = parseCpuRange(part);
    if (!range) throw new UsageError('BAD_CPUS', `${flag}: "${part}" is not a CPU number or range; use e.g. 0, 0-1 or 0,1`);
    const { from: lo, to: hi } = range;
    if (hi < lo) throw new UsageError('BAD_CPUS', `${flag}: range "${part}" runs backwards`);
    for (let c = lo; c <= hi; c++) {
      if (c >= cpuCount) throw new UsageError('BAD_CPUS', `${flag}: CPU ${c} does not exist; this machine has CPUs 0-${cpuCount - 1}`);
      cpus.add(c);
    }
  }
  const sorted = [...cpus].sort((a, b) => a - b);
  return { list: sorted.join(','), cpus: sorted };
}

/** "64", "1k", "64KiB", "1MiB" → bytes. */
export function parseBytes(flag: string, value: string): number {
  const m = /^(\d+)\s*(b|k|kb|kib|m|mb|mib)?$/i.exec(value.trim());
  if (!m) throw new UsageError('BAD_SIZE', `${flag}: "${value}" is not a size; use bytes or a KiB/MiB suffix (e.g. 64, 16KiB)`);
  const unit = (m[2] ?? 'b').toLowerCase();
  const mult = unit.startsWith('k') ? 1024 : unit.startsWith('m') ? 1024 * 1024 : 1;
  return Number(m[1]) * mult;
}
