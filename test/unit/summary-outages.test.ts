// The console summary of a run with outages: a "connections" table with the causes, reconnects,
// reconnect latency, downtime and the devices still down (flagged as a problem), an `unsent`
// column in the delivery table and the allowances a kept promise used. The same run without
// outages prints none of it, and both fit 120 columns (a CI log).
import { describe, expect, it } from 'vitest';
import { DEFAULT_WIDTH } from '../../src/cli/format.ts';
import { summary } from '../../src/cli/summary.ts';
import type { DeliveryResult, RunResult } from '../../src/result/types.ts';
import { outageResult, quietResult } from '../helpers/outages.ts';

const lines = (text: string): string[] => text.split('\n');
/** The line of a table whose first cell is `first`, after the heading line that starts with `heading`. */
function rowAfter(text: string, heading: string, first: string): string {
  const all = lines(text);
  const at = all.findIndex((l) => l.startsWith(`${heading} `));
  expect(at, `heading ${heading}`).toBeGreaterThanOrEqual(0);
  const row = all.slice(at + 2).find((l) => l.startsWith(`${first} `));
  expect(row, `row ${first} under ${heading}`).toBeDefined();
  return row as string;
}
const cells = (row: string): string[] => row.trim().split(/ {2,}/);

describe('console summary with outages', () => {
  // Unbounded, every table is one grid; the widths the console has are checked below.
  const text = summary(outageResult());

  it('prints a connections table: causes, reconnects of attempts, latency, downtime, unsent, unrecovered', () => {
    const header = lines(text).find((l) => l.startsWith('connections '));
    expect(cells(header as string)).toEqual([
      'connections',
      'disconnects (causes)',
      'reconnects/tries',
      'reconnect p50/p99',
      'down (device-s)',
      'unsent',
      'unrecovered',
    ]);
    expect(cells(rowAfter(text, 'connections', 'gps'))).toEqual([
      'gps',
      '12 (reset 10, injected_kill 2)',
      '11 / 15',
      '1.00s / 4.50s',
      '34.5',
      '40',
      '✗ 1',
    ]);
    // backend lost nothing: gps is the table's only row.
    const all = lines(text);
    const at = all.findIndex((l) => l.startsWith('connections '));
    const rows = all.slice(at + 2, all.indexOf('', at)).filter((l) => !l.startsWith(' '));
    expect(rows).toEqual([rowAfter(text, 'connections', 'gps')]);
  });

  it('prints the devices still down as a problem', () => {
    expect(text).toContain('  UNRECOVERED gps: 1 of 20 device(s) lost their connection and were still down at the end');
  });

  it('gives the delivery table an unsent column and names the allowances a kept promise used', () => {
    const header = lines(text).find((l) => l.startsWith('delivery '));
    expect(cells(header as string).slice(0, 4)).toEqual(['delivery', 'promise', 'unsent', 'expected']);
    const row = cells(rowAfter(text, 'delivery', 'gps → backend'));
    expect(row.slice(0, 5)).toEqual(['gps → backend', 'QoS 1', '40', '1000', '997']);
    expect(row[row.length - 1]).toBe('✓ 3 in doubt, 2 resent');
  });

  it('on a broken promise, adds only the allowances the violations do not name', () => {
    const r = outageResult();
    const d = r.delivery[0] as DeliveryResult;
    d.lost = 5;
    d.verdict = { kept: false, violations: ['2 lost (besides 3 in doubt)'] };
    const row = cells(rowAfter(summary(r), 'delivery', 'gps → backend'));
    expect(row[row.length - 1]).toBe('✗ 2 lost (besides 3 in doubt), 2 resent');
  });

  it('says "other" for disconnects without a recorded cause, and "-" without a reconnect', () => {
    const r: RunResult = outageResult();
    r.codes = { 'gps|lost|reset': 4, 'gps|disconnect|142': 1 };
    const gps = r.fleets.gps as RunResult['fleets'][string];
    gps.devices.reconnects = 0;
    gps.latency = {};
    const row = cells(rowAfter(summary(r), 'connections', 'gps'));
    expect(row.slice(1, 4)).toEqual(['12 (reset 4, other 8)', '0 / 15', '-']);
  });

  it('fits 120 columns, the connections table without wrapping', () => {
    const wide = summary(outageResult(), DEFAULT_WIDTH);
    expect(lines(wide).filter((l) => l.startsWith('connections '))).toHaveLength(1);
    for (const l of lines(wide)) expect([...l].length, l).toBeLessThanOrEqual(DEFAULT_WIDTH);
    for (const l of lines(summary(outageResult(), 70))) expect([...l].length, l).toBeLessThanOrEqual(70);
  });
});

describe('console summary without outages', () => {
  const text = summary(quietResult(), DEFAULT_WIDTH);

  it('prints no connections table, no unsent column and no allowances', () => {
    expect(text).not.toMatch(/connections|unsent|UNRECOVERED|in doubt|resent/);
    const header = lines(text).find((l) => l.startsWith('delivery '));
    expect(cells(header as string).slice(0, 3)).toEqual(['delivery', 'promise', 'expected']);
    expect(cells(rowAfter(text, 'delivery', 'gps → backend')).pop()).toBe('✓');
  });

  it('an outage without figures is not shown, a device still down is', () => {
    const r = quietResult();
    (r.fleets.gps as RunResult['fleets'][string]).devices.unrecovered = 2;
    expect(summary(r, DEFAULT_WIDTH)).toContain('UNRECOVERED gps: 2 of 20');
  });
});
