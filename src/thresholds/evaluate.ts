// Judging parsed thresholds against a result. Latencies come from the result's HDR histograms,
// decoded and added (exact), never from the rounded summaries; counters and gauges from the
// fleet results, delivery rows and errors. The same code judges a partial result mid-run, for
// abortOnFail.

import { type Histogram, mergeEncoded } from '../metrics/histogram.ts';
import { splitHistogramKey, splitPairKey } from '../metrics/names.ts';
import type { ThresholdOutcome } from '../result/types.ts';
import { anyMetric } from './codes.ts';
import { dimensionOf, type Judged, type LatencyMetric, type Metric, NO_MEASUREMENTS, type Reading } from './metrics.ts';
import type { Operator, ParsedThreshold } from './parse.ts';

/** The threshold's measured value in the metric's base unit, or null when there is none. */
export function measure(t: ParsedThreshold, result: Judged): number | null {
  const r = read(t, result);
  return typeof r === 'number' ? r : null;
}

export function evaluateThresholds(list: readonly ParsedThreshold[], result: Judged): ThresholdOutcome[] {
  return list.map((t) => judge(t, result));
}

/**
 * The abortOnFail thresholds that fail now, on a partial result `elapsedMs` after the send phase
 * began; each is judged only once its delayAbortMs has passed. A metric with nothing measured
 * yet (no ack so far) does not abort: early silence is not a failure.
 */
export function liveFailures(list: readonly ParsedThreshold[], result: Judged, elapsedMs: number): ThresholdOutcome[] {
  return list
    .filter((t) => t.abortOnFail && metricOf(t).live && elapsedMs >= t.delayAbortMs)
    .map((t) => judge(t, result))
    .filter((o) => !o.passed && o.actual !== null);
}

function judge(t: ParsedThreshold, result: Judged): ThresholdOutcome {
  const metric = metricOf(t);
  const dimension = dimensionOf(metric, t.aggregation);
  const r = read(t, result);
  const limitText = dimension.format(t.limit);
  const common = {
    key: t.key,
    expression: t.expression,
    group: t.group,
    metric: t.metric,
    limitText,
    abortOnFail: t.abortOnFail,
  };
  if (typeof r === 'string') return { ...common, passed: false, actual: null, actualText: '-', message: r };
  const actualText = dimension.format(r);
  const passed = holds(r, t.op, t.limit);
  // A failed code count says what was counted instead (e.g. response 2.04 where 4.05 was due).
  const context = !passed && metric.kind === 'counter' ? metric.context?.(result, t.group) : undefined;
  return {
    ...common,
    passed,
    actual: r,
    actualText,
    message: `measured ${actualText}, limit ${t.op} ${limitText}${context ? ` (${context})` : ''}`,
  };
}

function holds(actual: number, op: Operator, limit: number): boolean {
  switch (op) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}

function metricOf(t: ParsedThreshold): Metric {
  const m = anyMetric(t.metric);
  if (!m) throw new Error(`threshold ${t.key}: unknown metric ${t.metric}`); // parseThresholds never yields one
  return m;
}

/** The value, or why there is none. */
function read(t: ParsedThreshold, result: Judged): Reading<number> {
  const metric = metricOf(t);
  switch (metric.kind) {
    case 'latency':
      return latency(metric, t, result);
    case 'gauge':
      return metric.value(result, t.group);
    case 'counter': {
      const tally = metric.tally(result, t.group);
      if (typeof tally === 'string') return tally;
      if (t.aggregation !== 'rate') return tally.count;
      return tally.of > 0 ? tally.count / tally.of : NO_MEASUREMENTS;
    }
  }
}

/** The group's histograms of the metric's kind merged (for e2e: every pair it sends or receives in), or all of them for the run. */
function latency(metric: LatencyMetric, t: ParsedThreshold, result: Judged): Reading<number> {
  const group = t.group;
  const keys = Object.keys(result.histograms).filter((key) => {
    const { owner, kind } = splitHistogramKey(key);
    if (kind !== metric.histogram) return false;
    return group === undefined || (metric.pairs ? Object.values(splitPairKey(owner)).includes(group) : owner === group);
  });
  const h = mergeEncoded(keys.map((k) => result.histograms[k] as string));
  try {
    return h.totalCount === 0 ? NO_MEASUREMENTS : statistic(h, t);
  } finally {
    h.destroy();
  }
}

function statistic(h: Histogram, t: ParsedThreshold): number {
  switch (t.aggregation) {
    case 'p':
      return h.getValueAtPercentile(t.percentile ?? 50);
    case 'med':
      return h.getValueAtPercentile(50);
    case 'avg':
      return h.mean;
    case 'min':
      return h.minNonZeroValue;
    case 'max':
      return h.maxValue;
    default:
      throw new Error(`threshold ${t.key}: ${t.aggregation} does not apply to a latency`); // parseThresholds never yields one
  }
}
