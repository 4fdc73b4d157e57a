// Figures read back out of a saved result, shared by `compare` and `run --repeat`: a group's main
// latency from the cumulative histograms, its loss over chosen delivery pairs, its error count.
import { type LatencySummary, mergeEncoded, summarize } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey, pairKey } from '../metrics/names.ts';
import type { RunResult } from './types.ts';

/** Latencies are taken from the first of these a group has: end to end, ack, round trip. */
export type LatencySource = 'e2e' | 'ack' | 'rtt';
export const LATENCY_SOURCES: readonly LatencySource[] = ['e2e', 'ack', 'rtt'];

/** The percentiles `compare` reads and `run --repeat` records. */
export const PERCENTILES = ['p50', 'p90', 'p99', 'p999', 'max'] as const;
export type Percentile = (typeof PERCENTILES)[number];

/**
 * Corrected latency, computed from the result's cumulative histograms: end to end merged over
 * every receiver of the group's messages (exact, as HDR merging is bucket-wise addition), or the
 * group's own ack or rtt histogram. Undefined when there is none or it is empty. `to` limits end
 * to end to those receivers.
 */
export function latencyOf(
  result: RunResult,
  group: string,
  source: LatencySource,
  to?: ReadonlySet<string>,
): LatencySummary | undefined {
  const keys =
    source === 'e2e'
      ? result.delivery
          .filter((d) => d.from === group && (to === undefined || to.has(d.to)))
          .map((d) => histogramKey(pairKey(group, d.to), HistogramKind.e2e))
      : [histogramKey(group, source === 'ack' ? HistogramKind.ack : HistogramKind.rtt)];
  const encoded = keys.map((k) => result.histograms[k]).filter((e): e is string => e !== undefined);
  if (encoded.length === 0) return undefined;
  const h = mergeEncoded(encoded);
  const summary = h.totalCount > 0 ? summarize(h) : undefined;
  h.destroy();
  return summary;
}

/**
 * Lost over expected across the delivery rows of the group's messages (only those to the
 * receivers in `to`, when given); null when nobody expects them.
 */
export function lossRate(result: RunResult, group: string, to?: ReadonlySet<string>): number | null {
  const rows = result.delivery.filter((d) => d.from === group && d.expected > 0 && (to === undefined || to.has(d.to)));
  if (rows.length === 0) return null;
  return rows.reduce((n, d) => n + d.lost, 0) / rows.reduce((n, d) => n + d.expected, 0);
}

export function errorCount(result: RunResult, group: string): number {
  return result.errors.filter((e) => e.group === group).reduce((n, e) => n + e.count, 0);
}

/** The key of a figure in `result.repeat.metrics`: 'gps.e2e.p99', 'gps.throughput'. */
export function repeatKey(group: string, metric: string, source?: LatencySource): string {
  return source === undefined ? `${group}.${metric}` : `${group}.${source}.${metric}`;
}
