import { Command } from 'commander';
import type { SegmentRequest } from '../bench/segment-run.js';
import { UsageError } from '../core/errors.js';
import type { PlanFile } from '../deploy/plan-file.js';

/** Flags an agent may add to a plan: its share, the start and where its result goes. */
export const AGENT_FLAGS = new Set(['plan', 'segment', 'startAt', 'out', 'json', 'quiet', 'wide']);

/**
 * The plan's run flags, parsed by the same options `run` has (`addOptions`), plus the agent's own flags.
 * A load flag given both in the plan and on the command line is refused: the agents must run one plan.
 */
export function flagsWithPlan<F extends object>(plan: PlanFile, path: string, cmd: Command, addOptions: (c: Command) => Command): F {
  for (const option of cmd.options) {
    const name = option.attributeName();
    if (!AGENT_FLAGS.has(name) && cmd.getOptionValueSource(name) === 'cli') {
      throw new UsageError(
        'CONFLICTING_FLAGS',
        `--plan: ${option.long} is set by the plan file ${path}; allowed beside --plan: --segment, --start-at, --out, --json, --quiet`,
      );
    }
  }
  const parser = addOptions(new Command('run'))
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  try {
    parser.parse(plan.run, { from: 'user' });
  } catch (err) {
    throw new UsageError('BAD_PLAN', `--plan: "${path}" has run flags wsarena does not accept (${(err as Error).message})`);
  }
  const own = Object.fromEntries(Object.entries(cmd.opts()).filter(([k]) => AGENT_FLAGS.has(k) && cmd.getOptionValueSource(k) === 'cli'));
  return { ...parser.opts(), startAt: plan.startAt ?? undefined, ...own } as F;
}

/** An agent of a plan runs one of its segments: --segment i/N with the plan's N. */
export function checkPlanSegment(plan: PlanFile, path: string, segment: SegmentRequest | undefined): void {
  if (segment === undefined) throw new UsageError('CONFLICTING_FLAGS', `--plan needs --segment i/N: the plan ${path} is shared by ${plan.agents} agents`);
  if (segment.count !== plan.agents) {
    throw new UsageError(
      'BAD_SEGMENT',
      `--segment: ${segment.index}/${segment.count} does not fit the plan ${path}; allowed: 0/${plan.agents} … ${plan.agents - 1}/${plan.agents}`,
    );
  }
}

/** The agent's own flags as typed (--plan, --segment, --start-at, --out, …), for the result's command: the plan's flags come first. */
export function agentArgs(cmd: Command): string[] {
  const out: string[] = [];
  for (const option of cmd.options) {
    const name = option.attributeName();
    if (!AGENT_FLAGS.has(name) || cmd.getOptionValueSource(name) !== 'cli') continue;
    const value = cmd.getOptionValue(name) as unknown;
    out.push(...(typeof value === 'boolean' ? [option.long!] : [option.long!, String(value)]));
  }
  return out;
}
