// The CI outputs of a run with outages: the Markdown verdict lists each group that lost
// connections on one line (❌ when devices stayed down), and JUnit has a 'connections: <group>'
// case with the figures in its system-out, failed only for devices still down (xmllint reads it
// as a CI server would). A run without outages gets neither.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toJUnit } from '../../src/result/junit.ts';
import { runMarkdown } from '../../src/result/markdown.ts';
import type { RunResult } from '../../src/result/types.ts';
import { outageResult, quietResult } from '../helpers/outages.ts';

const dir = mkdtempSync(join(tmpdir(), 'fleetbench-outages-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
/** The XML written to a file that xmllint finds well-formed. */
function wellFormed(xml: string): string {
  const file = join(dir, `junit-${files++}.xml`);
  writeFileSync(file, xml);
  execFileSync('xmllint', ['--noout', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  return file;
}
const xpath = (file: string, expression: string): string =>
  execFileSync('xmllint', ['--xpath', expression, file], { encoding: 'utf8' }).replace(/\n$/, '');

const GPS_LINE =
  '12 lost (reset 10, injected_kill 2), 11 reconnected (15 attempts, p50 1.00s, p99 4.50s), downtime 34.5 device-s, 40 sends not made while down, 1 unrecovered';

/** The outage run with every device back at the end. */
function recovered(): RunResult {
  const r = outageResult();
  const gps = r.fleets.gps as RunResult['fleets'][string];
  gps.devices.unrecovered = 0;
  gps.devices.reconnects = 12;
  return r;
}

describe('Markdown verdict', () => {
  it('lists each group that lost connections, ❌ when devices stayed down', () => {
    const md = runMarkdown(outageResult());
    expect(md).toContain(`Connections lost:\n- ❌ **gps**: ${GPS_LINE}\n`);
    expect(md).not.toContain('**backend**');
    expect(runMarkdown(recovered())).toContain('- **gps**: 12 lost (reset 10, injected_kill 2), 12 reconnected');
  });

  it('says nothing of connections for a run without outages', () => {
    expect(runMarkdown(quietResult())).not.toMatch(/Connections|lost \(|reconnected|unrecovered/);
  });
});

describe('JUnit', () => {
  it('fails the connections case of a group with devices still down, with the figures in system-out', () => {
    const file = wellFormed(toJUnit(outageResult(), []));
    const kase = "//testcase[@name='connections: gps']";
    expect(xpath(file, `string(${kase}/@classname)`)).toBe('fleetbench.outage.gps');
    expect(xpath(file, `string(${kase}/failure/@type)`)).toBe('unrecovered');
    expect(xpath(file, `string(${kase}/failure/@message)`)).toBe(
      '1 of 20 device(s) lost their connection and were still down at the end',
    );
    expect(xpath(file, `string(${kase}/system-out)`)).toBe(`gps: ${GPS_LINE}`);
    expect(xpath(file, "count(//testcase[@name='connections: backend'])")).toBe('0');
    // run completed (no thresholds) and connections: gps; one failure.
    expect(xpath(file, 'string(/testsuites/@tests)')).toBe('2');
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('1');
  });

  it('passes the connections case of a group whose devices all came back', () => {
    const file = wellFormed(toJUnit(recovered(), []));
    const kase = "//testcase[@name='connections: gps']";
    expect(xpath(file, `count(${kase}/failure)`)).toBe('0');
    expect(xpath(file, `string(${kase}/system-out)`)).toMatch(/^gps: 12 lost .*, 0 unrecovered$/);
    expect(xpath(file, 'string(/testsuites/@failures)')).toBe('0');
  });

  it('has no connections case for a run without outages', () => {
    const xml = toJUnit(quietResult(), []);
    expect(xml).not.toContain('connections');
    expect(xml).not.toContain('system-out');
  });
});
