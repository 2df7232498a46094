import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { k8sManifests } from '../../deploy/k8s.js';
import { type PlanFile, planFileSchema } from '../../deploy/plan-file.js';
import { toYamlDocuments } from '../../deploy/yaml.js';
import { runCli } from '../cli/helpers.js';

/** kubernetes-models' validate() checks an object against the Kubernetes API's OpenAPI schema of its kind. */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  ConfigMap: ConfigMap as never,
  PersistentVolumeClaim: PersistentVolumeClaim as never,
  Job: Job as never,
};

function validate(doc: Record<string, unknown>): void {
  const Model = MODELS[doc.kind as string];
  if (!Model) throw new Error(`no model for kind ${String(doc.kind)}`);
  new Model(doc as never).validate();
}

const PLAN: PlanFile = {
  kind: 'wsarena-plan',
  version: 1,
  agents: 3,
  startAt: '2026-11-26T13:00:00.000Z',
  run: ['--target', 'ws://ws.bench.svc:9001/', '--connections', '300', '--rate', '3000'],
};

// biome-ignore lint/suspicious/noExplicitAny: parsed YAML manifests, walked by key in the assertions.
type Json = Record<string, any>;

describe('plan --k8s', () => {
  it('prints manifests the Kubernetes API schema accepts: ConfigMap with the plan, results claim, Indexed Job of N', async () => {
    const r = await runCli([
      'plan',
      '--agents',
      '3',
      '--target',
      'ws://ws.bench.svc:9001/',
      '--connections',
      '300',
      '--rate',
      '3000',
      '--duration',
      '10s',
      '--start-at',
      '2026-11-26T13:00:00Z',
      '--k8s',
      '--image',
      'registry.example/wsarena:0.1',
      '--namespace',
      'bench',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const docs = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS() as Json);
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'PersistentVolumeClaim', 'Job']);
    for (const d of docs) expect(() => validate(d)).not.toThrow();

    const [configMap, claim, job] = docs as [Json, Json, Json];
    const plan = planFileSchema.parse(JSON.parse(configMap.data['plan.json']));
    expect(plan).toEqual({
      kind: 'wsarena-plan',
      version: 1,
      agents: 3,
      startAt: '2026-11-26T13:00:00.000Z',
      run: ['--target', 'ws://ws.bench.svc:9001/', '--connections', '300', '--duration', '10s', '--rate', '3000'],
    });
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(job.metadata.namespace).toBe('bench');
    expect(job.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimit: 0 });
    const pod = job.spec.template.spec;
    const container = pod.containers[0];
    expect(container.args).toEqual([
      'run',
      '--plan',
      '/plan/plan.json',
      '--segment',
      '$(SEGMENT_INDEX)/3',
      '--out',
      '/results/segment-$(SEGMENT_INDEX).json',
      '--quiet',
    ]);
    // The completion index, which the Job controller writes on each pod, chooses the segment.
    expect(container.env).toEqual([
      { name: 'SEGMENT_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ]);
    expect(pod.volumes).toEqual([
      { name: 'plan', configMap: { name: 'wsarena-plan' } },
      { name: 'results', persistentVolumeClaim: { claimName: 'wsarena-results' } },
    ]);
  });

  it('uses an existing results claim instead of creating one', () => {
    const docs = k8sManifests(PLAN, { name: 'ws', image: 'img', namespace: null, resultsClaim: 'shared-nfs' });
    expect(docs.map((d) => d.kind)).toEqual(['ConfigMap', 'Job']);
    for (const d of docs) validate(d);
    expect(JSON.stringify(docs[1])).toContain('"claimName":"shared-nfs"');
  });

  it('the validation is real: a Job the API would refuse is refused', () => {
    const job = k8sManifests(PLAN, { name: 'ws', image: 'img', namespace: null, resultsClaim: null })[2] as Json;
    expect(() => validate({ ...job, spec: { ...job.spec, parallelism: '3' } })).toThrow(/parallelism must be integer/);
    expect(() => validate({ ...job, spec: { ...job.spec, completionMode: 'Sharded' } })).toThrow(/completionMode/);
  });

  it('writes YAML that reads back as the same data, strings never turning into booleans or numbers', () => {
    const docs = [{ a: 'on', b: '0/3', c: '$(X)', d: [{ e: 1, f: [true, null] }, 'x\ny"z', []], g: {}, h: { i: { j: -1.5 } } }, { k: 'yes' }];
    expect(YAML.parseAllDocuments(toYamlDocuments(docs)).map((d) => d.toJS())).toEqual(docs);
  });

  it('prints the plan file without --k8s, and refuses a plan no agent could run', async () => {
    const r = await runCli(['plan', '--agents', '2', '--target', 'ws://10.0.0.1:9001/', '--connections', '10']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      kind: 'wsarena-plan',
      version: 1,
      agents: 2,
      startAt: null,
      run: ['--target', 'ws://10.0.0.1:9001/', '--connections', '10'],
    });
    const tooFew = await runCli(['plan', '--agents', '4', '--target', 'ws://10.0.0.1:9001/', '--connections', '3']);
    expect(tooFew.code).toBe(2);
    expect(tooFew.stderr).toBe('Error: --agents: 4 agents need at least 4 connections each cell; --connections has 3\n');
    const noImage = await runCli(['plan', '--agents', '2', '--target', 'ws://10.0.0.1:9001/', '--k8s']);
    expect(noImage.code).toBe(2);
    expect(noImage.stderr).toMatch(/^Error: plan --k8s: --image is required/);
  });
});
