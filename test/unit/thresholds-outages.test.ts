// Thresholds on outages: lost connections, reconnects, devices still down, downtime, sends not
// made while down, messages in doubt or resent, and the reconnect latency from its histogram.
// Each is read from the group's own figures (or summed over the run), and a run without outages
// measures 0, not "no measurements", except the reconnect latency, which has no sample then.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import { createHistogram, recordUs } from '../../src/metrics/histogram.ts';
import type { RunResult } from '../../src/result/types.ts';
import {
  evaluateThresholds,
  liveFailures,
  measure,
  NO_MEASUREMENTS,
  type ParsedThreshold,
  parseThresholds,
} from '../../src/thresholds/index.ts';
import { outageResult, quietResult, RECONNECT_US } from '../helpers/outages.ts';

const GROUPS = ['gps', 'backend', 'valves'];

function one(key: string, item: unknown): ParsedThreshold {
  const check = new Checker();
  const parsed = parseThresholds(check, { [key]: [item] }, GROUPS);
  expect(check.problems).toEqual([]);
  expect(parsed).toHaveLength(1);
  return parsed[0] as ParsedThreshold;
}

function problems(key: string, item: unknown): string[] {
  const check = new Checker();
  parseThresholds(check, { [key]: [item] }, GROUPS);
  return check.problems;
}

const OUTAGE = outageResult();
const QUIET = quietResult();

/** A second sender with its own outage, so that run-wide keys must sum and group keys must not. */
function twoSenders(): RunResult {
  const r = outageResult();
  const gps = r.fleets.gps as RunResult['fleets'][string];
  r.fleets.valves = {
    ...gps,
    devices: { ...gps.devices, disconnects: 3, reconnects: 3, unrecovered: 0, downtimeS: 1.5 },
    messages: { ...gps.messages, sent: 90, dropped: 0, unsent: 10, inDoubt: 1, resent: 0 },
  };
  return r;
}

describe('outage thresholds parse', () => {
  it.each<[string, string, Partial<ParsedThreshold>]>([
    ['gps.disconnects', '< 20', { metric: 'disconnects', aggregation: 'count', limit: 20 }],
    ['reconnects', '>= 1', { group: undefined, metric: 'reconnects', aggregation: 'count', op: '>=', limit: 1 }],
    ['gps.unrecovered', '== 0', { metric: 'unrecovered', aggregation: 'count', limit: 0 }],
    ['gps.unsent', 'rate < 5%', { metric: 'unsent', aggregation: 'rate', limit: 0.05 }],
    ['in_doubt', '<= 10', { metric: 'in_doubt', aggregation: 'count', limit: 10 }],
    ['gps.resent', 'count < 100', { metric: 'resent', aggregation: 'count', limit: 100 }],
    ['gps.downtime', '< 60s', { metric: 'downtime', aggregation: 'value', limit: 60 }],
    ['downtime', 'value < 1500ms', { aggregation: 'value', limit: 1.5 }],
    ['gps.reconnect_latency', 'p(99) < 5s', { metric: 'reconnect_latency', aggregation: 'p', limit: 5_000_000 }],
  ])('%s %s', (key, expression, expected) => {
    expect(one(key, expression)).toMatchObject(expected);
  });

  it('wants a unit of time on downtime, and refuses a rate of a plain count', () => {
    expect(problems('gps.downtime', '< 60')).toEqual([
      'thresholds["gps.downtime"][0]: expected a unit of time after the number (s, ms): device-seconds spent disconnected, got nothing',
    ]);
    expect(problems('gps.disconnects', 'rate < 1%')[0]).toMatch(/^thresholds\["gps.disconnects"\]\[0\]: .*count/);
  });

  it('refuses abortOnFail on unrecovered and downtime, which are known only at the end', () => {
    expect(problems('gps.unrecovered', { threshold: '== 0', abortOnFail: true })[0]).toMatch(
      /unrecovered is only known when the run ends/,
    );
    expect(problems('downtime', { threshold: '< 1s', abortOnFail: true })[0]).toMatch(
      /downtime is only known when the run ends/,
    );
    expect(one('gps.disconnects', { threshold: '== 0', abortOnFail: true }).abortOnFail).toBe(true);
  });
});

describe('outage thresholds measure', () => {
  const measured = (r: RunResult, key: string, expression: string): number | null => measure(one(key, expression), r);

  it.each<[string, string, number]>([
    ['gps.disconnects', '== 0', 12],
    ['gps.reconnects', '== 0', 11],
    ['gps.unrecovered', '== 0', 1],
    ['gps.unsent', '== 0', 40],
    // Per scheduled send: 1000 sent + 10 dropped + 40 not made.
    ['gps.unsent', 'rate < 1%', 40 / 1050],
    ['gps.in_doubt', '== 0', 3],
    ['gps.resent', '== 0', 2],
    ['gps.downtime', '< 1s', 34.5],
    // The receiver had no outage of its own: its figures, not its sender's.
    ['backend.unsent', '== 0', 0],
    ['backend.disconnects', '== 0', 0],
    ['backend.downtime', '< 1s', 0],
  ])('%s %s → %d', (key, expression, value) => {
    expect(measured(OUTAGE, key, expression)).toBeCloseTo(value, 12);
  });

  it('sums every group for a run-wide key, and keeps a group key to its own fleet', () => {
    const r = twoSenders();
    expect(measured(r, 'disconnects', '== 0')).toBe(15);
    expect(measured(r, 'reconnects', '== 0')).toBe(14);
    expect(measured(r, 'unrecovered', '== 0')).toBe(1);
    expect(measured(r, 'unsent', '== 0')).toBe(50);
    expect(measured(r, 'unsent', 'rate < 1%')).toBeCloseTo(50 / (1050 + 100), 12);
    expect(measured(r, 'in_doubt', '== 0')).toBe(4);
    expect(measured(r, 'downtime', '< 1s')).toBe(36);
    expect(measured(r, 'valves.unsent', '== 0')).toBe(10);
    expect(measured(r, 'valves.downtime', '< 1s')).toBe(1.5);
  });

  it('reads the reconnect latency from the group histogram', () => {
    const h = createHistogram();
    for (const v of RECONNECT_US) recordUs(h, v);
    try {
      expect(measured(OUTAGE, 'gps.reconnect_latency', 'p(50) < 1s')).toBe(h.getValueAtPercentile(50));
      // Decoded, the max is its bucket's top: within HDR precision (0.1%).
      expect(Math.abs((measured(OUTAGE, 'reconnect_latency', 'max < 1s') as number) - 4_500_000)).toBeLessThan(4_500);
    } finally {
      h.destroy();
    }
  });

  it('measures 0 for a run without outages, but no reconnect latency', () => {
    for (const key of ['disconnects', 'reconnects', 'unrecovered', 'unsent', 'in_doubt', 'resent', 'gps.unsent'])
      expect(measured(QUIET, key, '== 0')).toBe(0);
    expect(measured(QUIET, 'gps.unsent', 'rate < 1%')).toBe(0);
    expect(measured(QUIET, 'downtime', '< 1s')).toBe(0);
    const [latency] = evaluateThresholds([one('gps.reconnect_latency', 'p(99) < 5s')], QUIET);
    expect(latency).toMatchObject({ passed: false, actual: null, message: NO_MEASUREMENTS });
  });
});

describe('outage thresholds judge', () => {
  it('prints downtime in seconds and fails the limits the outage broke', () => {
    const outcomes = evaluateThresholds(
      [
        one('gps.downtime', '< 60s'),
        one('gps.unrecovered', '== 0'),
        one('gps.unsent', 'rate < 1%'),
        one('gps.reconnect_latency', 'p(99) < 5s'),
      ],
      OUTAGE,
    );
    expect(outcomes.map((o) => [o.key, o.passed, o.actualText, o.limitText])).toEqual([
      ['gps.downtime', true, '34.5s', '60s'],
      ['gps.unrecovered', false, '1', '0'],
      ['gps.unsent', false, '0.0381 (3.81%)', '0.01 (1%)'],
      ['gps.reconnect_latency', true, outcomes[3]?.actualText, '5.00s'],
    ]);
    expect(outcomes[3]?.actualText).toMatch(/^4\.5\ds$/);
  });

  it('aborts mid-run on a live outage metric', () => {
    const t = one('gps.disconnects', { threshold: '< 5', abortOnFail: true });
    expect(liveFailures([t], OUTAGE, 1000).map((o) => o.message)).toEqual(['measured 12, limit < 5']);
    expect(liveFailures([t], QUIET, 1000)).toEqual([]);
  });
});
