// `fleetbench compare` on two real runs against the embedded MQTT broker: the same fleet sending
// at 250/s (baseline) and at 125/s (candidate). The two runs go through the real executable; the
// compare command lines then go through the CLI's entry (main(), as the executable calls it), all
// in one process (test/helpers/cli-batch.ts): one start-up instead of one per command line.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.ts';
import { BATCH_KILL_MS, type BatchOutcome, cliBatch } from '../helpers/cli-batch.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const NO_STACK = /^\s+at .+:\d+:\d+\)?$/m;
const OUT = join(TMP_DIR, `compare-${process.pid}`);

/** 5 devices × 100 QoS 1 messages, one every `interval`, watched by one observer; returns the results.json path. */
async function runOnce(name: string, interval: string): Promise<string> {
  const file = writeScenario(
    name,
    `export default defineScenario({
      name: 'compare-broker', duration: '20s', drain: '500ms',
      fleets: { sensors: { count: 5, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/s/{id}', send: every('${interval}'), messages: 100, payload: bytes(32) } },
      observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
    });`,
  );
  const r = await runCli(['run', file, '-q', '--out', OUT]);
  expect(r.code, r.stderr).toBe(0);
  const path = /^results: (.+)$/m.exec(r.stdout)?.[1];
  expect(path).toBeDefined();
  return path as string;
}

const read = (path: string): RunResult => JSON.parse(readFileSync(path, 'utf8')) as RunResult;

describe('fleetbench compare', () => {
  let baseline: string;
  let candidate: string;
  const json = join(OUT, 'comparison.json');
  const missing = join(OUT, 'no-such', 'results.json');
  const broken = join(OUT, 'broken.json');
  /** Each test's compare command lines, run in one batch once both results exist. */
  const lines = () => ({
    regression: ['compare', baseline, candidate, '--max-regression', 'throughput=5%', '--json', json],
    itself: ['compare', baseline, dirname(baseline)],
    missing: ['compare', baseline, missing],
    notJson: ['compare', broken, baseline],
    other: ['compare', baseline, 'package.json'],
    badLimit: ['compare', baseline, candidate, '--max-regression', 'p98=10%'],
  });
  let out!: Record<keyof ReturnType<typeof lines>, BatchOutcome>;
  beforeAll(async () => {
    baseline = await runOnce('compare-fast', '20ms');
    candidate = await runOnce('compare-slow', '40ms');
    mkdirSync(OUT, { recursive: true });
    writeFileSync(broken, '{"schema": "fleetbench.result/1", ');
    const named = lines();
    const names = Object.keys(named) as (keyof typeof named)[];
    const outcomes = await cliBatch(names.map((n) => named[n]));
    out = Object.fromEntries(names.map((n, i) => [n, outcomes[i]])) as typeof out;
  }, 120_000 + BATCH_KILL_MS);

  it('marks the throughput drop ✗, prints the verdict and exits 1', () => {
    const r = out.regression;
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toContain(`baseline:  ${baseline} (compare-broker, sha256 `);
    expect(r.stdout).toMatch(/^sensors\s+p50 \(e2e\)\s/m);
    expect(r.stdout).toMatch(/^\s+throughput\s+[\d.]+\/s\s+[\d.]+\/s\s+-[\d.]+%\s+-5%\s+✗$/m);
    expect(r.stdout).toMatch(/^backend\s+received\s/m);
    expect(r.stdout).toMatch(
      /\nREGRESSION: 1 metric\(s\) over their limit: sensors throughput -[\d.]+% \(limit -5%\)\n$/,
    );
    // Two scenario files (different intervals): compared, with a warning.
    expect(r.stderr).toMatch(/^fleetbench: warning: the scenario file changed between the runs \(hash \w+ vs \w+\)$/m);
    // The JSON holds the same comparison, with values taken from the results.
    const cmp = JSON.parse(readFileSync(json, 'utf8'));
    const b = read(baseline);
    const c = read(candidate);
    expect(cmp.schema).toBe('fleetbench.comparison/1');
    expect(cmp.baseline.file).toBe(baseline);
    expect(cmp.regressions).toHaveLength(1);
    expect(cmp.regressions[0]).toMatchObject({
      fleet: 'sensors',
      metric: 'throughput',
      baseline: b.fleets.sensors?.rates.sentPerS,
      candidate: c.fleets.sensors?.rates.sentPerS,
      limit: 5,
      regressed: true,
    });
    // The change is the two results' own rates (nominally 250/s and 125/s, -50%; a busy machine
    // only moves the measured ones), and it is past the -5% limit.
    const [rb, rc] = [b.fleets.sensors!.rates.sentPerS, c.fleets.sensors!.rates.sentPerS];
    expect(cmp.regressions[0].change).toBeCloseTo(((rc - rb) * 100) / rb, 4);
    expect(cmp.regressions[0].change).toBeLessThan(-5);
    // One receiver: the percentiles from the histograms are the result's own.
    const p99 = cmp.rows.find((x: { fleet: string; metric: string }) => x.fleet === 'sensors' && x.metric === 'p99');
    expect(p99).toMatchObject({
      source: 'e2e',
      baseline: b.delivery[0]?.latency.corrected.p99,
      candidate: c.delivery[0]?.latency.corrected.p99,
      regressed: false,
    });
  });

  it('finds no regression comparing a run with itself, given its folder, with the default limits', () => {
    const r = out.itself;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sensors\s+p50 \(e2e\)\s+\S+\s+\S+\s+0\.0%\s+\+100%\s+✓$/m);
    expect(r.stdout).toMatch(/^\s+p99 \(e2e\)\s+\S+\s+\S+\s+0\.0%\s*$/m);
    expect(r.stdout).toMatch(/^\s+throughput\s+\S+\s+\S+\s+0\.0%\s+-10%\s+✓$/m);
    // Loss, errors and the delivery promise are gated by default.
    expect(r.stdout).toMatch(/^\s+loss\s+0%\s+0%\s+0pp\s+\+0\.1pp\s+✓$/m);
    expect(r.stdout).toMatch(/^\s+errors\s+0\s+0\s+0\.0%\s+\+0%\s+✓$/m);
    expect(r.stdout).toMatch(/^\s+promise sensors → backend\s+kept\s+kept\s+kept\s+✓$/m);
    expect(r.stdout).toMatch(/\nno regression\n$/);
    expect(r.stderr).toBe('');
  });

  it('names a missing file, exit 2, no stack', () => {
    const r = out.missing;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`fleetbench: ${missing}: cannot read the results file: no such file`);
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('names a file that is not JSON or not a fleetbench result, exit 2', () => {
    const { notJson, other } = out;
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`fleetbench: ${broken}: not a fleetbench result: not valid JSON`);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain(
      'fleetbench: package.json: not a fleetbench result: no "schema" field, expected "fleetbench.result/1"',
    );
  });

  it('rejects a bad --max-regression, exit 2, listing the valid metrics', () => {
    const r = out.badLimit;
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--max-regression: unknown metric "p98"');
    expect(r.stderr).toContain(
      'valid metrics: p50, p90, p99, p999, max, throughput, received, loss, errors, bytes, energy',
    );
    expect(r.stdout).toBe('');
  });
});
