// Results for compare tests, built from real HDR histograms so that every percentile is known
// exactly; every other figure is a plain default a test overrides.
import type { Comparison } from '../../src/compare/compare.ts';
import { createHistogram, encodeHistogram, recordUs } from '../../src/metrics/histogram.ts';
import type { ErrorCount } from '../../src/metrics/recorder.ts';
import type { PowerReport } from '../../src/power/project.ts';
import { type DeliveryResult, type FleetResult, RESULT_SCHEMA, type RunResult } from '../../src/result/types.ts';

const EMPTY = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: 0 };

export interface FleetSpec {
  kind?: FleetResult['kind'];
  sentPerS?: number;
  receivedPerS?: number;
  bytesPerMessage?: number | null;
  energy?: number;
}

export function fleet(s: FleetSpec = {}): FleetResult {
  return {
    kind: s.kind ?? 'fleet',
    protocol: 'mqtt',
    target: 'mqtt',
    count: 5,
    devicesRun: 5,
    devices: {
      peakConnected: 5,
      connects: 5,
      connectFailed: 0,
      disconnects: 5,
      faulted: 0,
      reconnectAttempts: 0,
      reconnects: 0,
      unrecovered: 0,
      downtimeS: 0,
    },
    messages: {
      sent: 500,
      acked: 500,
      late: 0,
      dropped: 0,
      oversize: 0,
      received: 0,
      unstamped: 0,
      repliesSent: 0,
      repliesReceived: 0,
      unsent: 0,
      inDoubt: 0,
      resent: 0,
    },
    rates: { sentPerS: s.sentPerS ?? 100, receivedPerS: s.receivedPerS ?? 0 },
    bytes: {
      sent: 0,
      received: 0,
      sentPerMessage: s.bytesPerMessage === undefined ? 50 : s.bytesPerMessage,
      receivedPerMessage: null,
      sentPerDelivered: null,
      perDevice: { sent: 0, received: 0, minSent: 0, maxSent: 0, minReceived: 0, maxReceived: 0 },
    },
    // Stored summaries are zeros on purpose: compare must compute percentiles from the histograms.
    latency: {},
    ...(s.energy === undefined ? {} : { power: { energyPerMessagemJ: s.energy } as PowerReport }),
  };
}

export function delivery(from: string, to: string, expected: number, lost: number): DeliveryResult {
  return {
    from,
    to,
    mode: 'each',
    promise: { label: 'QoS 1', short: 'QoS 1', noLoss: true, noDuplicates: false },
    receivers: 1,
    sent: expected,
    expected,
    received: expected - lost,
    unique: expected - lost,
    lost,
    duplicated: 0,
    outOfOrder: 0,
    lossRate: lost / expected,
    latency: { corrected: EMPTY, service: EMPTY },
    verdict: { kept: lost === 0, violations: [] },
    issues: [],
    issueCount: 0,
    unsent: 0,
    inDoubt: 0,
    resent: 0,
  };
}

export function encoded(values: readonly number[]): string {
  const h = createHistogram();
  for (const v of values) recordUs(h, v);
  return encodeHistogram(h);
}

export interface ResultSpec {
  name?: string;
  hash?: string;
  fleets: Record<string, FleetResult>;
  delivery?: DeliveryResult[];
  /** Latency values in µs by histogram key, e.g. 'gps>backend|e2e' or 'gps|ack'. */
  latencies?: Record<string, number[]>;
  errors?: ErrorCount[];
}

export function result(s: ResultSpec): RunResult {
  return {
    schema: RESULT_SCHEMA,
    scenario: { name: s.name ?? 'broker', file: 'broker.ts', hash: s.hash ?? 'aaaa' },
    run: {
      id: 'r1',
      startedAt: '2025-01-01T00:00:00.000Z',
      endedAt: '2025-01-01T00:00:10.000Z',
      elapsedMs: 10_000,
      durationMs: 10_000,
      partial: false,
      partialReason: null,
      seed: 1,
      workers: 1,
      shard: { index: 0, count: 1 },
    },
    environment: { fleetbench: '0.1.0', node: 'v20', platform: 'linux-x64', cpus: 2, memoryBytes: 1 },
    targets: {},
    fleets: s.fleets,
    delivery: s.delivery ?? [],
    warnings: [],
    servers: {},
    errors: s.errors ?? [],
    codes: {},
    timeline: [],
    histograms: Object.fromEntries(Object.entries(s.latencies ?? {}).map(([k, v]) => [k, encoded(v)])),
  };
}

/** n copies of `us`. */
export const times = (n: number, us: number): number[] => Array.from({ length: n }, () => us);

export function row(c: Comparison, fleetName: string, metric: string) {
  const r = c.rows.find((x) => x.fleet === fleetName && x.metric === metric);
  if (!r) throw new Error(`no row ${fleetName} ${metric} in ${c.rows.map((x) => `${x.fleet} ${x.metric}`).join(', ')}`);
  return r;
}
