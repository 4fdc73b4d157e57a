// The result's `warmup` block: what was measured on the messages stamped within the scenario's
// warm-up (warm-window.ts), from the fleets' warm-up twins in the aggregator and the workers'
// warm-up delivery books. The headline figures never saw any of it.
import { type GroupPlan, groupByName, type Plan } from '../dsl/plan.ts';
import type { Aggregator } from '../metrics/aggregate.ts';
import type { DeliveryShard, PairShard } from '../metrics/delivery.ts';
import { summarize } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey, pairKey } from '../metrics/names.ts';
import { streamFleet } from '../metrics/stamp.ts';
import type { LatencyPair, WarmupDelivery, WarmupFleet, WarmupResult } from '../result/types.ts';
import { unionByStream } from './build-delivery.ts';
import { splitForeign } from './foreign.ts';
import { warmGroup, warmKind } from './warm-window.ts';
import { windowKey } from './windows.ts';

export interface WarmupInput {
  durationMs: number;
  included: boolean;
  /** Where the window lies on the timeline (seconds since the run started). */
  fromS: number;
  /** Every worker's (and embedded sink's) warm-up delivery book. */
  shards: DeliveryShard[];
}

/**
 * `measured`: the headline delivery shards, whose receivers (devices that subscribed) the window
 * shares. `shard`: a shard of a larger run judges its own streams only (foreign.ts).
 */
export function buildWarmup(
  plan: Plan,
  agg: Aggregator,
  input: WarmupInput,
  measured: DeliveryShard[],
  shard: { index: number; count: number } = { index: 0, count: 1 },
): WarmupResult {
  const result: WarmupResult = {
    durationMs: input.durationMs,
    included: input.included,
    fromS: input.fromS,
    toS: input.fromS + input.durationMs / 1000,
    sent: 0,
    acked: 0,
    late: 0,
    received: 0,
    fleets: {},
    delivery: [],
  };
  if (input.included) return result;
  for (const g of plan.groups) {
    if (g.kind === 'will') continue;
    const t = agg.totals.get(warmGroup(g.name));
    const fleet: WarmupFleet = {
      sent: t?.sent ?? 0,
      acked: t?.acked ?? 0,
      late: t?.late ?? 0,
      received: t?.received ?? 0,
      latency: {},
    };
    const lateness = agg.histograms.get(histogramKey(g.name, warmKind(HistogramKind.sendLateness)));
    if (lateness) fleet.latency.sendLateness = summarize(lateness);
    if (agg.histograms.has(histogramKey(g.name, warmKind(HistogramKind.ack))))
      fleet.latency.ack = warmPair(agg, g.name, HistogramKind.ack, HistogramKind.ackService);
    if (agg.histograms.has(histogramKey(g.name, warmKind(HistogramKind.rtt))))
      fleet.latency.rtt = warmPair(agg, g.name, HistogramKind.rtt, HistogramKind.rttService);
    result.fleets[g.name] = fleet;
    result.sent += fleet.sent;
    result.acked += fleet.acked;
    result.late += fleet.late;
    result.received += fleet.received;
  }
  const receivers = new Map<string, number>();
  for (const s of measured)
    for (const [g, devices] of Object.entries(s.receiverDevices))
      receivers.set(g, (receivers.get(g) ?? 0) + devices.length);
  const parts = new Map<string, PairShard[]>();
  for (const s of input.shards)
    for (const p of s.pairs) parts.set(pairKey(p.from, p.to), [...(parts.get(pairKey(p.from, p.to)) ?? []), p]);
  for (const to of plan.groups)
    for (const fromName of to.receives) {
      const from = groupByName(plan, fromName);
      if (!from) continue;
      const pair = splitForeign(parts.get(pairKey(from.name, to.name)) ?? [], shard).own;
      result.delivery.push(warmDelivery(agg, from, to, pair, receivers, owedTo(measured, from, to)));
    }
  return result;
}

function warmDelivery(
  agg: Aggregator,
  from: GroupPlan,
  to: GroupPlan,
  parts: PairShard[],
  receivers: Map<string, number>,
  /** A late subscriber: the warm-up messages sent after it joined, per receiver device. */
  owed: number | undefined,
): WarmupDelivery {
  const mode = to.receiverMode;
  const sent = agg.totals.get(warmGroup(from.name))?.sent ?? 0;
  let received = 0;
  let unique = 0;
  for (const p of parts) received += p.received;
  if (mode === 'each') for (const p of parts) unique += p.unique;
  else for (const s of unionByStream(parts).values()) unique += s.unique;
  const perReceiver = owed ?? sent;
  const expected = mode === 'each' ? perReceiver * (receivers.get(to.name) ?? 0) : perReceiver;
  return {
    from: from.name,
    to: to.name,
    mode,
    sent,
    expected,
    received,
    unique,
    lost: Math.max(0, expected - unique),
    duplicated: received - unique,
    latency: warmPair(agg, pairKey(from.name, to.name), HistogramKind.e2e, HistogramKind.e2eService),
  };
}

function warmPair(agg: Aggregator, owner: string, corrected: string, service: string): LatencyPair {
  const get = (kind: string) => agg.histograms.get(histogramKey(owner, warmKind(kind)));
  const c = get(corrected);
  const s = get(service);
  const empty = { count: 0, min: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: 0 };
  return { corrected: c ? summarize(c) : empty, service: s ? summarize(s) : empty };
}

/**
 * A late subscriber `to` (startTime) expects of each stream's warm-up messages those sent after
 * it joined (windows.ts counts each stream's sends before the join); undefined for any other receiver.
 */
function owedTo(measured: DeliveryShard[], from: GroupPlan, to: GroupPlan): number | undefined {
  if (to.startMs === undefined) return undefined;
  const before = new Map<number, number>();
  const warm = new Map<number, number>();
  for (const s of measured) {
    for (const [stream, n] of s.windows?.[windowKey(to.name, 'before_join')] ?? [])
      before.set(stream, (before.get(stream) ?? 0) + n);
    for (const [stream, n] of s.warmSent ?? []) if (streamFleet(stream) === from.index) warm.set(stream, n);
  }
  let owed = 0;
  for (const [stream, n] of warm) owed += Math.max(0, n - (before.get(stream) ?? 0));
  return owed;
}
