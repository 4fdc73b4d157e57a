// What thresholds see of the run mid-run, from the aggregator: what thresholds with abortOnFail are judged
// on once a second. It holds what is known live (counters, connect results, latency
// histograms, errors); delivery accounting only exists at the end.
import type { Plan } from '../dsl/plan.ts';
import type { Aggregator } from '../metrics/aggregate.ts';
import { encodeHistogram } from '../metrics/histogram.ts';
import { splitHistogramKey } from '../metrics/names.ts';
import type { Judged, JudgedFleet } from '../thresholds/metrics.ts';

/** `kinds`: the histogram kinds the judged thresholds read; only those are encoded. */
export function liveResult(plan: Plan, agg: Aggregator, sendElapsedS: number, kinds: ReadonlySet<string>): Judged {
  const seconds = Math.max(sendElapsedS, 1e-3);
  const fleets: Record<string, JudgedFleet> = {};
  for (const g of plan.groups) {
    fleets[g.name] = groupFigures(agg, g.name, seconds);
  }
  return {
    fleets,
    delivery: [],
    errors: [...agg.errors.values()],
    histograms: Object.fromEntries(
      [...agg.histograms]
        .filter(([k]) => kinds.has(splitHistogramKey(k).kind))
        .map(([k, h]) => [k, encodeHistogram(h)]),
    ),
  };
}

/** A group's devices, messages and rates over `seconds` of send phase, from the aggregator's totals. */
export function groupFigures(agg: Aggregator, group: string, seconds: number): JudgedFleet {
  const t = agg.total(group);
  return {
    devices: {
      peakConnected: agg.peakConnected.get(group) ?? 0,
      connects: t.connects,
      connectFailed: t.connectFailed,
      disconnects: t.disconnects,
      faulted: t.faulted,
      reconnectAttempts: t.reconnectAttempts,
      reconnects: t.reconnects,
      unrecovered: t.unrecovered,
      downtimeS: Math.round(t.downMs) / 1000,
    },
    messages: {
      sent: t.sent,
      acked: t.acked,
      late: t.late,
      dropped: t.dropped,
      unsent: t.unsent,
      inDoubt: t.inDoubt,
      resent: t.resent,
      oversize: t.oversize,
      received: t.received,
      unstamped: t.unstamped,
      repliesSent: t.repliesSent,
      repliesReceived: t.repliesReceived,
    },
    rates: { sentPerS: t.sent / seconds, receivedPerS: t.received / seconds },
  };
}
