import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../core/errors.js';

/**
 * A plan file: the `wsarena run` flags of a whole plan and how many agents share it, written by
 * `wsarena plan` and read by `wsarena run --plan FILE --segment i/N` on each agent (a Kubernetes
 * ConfigMap, an scp'd file, a Slurm job's shared folder): every agent runs exactly the same plan.
 */
export const planFileSchema = z.object({
  kind: z.literal('wsarena-plan'),
  version: z.literal(1),
  /** Agents (segments) the plan is cut into. */
  agents: z.number().int().positive(),
  /** Agreed start of the measured window, ISO 8601, or null. */
  startAt: z.string().nullable(),
  /** `wsarena run` flags of the whole plan, as argv (no --segment, --start-at or --out). */
  run: z.array(z.string()),
});
export type PlanFile = z.infer<typeof planFileSchema>;

export function readPlanFile(path: string): PlanFile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError('BAD_PLAN', `--plan: cannot read "${path}" as JSON (${(err as Error).message}); allowed: a file written by wsarena plan`);
  }
  const parsed = planFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(
      'BAD_PLAN',
      `--plan: "${path}" is not a wsarena plan (${issue.path.join('.') || '(root)'}: ${issue.message}); allowed: a file written by wsarena plan`,
    );
  }
  return parsed.data;
}
