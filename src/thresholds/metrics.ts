// The metrics a threshold can name, defined once: which aggregations each allows, the units its
// limits may be written in, whether it can be judged mid-run (abortOnFail), and where its value
// comes from in a RunResult. A key is '<group>.<metric>' (the group's own figures) or a bare
// '<metric>' (the whole run: every group, every pair, every delivery row).

import { RUN_CODES, splitGroupCodeKey } from '../metrics/codes.ts';
import { type AnyHistogramKind, HistogramKind } from '../metrics/names.ts';
import type { ErrorCount } from '../metrics/recorder.ts';
import type { DriverCounter } from '../protocols/driver.ts';
import { type AnyDriver, allDrivers } from '../protocols/registry.ts';
import type { DeliveryResult, FleetResult } from '../result/types.ts';
import { BYTES, COUNT, type Dimension, DOWNTIME, ENERGY, LIFE, PER_SECOND, RATE, TIME } from './dimensions.ts';

/** What a threshold reads of a fleet; mid-run (runner/live.ts) only the live figures exist. */
export type JudgedFleet = Pick<FleetResult, 'devices' | 'messages' | 'rates'> &
  Partial<Pick<FleetResult, 'bytes' | 'power'>>;

/** What thresholds are judged on: a RunResult at the end, or the live view once a second for abortOnFail. */
export interface Judged {
  fleets: Readonly<Record<string, JudgedFleet>>;
  delivery: readonly DeliveryResult[];
  errors: readonly ErrorCount[];
  /** Cumulative histograms, compressed base64 (µs), keyed as in RunResult.histograms. */
  histograms: Readonly<Record<string, string>>;
  /** Protocol codes, 'group|packet|code' → count, as in RunResult.codes; absent mid-run. */
  codes?: Readonly<Record<string, number>>;
}

/** 'p' is p(N); a bare comparison ('== 0') means the metric's first aggregation (count or value). */
export type Aggregation = 'p' | 'avg' | 'min' | 'max' | 'med' | 'count' | 'rate' | 'value';
export const LATENCY_AGGREGATIONS = ['p', 'avg', 'min', 'max', 'med'] as const satisfies readonly Aggregation[];

export { COUNT, type Dimension, RATE, TIME } from './dimensions.ts';

export interface Tally {
  count: number;
  of: number;
}

/** A reading, or why there is none ('no measurements', or what to fix). */
export type Reading<T> = T | string;
export const NO_MEASUREMENTS = 'no measurements';
export const NO_POWER = 'no power estimate: declare power on the fleet';

interface Common {
  name: string;
  /** Judged mid-run from counters and latency histograms; others need the end-of-run delivery books or estimates. */
  live: boolean;
  /** Only per group: the value belongs to one fleet (its power estimate). */
  perGroup?: boolean;
}
export interface LatencyMetric extends Common {
  kind: 'latency';
  aggregations: readonly Aggregation[];
  histogram: AnyHistogramKind;
  /** End to end: histograms are per (from → to) pair; a group's are those where it sends or receives. */
  pairs: boolean;
}
export interface CounterMetric extends Common {
  kind: 'counter';
  aggregations: readonly Aggregation[];
  tally(result: Judged, group: string | undefined): Reading<Tally>;
  /** What else was seen, added to the message of a failed threshold (a code's siblings). */
  context?(result: Judged, group: string | undefined): string | undefined;
}
export interface GaugeMetric extends Common {
  kind: 'gauge';
  aggregations: readonly Aggregation[];
  dimension: Dimension;
  value(result: Judged, group: string | undefined): Reading<number>;
}
export type Metric = LatencyMetric | CounterMetric | GaugeMetric;

const latency = (name: string, histogram: AnyHistogramKind, pairs = false): LatencyMetric => ({
  name,
  kind: 'latency',
  live: true,
  aggregations: LATENCY_AGGREGATIONS,
  histogram,
  pairs,
});

/** The group's fleet result, or all of them for the run. */
function fleetsOf(result: Judged, group: string | undefined): Reading<JudgedFleet[]> {
  if (group === undefined) return Object.values(result.fleets);
  const f = result.fleets[group];
  return f ? [f] : NO_MEASUREMENTS;
}

/** A counter summed over the group's (or every) fleet result: [count, denominator]. */
function fromFleets(
  name: string,
  live: boolean,
  read: (f: JudgedFleet) => readonly [number, number],
  rate = true,
): CounterMetric {
  return {
    name,
    kind: 'counter',
    live,
    aggregations: rate ? ['count', 'rate'] : ['count'],
    tally: (result, group) => {
      const fleets = fleetsOf(result, group);
      if (typeof fleets === 'string') return fleets;
      return fleets.reduce(
        (t, f) => {
          const [count, of] = read(f);
          return { count: t.count + count, of: t.of + of };
        },
        { count: 0, of: 0 },
      );
    },
  };
}

/** A delivery counter over the rows from the group or to it (all rows for the run), per expected message. */
function fromDelivery(name: string, field: 'lost' | 'duplicated' | 'outOfOrder' | 'queued'): CounterMetric {
  // Rows where nothing was expected (an undeclared pair) do not count: '== 0' must not pass vacuously.
  return fromRows(name, (d) => (d.expected > 0 ? [d[field] ?? 0, d.expected] : undefined));
}

/**
 * A count over the delivery rows (from the group or to it) that `read` measures, as [count, of]:
 * the rate is count per `of`. Rows it reads nothing from do not count; none at all is no measurement.
 */
function fromRows(
  name: string,
  read: (d: DeliveryResult) => readonly [count: number, of: number] | undefined,
): CounterMetric {
  return {
    name,
    kind: 'counter',
    live: false,
    aggregations: ['count', 'rate'],
    tally: (result, group) => {
      const tallies: (readonly [number, number])[] = [];
      for (const d of result.delivery) {
        const t = group === undefined || d.from === group || d.to === group ? read(d) : undefined;
        if (t) tallies.push(t);
      }
      if (tallies.length === 0) return NO_MEASUREMENTS;
      return { count: tallies.reduce((n, t) => n + t[0], 0), of: tallies.reduce((n, t) => n + t[1], 0) };
    },
  };
}

/** A per-fleet gauge; `run` combines all fleets for a run-wide key, and without it the gauge is per group only. */
function gauge(
  name: string,
  dimension: Dimension,
  live: boolean,
  read: (f: JudgedFleet) => Reading<number>,
  run?: (fleets: JudgedFleet[]) => Reading<number>,
): GaugeMetric {
  return {
    name,
    kind: 'gauge',
    live,
    perGroup: run === undefined,
    aggregations: ['value'],
    dimension,
    value: (result, group) => {
      const fleets = fleetsOf(result, group);
      if (typeof fleets === 'string') return fleets;
      return group === undefined && run ? run(fleets) : read(fleets[0] as JudgedFleet);
    },
  };
}

/** A fleet's power figure: missing when the fleet declares no power, null when it exchanged nothing. */
const power =
  (pick: (p: NonNullable<FleetResult['power']>) => number) =>
  (f: JudgedFleet): Reading<number> =>
    f.power === undefined ? NO_POWER : f.power === null ? NO_MEASUREMENTS : pick(f.power);

/**
 * A driver's counter (Driver.counters), read off its block in each of the group's (or every)
 * fleet result: summed with its rate per sent or received, or for a peak the group's own value.
 * The blocks exist only in the final result, so it is never judged mid-run.
 */
function driverCounter(driver: AnyDriver, name: string, c: DriverCounter<unknown>): CounterMetric {
  const per = c.per;
  return {
    name,
    kind: 'counter',
    live: false,
    perGroup: c.peak === true,
    aggregations: per && !c.peak ? ['count', 'rate'] : ['count'],
    tally: (result, group) => {
      const fleets = fleetsOf(result, group);
      if (typeof fleets === 'string') return fleets;
      const counted = fleets.flatMap((f) => {
        const block = (f as Readonly<Record<string, unknown>>)[driver.name];
        return block === undefined ? [] : [{ n: c.read(block), of: per ? f.messages[per] : 0 }];
      });
      if (counted.length === 0)
        return `${name} is counted by ${driver.title} groups only${group === undefined ? '' : `, and ${group} is not one`}`;
      return {
        count: c.peak ? Math.max(...counted.map((x) => x.n)) : counted.reduce((t, x) => t + x.n, 0),
        of: counted.reduce((t, x) => t + x.of, 0),
      };
    },
  };
}

/** Every metric, in the order messages list them. */
export const METRICS: readonly Metric[] = [
  latency('connect_latency', HistogramKind.connect),
  latency('ack_latency', HistogramKind.ack),
  latency('ack_service_time', HistogramKind.ackService),
  latency('e2e_latency', HistogramKind.e2e, true),
  latency('e2e_service_time', HistogramKind.e2eService, true),
  latency('rtt_latency', HistogramKind.rtt),
  latency('rtt_service_time', HistogramKind.rttService),
  latency('send_lateness', HistogramKind.sendLateness),
  latency('reconnect_latency', HistogramKind.reconnect),
  // Each driver's own latencies (an AMQP commit → commit_latency).
  ...[...new Set(allDrivers().flatMap((d) => Object.keys(d.latencies ?? {})))].map((kind) =>
    latency(`${kind}_latency`, kind),
  ),
  fromFleets('sent', true, (f) => [f.messages.sent, 0], false),
  fromFleets('received', true, (f) => [f.messages.received, 0], false),
  fromFleets('acked', true, (f) => [f.messages.acked, f.messages.sent]),
  // Dropped sends used no sequence number, so they are not in `sent`: the rate is per attempt.
  fromFleets('dropped', true, (f) => [f.messages.dropped, f.messages.sent + f.messages.dropped]),
  fromFleets('late', true, (f) => [f.messages.late, f.messages.sent]),
  fromDelivery('loss', 'lost'),
  fromDelivery('duplicates', 'duplicated'),
  fromDelivery('reordered', 'outOfOrder'),
  // Expected messages the peer still held at the end (a queue's depth): not lost, not received.
  fromDelivery('queued', 'queued'),
  // Stored deliveries: a late subscriber's retained messages, an offline observer's session-queued ones.
  fromRows('retained_delivered', (d) => (d.retained ? [d.retained.got, d.retained.expected] : undefined)),
  fromRows('session_queued_delivered', (d) =>
    d.sessionQueued ? [d.sessionQueued.got, d.sessionQueued.expected] : undefined,
  ),
  fromRows('session_queued_lost', (d) =>
    d.sessionQueued ? [d.sessionQueued.lost, d.sessionQueued.expected] : undefined,
  ),
  fromFleets('connect_errors', true, (f) => [f.devices.connectFailed, f.devices.connects + f.devices.connectFailed]),
  // Outages: connections lost (any cause, scripted faults included) and what came of them.
  fromFleets('disconnects', true, (f) => [f.devices.disconnects, 0], false),
  fromFleets('reconnects', true, (f) => [f.devices.reconnects, 0], false),
  // Known only at the end: mid-run every device still reconnecting would count.
  fromFleets('unrecovered', false, (f) => [f.devices.unrecovered, 0], false),
  // Sends skipped while the device was down: per scheduled send (made, dropped or not made).
  fromFleets('unsent', true, (f) => [f.messages.unsent, f.messages.sent + f.messages.dropped + f.messages.unsent]),
  fromFleets('in_doubt', true, (f) => [f.messages.inDoubt, 0], false),
  fromFleets('resent', true, (f) => [f.messages.resent, 0], false),
  {
    name: 'errors',
    kind: 'counter',
    live: true,
    aggregations: ['count'],
    tally: (result, group) => {
      if (group !== undefined && !result.fleets[group]) return NO_MEASUREMENTS;
      return {
        count: result.errors.reduce((n, e) => n + (group === undefined || e.group === group ? e.count : 0), 0),
        of: 0,
      };
    },
  },
  gauge(
    'throughput',
    PER_SECOND,
    true,
    (f) => f.rates.sentPerS,
    (all) => all.reduce((n, f) => n + f.rates.sentPerS, 0),
  ),
  gauge(
    'received_rate',
    PER_SECOND,
    true,
    (f) => f.rates.receivedPerS,
    (all) => all.reduce((n, f) => n + f.rates.receivedPerS, 0),
  ),
  // End only: a device still down is counted when it comes back or the run ends.
  gauge(
    'downtime',
    DOWNTIME,
    false,
    (f) => f.devices.downtimeS,
    (all) => all.reduce((n, f) => n + f.devices.downtimeS, 0),
  ),
  gauge(
    'bytes_per_message',
    BYTES,
    false,
    (f) => f.bytes?.sentPerMessage ?? NO_MEASUREMENTS,
    (all) => {
      // Over the groups that sent messages: an observer's subscribe bytes are not per message.
      const senders = all.filter((f) => f.messages.sent > 0);
      const sent = senders.reduce((n, f) => n + f.messages.sent, 0);
      return sent > 0 ? senders.reduce((n, f) => n + (f.bytes?.sent ?? 0), 0) / sent : NO_MEASUREMENTS;
    },
  ),
  gauge(
    'energy_per_message',
    ENERGY,
    false,
    power((p) => p.energyPerMessagemJ),
  ),
  gauge(
    'battery_life',
    LIFE,
    false,
    power((p) => p.batteryLifeDays),
  ),
  // Each driver's own counters (AMQP: returned, confirm_nacks, dead letters by reason, unacked_peak).
  ...allDrivers().flatMap((d) => Object.entries(d.counters ?? {}).map(([name, c]) => driverCounter(d, name, c))),
];

const BY_NAME = new Map(METRICS.map((m) => [m.name, m]));

/** How a code metric is written, for messages. */
export const CODE_METRIC_FORM = 'code(<packet>|<code>)';

/**
 * `code(<packet>|<code>)`: how often the group (or every group, for a run-wide key) counted one
 * protocol code of result.codes, e.g. `code(disconnect|142)` for MQTT DISCONNECT reason 0x8E or
 * `code(announced|retain_available=0)`. The packet must be one a driver (or the run) counts; a
 * code never counted is 0. Its rate is per message the group received, for the codes counted
 * per delivery (`rate == 1`: every delivery carried it). Known at the end only.
 */
function codeMetric(name: string): CounterMetric | undefined {
  const m = /^code\(\s*([^|()\s]+)\|([^()\s]+)\s*\)$/.exec(name);
  if (!m) return undefined;
  const packet = m[1] as string;
  const code = m[2] as string;
  const known = [...allDrivers().map((d) => d.codes), RUN_CODES].some((book) => book.describe(packet, code));
  if (!known) return undefined;
  return {
    name: `code(${packet}|${code})`,
    kind: 'counter',
    live: false,
    aggregations: ['count', 'rate'],
    tally: (result, group) => {
      const fleets = fleetsOf(result, group);
      if (typeof fleets === 'string') return fleets;
      let count = 0;
      for (const [key, n] of Object.entries(result.codes ?? {})) {
        const split = splitGroupCodeKey(key);
        if (split && split.packet === packet && split.code === code && (group === undefined || split.group === group))
          count += n;
      }
      return { count, of: fleets.reduce((n, f) => n + f.messages.received, 0) };
    },
  };
}

export function metricNamed(name: string): Metric | undefined {
  return BY_NAME.get(name) ?? codeMetric(name);
}

/** The dimension of a metric's value under an aggregation: time for latencies, else count, rate or the gauge's own. */
export function dimensionOf(metric: Metric, aggregation: Aggregation): Dimension {
  if (metric.kind === 'latency') return TIME;
  if (metric.kind === 'gauge') return metric.dimension;
  return aggregation === 'rate' ? RATE : COUNT;
}

/** How an aggregation is written: 'p(N)' for percentiles. */
export function aggregationLabels(metric: Metric): string {
  return metric.aggregations.map((a) => (a === 'p' ? 'p(N)' : a)).join(', ');
}
