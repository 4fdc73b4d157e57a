// Thresholds: every expression the scenario may write parses to a limit in the metric's base
// unit, every mistake is reported with its key, item and what was expected, and evaluation
// against a result reads exact percentiles from real HDR histograms, counters, delivery rows
// and power estimates.
import { describe, expect, it } from 'vitest';
import { Checker } from '../../src/base/check.ts';
import {
  createHistogram,
  encodeHistogram,
  type Histogram,
  mergeEncoded,
  recordUs,
} from '../../src/metrics/histogram.ts';
import type { PowerReport } from '../../src/power/project.ts';
import { type DeliveryResult, type FleetResult, RESULT_SCHEMA, type RunResult } from '../../src/result/types.ts';
import {
  evaluateThresholds,
  liveFailures,
  METRICS,
  measure,
  NO_MEASUREMENTS,
  NO_POWER,
  type ParsedThreshold,
  parseThresholds,
} from '../../src/thresholds/index.ts';

const GROUPS = ['gps', 'valves', 'scada', 'backend', 'archive', 'soil'] as const;

function parse(raw: unknown): { parsed: ParsedThreshold[]; problems: string[] } {
  const check = new Checker();
  const parsed = parseThresholds(check, raw, GROUPS);
  return { parsed, problems: check.problems };
}

/** The one threshold `key: [item]` parses to, failing the test on any problem. */
function one(key: string, item: unknown): ParsedThreshold {
  const { parsed, problems } = parse({ [key]: [item] });
  expect(problems).toEqual([]);
  expect(parsed).toHaveLength(1);
  return parsed[0] as ParsedThreshold;
}

describe('parseThresholds accepts', () => {
  it.each<[string, unknown, Partial<ParsedThreshold>]>([
    [
      'gps.e2e_latency',
      'p(99) < 50ms',
      {
        key: 'gps.e2e_latency',
        group: 'gps',
        metric: 'e2e_latency',
        aggregation: 'p',
        percentile: 99,
        op: '<',
        limit: 50_000,
      },
    ],
    ['gps.e2e_latency', 'p(99.9)<=1.5s', { aggregation: 'p', percentile: 99.9, op: '<=', limit: 1_500_000 }],
    ['gps.e2e_latency', 'p( 100 ) < 2 s', { percentile: 100, limit: 2_000_000 }],
    ['gps.ack_latency', '  avg >= 250us ', { expression: 'avg >= 250us', aggregation: 'avg', op: '>=', limit: 250 }],
    ['gps.ack_latency', 'med < 3 ms', { aggregation: 'med', limit: 3000 }],
    ['gps.ack_latency', 'max < 800µs', { aggregation: 'max', limit: 800 }],
    ['gps.ack_latency', 'min > 1μs', { aggregation: 'min', op: '>', limit: 1 }],
    ['gps.ack_latency', 'p(50) < .5ms', { percentile: 50, limit: 500 }],
    [
      'connect_latency',
      'p(95) < 200ms',
      { key: 'connect_latency', group: undefined, metric: 'connect_latency', limit: 200_000 },
    ],
    ['valves.duplicates', '== 0', { metric: 'duplicates', aggregation: 'count', op: '==', limit: 0 }],
    ['valves.duplicates', 'count!=0', { aggregation: 'count', op: '!=', limit: 0 }],
    ['soil.loss', 'rate < 0.001', { metric: 'loss', aggregation: 'rate', limit: 0.001 }],
    ['soil.loss', 'rate < 0.1%', { aggregation: 'rate', limit: 0.001 }],
    ['late', 'rate < 1e-3', { aggregation: 'rate', limit: 0.001 }],
    ['dropped', 'rate<=5%', { group: undefined, aggregation: 'rate', op: '<=', limit: 0.05 }],
    ['connect_errors', 'count == 0', { group: undefined, metric: 'connect_errors', aggregation: 'count', limit: 0 }],
    ['errors', '> 2', { aggregation: 'count', op: '>', limit: 2 }],
    ['throughput', '>= 100/s', { aggregation: 'value', op: '>=', limit: 100 }],
    ['gps.throughput', 'value > 50', { aggregation: 'value', limit: 50 }],
    ['gps.bytes_per_message', '< 128B', { limit: 128 }],
    ['soil.energy_per_message', '< 1.5mJ', { limit: 1.5 }],
    ['soil.energy_per_message', '< 0.002J', { limit: 2 }],
    ['soil.battery_life', '> 1y', { op: '>', limit: 365 }],
    ['soil.battery_life', '>= 48h', { limit: 2 }],
    ['soil.battery_life', '> 400d', { limit: 400 }],
    [' gps . e2e_latency ', 'p(99) < 50ms', { key: 'gps.e2e_latency', group: 'gps' }],
  ])('%j: %j', (key, item, expected) => {
    expect(one(key, item)).toMatchObject(expected);
  });

  it('reads abortOnFail and delayAbortEval from an object item', () => {
    expect(one('gps.ack_latency', { threshold: 'p(95) < 200ms', abortOnFail: true, delayAbortEval: '10s' })).toEqual({
      key: 'gps.ack_latency',
      expression: 'p(95) < 200ms',
      group: 'gps',
      metric: 'ack_latency',
      aggregation: 'p',
      percentile: 95,
      op: '<',
      limit: 200_000,
      abortOnFail: true,
      delayAbortMs: 10_000,
    });
    expect(one('gps.ack_latency', 'p(95) < 200ms')).toMatchObject({ abortOnFail: false, delayAbortMs: 0 });
  });

  it('undefined (no thresholds) is none', () => {
    expect(parse(undefined)).toEqual({ parsed: [], problems: [] });
  });

  it('keeps every expression of a key, in order', () => {
    const { parsed, problems } = parse({
      'gps.e2e_latency': ['p(50) < 10ms', 'p(99) < 50ms', 'max < 1s'],
      'soil.loss': ['== 0'],
    });
    expect(problems).toEqual([]);
    expect(parsed.map((t) => `${t.key}: ${t.expression}`)).toEqual([
      'gps.e2e_latency: p(50) < 10ms',
      'gps.e2e_latency: p(99) < 50ms',
      'gps.e2e_latency: max < 1s',
      'soil.loss: == 0',
    ]);
  });

  it('offers every metric of the catalogue, and marks the end-only ones', () => {
    expect(METRICS.map((m) => m.name)).toEqual(ALL_METRICS.split(', '));
    expect(METRICS.filter((m) => !m.live).map((m) => m.name)).toEqual([
      'loss',
      'duplicates',
      'reordered',
      'queued',
      'retained_delivered',
      'session_queued_delivered',
      'session_queued_lost',
      'unrecovered',
      'downtime',
      'bytes_per_message',
      'energy_per_message',
      'battery_life',
      ...AMQP_COUNTERS,
    ]);
  });
});

/** The AMQP driver's counters (Driver.counters), judged at the end of the run. */
const AMQP_COUNTERS =
  'returned, returned_no_route, confirm_nacks, rolled_back, dead_letters, dead_letters_rejected, dead_letters_expired, dead_letters_maxlen, priority_rises, unacked_peak'.split(
    ', ',
  );
const ALL_METRICS =
  'connect_latency, ack_latency, ack_service_time, e2e_latency, e2e_service_time, rtt_latency, rtt_service_time, send_lateness, reconnect_latency, idle_close_latency, commit_latency, sent, received, acked, dropped, late, loss, duplicates, reordered, queued, retained_delivered, session_queued_delivered, session_queued_lost, connect_errors, disconnects, reconnects, unrecovered, unsent, in_doubt, resent, errors, throughput, received_rate, downtime, bytes_per_message, energy_per_message, battery_life, returned, returned_no_route, confirm_nacks, rolled_back, dead_letters, dead_letters_rejected, dead_letters_expired, dead_letters_maxlen, priority_rises, unacked_peak';
const LIVE =
  'connect_latency, ack_latency, ack_service_time, e2e_latency, e2e_service_time, rtt_latency, rtt_service_time, send_lateness, reconnect_latency, idle_close_latency, commit_latency, sent, received, acked, dropped, late, connect_errors, disconnects, reconnects, unsent, in_doubt, resent, errors, throughput, received_rate';
const UNKNOWN = `${ALL_METRICS}, or code(<packet>|<code>) with a packet a driver counts`;
const SHAPE = "an expression like 'p(99) < 50ms': [aggregation] operator value, the operator one of < <= > >= == !=";
const LATENCY_AGG = 'an aggregation of e2e_latency (p(N), avg, min, max, med)';
const TIME = 'a unit of time after the number (us, µs, ms, s)';
const E2E = 'thresholds["gps.e2e_latency"]';
const DUP = 'thresholds["valves.duplicates"]';

describe('parseThresholds rejects', () => {
  it.each<[string, unknown, string[]]>([
    [
      'a list instead of an object',
      ['p(99) < 50ms'],
      [
        "thresholds: expected an object of metric → expressions, e.g. { 'gps.e2e_latency': ['p(99) < 50ms'] }, got an array",
      ],
    ],
    [
      'an unknown group',
      { 'gsp.e2e_latency': ['p(99) < 50ms'] },
      [
        'thresholds["gsp.e2e_latency"]: unknown group "gsp" (expected one of gps, valves, scada, backend, archive, soil)',
      ],
    ],
    [
      'an unknown metric',
      { 'gps.latency': ['p(99) < 50ms'] },
      [`thresholds["gps.latency"]: unknown metric "latency" (expected one of ${UNKNOWN})`],
    ],
    [
      'an unknown run-wide metric',
      { e2e: ['p(99) < 50ms'] },
      [`thresholds["e2e"]: unknown metric "e2e" (expected one of ${UNKNOWN})`],
    ],
    [
      'a group without a metric',
      { gps: ['== 0'] },
      [`thresholds["gps"]: unknown metric "gps" (expected one of ${UNKNOWN}); "gps" is a group, write "gps.<metric>"`],
    ],
    [
      'a per-fleet metric run-wide',
      { energy_per_message: ['< 1mJ'] },
      [
        'thresholds["energy_per_message"]: energy_per_message is measured per fleet: write "<fleet>.energy_per_message"',
      ],
    ],
    [
      'a string instead of a list',
      { 'gps.e2e_latency': 'p(99) < 50ms' },
      [`${E2E}: expected a list of expressions, e.g. ['p(99) < 50ms'], got "p(99) < 50ms"`],
    ],
    [
      'an empty list',
      { 'gps.e2e_latency': [] },
      [`${E2E}: expected a non-empty list of expressions, got an empty list`],
    ],
    [
      'keys equal once trimmed',
      { 'gps.e2e_latency': ['p(99) < 50ms'], ' gps.e2e_latency ': ['p(50) < 5ms'] },
      [
        'thresholds[" gps.e2e_latency "]: duplicate key: "gps.e2e_latency" already names gps.e2e_latency (keys are compared trimmed); put all its expressions in one list',
      ],
    ],
    [
      'run-wide keys equal once trimmed',
      { loss: ['== 0'], 'loss ': ['rate < 1%'] },
      [
        'thresholds["loss "]: duplicate key: "loss" already names loss (keys are compared trimmed); put all its expressions in one list',
      ],
    ],
    [
      'a number item',
      { 'gps.e2e_latency': [5] },
      [`${E2E}[0]: expected an expression like 'p(99) < 50ms' or { threshold, abortOnFail, delayAbortEval }, got 5`],
    ],
    [
      'an unknown item field',
      { 'gps.e2e_latency': [{ threshold: 'p(99) < 50ms', abortOnFailure: true }] },
      [`${E2E}[0].abortOnFailure: unknown field (expected one of threshold, abortOnFail, delayAbortEval)`],
    ],
    [
      'an item without threshold',
      { 'gps.e2e_latency': [{ abortOnFail: true }] },
      [`${E2E}[0].threshold: expected a non-empty string, got nothing`],
    ],
    [
      'abortOnFail that is not a boolean',
      { 'gps.e2e_latency': [{ threshold: 'p(99) < 50ms', abortOnFail: 'yes' }] },
      [`${E2E}[0].abortOnFail: expected true or false, got "yes"`],
    ],
    [
      'a delayAbortEval that is no duration',
      { 'gps.e2e_latency': [{ threshold: 'p(99) < 50ms', abortOnFail: true, delayAbortEval: 'soon' }] },
      [`${E2E}[0].delayAbortEval: expected a duration like '30s' or '250ms', got "soon"`],
    ],
    [
      'delayAbortEval without abortOnFail',
      { 'gps.e2e_latency': [{ threshold: 'p(99) < 50ms', delayAbortEval: '10s' }] },
      [`${E2E}[0].delayAbortEval: only applies with abortOnFail: true`],
    ],
    [
      'abortOnFail on an end-only metric',
      { 'soil.loss': [{ threshold: 'rate < 1%', abortOnFail: true }] },
      [
        `thresholds["soil.loss"][0].abortOnFail: loss is only known when the run ends, so it cannot stop the run early (live metrics: ${LIVE})`,
      ],
    ],
    ['an empty expression', { 'gps.e2e_latency': [''] }, [`${E2E}[0]: expected a non-empty string, got ""`]],
    ['no operator', { 'gps.e2e_latency': ['p(99) 50ms'] }, [`${E2E}[0]: expected ${SHAPE}, got "p(99) 50ms"`]],
    ['a single =', { 'valves.duplicates': ['count = 0'] }, [`${DUP}[0]: expected ${SHAPE}, got "count = 0"`]],
    [
      'a latency without aggregation',
      { 'gps.e2e_latency': ['< 50ms'] },
      [`${E2E}[0]: expected ${LATENCY_AGG} before '<', got nothing`],
    ],
    [
      'an unknown aggregation',
      { 'gps.e2e_latency': ['p99 < 50ms'] },
      [`${E2E}[0]: expected ${LATENCY_AGG}, got "p99"`],
    ],
    ['count on a latency', { 'gps.e2e_latency': ['count < 5'] }, [`${E2E}[0]: expected ${LATENCY_AGG}, got "count"`]],
    [
      'avg on a counter',
      { 'valves.duplicates': ['avg == 0'] },
      [`${DUP}[0]: expected an aggregation of duplicates (count, rate), got "avg"`],
    ],
    [
      'rate on a counter without a denominator',
      { sent: ['rate < 0.5'] },
      ['thresholds["sent"][0]: expected an aggregation of sent (count), got "rate"'],
    ],
    [
      'a percentile of a gauge',
      { 'gps.throughput': ['p(99) > 5'] },
      ['thresholds["gps.throughput"][0]: expected an aggregation of throughput (value), got "p(99)"'],
    ],
    [
      'p(0)',
      { 'gps.e2e_latency': ['p(0) < 50ms'] },
      [`${E2E}[0]: expected a percentile p(N) with 0 < N ≤ 100, got "p(0)"`],
    ],
    [
      'p(101)',
      { 'gps.e2e_latency': ['p(101) < 50ms'] },
      [`${E2E}[0]: expected a percentile p(N) with 0 < N ≤ 100, got "p(101)"`],
    ],
    [
      'p()',
      { 'gps.e2e_latency': ['p() < 50ms'] },
      [`${E2E}[0]: expected a percentile p(N) with 0 < N ≤ 100, got "p()"`],
    ],
    [
      'p(-1)',
      { 'gps.e2e_latency': ['p(-1) < 50ms'] },
      [`${E2E}[0]: expected a percentile p(N) with 0 < N ≤ 100, got "p(-1)"`],
    ],
    [
      'a word for a number',
      { 'gps.e2e_latency': ['p(99) < fast'] },
      [`${E2E}[0]: expected a non-negative number after '<', got "fast"`],
    ],
    [
      'no number',
      { 'gps.e2e_latency': ['p(99) <'] },
      [`${E2E}[0]: expected a non-negative number after '<', got nothing`],
    ],
    [
      'a negative number',
      { 'valves.duplicates': ['count > -1'] },
      [`${DUP}[0]: expected a non-negative number after '>', got "-1"`],
    ],
    ['a latency without a unit', { 'gps.e2e_latency': ['p(99) < 50'] }, [`${E2E}[0]: expected ${TIME}, got nothing`]],
    ['a latency in megabytes', { 'gps.e2e_latency': ['p(99) < 50MB'] }, [`${E2E}[0]: expected ${TIME}, got "MB"`]],
    [
      'trailing words',
      { 'gps.e2e_latency': ['p(99) < 50ms please'] },
      [`${E2E}[0]: expected ${TIME}, got "ms please"`],
    ],
    [
      'ms on a count',
      { 'valves.duplicates': ['count == 0ms'] },
      [`${DUP}[0]: expected no unit after the number (a count), got "ms"`],
    ],
    [
      '% on a count',
      { 'valves.duplicates': ['== 1%'] },
      [`${DUP}[0]: expected no unit after the number (a count), got "%"`],
    ],
    [
      'ms on a rate',
      { 'soil.loss': ['rate < 5ms'] },
      ['thresholds["soil.loss"][0]: expected no unit or % after the number (a fraction, e.g. 0.001 or 0.1%), got "ms"'],
    ],
    [
      'a rate above 100%',
      { 'soil.loss': ['rate < 150%'] },
      ['thresholds["soil.loss"][0]: expected a rate from 0 to 1 (0% to 100%), got "150%"'],
    ],
    [
      'a rate above 1',
      { dropped: ['rate < 2'] },
      ['thresholds["dropped"][0]: expected a rate from 0 to 1 (0% to 100%), got "2"'],
    ],
    [
      'energy without a unit',
      { 'soil.energy_per_message': ['< 5'] },
      ['thresholds["soil.energy_per_message"][0]: expected a unit of energy after the number (mJ, J), got nothing'],
    ],
    [
      'battery life in weeks',
      { 'soil.battery_life': ['> 2w'] },
      ['thresholds["soil.battery_life"][0]: expected a unit of time after the number (h, d, y), got "w"'],
    ],
    [
      'throughput per minute',
      { throughput: ['> 5/m'] },
      ['thresholds["throughput"][0]: expected no unit or /s after the number (messages per second), got "/m"'],
    ],
    [
      'the same count twice',
      { 'valves.duplicates': ['== 0', 'count==0'] },
      [`${DUP}[1]: "count==0" repeats [0] ("== 0"): both mean count == 0`],
    ],
    [
      'the same latency in other units',
      { 'gps.e2e_latency': ['p(99) < 50ms', { threshold: 'p(99.0)<50000us', abortOnFail: true }] },
      [`${E2E}[1].threshold: "p(99.0)<50000us" repeats [0] ("p(99) < 50ms"): both mean p(99) < 50000`],
    ],
    [
      'the same rate as % and fraction',
      { 'soil.loss': ['rate < 0.1%', 'rate < 0.001'] },
      ['thresholds["soil.loss"][1]: "rate < 0.001" repeats [0] ("rate < 0.1%"): both mean rate < 0.001'],
    ],
  ])('%s', (_, raw, expected) => {
    const { parsed, problems } = parse(raw);
    expect(problems).toEqual(expected);
    // A rejected item never becomes a threshold; only the duplicate cases keep their first item.
    expect(parsed.length).toBeLessThanOrEqual(1);
  });

  it('reports every mistake at once and keeps the sound thresholds', () => {
    const { parsed, problems } = parse({
      'gps.e2e_latency': ['p(99) < 50ms', 'p(0) < 1ms', 'avg < 10'],
      'gsp.ack_latency': ['p(99) < 50ms'],
      'valves.duplicates': ['== 0'],
    });
    expect(problems).toEqual([
      `${E2E}[1]: expected a percentile p(N) with 0 < N ≤ 100, got "p(0)"`,
      `${E2E}[2]: expected ${TIME}, got nothing`,
      'thresholds["gsp.ack_latency"]: unknown group "gsp" (expected one of gps, valves, scada, backend, archive, soil)',
    ]);
    expect(parsed.map((t) => `${t.key}: ${t.expression}`)).toEqual([
      'gps.e2e_latency: p(99) < 50ms',
      'valves.duplicates: == 0',
    ]);
  });
});

// ---- Evaluation against a result built from real histograms ----

const ms = (n: number): number => n * 1000;
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function histogramOf(values: readonly number[]): Histogram {
  const h = createHistogram();
  for (const v of values) recordUs(h, v);
  return h;
}

/** The values recorded into each histogram of the fixture, in µs. */
const RECORDED: Record<string, number[]> = {
  'gps|connect': range(1, 10).map((i) => ms(5 * i)),
  'gps|ack': range(1, 1000).map(ms),
  'gps|ack_service': range(1, 1000).map((i) => i * 500),
  'gps>backend|e2e': range(1, 1000).map(ms),
  'gps>archive|e2e': range(1001, 2000).map(ms),
  'scada>valves|e2e': range(1, 100).map(() => ms(2)),
  'scada|rtt': range(1, 100).map((i) => ms(10 + i)),
};

/**
 * A statistic of one HDR histogram holding all these values, as read back from a result: what
 * merging must reproduce exactly. (Decoded, min and max are their buckets' bounds, within 0.1%.)
 */
function reference(keys: readonly string[], read: (h: Histogram) => number): number {
  return read(mergeEncoded([encodeHistogram(histogramOf(keys.flatMap((k) => RECORDED[k] as number[])))]));
}

function fleet(
  kind: FleetResult['kind'],
  over: {
    sent?: number;
    acked?: number;
    late?: number;
    dropped?: number;
    received?: number;
    connects?: number;
    connectFailed?: number;
    sentPerS?: number;
    receivedPerS?: number;
    bytesSent?: number;
    power?: PowerReport | null;
  },
): FleetResult {
  const sent = over.sent ?? 0;
  const bytesSent = over.bytesSent ?? 0;
  const f: FleetResult = {
    kind,
    protocol: 'mqtt',
    target: 'mqtt',
    count: 10,
    devicesRun: 10,
    devices: {
      peakConnected: 10,
      connects: over.connects ?? 10,
      connectFailed: over.connectFailed ?? 0,
      disconnects: 0,
      faulted: 0,
      reconnectAttempts: 0,
      reconnects: 0,
      unrecovered: 0,
      downtimeS: 0,
    },
    messages: {
      sent,
      acked: over.acked ?? 0,
      late: over.late ?? 0,
      dropped: over.dropped ?? 0,
      oversize: 0,
      received: over.received ?? 0,
      unstamped: 0,
      repliesSent: 0,
      repliesReceived: 0,
      unsent: 0,
      inDoubt: 0,
      resent: 0,
    },
    rates: { sentPerS: over.sentPerS ?? 0, receivedPerS: over.receivedPerS ?? 0 },
    bytes: {
      sent: bytesSent,
      received: 0,
      sentPerMessage: sent > 0 ? bytesSent / sent : null,
      receivedPerMessage: null,
      sentPerDelivered: null,
      perDevice: { sent: 0, received: 0, minSent: 0, maxSent: 0, minReceived: 0, maxReceived: 0 },
    },
    latency: {},
  };
  if (over.power !== undefined) f.power = over.power;
  return f;
}

function delivery(
  from: string,
  to: string,
  expected: number,
  lost: number,
  duplicated: number,
  outOfOrder: number,
): DeliveryResult {
  const none = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: 0 };
  return {
    from,
    to,
    mode: 'each',
    promise: { label: 'QoS 1', short: 'QoS 1', noLoss: true, noDuplicates: false },
    receivers: 1,
    sent: expected,
    expected,
    received: expected - lost + duplicated,
    unique: expected - lost,
    lost,
    duplicated,
    outOfOrder,
    lossRate: lost / expected,
    latency: { corrected: none, service: none },
    verdict: { kept: lost === 0, violations: [] },
    issues: [],
    issueCount: 0,
    unsent: 0,
    inDoubt: 0,
    resent: 0,
  };
}

/** Only the fields thresholds read matter here; the power model is tested on its own. */
const soilPower = { energyPerMessagemJ: 0.75, batteryLifeDays: 500 } as PowerReport;

const RESULT: RunResult = {
  schema: RESULT_SCHEMA,
  scenario: { name: 'factory', file: 'scenarios/factory.ts', hash: '0123456789abcdef' },
  run: {
    id: 'a1b2c3',
    startedAt: '2025-01-01T00:00:00.000Z',
    endedAt: '2025-01-01T00:00:12.000Z',
    elapsedMs: 12_000,
    durationMs: 10_000,
    partial: false,
    partialReason: null,
    seed: 42,
    workers: 2,
    shard: { index: 0, count: 1 },
  },
  environment: { fleetbench: '0.1.0', node: 'v20', platform: 'linux-x64', cpus: 2, memoryBytes: 1 },
  targets: {},
  fleets: {
    gps: fleet('fleet', {
      sent: 1000,
      acked: 990,
      late: 10,
      dropped: 10,
      connects: 100,
      sentPerS: 100,
      bytesSent: 120_000,
    }),
    valves: fleet('fleet', { received: 100, power: null }),
    scada: fleet('command', { sent: 100, acked: 100, sentPerS: 10, bytesSent: 5000 }),
    backend: fleet('observer', { received: 998, connects: 3, connectFailed: 1, receivedPerS: 99.8, bytesSent: 300 }),
    archive: fleet('observer', { received: 1001, receivedPerS: 100.1 }),
    soil: fleet('fleet', { sent: 50, sentPerS: 5, bytesSent: 3000, power: soilPower }),
  },
  delivery: [
    delivery('gps', 'backend', 1000, 2, 0, 3),
    delivery('gps', 'archive', 1000, 0, 1, 0),
    delivery('scada', 'valves', 100, 0, 0, 0),
  ],
  warnings: [],
  servers: {},
  errors: [
    { group: 'gps', code: 'ECONNRESET', count: 3, message: 'reset' },
    { group: 'valves', code: 'EPIPE', count: 2, message: 'broken pipe' },
  ],
  codes: {},
  timeline: [],
  histograms: Object.fromEntries(
    Object.entries(RECORDED).map(([k, values]) => [k, encodeHistogram(histogramOf(values))]),
  ),
};

const measured = (key: string, expression: string): number | null => measure(one(key, expression), RESULT);
const p =
  (n: number) =>
  (h: Histogram): number =>
    h.getValueAtPercentile(n);

describe('measure: latencies from the merged histograms', () => {
  it('p(99) of 1..1000 ms is 990 ms within HDR precision, exactly as one histogram of the values', () => {
    const p99 = measured('gps.ack_latency', 'p(99) < 1s') as number;
    expect(p99).toBe(reference(['gps|ack'], p(99)));
    expect(Math.abs(p99 - ms(990))).toBeLessThanOrEqual(ms(990) / 1000);
  });

  it.each<[string, string, string[], (h: Histogram) => number]>([
    ['gps.ack_latency', 'p(99.9) < 1s', ['gps|ack'], p(99.9)],
    ['gps.ack_latency', 'med < 1s', ['gps|ack'], p(50)],
    ['gps.ack_latency', 'avg < 1s', ['gps|ack'], (h) => h.mean],
    ['gps.ack_latency', 'min < 1s', ['gps|ack'], (h) => h.minNonZeroValue],
    ['gps.ack_latency', 'max < 1s', ['gps|ack'], (h) => h.maxValue],
    ['gps.ack_service_time', 'p(99) < 1s', ['gps|ack_service'], p(99)],
    ['gps.connect_latency', 'p(50) < 1s', ['gps|connect'], p(50)],
    ['scada.rtt_latency', 'p(90) < 1s', ['scada|rtt'], p(90)],
    // A sender's e2e merges every pair it sends in; a receiver's, the pairs it receives in.
    ['gps.e2e_latency', 'p(50) < 1s', ['gps>backend|e2e', 'gps>archive|e2e'], p(50)],
    ['gps.e2e_latency', 'p(99) < 1s', ['gps>backend|e2e', 'gps>archive|e2e'], p(99)],
    ['backend.e2e_latency', 'p(99) < 1s', ['gps>backend|e2e'], p(99)],
    ['archive.e2e_latency', 'min < 1s', ['gps>archive|e2e'], (h) => h.minNonZeroValue],
    ['valves.e2e_latency', 'max < 1s', ['scada>valves|e2e'], (h) => h.maxValue],
    ['e2e_latency', 'p(10) < 1s', ['gps>backend|e2e', 'gps>archive|e2e', 'scada>valves|e2e'], p(10)],
    ['e2e_latency', 'min < 1s', ['gps>backend|e2e', 'gps>archive|e2e', 'scada>valves|e2e'], (h) => h.minNonZeroValue],
    ['connect_latency', 'max < 1s', ['gps|connect'], (h) => h.maxValue],
  ])('%s %s', (key, expression, keys, read) => {
    expect(measured(key, expression)).toBe(reference(keys, read));
  });

  it.each<[string, string, number]>([
    ['gps.e2e_latency', 'p(50) < 1s', ms(1000)],
    ['gps.e2e_latency', 'max < 1s', ms(2000)],
    ['archive.e2e_latency', 'min < 1s', ms(1001)],
    ['valves.e2e_latency', 'avg < 1s', ms(2)],
    ['e2e_latency', 'min < 1s', ms(1)],
    ['e2e_latency', 'max < 1s', ms(2000)],
    ['scada.rtt_latency', 'med < 1s', ms(60)],
  ])('%s %s is the recorded %d µs within HDR precision (0.1%%)', (key, expression, value) => {
    expect(Math.abs((measured(key, expression) as number) - value)).toBeLessThanOrEqual(value / 1000);
  });

  it.each([
    ['valves.ack_latency', 'p(99) < 1s'],
    ['gps.commit_latency', 'avg < 1s'],
    ['rtt_service_time', 'p(99) < 1s'],
    ['soil.e2e_latency', 'p(99) < 1s'],
  ])('%s without a histogram has no measurement', (key, expression) => {
    expect(measured(key, expression)).toBeNull();
  });
});

describe('measure: counters, rates and gauges', () => {
  it.each<[string, string, number | null]>([
    ['gps.sent', '== 0', 1000],
    ['sent', '== 0', 1150],
    ['received', '== 0', 2099],
    ['gps.acked', 'rate > 0.5', 0.99],
    ['gps.dropped', '== 0', 10],
    ['gps.dropped', 'rate < 1%', 10 / 1010],
    ['gps.late', 'rate < 1%', 0.01],
    ['late', 'rate < 1%', 10 / 1150],
    ['gps.connect_errors', '== 0', 0],
    ['backend.connect_errors', 'rate < 1%', 1 / 4],
    ['connect_errors', 'rate < 1%', 1 / (100 + 10 + 10 + 3 + 10 + 10 + 1)],
    ['gps.errors', '== 0', 3],
    ['errors', '== 0', 5],
    ['soil.errors', '== 0', 0],
    ['gps.loss', '== 0', 2],
    ['gps.loss', 'rate < 1%', 2 / 2000],
    ['backend.loss', 'rate < 1%', 0.002],
    ['valves.loss', '== 0', 0],
    ['loss', 'rate < 1%', 2 / 2100],
    ['duplicates', 'rate < 1%', 1 / 2100],
    ['archive.duplicates', '== 0', 1],
    ['backend.reordered', '== 0', 3],
    ['reordered', 'rate < 1%', 3 / 2100],
    ['soil.loss', '== 0', null],
    ['backend.acked', 'rate > 0.5', null],
    ['throughput', '> 0', 115],
    ['gps.throughput', '> 0', 100],
    ['received_rate', '> 0', 199.9],
    ['gps.bytes_per_message', '< 1000', 120],
    ['bytes_per_message', '< 1000', (120_000 + 5000 + 3000) / 1150],
    ['backend.bytes_per_message', '< 1000', null],
    ['soil.energy_per_message', '< 1mJ', 0.75],
    ['soil.battery_life', '> 1y', 500],
    ['gps.energy_per_message', '< 1mJ', null],
    ['valves.battery_life', '> 1y', null],
  ])('%s %s', (key, expression, value) => {
    const m = measured(key, expression);
    if (value === null) expect(m).toBeNull();
    else expect(m).toBeCloseTo(value, 12);
  });
});

describe('evaluateThresholds', () => {
  const outcome = (key: string, expression: string) => evaluateThresholds([one(key, expression)], RESULT)[0];

  it("a latency threshold: HDR reports the top of 990 ms's bucket, so p(99) < 990ms fails and < 991ms holds", () => {
    expect(outcome('gps.ack_latency', 'p(99) < 991ms')).toEqual({
      key: 'gps.ack_latency',
      expression: 'p(99) < 991ms',
      group: 'gps',
      metric: 'ack_latency',
      passed: true,
      actual: 990_207,
      actualText: '990.21ms',
      limitText: '991.00ms',
      abortOnFail: false,
      message: 'measured 990.21ms, limit < 991.00ms',
    });
    expect(outcome('gps.ack_latency', 'p(99) < 990ms')).toMatchObject({
      passed: false,
      actual: 990_207,
      message: 'measured 990.21ms, limit < 990.00ms',
    });
  });

  it('prints latencies below 1 ms in µs and above 1 s in s', () => {
    expect(outcome('gps.ack_latency', 'min < 800us')).toMatchObject({
      passed: false,
      actualText: '1.00ms',
      limitText: '800µs',
    });
    expect(outcome('gps.ack_service_time', 'min <= 500us')).toMatchObject({
      passed: true,
      actualText: '500µs',
      limitText: '500µs',
    });
    expect(outcome('e2e_latency', 'max < 1.5s')).toMatchObject({ passed: false, limitText: '1.50s' });
  });

  it('prints rates as a fraction to 4 significant digits and a percentage, counts as integers', () => {
    expect(outcome('gps.dropped', 'rate < 1%')).toMatchObject({
      passed: true,
      actualText: '0.009901 (0.9901%)',
      limitText: '0.01 (1%)',
      message: 'measured 0.009901 (0.9901%), limit < 0.01 (1%)',
    });
    expect(outcome('valves.duplicates', '== 0')).toMatchObject({
      passed: true,
      actual: 0,
      actualText: '0',
      limitText: '0',
    });
    expect(outcome('archive.duplicates', 'count == 0')).toMatchObject({
      passed: false,
      actual: 1,
      message: 'measured 1, limit == 0',
    });
    expect(outcome('soil.energy_per_message', '< 0.001J')).toMatchObject({
      passed: true,
      actualText: '0.75mJ',
      limitText: '1mJ',
    });
    expect(outcome('soil.battery_life', '> 2y')).toMatchObject({
      passed: false,
      actualText: '500d',
      limitText: '730d',
    });
  });

  it.each<[string, boolean]>([
    ['< 3', false],
    ['<= 3', true],
    ['> 3', false],
    ['>= 3', true],
    ['== 3', true],
    ['!= 3', false],
    ['> 2', true],
    ['!= 2', true],
  ])('gps.errors (3) %s → %s', (expression, passed) => {
    expect(outcome('gps.errors', expression)?.passed).toBe(passed);
  });

  it('fails a threshold with nothing measured, and says what is missing', () => {
    expect(outcome('valves.ack_latency', 'p(99) < 1s')).toMatchObject({
      passed: false,
      actual: null,
      actualText: '-',
      limitText: '1.00s',
      message: NO_MEASUREMENTS,
    });
    expect(outcome('soil.loss', '== 0')).toMatchObject({ passed: false, actual: null, message: 'no measurements' });
    expect(outcome('gps.energy_per_message', '< 1mJ')).toMatchObject({
      passed: false,
      actual: null,
      message: NO_POWER,
    });
    expect(NO_POWER).toBe('no power estimate: declare power on the fleet');
    expect(outcome('valves.battery_life', '> 1y')).toMatchObject({ passed: false, message: NO_MEASUREMENTS });
  });

  it('judges every threshold, in order', () => {
    const { parsed } = parse({
      'gps.e2e_latency': ['p(99) < 5s', 'p(99) < 5ms'],
      'valves.duplicates': ['== 0'],
      loss: ['rate < 0.001'],
    });
    expect(evaluateThresholds(parsed, RESULT).map((o) => [o.key, o.expression, o.passed])).toEqual([
      ['gps.e2e_latency', 'p(99) < 5s', true],
      ['gps.e2e_latency', 'p(99) < 5ms', false],
      ['valves.duplicates', '== 0', true],
      ['loss', 'rate < 0.001', true],
    ]);
  });
});

describe('liveFailures', () => {
  const { parsed, problems } = parse({
    'gps.ack_latency': [
      { threshold: 'p(99) < 500ms', abortOnFail: true, delayAbortEval: '10s' },
      { threshold: 'p(99) < 5s', abortOnFail: true },
      'p(50) < 1ms',
    ],
    'valves.ack_latency': [{ threshold: 'p(99) < 1ms', abortOnFail: true }],
    'gps.errors': [{ threshold: '== 0', abortOnFail: true }],
  });

  it('parses the fixture', () => {
    expect(problems).toEqual([]);
  });

  it('returns the failing abortOnFail thresholds once their delay has passed', () => {
    // Before 10 s only gps.errors may abort; the failing p(50) has no abortOnFail, the p(99) < 5s holds,
    // and valves has no ack yet (silence does not abort).
    expect(liveFailures(parsed, RESULT, 9_999).map((o) => `${o.key}: ${o.expression}`)).toEqual(['gps.errors: == 0']);
    expect(liveFailures(parsed, RESULT, 10_000).map((o) => `${o.key}: ${o.expression} (${o.message})`)).toEqual([
      'gps.ack_latency: p(99) < 500ms (measured 990.21ms, limit < 500.00ms)',
      'gps.errors: == 0 (measured 3, limit == 0)',
    ]);
  });

  it('returns nothing while every abortOnFail threshold holds', () => {
    const clean: RunResult = {
      ...RESULT,
      errors: [],
      histograms: { 'gps|ack': encodeHistogram(histogramOf([ms(1)])) },
    };
    expect(liveFailures(parsed, clean, 60_000)).toEqual([]);
  });
});

describe('code(<packet>|<code>): a protocol code counted in result.codes', () => {
  const WITH_CODES: RunResult = {
    ...RESULT,
    codes: { 'gps|disconnect|142': 2, 'valves|disconnect|142': 1, 'gps|puback|0': 5, 'gps|lost|closed': 1 },
  };
  const count = (key: string): number | null => measure(one(key, '>= 0'), WITH_CODES);

  it("counts a group's code, and every group's for a run-wide key", () => {
    expect(count('gps.code(disconnect|142)')).toBe(2);
    expect(count('code(disconnect|142)')).toBe(3);
    expect(count('gps.code(lost|closed)')).toBe(1);
  });

  it('rates a code per message the group received; a group that received none has no rate', () => {
    const rated: RunResult = { ...WITH_CODES, codes: { 'backend|publish|subscription_id=7': 499 } };
    expect(measure(one('backend.code(publish|subscription_id=7)', 'rate == 1'), rated)).toBeCloseTo(499 / 998, 12);
    expect(measure(one('gps.code(publish|subscription_id=7)', 'rate == 1'), rated)).toBeNull();
  });

  it('counts 0 for a code never seen, which a threshold can then require', () => {
    expect(count('scada.code(disconnect|142)')).toBe(0);
    const [outcome] = evaluateThresholds([one('scada.code(disconnect|142)', '>= 1')], WITH_CODES);
    expect(outcome?.passed).toBe(false);
    expect(outcome?.message).toBe('measured 0, limit >= 1');
  });

  it('names the key without the blanks around the code', () => {
    expect(one(' gps . code( disconnect|142 ) ', '== 2').key).toBe('gps.code(disconnect|142)');
  });

  it('refuses a packet no driver counts, and abortOnFail (it is known at the end only)', () => {
    expect(parse({ 'gps.code(nosuch|1)': ['== 0'] }).problems).toEqual([
      `thresholds["gps.code(nosuch|1)"]: unknown metric "code(nosuch|1)" (expected one of ${UNKNOWN})`,
    ]);
    expect(parse({ 'gps.code(disconnect|142)': [{ threshold: '== 0', abortOnFail: true }] }).problems[0]).toContain(
      'code(disconnect|142) is only known when the run ends',
    );
  });
});
