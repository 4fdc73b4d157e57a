// `fleetbench compare` as CI uses it: warnings when the two setups differ and --strict failing on
// them, loss, errors and broken promises gated by default, and `run --repeat 3` against the
// embedded broker recording a spread that compare shows. The runs go through the real executable;
// each test's compare command lines go through the CLI's entry (main(), as the executable calls
// it) in one process (test/helpers/cli-batch.ts): one start-up per test instead of one per line.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.ts';
import { type BatchOutcome, cliBatch } from '../helpers/cli-batch.ts';
import { runCli, TMP_DIR, writeScenario } from '../helpers/scenario.ts';

const OUT = join(TMP_DIR, `compare-gates-${process.pid}`);

function tinyScenario(): string {
  return writeScenario(
    'compare-gates',
    `export default defineScenario({
      name: 'compare-gates', duration: '1s', drain: '500ms',
      fleets: { sensors: { count: 3, protocol: mqtt({ qos: 1 }), topic: 'fbtest/{run}/g/{id}', send: every('50ms'), payload: bytes(32) } },
      observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['sensors'] } },
    });`,
  );
}

/** A copy of `source` changed by `edit`, written beside it; returns its path. */
function variant(source: string, name: string, edit: (r: RunResult) => void): string {
  const r = JSON.parse(readFileSync(source, 'utf8')) as RunResult;
  edit(r);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, `${name}.json`);
  writeFileSync(file, JSON.stringify(r));
  return file;
}

/** Command lines in one batch; their outcomes, one per line, in order. */
async function batch<T extends string[][]>(...lines: T): Promise<{ [K in keyof T]: BatchOutcome }> {
  return (await cliBatch(lines)) as { [K in keyof T]: BatchOutcome };
}

describe('fleetbench compare: trust and default gates', () => {
  let scenario: string;
  let single: string;
  beforeAll(async () => {
    scenario = tinyScenario();
    const r = await runCli(['run', scenario, '-q', '--out', OUT]);
    expect(r.code, r.stderr).toBe(0);
    single = /^results: (.+)$/m.exec(r.stdout)?.[1] as string;
    expect(single).toBeDefined();
  }, 60_000);

  it('warns on stderr and in its output when the setups differ; --strict fails on it with exit 1', async () => {
    const other = variant(single, 'other-setup', (r) => {
      (r.fleets.sensors as { count: number }).count = 30;
      r.environment.fleetbench = '9.9.9';
      r.targets = { ...r.targets, extra: 'tcp://10.0.0.9:1883' };
      (r.scenario as { env?: Record<string, string> }).env = { RATE: '20/s' };
    });
    const lines = [
      'device count of sensors differs: baseline 3, candidate 30',
      'target extra differs: baseline none, candidate "tcp://10.0.0.9:1883"',
      'fleetbench version differs:',
      'environment variable RATE differs: baseline none, candidate "20/s"',
    ];
    const [loose, strict, same] = await batch(
      ['compare', single, other],
      ['compare', single, other, '--strict'],
      // The same run twice is comparable, strictly too.
      ['compare', single, single, '--strict'],
    );
    expect(loose.code, loose.stderr).toBe(0);
    for (const l of lines) {
      expect(loose.stderr).toContain(`fleetbench: warning: ${l}`);
      expect(loose.stdout).toContain(`warning: ${l}`);
    }
    expect(loose.stdout).toMatch(/\nno regression\n$/);
    expect(strict.code, strict.stderr).toBe(1);
    expect(strict.stdout).toContain('NOT COMPARABLE (--strict): the runs differ in 4 way(s), listed above');
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toBe('');
  });

  it('fails new errors, more loss and a broken promise by default, and not when named off', async () => {
    const errors = variant(single, 'errors', (r) => {
      r.errors.push({ group: 'sensors', code: 'FB_X', count: 3, message: 'x' });
    });
    const lossy = variant(single, 'lossy', (r) => {
      const d = r.delivery[0] as RunResult['delivery'][number];
      d.lost = 10;
      d.received -= 10;
      d.unique -= 10;
      d.verdict = { kept: false, violations: ['10 lost'] };
    });
    const [e, l, off] = await batch(
      ['compare', single, errors],
      ['compare', single, lossy],
      ['compare', single, lossy, '--max-regression', 'loss=off,promises=off'],
    );
    expect(e.code, e.stderr).toBe(1);
    expect(e.stdout).toMatch(/REGRESSION: 1 metric\(s\) over their limit: sensors errors 0 → 3 \(limit \+0%\)/);
    expect(l.code, l.stderr).toBe(1);
    expect(l.stdout).toMatch(/^\s+promise sensors → backend\s+kept\s+broken\s+kept\s+✗ 10 lost$/m);
    expect(l.stdout).toContain('sensors loss +');
    expect(l.stdout).toContain('sensors promise sensors → backend broken');
    expect(off.code, off.stdout).toBe(0);
  });

  it('run --repeat 3 records the median and spread of each figure; compare shows the spread', async () => {
    const r = await runCli(['run', scenario, '-q', '--repeat', '3', '--out', OUT], { timeoutMs: 90_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/^fleetbench: repeat: run \d of 3 done/gm)).toHaveLength(3);
    const path = /^results: (.+)$/m.exec(r.stdout)?.[1] as string;
    const result = JSON.parse(readFileSync(path, 'utf8')) as RunResult;
    expect(result.repeat?.runs).toBe(3);
    expect(result.repeat?.runIds).toHaveLength(3);
    expect(result.repeat?.runIds).toContain(result.run.id);
    const p99 = result.repeat?.metrics['sensors.e2e.p99'];
    expect(p99?.values).toHaveLength(3);
    const sorted = [...(p99?.values ?? [])].sort((a, b) => a - b);
    expect(p99).toMatchObject({ min: sorted[0], median: sorted[1], max: sorted[2] });
    expect(result.repeat?.metrics['sensors.throughput']?.values).toHaveLength(3);
    const [cmp, mixed] = await batch(['compare', path, path], ['compare', single, path]);
    // Compared with itself: the tighter repeated-run gate, the spreads shown, no regression.
    expect(cmp.code, cmp.stderr).toBe(0);
    expect(cmp.stdout).toContain('median of 3 runs');
    expect(cmp.stdout).toMatch(/^\s+p99 \(e2e\)\s+.*0\.0%\s+\+25%\s+✓$/m);
    // Against the single run: single-run defaults, and it reads fine.
    expect(mixed.stderr).not.toContain('internal error');
    expect([0, 1]).toContain(mixed.code);
    expect(mixed.stdout).toMatch(/^sensors\s+p50 \(e2e\)\s+.*\+100%/m);
  }, 120_000);
});
