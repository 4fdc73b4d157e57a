// JUnit XML: one test case per threshold (failed ones carry the measured value and the limit),
// a single 'run completed' case without thresholds, and text that survives a real XML parser:
// every file written here must pass `xmllint --noout` (Debian: libxml2-utils) and read back as
// the text that went in.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJUnit } from '../../src/result/junit.ts';
import { RESULT_SCHEMA, type RunResult } from '../../src/result/types.ts';
import type { ThresholdOutcome } from '../../src/thresholds/types.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetbench-junit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function result(over: { name?: string; partial?: boolean; partialReason?: string | null } = {}): RunResult {
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: over.name ?? 'factory', file: 'scenarios/factory.ts', hash: '0123456789abcdef' },
    run: {
      id: 'a1b2c3',
      startedAt: '2025-03-04T05:06:07.890Z',
      endedAt: '2025-03-04T05:06:20.235Z',
      elapsedMs: 12_345,
      durationMs: 10_000,
      partial: over.partial ?? false,
      partialReason: over.partialReason ?? null,
      seed: 42,
      workers: 2,
      shard: { index: 0, count: 1 },
    },
    environment: { fleetbench: '0.1.0', node: 'v20', platform: 'linux-x64', cpus: 2, memoryBytes: 1 },
    targets: {},
    fleets: {},
    delivery: [],
    warnings: [],
    servers: {},
    errors: [],
    codes: {},
    timeline: [],
    histograms: {},
  };
}

function outcome(over: Partial<ThresholdOutcome>): ThresholdOutcome {
  return {
    key: 'gps.e2e_latency',
    expression: 'p(99) < 50ms',
    group: 'gps',
    metric: 'e2e_latency',
    passed: true,
    actual: 12_000,
    actualText: '12.00ms',
    limitText: '50.00ms',
    abortOnFail: false,
    message: 'measured 12.00ms, limit < 50.00ms',
    ...over,
  };
}

let files = 0;
/** Writes the XML, checks it is well-formed with xmllint, and returns the file for queries. */
function wellFormed(xml: string): string {
  const file = join(dir, `junit-${files++}.xml`);
  writeFileSync(file, xml);
  // Throws (failing the test) with xmllint's complaint when the file is not well-formed.
  execFileSync('xmllint', ['--noout', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  return file;
}

/** An XPath expression evaluated by xmllint on the file: what a CI server's parser would read. */
function xpath(file: string, expression: string): string {
  // xmllint ends its answer with one newline of its own.
  return execFileSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' }).replace(/\n$/, '');
}

describe('toJUnit', () => {
  it('writes one test case per threshold, failures with measured value and limit', () => {
    const xml = toJUnit(result(), [
      outcome({}),
      outcome({
        key: 'valves.duplicates',
        expression: '== 0',
        group: 'valves',
        metric: 'duplicates',
        passed: false,
        actual: 3,
        actualText: '3',
        limitText: '0',
        message: 'measured 3, limit == 0',
      }),
      outcome({
        key: 'connect_errors',
        expression: 'count == 0',
        group: undefined,
        metric: 'connect_errors',
        passed: false,
        actual: null,
        actualText: '-',
        limitText: '0',
        message: 'no measurements',
      }),
    ]);
    expect(xml).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<testsuites name="fleetbench" tests="3" failures="2" time="12.345">',
        '  <testsuite name="factory" tests="3" failures="2" errors="0" skipped="0" time="12.345" timestamp="2025-03-04T05:06:07" hostname="fleetbench">',
        '    <properties>',
        '      <property name="scenario.hash" value="0123456789abcdef"/>',
        '      <property name="run.id" value="a1b2c3"/>',
        '      <property name="run.partial" value="false"/>',
        '      <property name="run.seed" value="42"/>',
        '    </properties>',
        '    <testcase classname="fleetbench.factory.gps" name="gps.e2e_latency: p(99) &lt; 50ms" time="0"/>',
        '    <testcase classname="fleetbench.factory.valves" name="valves.duplicates: == 0" time="0">',
        '      <failure message="measured 3, limit == 0" type="threshold">valves.duplicates: == 0',
        'measured 3, limit == 0</failure>',
        '    </testcase>',
        '    <testcase classname="fleetbench.factory.run" name="connect_errors: count == 0" time="0">',
        '      <failure message="no measurements" type="threshold">connect_errors: count == 0',
        'no measurements</failure>',
        '    </testcase>',
        '  </testsuite>',
        '</testsuites>',
        '',
      ].join('\n'),
    );
    const file = wellFormed(xml);
    expect(xpath(file, 'count(//testsuite/testcase)')).toBe('3');
    expect(xpath(file, 'count(//testcase/failure)')).toBe('2');
    expect(xpath(file, 'string(//testcase[1]/@name)')).toBe('gps.e2e_latency: p(99) < 50ms');
  });

  it('without thresholds, one passing case: run completed', () => {
    const xml = toJUnit(result(), []);
    const file = wellFormed(xml);
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('1');
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('0');
    expect(xpath(file, 'string(//testcase/@name)')).toBe('run completed');
    expect(xpath(file, 'string(//testcase/@classname)')).toBe('fleetbench.factory.run');
    expect(xpath(file, 'count(//failure)')).toBe('0');
  });

  it('without thresholds, a partial run fails run completed and says why', () => {
    const xml = toJUnit(result({ partial: true, partialReason: 'interrupted (SIGINT)' }), []);
    const file = wellFormed(xml);
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('1');
    expect(xpath(file, 'string(//testsuite/@failures)')).toBe('1');
    expect(xpath(file, 'string(//testcase/failure/@message)')).toBe('partial run: interrupted (SIGINT)');
    expect(xpath(file, 'string(//testcase/failure/@type)')).toBe('partial');
    expect(xpath(file, 'string(//property[@name="run.partial"]/@value)')).toBe('true');
    expect(xpath(file, 'string(//property[@name="run.partialReason"]/@value)')).toBe('interrupted (SIGINT)');
  });

  it('escapes markup and quotes, keeps newlines and tabs in attributes, drops characters XML 1.0 forbids', () => {
    const name = `a&b <"c"> 'd'\u0001\u001f\uFFFE\uD800 😀`;
    const message = 'line 1\nline 2\tend\r';
    const xml = toJUnit(result({ name }), [
      outcome({ key: 'gps.e2e_latency', expression: 'p(99) < 50ms && "ok"', passed: false, message }),
    ]);
    expect(xml).toContain('<testsuite name="a&amp;b &lt;&quot;c&quot;&gt; &apos;d&apos; 😀"');
    expect(xml).toContain('name="gps.e2e_latency: p(99) &lt; 50ms &amp;&amp; &quot;ok&quot;"');
    expect(xml).toContain('message="line 1&#10;line 2&#9;end&#13;"');
    for (const forbidden of ['\u0001', '\u001f', '\uFFFE']) expect(xml).not.toContain(forbidden);
    const file = wellFormed(xml);
    // Read back by a parser, every allowed character is what went in.
    expect(xpath(file, 'string(//testsuite/@name)')).toBe(`a&b <"c"> 'd' 😀`);
    expect(xpath(file, 'string(//testcase/@classname)')).toBe(`fleetbench.a&b <"c"> 'd' 😀.gps`);
    expect(xpath(file, 'string(//failure/@message)')).toBe(message);
    expect(xpath(file, 'string(//failure)')).toBe(`gps.e2e_latency: p(99) < 50ms && "ok"\n${message}`);
  });

  it('counts failures over all cases, run-wide ones under .run', () => {
    const outcomes = [
      outcome({ passed: false }),
      outcome({ passed: false, key: 'loss', group: undefined }),
      outcome({ key: 'soil.loss', group: 'soil' }),
    ];
    const file = wellFormed(toJUnit(result(), outcomes));
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('3');
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('2');
    expect(xpath(file, 'string(//testsuite/@errors)')).toBe('0');
    expect(xpath(file, 'string(//testsuite/@skipped)')).toBe('0');
    expect(xpath(file, 'string(//testcase[2]/@classname)')).toBe('fleetbench.factory.run');
    expect(xpath(file, 'string(//testcase[3]/@classname)')).toBe('fleetbench.factory.soil');
    expect(xpath(file, 'count(//testcase[3]/failure)')).toBe('0');
  });
});
