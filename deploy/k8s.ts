/**
 * A Kubernetes Indexed Job for a distributed run (`wsarena plan --agents N --k8s`): N pods, pod i runs
 * `wsarena run --plan /plan/plan.json --segment i/N` (its completion index chooses the segment), the plan
 * comes from a ConfigMap, every segment's result goes to one shared volume for `wsarena merge`.
 */
import type { PlanFile } from './plan-file.js';

export interface K8sOptions {
  /** Prefix of every object's name. Default "wsarena". */
  name: string;
  /** Container image with `wsarena` on its PATH. */
  image: string;
  namespace: string | null;
  /** An existing ReadWriteMany PersistentVolumeClaim for the results, or null to create `<name>-results`. */
  resultsClaim: string | null;
}

/** Where each pod finds the plan and writes its result. */
export const PLAN_MOUNT = '/plan';
export const RESULTS_MOUNT = '/results';

const LABELS = (name: string) => ({ 'app.kubernetes.io/name': 'wsarena', 'app.kubernetes.io/instance': name, 'app.kubernetes.io/component': 'agent' });

/** The ConfigMap, the results claim (unless one is given) and the Indexed Job, in apply order. */
export function k8sManifests(plan: PlanFile, opts: K8sOptions): Array<Record<string, unknown>> {
  const meta = (suffix: string) => ({ name: `${opts.name}-${suffix}`, ...(opts.namespace ? { namespace: opts.namespace } : {}), labels: LABELS(opts.name) });
  const claim = opts.resultsClaim ?? `${opts.name}-results`;
  const docs: Array<Record<string, unknown>> = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta('plan'), data: { 'plan.json': `${JSON.stringify(plan, null, 2)}\n` } },
  ];
  if (opts.resultsClaim === null) {
    docs.push({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('results'),
      // Every pod writes its own file, from any node: the volume must be mountable read-write by many.
      spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage: '1Gi' } } },
    });
  }
  docs.push({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('agents'),
    spec: {
      completionMode: 'Indexed',
      completions: plan.agents,
      parallelism: plan.agents,
      // A retried segment would measure another window than its peers: fail it, and rerun the whole plan.
      backoffLimit: 0,
      template: {
        metadata: { labels: LABELS(opts.name) },
        spec: {
          restartPolicy: 'Never',
          // One agent per node where possible: agents sharing a node share its CPUs and NIC.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: LABELS(opts.name) } } },
              ],
            },
          },
          containers: [
            {
              name: 'agent',
              image: opts.image,
              command: ['wsarena'],
              // $(SEGMENT_INDEX) is expanded by the kubelet from the env below.
              args: [
                'run',
                '--plan',
                `${PLAN_MOUNT}/plan.json`,
                '--segment',
                `$(SEGMENT_INDEX)/${plan.agents}`,
                '--out',
                `${RESULTS_MOUNT}/segment-$(SEGMENT_INDEX).json`,
                '--quiet',
              ],
              env: [{ name: 'SEGMENT_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } }],
              volumeMounts: [
                { name: 'plan', mountPath: PLAN_MOUNT, readOnly: true },
                { name: 'results', mountPath: RESULTS_MOUNT },
              ],
            },
          ],
          volumes: [
            { name: 'plan', configMap: { name: `${opts.name}-plan` } },
            { name: 'results', persistentVolumeClaim: { claimName: claim } },
          ],
        },
      },
    },
  });
  return docs;
}
