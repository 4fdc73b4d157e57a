// Per-group live figures beside the progress line's totals: what the live metrics endpoint
// (`--metrics-port`, docs/capacity.md#live-metrics) labels by fleet.
import type { Plan } from '../dsl/plan.ts';
import type { Aggregator, TimelineBucket } from '../metrics/aggregate.ts';
import { HistogramKind, splitHistogramKey, splitPairKey } from '../metrics/names.ts';
import { warmGroup } from './warm-window.ts';

/** The latency a group's figures come from: end to end of its messages, else its acks, else its round trips. */
export type LiveLatencySource = 'e2e' | 'ack' | 'rtt';
const SOURCES: Readonly<Record<string, LiveLatencySource>> = {
  [HistogramKind.e2e]: 'e2e',
  [HistogramKind.ack]: 'ack',
  [HistogramKind.rtt]: 'rtt',
};

export interface FleetProgress {
  name: string;
  kind: string;
  devices: number;
  connected: number;
  /** Since the run began, the warm-up included (the load as offered). */
  sent: number;
  received: number;
  errors: number;
  /** In the last interval. */
  sentPerS: number;
  receivedPerS: number;
  /** Of the last interval, from the group's first latency source that has samples (µs). */
  latency: { source: LiveLatencySource; p50Us: number; p99Us: number } | undefined;
}

export function fleetProgress(plan: Plan, agg: Aggregator, bucket: TimelineBucket): FleetProgress[] {
  // Per sending group and source: the worst p50 and p99 over its pairs in this interval.
  const worst = new Map<string, Partial<Record<LiveLatencySource, { p50Us: number; p99Us: number }>>>();
  for (const [key, h] of bucket.histograms) {
    const { owner, kind } = splitHistogramKey(key);
    const source = SOURCES[kind];
    if (!source || h.totalCount === 0) continue;
    const from = splitPairKey(owner).from;
    const byKind = worst.get(from) ?? {};
    const seen = byKind[source];
    byKind[source] = {
      p50Us: Math.max(seen?.p50Us ?? 0, h.getValueAtPercentile(50)),
      p99Us: Math.max(seen?.p99Us ?? 0, h.getValueAtPercentile(99)),
    };
    worst.set(from, byKind);
  }
  return plan.groups.map((g) => {
    const total = agg.total(g.name);
    const warm = agg.totals.get(warmGroup(g.name));
    let sentPerS = 0;
    let receivedPerS = 0;
    for (const c of [bucket.counters[g.name], bucket.counters[warmGroup(g.name)]]) {
      sentPerS += c?.sent ?? 0;
      receivedPerS += c?.received ?? 0;
    }
    const byKind = worst.get(g.name) ?? {};
    const source = (['e2e', 'ack', 'rtt'] as const).find((s) => byKind[s] !== undefined);
    const l = source ? byKind[source] : undefined;
    return {
      name: g.name,
      kind: g.kind,
      devices: g.count,
      connected: agg.connected(g.name),
      sent: total.sent + (warm?.sent ?? 0),
      received: total.received + (warm?.received ?? 0),
      errors: total.errors + (warm?.errors ?? 0),
      sentPerS,
      receivedPerS,
      latency: source && l ? { source, ...l } : undefined,
    };
  });
}
