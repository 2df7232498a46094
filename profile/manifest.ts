import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { formatIssues } from '../results/writer.js';
import { profileSummarySchema } from './summary.js';
import { PROFILE_TOOLS } from './tools.js';

/**
 * results/profiles/<id>/profile.json: what a `wsarena profile` run left in its folder, so the dashboard
 * can link a result to its profile. Every path in it is relative to the folder holding profile.json.
 *
 *   results/profiles/<id>/
 *     profile.json           this manifest
 *     result.json            the cell run without a profiler: a normal result file, the numbers to quote
 *     profiled-result.json   the same cell under the profiler: its numbers carry the profiler's overhead
 *     …                      the artifacts (.cpuprofile, cpu.pprof, clinic HTML and data)
 */

export const PROFILE_MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'profile.json';
export const RESULT_FILE = 'result.json';
export const PROFILED_RESULT_FILE = 'profiled-result.json';

export const ARTIFACT_KINDS = ['cpuprofile', 'pprof', 'pprof-top', 'clinic-html', 'clinic-data', 'log'] as const;

export const artifactSchema = z.object({
  /** Relative to the manifest's folder. */
  path: z.string(),
  /**
   * cpuprofile: V8 CPU profile (opens in Chrome DevTools → Performance); pprof: Go CPU profile (go tool
   * pprof); pprof-top: its text summary; clinic-html: the report to open in a browser; clinic-data: what
   * clinic built it from; log: the profiler's output.
   */
  kind: z.enum(ARTIFACT_KINDS),
  bytes: z.number().int().nonnegative(),
  /** e.g. "pid 123 thread 0 (main)". */
  description: z.string(),
});
export type Artifact = z.infer<typeof artifactSchema>;

export const overheadSchema = z.object({
  /** Achieved msgs/s of the cell without a profiler (result.json). */
  baselineMsgsPerSec: z.number().nonnegative(),
  /** Achieved msgs/s of the same cell under the profiler (profiled-result.json). */
  profiledMsgsPerSec: z.number().nonnegative(),
  /** profiled / baseline: 0.8 = the profiler cost 20 % of the throughput. */
  ratio: z.number().nonnegative().nullable(),
});
export type Overhead = z.infer<typeof overheadSchema>;

export const profileManifestSchema = z.object({
  manifestVersion: z.literal(PROFILE_MANIFEST_VERSION),
  id: z.string(),
  createdAt: z.string(),
  /** 'failed' when the profiler produced nothing usable (error says why); 'interrupted' after Ctrl+C (artifacts: what was kept). */
  status: z.enum(['ok', 'failed', 'interrupted']),
  error: z.string().nullable(),
  server: z.string(),
  language: z.enum(['node', 'go', 'java']),
  tool: z.enum(PROFILE_TOOLS),
  /** argv after `wsarena`. */
  command: z.array(z.string()),
  /** Cell id in both result files (e.g. "ws-loop/echo/c1000/cpus0/r0"). */
  cellId: z.string().nullable(),
  /** The unprofiled run (a normal result file); null with --no-baseline. */
  resultFile: z.string().nullable(),
  /** The profiled run; null when the run stopped before it. */
  profiledResultFile: z.string().nullable(),
  artifacts: z.array(artifactSchema),
  /** Top functions (cpuprof); null for the clinic tools, whose report is the HTML. */
  summary: profileSummarySchema.nullable(),
  overhead: overheadSchema.nullable(),
  warnings: z.array(z.string()),
});
export type ProfileManifest = z.infer<typeof profileManifestSchema>;

/** Validates and writes dir/profile.json atomically; a schema failure is our bug and says which field. */
export function writeProfileManifest(dir: string, manifest: ProfileManifest): string {
  const checked = profileManifestSchema.safeParse(manifest);
  if (!checked.success) throw new Error(`refusing to write an invalid profile manifest in ${dir}: ${formatIssues(checked.error.issues)}`);
  const path = join(dir, MANIFEST_FILE);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(checked.data, null, 1)}\n`);
  renameSync(tmp, path);
  return path;
}

/** Reads and validates a profile.json; UsageError BAD_PROFILE_MANIFEST naming the file and field otherwise. */
export function readProfileManifest(path: string): ProfileManifest {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError('BAD_PROFILE_MANIFEST', `${path}: cannot read a profile manifest (${(error as Error).message})`);
  }
  const checked = profileManifestSchema.safeParse(value);
  if (!checked.success) throw new UsageError('BAD_PROFILE_MANIFEST', `${path}: ${formatIssues(checked.error.issues)}`);
  return checked.data;
}
