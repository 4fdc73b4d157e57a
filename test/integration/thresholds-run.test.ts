// Thresholds through the real CLI, as a CI job runs it: a failing threshold exits 1 and its
// JUnit test case carries the failure; abortOnFail stops a run early; a malformed threshold is
// a user mistake (exit 2) named by its key.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../../src/result/types.ts';
import { DRAIN, runCli, writeScenario } from '../helpers/scenario.ts';

function scenario(name: string, duration: string, thresholds: string): string {
  return writeScenario(
    name,
    `export default defineScenario({
      name: '${name}', duration: '${duration}', drain: '${DRAIN}',
      fleets: { gps: { count: 4, protocol: mqtt({ qos: 1 }), topic: 'th/{run}/{id}', send: every('50ms'), payload: bytes(24) } },
      observers: { backend: { protocol: mqtt({ qos: 1 }), receives: ['gps'] } },
      thresholds: ${thresholds},
    });`,
  );
}

function outputs(dir: string): { result: RunResult; junit: string; junitPath: string } {
  const run = readdirSync(dir).filter((d) => d !== 'latest')[0] as string;
  const junitPath = join(dir, run, 'junit.xml');
  return {
    result: JSON.parse(readFileSync(join(dir, run, 'results.json'), 'utf8')) as RunResult,
    junit: readFileSync(junitPath, 'utf8'),
    junitPath,
  };
}

const xpath = (file: string, expr: string): string =>
  execFileSync('xmllint', ['--xpath', expr, file], { encoding: 'utf8' }).trim();

describe('thresholds in a CI-style run', () => {
  it('a threshold failed on purpose exits 1; results.json and junit.xml say which, and why', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-th-'));
    const file = scenario(
      'th-ci',
      '2s',
      `{ 'gps.ack_latency': ['p(99) < 5s', 'p(50) < 1us'], 'gps.loss': ['rate < 0.001'], connect_errors: ['count == 0'] }`,
    );
    const cli = await runCli(['run', file, '-q', '--out', out]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toMatch(/^gps\.ack_latency\s+p\(50\) < 1us\s+\S+\s+✗ limit 1µs$/m);
    expect(cli.stdout).toMatch(/thresholds: 1 of 4 FAILED/);
    const { result, junitPath } = outputs(out);
    expect(result.thresholds!.map((t) => [t.key, t.expression, t.passed])).toEqual([
      ['gps.ack_latency', 'p(99) < 5s', true],
      ['gps.ack_latency', 'p(50) < 1us', false],
      ['gps.loss', 'rate < 0.001', true],
      ['connect_errors', 'count == 0', true],
    ]);
    // The measured p(50) is the ack histogram's, in µs, far above the 1 µs limit.
    const failed = result.thresholds![1]!;
    expect(failed.actual).toBeGreaterThan(1);
    // Well-formed JUnit: one test case per health check and per threshold, the failing one with a <failure>.
    execFileSync('xmllint', ['--noout', junitPath]);
    expect(xpath(junitPath, 'string(/testsuites/testsuite/@tests)')).toBe('12');
    expect(xpath(junitPath, 'string(/testsuites/testsuite/@failures)')).toBe('1');
    expect(xpath(junitPath, 'string(//testcase[failure]/@name)')).toBe('gps.ack_latency: p(50) < 1us');
    expect(xpath(junitPath, 'string(//testcase[failure]/failure/@message)')).toContain(failed.actualText);
  });

  it('all thresholds passing exits 0 and JUnit has no failure', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-th-'));
    const cli = await runCli([
      'run',
      scenario('th-pass', '1s', `{ 'gps.e2e_latency': ['p(99) < 10s'], 'gps.duplicates': ['== 0'] }`),
      '-q',
      '--out',
      out,
    ]);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('thresholds: all 2 passed');
    const { junitPath } = outputs(out);
    expect(xpath(junitPath, 'string(/testsuites/testsuite/@failures)')).toBe('0');
    // Eight health checks, then the two thresholds.
    expect(xpath(junitPath, 'count(//testcase)')).toBe('10');
    expect(xpath(junitPath, 'count(//testcase[starts-with(@name, "health: ")])')).toBe('8');
  });

  it('abortOnFail stops the run early with a partial result that names the threshold, exit 1', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-th-'));
    const file = scenario(
      'th-abort',
      '60s',
      `{ 'gps.ack_latency': [{ threshold: 'p(50) < 1us', abortOnFail: true, delayAbortEval: '1s' }] }`,
    );
    // Allowed to run its whole 60 s, so that a run that does not stop fails the assertions below.
    const cli = await runCli(['run', file, '-q', '--out', out], { timeoutMs: 90_000 });
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain("threshold gps.ack_latency: 'p(50) < 1us' failed");
    const { result, junitPath } = outputs(out);
    expect(result.run.partial).toBe(true);
    // JUnit: the threshold and the cut-short run both fail.
    expect(xpath(junitPath, 'string(/testsuites/testsuite/@failures)')).toBe('2');
    expect(xpath(junitPath, 'string(//testcase[@name="run completed"]/failure/@type)')).toBe('partial');
    expect(result.run.partialReason).toMatch(/^aborted: threshold gps\.ack_latency 'p\(50\) < 1us' failed/);
    // Stopped early: well before the planned 60 s (the threshold is judged once a second after 1 s).
    expect(result.run.elapsedMs).toBeLessThan(60_000 / 2);
    expect(result.thresholds![0]!.passed).toBe(false);
  });

  it('a malformed threshold is refused before connecting, naming the key (exit 2)', async () => {
    const cli = await runCli([
      'run',
      scenario('th-bad', '1s', `{ 'gps.e2e_latency': ['p(99) <'], 'gsp.loss': ['rate < 0.1'] }`),
      '-q',
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('thresholds["gps.e2e_latency"][0]');
    expect(cli.stderr).toContain('thresholds["gsp.loss"]');
    expect(cli.stderr).not.toMatch(/at .*\.ts:\d+/);
  });
});
