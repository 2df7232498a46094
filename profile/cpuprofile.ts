import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunError } from '../core/errors.js';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { DEFAULT_TOP, type FunctionCost, type FunctionOrigin, type ProfileSummary } from './summary.js';

/**
 * Reads V8 .cpuprofile files (what `node --cpu-prof` writes and Chrome DevTools opens) and sums them
 * into a ProfileSummary. A sample lasts until the next one (the last one until endTime), which is how
 * DevTools attributes time too.
 */

export interface CallFrame {
  functionName: string;
  scriptId: string | number;
  url: string;
  /** 0-based. */
  lineNumber: number;
  /** 0-based. */
  columnNumber: number;
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** µs on CLOCK_MONOTONIC: the same clock as process.hrtime() in any process on the machine. */
  startTime: number;
  endTime: number;
  /** Node id on top of the stack at each sample. */
  samples: number[];
  /** µs since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/** Parses and checks a .cpuprofile's JSON text; `source` names it in errors (RunError BAD_CPUPROFILE). */
export function parseCpuProfile(text: string, source: string): CpuProfile {
  const bad = (why: string): RunError => new RunError('BAD_CPUPROFILE', `${source} is not a V8 CPU profile: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bad(`invalid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null) throw bad('not a JSON object');
  const record = value as Record<string, unknown>;
  if (!Array.isArray(record['nodes']) || record['nodes'].length === 0) throw bad('"nodes" is missing or empty');
  for (const node of record['nodes'] as unknown[]) {
    const n = node as Partial<CpuProfileNode> | null;
    if (typeof n?.id !== 'number' || typeof n.callFrame !== 'object' || n.callFrame === null || typeof n.callFrame.functionName !== 'string') {
      throw bad(`node ${JSON.stringify(node)?.slice(0, 120)} lacks an id or a callFrame`);
    }
  }
  if (typeof record['startTime'] !== 'number' || typeof record['endTime'] !== 'number') throw bad('"startTime"/"endTime" are not numbers');
  const samples = record['samples'] ?? [];
  const deltas = record['timeDeltas'] ?? [];
  if (!Array.isArray(samples) || !Array.isArray(deltas) || samples.length !== deltas.length) {
    throw bad('"samples" and "timeDeltas" must be arrays of the same length');
  }
  return { ...(record as unknown as CpuProfile), samples: samples as number[], timeDeltas: deltas as number[] };
}

/** Reads and parses a .cpuprofile file. */
export function readCpuProfile(path: string): CpuProfile {
  return parseCpuProfile(readFileSync(path, 'utf8'), path);
}

export interface CpuSummaryOptions {
  /** Keep only samples taken in [startUs, endUs] (CLOCK_MONOTONIC µs); null = the whole profile. */
  window?: { startUs: number; endUs: number } | null;
  /** Functions per list. Default DEFAULT_TOP (15). */
  top?: number;
  /** Folder locations are shown relative to. Default the project root. */
  root?: string;
}

interface Accumulator {
  frame: CallFrame;
  selfUs: number;
  totalUs: number;
}

/**
 * Merges profiles (e.g. every thread of a server) into one summary. Functions are the same when name,
 * script URL, line and column agree, so the same handler running on four threads is one line.
 * With a window, a profile with no sample inside it contributes nothing; when no profile has any, the
 * summary falls back to the whole profiles (window "whole") rather than report nothing.
 */
export function summarizeCpuProfiles(profiles: CpuProfile[], options: CpuSummaryOptions = {}): ProfileSummary {
  const window = options.window ?? null;
  if (window !== null) {
    const trimmed = summarizeWith(profiles, window, options);
    if (trimmed.samples !== null && trimmed.samples > 0) return trimmed;
  }
  return summarizeWith(profiles, null, options);
}

function summarizeWith(profiles: CpuProfile[], window: { startUs: number; endUs: number } | null, options: CpuSummaryOptions): ProfileSummary {
  const top = options.top ?? DEFAULT_TOP;
  const root = options.root ?? PROJECT_ROOT;
  const byKey = new Map<string, Accumulator>();
  let sampledUs = 0;
  let idleUs = 0;
  let sampleCount = 0;

  for (const profile of profiles) {
    const nodes = new Map<number, CpuProfileNode>();
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
      nodes.set(node.id, node);
      for (const child of node.children ?? []) parent.set(child, node.id);
    }
    // The distinct functions on the stack ending at a node, memoised: total time counts a recursive
    // function once per sample.
    const stacks = new Map<number, CallFrame[]>();
    const stackOf = (id: number): CallFrame[] => {
      const known = stacks.get(id);
      if (known !== undefined) return known;
      const frames = new Map<string, CallFrame>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const node = nodes.get(at);
        if (node !== undefined && !isRoot(node.callFrame)) frames.set(keyOf(node.callFrame), node.callFrame);
      }
      const list = [...frames.values()];
      stacks.set(id, list);
      return list;
    };
    const accumulatorOf = (frame: CallFrame): Accumulator => {
      const key = keyOf(frame);
      let acc = byKey.get(key);
      if (acc === undefined) {
        acc = { frame, selfUs: 0, totalUs: 0 };
        byKey.set(key, acc);
      }
      return acc;
    };

    let timestampUs = profile.startTime;
    const timestamps = profile.timeDeltas.map((delta) => (timestampUs += delta));
    for (const [i, nodeId] of profile.samples.entries()) {
      const startUs = timestamps[i]!;
      if (window !== null && (startUs < window.startUs || startUs > window.endUs)) continue;
      const endUs = Math.max(startUs, Math.min(timestamps[i + 1] ?? profile.endTime, window?.endUs ?? Infinity));
      const durationUs = endUs - startUs;
      const node = nodes.get(nodeId);
      if (node === undefined) continue;
      sampleCount++;
      sampledUs += durationUs;
      if (isIdle(node.callFrame)) {
        idleUs += durationUs;
        continue;
      }
      if (isRoot(node.callFrame)) continue;
      accumulatorOf(node.callFrame).selfUs += durationUs;
      for (const frame of stackOf(nodeId)) accumulatorOf(frame).totalUs += durationUs;
    }
  }

  const costs = [...byKey.values()].map((acc) => toCost(acc, sampledUs, root));
  const bySelf = costs
    .filter((c) => c.selfMs > 0)
    .sort((a, b) => b.selfMs - a.selfMs || a.name.localeCompare(b.name))
    .slice(0, top);
  const byTotal = costs.sort((a, b) => b.totalMs - a.totalMs || a.name.localeCompare(b.name)).slice(0, top);
  return {
    source: 'cpuprofile',
    profiles: profiles.length,
    window: window === null ? 'whole' : 'measured',
    sampledMs: round(sampledUs / 1000),
    idleMs: round(idleUs / 1000),
    samples: sampleCount,
    bySelf,
    byTotal,
  };
}

function keyOf(frame: CallFrame): string {
  return `${frame.functionName}\u0000${frame.url}\u0000${frame.lineNumber}\u0000${frame.columnNumber}`;
}

function isRoot(frame: CallFrame): boolean {
  return frame.functionName === '(root)' && frame.url === '';
}

function isIdle(frame: CallFrame): boolean {
  return frame.functionName === '(idle)' && frame.url === '';
}

function toCost(acc: Accumulator, sampledUs: number, root: string): FunctionCost {
  const { origin, pkg } = classifyFrame(acc.frame, root);
  return {
    name: acc.frame.functionName === '' ? '(anonymous)' : acc.frame.functionName,
    location: locate(acc.frame, root),
    origin,
    package: pkg,
    selfMs: round(acc.selfUs / 1000),
    selfFraction: sampledUs > 0 ? round(acc.selfUs / sampledUs, 4) : 0,
    totalMs: round(acc.totalUs / 1000),
    totalFraction: sampledUs > 0 ? round(acc.totalUs / sampledUs, 4) : 0,
  };
}

/** Where a frame's code comes from (see FunctionOrigin) and, for a dependency, its npm package. */
export function classifyFrame(frame: CallFrame, root: string = PROJECT_ROOT): { origin: FunctionOrigin; pkg: string | null } {
  const url = frame.url;
  if (url === '') return { origin: frame.functionName.startsWith('(') ? 'runtime' : 'native', pkg: null };
  if (url.startsWith('node:')) return { origin: 'platform', pkg: null };
  const path = toPath(url);
  const marker = path.lastIndexOf('/node_modules/');
  if (marker >= 0) {
    const parts = path.slice(marker + '/node_modules/'.length).split('/');
    const pkg = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? null);
    return { origin: 'dependency', pkg };
  }
  if (path.startsWith(`${root}/`)) return { origin: 'app', pkg: null };
  return { origin: 'platform', pkg: null };
}

function locate(frame: CallFrame, root: string): string | null {
  if (frame.url === '') return null;
  const path = toPath(frame.url);
  const shown = path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
  return frame.lineNumber >= 0 ? `${shown}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : shown;
}

function toPath(url: string): string {
  if (!url.startsWith('file://')) return url;
  try {
    return fileURLToPath(url);
  } catch {
    return url;
  }
}

function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
