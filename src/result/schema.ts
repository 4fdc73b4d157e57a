// The shape of a fleetbench.result/1 file, declared against types.ts (each `fields<T>` must list
// every field of T, so the compiler keeps the two in step) and checked when `report` and
// `compare` read a saved result. Blocks older results lack are optional; read.ts fills them.

import { decodeHistogram } from '../metrics/histogram.ts';
import type { ErrorCount } from '../metrics/recorder.ts';
import type { PacketTotals, PowerBreakdown } from '../power/model.ts';
import type { LinkReport, PowerReport, SensitivityRow } from '../power/report.ts';
import type { WireTotalsByKind } from '../power/wire.ts';
import type { DeliveryPromise } from '../protocols/driver.ts';
import { allDrivers, type ProtocolBlocks } from '../protocols/registry.ts';
import { impairmentShape } from './impair-shape.ts';
import { latency, pair } from './latency-shape.ts';
import {
  anyObject,
  array,
  bool,
  fields,
  int,
  nullable,
  num,
  oneOf,
  optional,
  record,
  type Shape,
  str,
} from './shape.ts';
import { clockShape, mergedShape, mergeShape, startAtShape } from './shard-schema.ts';
import type {
  ConnectPace,
  DeliveryResult,
  FleetResult,
  HealthCheck,
  RepeatMetric,
  RepeatSummary,
  RetainedDelivery,
  RunResult,
  SessionQueuedDelivery,
  StreamIssue,
  ThresholdOutcome,
  TimelinePoint,
} from './types.ts';
import { warmupShape } from './warmup-shape.ts';

const packets = fields<PacketTotals>({ packets: num, bytes: num });
const byKind = fields<WireTotalsByKind['tx']>({ handshake: packets, data: packets, keepalive: packets });

const power = fields<PowerReport>({
  radio: str,
  source: str,
  overridden: array(str),
  link: fields<LinkReport>({
    name: str,
    source: str,
    rttMs: fields<LinkReport['rttMs']>({ low: num, mid: num, high: num }),
    upBps: num,
    downBps: num,
    loss: num,
    coverage: nullable(str),
  }),
  battery: fields<PowerReport['battery']>({ label: str, mAh: num, volts: num }),
  session: oneOf('persistent', 'sleep'),
  keepaliveS: nullable(num),
  perReport: fields<PowerReport['perReport']>({
    intervalS: num,
    tx: packets,
    rx: packets,
    handshakes: num,
    keepalives: num,
    roundTrips: num,
    listenS: num,
    radioOnS: num,
  }),
  measured: fields<PowerReport['measured']>({ ackMeanMs: nullable(num), connectMeanMs: nullable(num) }),
  energyPerMessagemJ: num,
  keepalivemJ: num,
  floormJ: num,
  breakdownmJ: fields<PowerBreakdown>({
    wake: num,
    handshake: num,
    tx: num,
    rx: num,
    listen: num,
    keepalive: num,
    tail: num,
    idle: num,
    sleep: num,
  }),
  averagePowermW: num,
  averageCurrentuA: num,
  batteryLifeDays: num,
  batteryLifeYears: num,
  band: fields<PowerReport['band']>({ energyPerMessagemJ: array(num), batteryLifeDays: array(num) }),
  sensitivity: array(fields<SensitivityRow>({ change: str, energyPerMessagemJ: num, batteryLifeDays: num })),
  setupmJ: nullable(num),
});

/** A driver's own block (`fleets.<name>.<protocol>`) and its own latencies: objects, checked no further here. */
function protocolBlocks(): Record<string, Shape> {
  return Object.fromEntries(allDrivers().map((d) => [d.name, optional(anyObject)]));
}

const fleetLatency: Shape = (v, path, out) => {
  fields<Pick<FleetResult['latency'], 'connect' | 'ack' | 'rtt' | 'sendLateness'>>({
    connect: optional(latency),
    ack: optional(pair),
    rtt: optional(pair),
    sendLateness: optional(latency),
    reconnect: optional(latency),
  })(v, path, out);
  // The drivers' own latencies by kind ('commit'): each a summary.
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const own = Object.fromEntries(
      Object.keys(v)
        .filter((k) => !['connect', 'ack', 'rtt', 'sendLateness'].includes(k))
        .map((k) => [k, latency]),
    );
    fields<object>(own)(v, path, out);
  }
};

const fleet: Shape = (v, path, out) =>
  fields<Omit<FleetResult, keyof ProtocolBlocks>>({
    kind: oneOf('fleet', 'observer', 'command', 'server'),
    protocol: str,
    target: str,
    count: int,
    devicesRun: int,
    devices: fields<FleetResult['devices']>({
      peakConnected: int,
      connects: int,
      connectFailed: int,
      disconnects: int,
      // Added with reconnects: optional for older results, filled with 0 by read.ts.
      faulted: optional(int),
      reconnectAttempts: optional(int),
      reconnects: optional(int),
      unrecovered: optional(int),
      downtimeS: optional(num),
    }),
    messages: fields<FleetResult['messages']>({
      sent: int,
      acked: int,
      late: int,
      dropped: int,
      unsent: optional(int),
      inDoubt: optional(int),
      resent: optional(int),
      oversize: int,
      received: int,
      unstamped: int,
      repliesSent: int,
      repliesReceived: int,
    }),
    rates: fields<FleetResult['rates']>({ sentPerS: num, receivedPerS: num, writtenPerS: optional(num) }),
    unread: optional(fields<NonNullable<FleetResult['unread']>>({ messages: int, bytes: num })),
    bytes: fields<FleetResult['bytes']>({
      sent: num,
      received: num,
      sentPerMessage: nullable(num),
      receivedPerMessage: nullable(num),
      sentPerDelivered: nullable(num),
      perDevice: fields<FleetResult['bytes']['perDevice']>({
        sent: num,
        received: num,
        minSent: num,
        maxSent: num,
        minReceived: num,
        maxReceived: num,
      }),
    }),
    latency: fleetLatency,
    send: optional(fields<NonNullable<FleetResult['send']>>({ schedule: str, messages: nullable(int) })),
    wire: optional(
      fields<WireTotalsByKind>({
        connections: num,
        tx: byKind,
        rx: byKind,
        // Results written before round trips and TLS handshakes were counted lack these two.
        waits: optional(fields<WireTotalsByKind['waits']>({ handshake: num, data: num, keepalive: num })),
        secure: optional(
          fields<WireTotalsByKind['secure']>({
            full: num,
            resumed: num,
            tx: packets,
            rx: packets,
            waits: num,
            tls13: optional(num),
          }),
        ),
      }),
    ),
    power: optional(nullable(power)),
    ...protocolBlocks(),
  })(v, path, out);

const delivery = fields<DeliveryResult>({
  from: str,
  to: str,
  mode: oneOf('each', 'group'),
  promise: fields<DeliveryPromise>({ label: str, short: str, noLoss: bool, noDuplicates: bool }),
  receivers: int,
  sent: int,
  expected: int,
  received: int,
  unique: int,
  foreign: optional(int),
  lost: int,
  duplicated: int,
  outOfOrder: int,
  lossRate: num,
  queued: optional(int),
  unsent: optional(int),
  inDoubt: optional(int),
  resent: optional(int),
  latency: pair,
  verdict: fields<DeliveryResult['verdict']>({ kept: bool, violations: array(str) }),
  spread: optional(
    fields<NonNullable<DeliveryResult['spread']>>({ members: num, min: num, max: num, mean: num, cv: num }),
  ),
  retained: optional(fields<RetainedDelivery>({ expected: int, got: int })),
  sessionQueued: optional(
    fields<SessionQueuedDelivery>({ fromMs: num, toMs: num, sent: int, expected: int, got: int, lost: int }),
  ),
  issues: array(
    fields<StreamIssue>({
      stream: str,
      receiver: str,
      sent: int,
      received: int,
      lost: int,
      duplicated: int,
      outOfOrder: int,
    }),
  ),
  issueCount: int,
});

const timelinePoint = fields<TimelinePoint>({
  t: num,
  phase: oneOf('connect', 'run', 'drain', 'done'),
  fleets: record(
    fields<TimelinePoint['fleets'][string]>({
      connected: num,
      sent: num,
      acked: num,
      received: num,
      dropped: num,
      errors: num,
      disconnects: optional(num),
      unsent: optional(num),
    }),
  ),
  latency: record(fields<TimelinePoint['latency'][string]>({ count: num, p50: num, p99: num, max: num })),
});

const healthCheck = fields<HealthCheck>({
  name: oneOf(
    'never_connected',
    'connect_errors',
    'cross_talk',
    'worker_crashed',
    'generator_saturated',
    'outages',
    'unrecovered',
    'stored_deliveries',
    'protocol_errors',
  ),
  passed: bool,
  message: str,
  groups: array(str),
  waived: bool,
});

const threshold = fields<ThresholdOutcome>({
  key: str,
  expression: str,
  group: optional(str),
  metric: str,
  passed: bool,
  actual: nullable(num),
  actualText: str,
  limitText: str,
  abortOnFail: bool,
  message: str,
});

/** A compressed base64 HDR histogram: decoded once to be sure the report and compare can. */
const histogram: Shape = (v, path, out) => {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    out.push(
      `${path}: expected a compressed base64 HDR histogram, got ${typeof v === 'string' ? 'other text' : typeof v}`,
    );
    return;
  }
  try {
    decodeHistogram(v).destroy();
  } catch (err) {
    out.push(
      `${path}: expected a compressed base64 HDR histogram, got one that does not decode (${(err as Error).message})`,
    );
  }
};

const repeatMetric = fields<RepeatMetric>({ median: num, min: num, max: num, values: array(num) });

export const resultShape: Shape = fields<RunResult>({
  schema: str,
  scenario: fields<RunResult['scenario']>({ name: str, file: str, hash: str, env: optional(record(str)) }),
  run: fields<RunResult['run']>({
    id: str,
    startedAt: str,
    endedAt: str,
    elapsedMs: num,
    durationMs: num,
    partial: bool,
    partialReason: nullable(str),
    // A run without --seed records null.
    seed: nullable(num),
    workers: int,
    processes: optional(int),
    shard: fields<RunResult['run']['shard']>({ index: int, count: int }),
    connect: optional(fields<ConnectPace>({ requestedPerS: num, achievedPerS: num, connects: int, spanMs: num })),
    startAt: optional(startAtShape),
    clock: optional(clockShape),
    merged: optional(mergedShape),
  }),
  environment: fields<RunResult['environment']>({
    fleetbench: str,
    node: str,
    platform: str,
    cpus: int,
    memoryBytes: num,
  }),
  targets: record(str),
  fleets: record(fleet),
  delivery: array(delivery),
  warnings: optional(array(str)),
  servers: optional(record(anyObject)),
  impairment: optional(impairmentShape),
  warmup: optional(warmupShape),
  errors: array(fields<ErrorCount>({ group: str, code: str, count: int, message: str })),
  health: optional(array(healthCheck)),
  thresholds: optional(array(threshold)),
  codes: optional(record(num)),
  timeline: optional(array(timelinePoint)),
  histograms: optional(record(histogram)),
  repeat: optional(fields<RepeatSummary>({ runs: int, runIds: array(str), base: str, metrics: record(repeatMetric) })),
  merge: optional(mergeShape),
});
