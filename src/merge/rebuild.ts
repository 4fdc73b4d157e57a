// The run's aggregator, rebuilt from its shards: totals, codes and errors summed, cumulative HDR
// histograms added (exact: HDR addition is what a single run does across its workers), peaks
// summed (exact when the shards' peaks coincide, as a connected fleet's do), and the timeline's
// seconds aligned on the send phase's start. A timeline bucket's counters add exactly; its
// latency percentiles are approximate: a count-weighted mean of the shards' p50 and p99 (the
// interval histograms are not kept), the maximum exact.
import { defaults } from '../base/defaults.ts';
import { Aggregator, type TimelineBucket } from '../metrics/aggregate.ts';
import { addCounters, emptyCounters, type GroupCounters } from '../metrics/counters.ts';
import { createHistogram, decodeHistogram } from '../metrics/histogram.ts';
import { errorKey, type Phase } from '../metrics/recorder.ts';
import type { MergeableFile } from './checks.ts';

const PHASES: Phase[] = ['connect', 'run', 'drain', 'done'];

/** The latest send-phase start over the shards (seconds on each shard's timeline): the merged timeline's. */
export function mergedSendStartS(shards: readonly MergeableFile[]): number | null {
  const starts = shards.map((s) => s.merge.sendStartS).filter((s): s is number => s !== null);
  return starts.length === 0 ? null : Math.max(...starts);
}

export function rebuildAggregator(shards: readonly MergeableFile[]): Aggregator {
  const intervalS = defaults.snapshotIntervalMs / 1000;
  const agg = new Aggregator(0, intervalS * 1e6);
  const sendStartS = mergedSendStartS(shards) ?? 0;
  for (const { result, merge } of shards) {
    for (const [group, c] of Object.entries(merge.totals)) addCounters(agg.total(group), c);
    for (const [group, n] of Object.entries(merge.peakConnected))
      agg.peakConnected.set(group, (agg.peakConnected.get(group) ?? 0) + n);
    for (const e of merge.errors) {
      const seen = agg.errors.get(errorKey(e.group, e.code));
      if (seen) seen.count += e.count;
      else agg.errors.set(errorKey(e.group, e.code), { ...e });
    }
    for (const [key, n] of Object.entries(result.codes)) agg.codes.set(key, (agg.codes.get(key) ?? 0) + n);
    for (const [key, encoded] of Object.entries(result.histograms)) {
      const h = decodeHistogram(encoded);
      let sum = agg.histograms.get(key);
      if (!sum) {
        sum = createHistogram();
        agg.histograms.set(key, sum);
      }
      sum.add(h);
      h.destroy();
    }
    // Each shard's timeline starts when it did; their send phases start together.
    const shift = sendStartS - (merge.sendStartS ?? sendStartS);
    for (const [t, phase, counters, latency] of merge.timeline) {
      const index = Math.max(0, Math.round((t + shift) / intervalS));
      const bucket = bucketAt(agg, index, intervalS, phase);
      if (PHASES.indexOf(phase) > PHASES.indexOf(bucket.phase)) bucket.phase = phase;
      for (const [group, c] of Object.entries(counters)) {
        bucket.counters[group] ??= emptyCounters();
        addCounters(bucket.counters[group] as GroupCounters, c);
      }
      for (const [key, l] of Object.entries(latency)) {
        const had = bucket.latency[key];
        if (!had || had.count === 0) bucket.latency[key] = { ...l };
        else if (l.count > 0) {
          const n = had.count + l.count;
          bucket.latency[key] = {
            count: n,
            p50: (had.p50 * had.count + l.p50 * l.count) / n,
            p99: (had.p99 * had.count + l.p99 * l.count) / n,
            max: Math.max(had.max, l.max),
          };
        }
      }
    }
  }
  return agg;
}

function bucketAt(agg: Aggregator, index: number, intervalS: number, phase: Phase): TimelineBucket {
  let bucket = agg.buckets.get(index);
  if (!bucket) {
    bucket = { t: index * intervalS, phase, counters: {}, histograms: new Map(), latency: {} };
    agg.buckets.set(index, bucket);
  }
  return bucket;
}
