import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { UsageError } from '../cli/errors.js';
import { PROJECT_ROOT } from '../protocol/paths.js';
import { formatIssues } from '../results/writer.js';

/**
 * Suites as data: a scenario file lists the cells to run, each with the same fields as `wsarena run`'s
 * flags (so a user can copy one line of a suite to the command line and back). Files live in
 * bench/scenarios/; users copy and edit them. A malformed file is rejected with the file, the field
 * and what is allowed.
 */

const flagValue = z.union([z.string(), z.number(), z.boolean()]);

/** One entry: run flags by their long names (camelCase or kebab-case), plus a name and servers list. */
const entrySchema = z
  .object({
    name: z.string().min(1),
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
  return { path, scenario: parsed.data };
}

export function builtInScenarios(): string[] {
  return ['quick', 'threaded-vs-async', 'c10k'].filter((n) => {
    try {
      readFileSync(join(PROJECT_ROOT, 'bench', 'scenarios', `${n}.json`));
      return true;
    } catch {
      return false;
    }
  });
}

/** "work-iterations" and "workIterations" both name the run flag workIterations. */
export function toCamel(key: string): string {
  return key.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function scenarioLabel(path: string): string {
  return basename(path, '.json');
}
