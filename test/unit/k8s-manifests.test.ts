// deploy/k8s: every document is a valid Kubernetes object (kubernetes-models validates it against
// the API's OpenAPI schema), the pieces fit together (Job ↔ headless Service ↔ clock reference,
// ConfigMaps, claim), and the commands the pods run parse with the CLI's own strict parser, so a
// renamed flag fails here and not on a cluster.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1/Job';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import yargs from 'yargs';
import { mergeCommand } from '../../src/cli/merge-command.ts';
import { runCommand } from '../../src/cli/run-command.ts';
import { loadScenario } from '../../src/dsl/load.ts';

const ROOT = new URL('../..', import.meta.url).pathname;
const DIR = join(ROOT, 'deploy/k8s');

type Doc = Record<string, unknown> & { kind: string; metadata: { name: string } };

function docs(file: string): Doc[] {
  return parseAllDocuments(readFileSync(join(DIR, file), 'utf8')).map((d) => {
    expect(d.errors, file).toEqual([]);
    return d.toJSON() as Doc;
  });
}

const objects = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((file) => docs(file).map((doc) => ({ file, doc })));
const one = <T>(kind: string, name: string): T => {
  const found = objects.find((o) => o.doc.kind === kind && o.doc.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in deploy/k8s`);
  return found.doc as T;
};

/** Parses a pod's args with the command's own builder, strict: unknown flags throw. */
function parseArgs(command: typeof runCommand | typeof mergeCommand, args: string[]): Record<string, unknown> {
  let parsed: Record<string, unknown> | undefined;
  yargs(args)
    .command({
      ...command,
      handler: (a: Record<string, unknown>) => {
        parsed = a;
      },
    } as never)
    .strict()
    .fail((msg, err) => {
      throw err ?? new Error(msg);
    })
    .parseSync();
  if (!parsed) throw new Error(`did not parse: ${args.join(' ')}`);
  return parsed;
}

/** $(VAR) as Kubernetes expands it in args, from the container's env and the Job controller's index. */
function expand(args: string[], vars: Record<string, string>): string[] {
  return args.map((a) => a.replace(/\$\(([A-Z_]+)\)/g, (_, v: string) => vars[v] ?? `$(${v})`));
}

describe('deploy/k8s', () => {
  it('every document validates against the Kubernetes schema', () => {
    const models: Record<string, new (d: never) => { validate(): void }> = {
      Job,
      Service,
      ConfigMap,
      PersistentVolumeClaim,
    };
    expect(objects.map((o) => o.doc.kind).sort()).toEqual([
      'ConfigMap',
      'ConfigMap',
      'Job',
      'Job',
      'PersistentVolumeClaim',
      'Service',
    ]);
    for (const { file, doc } of objects) {
      const Model = models[doc.kind];
      if (!Model) throw new Error(`${file}: unexpected kind ${doc.kind}`);
      expect(() => new Model(doc as never).validate(), `${file}: ${doc.kind}`).not.toThrow();
    }
    // The schema check bites: a wrong field type is refused.
    const job = structuredClone(one<Doc>('Job', 'fleetbench'));
    (job.spec as { completions: unknown }).completions = 'four';
    expect(() => new Job(job as never).validate()).toThrow();
  });

  it('the kustomization lists every manifest but the merge Job', () => {
    const [k] = docs('kustomization.yaml') as unknown as { resources: string[] }[];
    const files = readdirSync(DIR).filter(
      (f) => f.endsWith('.yaml') && !['kustomization.yaml', 'merge-job.yaml'].includes(f),
    );
    expect([...(k?.resources ?? [])].sort()).toEqual(files.sort());
  });

  it('an Indexed Job of N shards, reachable through the headless Service, running flags the CLI accepts', () => {
    const job = new Job(one('Job', 'fleetbench'));
    const svc = new Service(one('Service', 'fleetbench'));
    const spec = job.spec;
    if (!spec) throw new Error('no job spec');
    expect(spec.completionMode).toBe('Indexed');
    expect(spec.parallelism).toBe(spec.completions);
    const n = spec.completions as number;
    const pod = spec.template.spec;
    const container = pod?.containers[0];
    if (!pod || !container) throw new Error('no pod template');
    // Headless, selecting this Job's pods, named as their subdomain: pod i is <job>-<i>.<service>.
    expect(svc.spec?.clusterIP).toBe('None');
    expect(svc.spec?.selector).toEqual({ 'batch.kubernetes.io/job-name': job.metadata?.name });
    expect(pod.subdomain).toBe(svc.metadata?.name);
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.valueFrom?.configMapKeyRef]));
    const runConfig = new ConfigMap(one('ConfigMap', 'fleetbench-run'));
    for (const ref of Object.values(env)) {
      expect(ref?.name).toBe('fleetbench-run');
      expect(runConfig.data?.[ref?.key ?? '']).toBeDefined();
    }
    const vars = { ...(runConfig.data ?? {}), JOB_COMPLETION_INDEX: '1' };
    const args = parseArgs(runCommand, expand(container.args ?? [], vars));
    expect(container.command).toEqual(['fleetbench']);
    expect(args).toMatchObject({
      scenario: '/scenario/scenario.ts',
      shard: `1/${n}`,
      runId: runConfig.data?.RUN_ID,
      startAt: runConfig.data?.START_AT,
      outExact: '/results/shard-1',
    });
    // Shard 0 serves its clock on the port the Service exposes; the others ask pod 0 there.
    const port = svc.spec?.ports?.[0];
    expect(port?.protocol).toBe('UDP');
    expect(String(args.clockPort)).toBe(String(port?.port));
    expect(args.clockRef).toBe(`${job.metadata?.name}-0.${svc.metadata?.name}:${port?.port}`);
    // The scenario and the results claim are mounted where the args point.
    const mounts = Object.fromEntries((container.volumeMounts ?? []).map((m) => [m.name, m.mountPath]));
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]));
    expect(mounts).toEqual({ scenario: '/scenario', results: '/results' });
    expect(volumes.scenario?.configMap?.name).toBe('fleetbench-scenario');
    expect(volumes.results?.persistentVolumeClaim?.claimName).toBe('fleetbench-results');
    expect(new PersistentVolumeClaim(one('PersistentVolumeClaim', 'fleetbench-results')).spec?.accessModes).toEqual([
      'ReadWriteMany',
    ]);
  });

  it('the merge Job names every shard folder and parses with the merge command', () => {
    const n = one<{ spec: { completions: number } }>('Job', 'fleetbench').spec.completions;
    const merge = new Job(one('Job', 'fleetbench-merge')).spec?.template.spec?.containers[0];
    const args = parseArgs(mergeCommand, merge?.args ?? []);
    expect(args.results).toEqual(Array.from({ length: n }, (_, i) => `/results/shard-${i}`));
    expect(args).toMatchObject({ scenario: '/scenario/scenario.ts', out: '/results/merged' });
  });

  it("the ConfigMap's scenario loads and validates", async () => {
    const text = new ConfigMap(one('ConfigMap', 'fleetbench-scenario')).data?.['scenario.ts'];
    if (!text) throw new Error('no scenario.ts in the ConfigMap');
    const dir = join(ROOT, 'test', '.tmp');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `k8s-scenario-${process.pid}.ts`);
    writeFileSync(file, text);
    const { plan } = await loadScenario(file);
    expect(plan.groups.map((g) => g.name)).toEqual(['sensors', 'backend']);
    expect(plan.thresholds.length).toBe(2);
  });
});
