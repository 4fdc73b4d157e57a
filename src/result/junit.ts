// JUnit XML for CI (the Jenkins/GitLab schema): one test case per default health check and per
// threshold, failed when it failed, so a pipeline shows which check or limit broke and by how
// much. Without thresholds, a 'run completed' case fails when the run was cut short. A group
// that lost connections has a case with its figures, failed when devices stayed down.

import { type OutageRow, outageLine, outageRows, unrecoveredText } from './outages.ts';
import type { RunResult, ThresholdOutcome } from './types.ts';
import { unreadLines } from './unread.ts';

interface TestCase {
  classname: string;
  name: string;
  failure?: { message: string; type: string; body: string };
  /** What the case measured, shown by CI servers beside it (`<system-out>`). */
  out?: string;
}

export function toJUnit(result: RunResult, outcomes: readonly ThresholdOutcome[]): string {
  const scenario = result.scenario.name;
  const health: TestCase[] = (result.health ?? []).map((h) => ({
    classname: `fleetbench.${scenario}.health`,
    name: `health: ${h.name}`,
    ...(h.passed ? {} : { failure: { message: h.message, type: 'health', body: `${h.name}\n${h.message}` } }),
  }));
  const cases: TestCase[] = outcomes.map((o) => ({
    classname: `fleetbench.${scenario}.${o.group ?? 'run'}`,
    name: `${o.key}: ${o.expression}`,
    ...(o.passed
      ? {}
      : { failure: { message: o.message, type: 'threshold', body: `${o.key}: ${o.expression}\n${o.message}` } }),
  }));
  // Without thresholds, the run itself is the test; a partial run fails it even when thresholds
  // held on the shortened data.
  if (outcomes.length === 0 || result.run.partial) cases.push(completed(result));
  cases.unshift(...health);
  cases.push(...outageRows(result).map((r) => connections(scenario, r)));
  const time = (result.run.elapsedMs / 1000).toFixed(3);
  const properties: [string, string][] = [
    ['scenario.hash', result.scenario.hash],
    ['run.id', result.run.id],
    ['run.partial', String(result.run.partial)],
    ['run.seed', String(result.run.seed)],
  ];
  if (result.run.partialReason !== null) properties.push(['run.partialReason', result.run.partialReason]);
  // Sent (written to the kernel) but not shown read by the peer at close: the rate leaves them out.
  for (const u of unreadLines(result))
    properties.push([`unread.${u.group}.messages`, String(u.messages)], [`unread.${u.group}.bytes`, String(u.bytes)]);
  return suite(scenario, cases, time, result.run.startedAt, properties);
}

/**
 * A run that ended in an error before it had a result (a refused or unreachable target, a bad
 * target URL, a scenario that does not load): one failed case carrying the message, so a CI
 * test reporter shows why instead of nothing.
 */
export function errorJUnit(failure: { scenario: string; message: string; code: string; startedAt: string }): string {
  const kase: TestCase = {
    classname: `fleetbench.${failure.scenario}.run`,
    name: 'run completed',
    failure: { message: failure.message.split('\n')[0] ?? '', type: failure.code, body: failure.message },
  };
  return suite(failure.scenario, [kase], '0.000', failure.startedAt, [['error.code', failure.code]]);
}

function suite(
  scenario: string,
  cases: readonly TestCase[],
  time: string,
  startedAt: string,
  properties: readonly [string, string][],
): string {
  const failures = cases.filter((c) => c.failure).length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="fleetbench" tests="${cases.length}" failures="${failures}" time="${time}">`,
    // The schema's timestamp is a date-time without a zone; startedAt is UTC.
    `  <testsuite name="${attr(scenario)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${time}" timestamp="${attr(startedAt.slice(0, 19))}" hostname="fleetbench">`,
    '    <properties>',
    ...properties.map(([name, value]) => `      <property name="${attr(name)}" value="${attr(value)}"/>`),
    '    </properties>',
    ...cases.map(testCase),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function completed(result: RunResult): TestCase {
  const run: TestCase = { classname: `fleetbench.${result.scenario.name}.run`, name: 'run completed' };
  if (!result.run.partial) return run;
  const reason = result.run.partialReason ?? 'the run stopped early';
  return {
    ...run,
    failure: { message: `partial run: ${reason}`, type: 'partial', body: `the run stopped before its end: ${reason}` },
  };
}

/**
 * A group that lost connections: its figures for the record, failed only when devices were still
 * down at the end. Whether a recovered outage is acceptable is for the thresholds and health
 * checks to say, not this case.
 */
function connections(scenario: string, r: OutageRow): TestCase {
  const kase: TestCase = {
    classname: `fleetbench.${scenario}.${r.group}`,
    name: `connections: ${r.group}`,
    out: `${r.group}: ${outageLine(r)}`,
  };
  if (r.unrecovered === 0) return kase;
  const message = unrecoveredText(r);
  return { ...kase, failure: { message, type: 'unrecovered', body: `${r.group}: ${message}` } };
}

function testCase(c: TestCase): string {
  const open = `    <testcase classname="${attr(c.classname)}" name="${attr(c.name)}" time="0"`;
  if (!c.failure && c.out === undefined) return `${open}/>`;
  const children: string[] = [];
  // The schema's order: failure before system-out.
  if (c.failure) {
    const { message, type, body } = c.failure;
    children.push(`      <failure message="${attr(message)}" type="${attr(type)}">${text(body)}</failure>`);
  }
  if (c.out !== undefined) children.push(`      <system-out>${text(c.out)}</system-out>`);
  return `${open}>\n${children.join('\n')}\n    </testcase>`;
}

/** Characters XML 1.0 does not allow at all (control characters, lone surrogates, U+FFFE/U+FFFF): dropped. */
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
  '\r': '&#13;',
};

/** Character data: markup escaped, invalid characters dropped; \r kept as a reference, which parsers would otherwise turn into \n. */
function text(s: string): string {
  return s.replace(INVALID_XML, '').replace(/[&<>"'\r]/g, (c) => ENTITIES[c] as string);
}

/** An attribute value: as text, and tabs and newlines as references, since parsers turn literal ones into spaces. */
function attr(s: string): string {
  return text(s).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;');
}
