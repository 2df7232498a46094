import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { parseInteger } from '../../core/parse.js';
import { k8sManifests } from '../../deploy/k8s.js';
import type { PlanFile } from '../../deploy/plan-file.js';
import { toYamlDocuments } from '../../deploy/yaml.js';
import { AGENT_FLAGS } from '../plan-file.js';
import { parseStartAt, segmentRequest } from '../segment-flags.js';
import { addLoadOptions, buildRunRequest, type RunFlags } from './run.js';

export interface PlanFlags extends RunFlags {
  agents?: string;
  k8s?: boolean;
  image?: string;
  namespace?: string;
  name: string;
  resultsClaim?: string;
}

/** A Kubernetes object name: a DNS-1123 label, short enough for the "-results" suffix. */
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/;

/**
 * The plan file of `wsarena plan`: the run flags the user gave (as every agent will parse them), checked
 * now with the very parser each agent uses, so a bad plan fails here rather than on N machines.
 */
export function buildPlanFile(flags: PlanFlags, cmd: Command, nowMs: number = Date.now()): PlanFile {
  if (flags.agents === undefined) throw new UsageError('MISSING_FLAG', 'plan: --agents is required; allowed: the number of agent machines, e.g. --agents 3');
  const agents = parseInteger('--agents', flags.agents, { min: 1, max: 10_000 });
  for (const own of ['out', 'json'] as const) {
    if (cmd.getOptionValueSource(own) === 'cli')
      throw new UsageError('CONFLICTING_FLAGS', `plan: --${own} belongs to each agent's run; plan prints the plan on stdout (e.g. > plan.json)`);
  }
  const own = new Set([...AGENT_FLAGS, 'agents', 'k8s', 'image', 'namespace', 'name', 'resultsClaim']);
  const run: string[] = [];
  for (const option of cmd.options) {
    const key = option.attributeName();
    if (own.has(key) || cmd.getOptionValueSource(key) !== 'cli') continue;
    const value = cmd.getOptionValue(key) as unknown;
    const values = Array.isArray(value) ? value : [value];
    // A switch (--contract, --no-pin) is its flag alone; a repeatable option (--server-arg) is repeated.
    for (const v of values) run.push(...(typeof v === 'boolean' ? [option.long!] : [option.long!, String(v)]));
  }
  const req = buildRunRequest(flags, ['plan']);
  const fewest = Math.min(...req.connections);
  if (fewest < agents)
    throw new UsageError('BAD_SEGMENT', `--agents: ${agents} agents need at least ${agents} connections each cell; --connections has ${fewest}`);
  // Every agent's segment must be runnable: the first stands for all (they differ only in connection count by ≤ 1).
  segmentRequest({ segment: `${agents - 1}/${agents}`, startAt: flags.startAt }, req, nowMs);
  const startAt = flags.startAt === undefined ? null : new Date(parseStartAt(flags.startAt, nowMs)).toISOString();
  return { kind: 'wsarena-plan', version: 1, agents, startAt, run };
}

export function registerPlan(program: Command): void {
  addLoadOptions(
    program.command('plan').description("cut a run into N agents' segments: print the plan file, or with --k8s a Kubernetes Indexed Job that runs it"),
  )
    .option('--agents <n>', 'agent machines sharing the plan (each runs --segment i/N)')
    .option('--start-at <time>', 'agreed wall-clock start of the measured window (ISO 8601 with zone, or @epoch-seconds)')
    .option('--k8s', 'print a Kubernetes Indexed Job (plus its ConfigMap and results claim) instead of the plan file')
    .option('--image <ref>', 'with --k8s: container image with wsarena on its PATH')
    .option('--namespace <ns>', 'with --k8s: namespace of every object')
    .option('--name <name>', 'with --k8s: name prefix of every object', 'wsarena')
    .option('--results-claim <pvc>', 'with --k8s: an existing ReadWriteMany PersistentVolumeClaim for the results (default: create <name>-results)')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  wsarena plan --agents 3 --target ws://10.0.0.1:9001/ --connections 30000 --rate 60000 --duration 30s > plan.json\n' +
        '  wsarena plan --agents 3 --target ws://ws.bench.svc:9001/ --connections 30000 --k8s --image registry.example/wsarena:0.1 | kubectl apply -f -\n' +
        'Then on agent i (ssh, Nomad, Slurm array): wsarena run --plan plan.json --segment i/3 --out seg-i.json; and wsarena merge seg-*.json --out merged.json',
    )
    .action((flags: PlanFlags, cmd: Command) => {
      const plan = buildPlanFile(flags, cmd);
      if (!flags.k8s) {
        for (const k of ['image', 'namespace', 'resultsClaim'] as const) {
          if (flags[k] !== undefined) throw new UsageError('CONFLICTING_FLAGS', `--${k === 'resultsClaim' ? 'results-claim' : k} needs --k8s`);
        }
        process.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
        return;
      }
      if (flags.image === undefined)
        throw new UsageError(
          'MISSING_FLAG',
          'plan --k8s: --image is required; allowed: a container image with wsarena on its PATH, e.g. --image registry.example/wsarena:0.1',
        );
      if (!K8S_NAME.test(flags.name))
        throw new UsageError(
          'BAD_FLAG',
          `--name: "${flags.name}" is not a Kubernetes name; allowed: lowercase letters, digits and '-', at most 42 characters, starting and ending alphanumeric`,
        );
      process.stdout.write(
        toYamlDocuments(
          k8sManifests(plan, { name: flags.name, image: flags.image, namespace: flags.namespace ?? null, resultsClaim: flags.resultsClaim ?? null }),
        ),
      );
    });
}
