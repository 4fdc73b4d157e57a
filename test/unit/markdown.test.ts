// The Markdown verdict for a CI job summary: pass or fail with each failed check, the thresholds,
// each group's figures, the errors (cells that stay one table cell) and the files; and the
// verdict of a run that ended in an error. JUnit for that run is checked with xmllint.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { errorJUnit } from '../../src/result/junit.ts';
import { errorMarkdown, runMarkdown } from '../../src/result/markdown.ts';
import {
  type DeliveryResult,
  type FleetResult,
  RESULT_SCHEMA,
  type RunResult,
  type ThresholdOutcome,
} from '../../src/result/types.ts';
import { delivery as sharedDelivery } from '../helpers/results.ts';

const EMPTY = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: 0 };
const P99 = { ...EMPTY, count: 100, p50: 3_000, p99: 42_000, max: 50_000 };

function fleet(kind: FleetResult['kind'], sent: number, received: number): FleetResult {
  return {
    kind,
    protocol: 'proto',
    target: 'proto',
    count: 5,
    devicesRun: 5,
    devices: {
      peakConnected: 4,
      connects: 4,
      connectFailed: 1,
      disconnects: 0,
      faulted: 0,
      reconnectAttempts: 0,
      reconnects: 0,
      unrecovered: 0,
      downtimeS: 0,
    },
    messages: {
      sent,
      acked: 0,
      late: 0,
      dropped: 0,
      oversize: 0,
      received,
      unstamped: 0,
      repliesSent: 0,
      repliesReceived: 0,
      unsent: 0,
      inDoubt: 0,
      resent: 0,
    },
    rates: { sentPerS: 10, receivedPerS: 10 },
    bytes: {
      sent: 0,
      received: 0,
      sentPerMessage: null,
      receivedPerMessage: null,
      sentPerDelivered: null,
      perDevice: { sent: 0, received: 0, minSent: 0, maxSent: 0, minReceived: 0, maxReceived: 0 },
    },
    latency: {},
  };
}

/** The shared fixture's delivery row, with a latency the verdict reads its p99 from. */
function delivery(from: string, to: string, expected: number, lost: number): DeliveryResult {
  return { ...sharedDelivery(from, to, expected, lost), latency: { corrected: P99, service: P99 } };
}

function threshold(over: Partial<ThresholdOutcome>): ThresholdOutcome {
  return {
    key: 'gps.e2e_latency',
    expression: 'p(99) < 50ms',
    group: 'gps',
    metric: 'e2e_latency',
    passed: true,
    actual: 42_000,
    actualText: '42.00ms',
    limitText: '50.00ms',
    abortOnFail: false,
    message: 'measured 42.00ms, limit < 50.00ms',
    ...over,
  };
}

function result(over: Partial<RunResult> = {}, partialReason: string | null = null): RunResult {
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: 'factory', file: 'scenarios/factory.ts', hash: '0123' },
    run: {
      id: 'a1b2c3',
      startedAt: '2025-03-04T05:06:07.890Z',
      endedAt: '2025-03-04T05:06:20.235Z',
      elapsedMs: 12_345,
      durationMs: 10_000,
      partial: partialReason !== null,
      partialReason,
      seed: 42,
      workers: 2,
      shard: { index: 0, count: 1 },
    },
    environment: { fleetbench: '9.9.9', node: 'v20', platform: 'linux-x64', cpus: 2, memoryBytes: 1 },
    targets: {},
    fleets: { gps: fleet('fleet', 200, 0), backend: fleet('observer', 0, 190) },
    delivery: [delivery('gps', 'backend', 200, 10)],
    warnings: [],
    servers: {},
    errors: [],
    codes: {},
    timeline: [],
    histograms: {},
    ...over,
  };
}

/** Cells of a Markdown table row: split on pipes that are not escaped. */
const cells = (row: string): string[] =>
  row
    .slice(1, -1)
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

describe('runMarkdown', () => {
  it('says passed, and lists thresholds, groups with sent/received/loss/p99, and the files', () => {
    const md = runMarkdown(result({ thresholds: [threshold({})] }), {
      results: 'out/r/results.json',
      report: 'out/r/report.html',
      junit: 'out/r/junit.xml',
    });
    const lines = md.split('\n');
    expect(lines[0]).toBe('### fleetbench `factory`: ✅ passed');
    expect(md).toContain('`scenarios/factory.ts` · run `a1b2c3` · 2025-03-04 05:06:07 UTC · 12.3 s on 2 worker(s)');
    expect(md).toContain('| gps.e2e_latency | `p(99) < 50ms` | 42.00ms | 50.00ms | ✅ |');
    expect(lines).toContain('| group | kind | connected | sent | received | loss | p99 | errors |');
    // The sender's loss as its receivers saw it, its p99 end to end (one receiver).
    expect(lines).toContain('| gps | fleet/proto | 4/5 | 200 | 0 | 5% (10) | 42.00ms (e2e) | 0 |');
    expect(lines).toContain('| backend | observer/proto | 4/5 | 0 | 190 | 5% (10) | 42.00ms (e2e) | 0 |');
    expect(md).toContain(
      '- results.json: `out/r/results.json`\n- report.html: `out/r/report.html`\n- junit.xml: `out/r/junit.xml`',
    );
    expect(md.endsWith('`\n')).toBe(true);
  });

  it('says FAILED and names every failed check: thresholds and a partial run', () => {
    const md = runMarkdown(
      result(
        {
          thresholds: [
            threshold({}),
            threshold({
              key: 'loss',
              group: undefined,
              expression: 'rate == 0',
              passed: false,
              actualText: '0.05',
              limitText: '0',
              message: 'measured 0.05, limit == 0',
            }),
          ],
        },
        'aborted: threshold loss failed',
      ),
    );
    expect(md.split('\n')[0]).toBe('### fleetbench `factory`: ❌ FAILED (2 failed checks)');
    expect(md).toContain('- **loss: rate == 0**: measured 0.05, limit == 0\n');
    expect(md).toContain('- **run completed**: partial run: aborted: threshold loss failed\n');
    expect(md).toContain('| loss | `rate == 0` | 0.05 | 0 | ❌ |');
    expect(md).not.toContain('Files:');
  });

  it('keeps an error message with pipes and newlines in one cell, and its group total', () => {
    const md = runMarkdown(
      result({
        errors: [
          { group: 'gps', code: 'E|X', count: 3, message: 'bad | thing\nsecond line' },
          { group: 'gps', code: 'EY', count: 4, message: 'other' },
        ],
      }),
    );
    const row = md.split('\n').find((l) => l.startsWith('| gps | `E'));
    expect(row).toBe('| gps | `E\\|X` | 3 | bad \\| thing second line |');
    expect(cells(row as string)).toHaveLength(4);
    expect(md).toContain('| gps | fleet/proto | 4/5 | 200 | 0 | 5% (10) | 42.00ms (e2e) | 7 |');
  });

  it('says which run ended in an error, with the message in a code block', () => {
    const md = errorMarkdown(
      { scenario: 'factory', file: 'f.ts', message: 'target x: refused\n  ```nested```', exitCode: 2 },
      { junit: 'out/junit.xml' },
    );
    expect(md).toBe(
      [
        '### fleetbench `factory`: ❌ ERROR (exit 2)',
        '',
        '`f.ts`: the run did not complete:',
        '',
        '```',
        "target x: refused\n  '''nested'''",
        '```',
        '',
        'Files:',
        '- junit.xml: `out/junit.xml`',
        '',
      ].join('\n'),
    );
  });
});

describe('errorJUnit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleetbench-junit-error-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is one failed case carrying the message, well-formed for xmllint', () => {
    const file = join(dir, 'junit.xml');
    const message = 'x://u:***@h:1: cannot connect: <refused> & "gone"\n  second line';
    writeFileSync(
      file,
      errorJUnit({ scenario: 'fac<tory>', message, code: 'FB_CONNECT_REFUSED', startedAt: '2025-03-04T05:06:07.890Z' }),
    );
    execFileSync('xmllint', ['--noout', file], { stdio: ['ignore', 'pipe', 'pipe'] });
    const xpath = (e: string): string =>
      execFileSync('xmllint', ['--xpath', e, file], { encoding: 'utf8' }).replace(/\n$/, '');
    expect(xpath('string(/testsuites/@tests)')).toBe('1');
    expect(xpath('string(/testsuites/@failures)')).toBe('1');
    expect(xpath('string(//testsuite/@name)')).toBe('fac<tory>');
    expect(xpath('string(//testcase/@classname)')).toBe('fleetbench.fac<tory>.run');
    expect(xpath('string(//testcase/@name)')).toBe('run completed');
    expect(xpath('string(//failure/@type)')).toBe('FB_CONNECT_REFUSED');
    expect(xpath('string(//failure/@message)')).toBe('x://u:***@h:1: cannot connect: <refused> & "gone"');
    expect(xpath('string(//failure)')).toBe(message);
    expect(xpath('string(//property[@name="error.code"]/@value)')).toBe('FB_CONNECT_REFUSED');
  });
});
