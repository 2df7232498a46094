import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { formatIssues } from '../results/writer.js';

/**
 * Suites as data: a scenario file lists the cells to run, each with the same fields as `wsarena run`'s
 * flags (so a user can copy one line of a suite to the command line and back). Files live in
 * bench/scenarios/; users copy and edit them. A malformed file is rejected with the file, the field
 * and what is allowed.
 */

export const ENTRY_NAME = /^[a-z0-9][a-z0-9-]*$/;

const flagValue = z.union([z.string(), z.number(), z.boolean()]);

/** One entry: run flags by their long names (camelCase or kebab-case), plus a name and servers list. */
const entrySchema = z
  .object({
    /** Names the entry's result file (<out-dir>/<name>.json): lowercase letters, digits and "-" only, so it stays in the folder. */
    name: z.string().regex(ENTRY_NAME, 'must be lowercase letters, digits and "-" (it names the result file)'),
    description: z.string().optional(),
    /** Server names, or "all" for every registered server (unavailable ones become skipped cells). */
    servers: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
  })
  .catchall(flagValue);

export const scenarioSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    /** Flags applied to every entry unless the entry sets them. */
    defaults: z.record(z.string(), flagValue).default({}),
    entries: z.array(entrySchema).min(1),
  })
  .strict();
export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioEntry = Scenario['entries'][number];

/** bench/scenarios/<name>.json for a bare name, else the path as given. */
export function resolveScenarioPath(nameOrPath: string): string {
  if (nameOrPath.endsWith('.json') || nameOrPath.includes('/')) return nameOrPath;
  return join(PROJECT_ROOT, 'bench', 'scenarios', `${nameOrPath}.json`);
}

export function loadScenario(nameOrPath: string): { path: string; scenario: Scenario } {
  const path = resolveScenarioPath(nameOrPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UsageError('SCENARIO_MISSING', `suite "${nameOrPath}": no scenario file at ${path}; built-in suites: ${builtInScenarios().join(', ')}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError('SCENARIO_NOT_JSON', `scenario ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = scenarioSchema.safeParse(json);
  if (!parsed.success) throw new UsageError('SCENARIO_INVALID', `scenario ${path}: ${formatIssues(parsed.error.issues)}`);
  const seen = new Set<string>();
  for (const [index, entry] of parsed.data.entries.entries()) {
    if (seen.has(entry.name))
      throw new UsageError(
        'SCENARIO_INVALID',
        `scenario ${path}: entries.${index}.name: "${entry.name}" is used by an earlier entry; names must be unique (each names a result file)`,
      );
    seen.add(entry.name);
  }
  return { path, scenario: parsed.data };
}

/** The suites shipped in bench/scenarios/ (file names without .json), sorted. */
export function builtInScenarios(): string[] {
  try {
    return readdirSync(join(PROJECT_ROOT, 'bench', 'scenarios'))
      .filter((n) => n.endsWith('.json'))
      .map((n) => n.slice(0, -'.json'.length))
      .sort();
  } catch {
    return [];
  }
}

/** "work-iterations" and "workIterations" both name the run flag workIterations. */
export function toCamel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function scenarioLabel(path: string): string {
  return basename(path, '.json');
}
