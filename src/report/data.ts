// From a RunResult to what the report's charts draw: HdrHistogram-style percentile
// distributions (x = 1/(1−p), so 90%, 99%, 99.9% … are evenly spaced on a log axis) and
// per-second series from the timeline. Only these compact series are embedded in the page,
// never the raw histogram encodings or the whole timeline.
import { decodeHistogram, type Histogram, type LatencySummary } from '../metrics/histogram.ts';
import {
  type AnyHistogramKind,
  HistogramKind,
  histogramKey,
  pairKey,
  splitHistogramKey,
  splitPairKey,
} from '../metrics/names.ts';
import { driverFor } from '../protocols/registry.ts';
import { driverLatency, type RunResult } from '../result/types.ts';

export interface SeriesSpec {
  label: string;
  color: string;
  /** Drawn dashed: the service-time series, or a p50 next to its p99. */
  dash: boolean;
  values: (number | null)[];
}

export interface PhaseBand {
  phase: string;
  from: number;
  to: number;
}

export interface ChartSpec {
  /** Unique in the page: the chart's container is `#chart-<id>`. */
  id: string;
  /** 'percentile': x is 1/(1−p) on a log axis; 'time': x is seconds into the run. */
  kind: 'percentile' | 'time';
  title: string;
  /** The y axis label, with its unit. */
  y: string;
  x: number[];
  series: SeriesSpec[];
  /** Time charts: the run's phases, drawn as shaded bands. */
  bands?: PhaseBand[];
  /** Time charts of devices connected: the outages, drawn as red bands over the phases. */
  marks?: OutageMark[];
}

/** Seconds where connections were lost ('loss'), or fewer devices were up than had been ('down'). */
export interface OutageMark {
  kind: 'loss' | 'down';
  from: number;
  to: number;
}

/** One latency metric of a fleet: its chart and the summaries of the series drawn. */
export interface LatencyChart {
  /** The metric's name, e.g. 'publish → ack' or 'end to end → backend'. */
  metric: string;
  /** Undefined when fewer than MIN_CHART_COUNT samples were measured: the table says it all. */
  chart: ChartSpec | undefined;
  stats: { label: string; summary: LatencySummary }[];
}

export interface FleetLatency {
  fleet: string;
  charts: LatencyChart[];
}

/** A distribution of fewer samples is not worth a chart (a single connect of an observer, say). */
export const MIN_CHART_COUNT = 3;

/** Points per decade of 1/(1−p): 20 gives a smooth curve at ~7 kB per series for a million samples. */
export const TICKS_PER_DECADE = 20;

export const COLORS = [
  '#2563eb',
  '#dc2626',
  '#16a34a',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#c026d3',
  '#65a30d',
  '#b45309',
  '#475569',
  '#db2777',
  '#4f46e5',
];
export const CORRECTED_COLOR = '#2563eb';
export const SERVICE_COLOR = '#ea580c';

/** Microseconds to milliseconds, kept to the microsecond. */
export function ms(us: number): number {
  return Math.round(us) / 1000;
}

/**
 * The x positions of a percentile plot for histograms of these counts: 10^(k/TICKS_PER_DECADE)
 * below each count, and each count itself (where that histogram's max is drawn).
 */
export function percentileGrid(counts: readonly number[]): number[] {
  const top = Math.max(1, ...counts);
  const xs = new Set<number>();
  for (let k = 0; ; k++) {
    const x = 10 ** (k / TICKS_PER_DECADE);
    if (x >= top) break;
    xs.add(+x.toPrecision(6));
  }
  for (const n of counts) if (n > 0) xs.add(n);
  return [...xs].sort((a, b) => a - b);
}

/** Latency in ms at each x = 1/(1−p): the value at percentile p, the max at x = count, nothing beyond. */
export function percentileValues(h: Histogram, xs: readonly number[]): (number | null)[] {
  const n = h.totalCount;
  return xs.map((x) => {
    if (n === 0 || x > n) return null;
    if (x === n) return ms(h.maxValue);
    return ms(h.getValueAtPercentile(100 * (1 - 1 / x)));
  });
}

interface MetricPlan {
  title: string;
  corrected: string;
  service: string | undefined;
  /** The result's own summaries of these histograms, when it has them. */
  summaries: { corrected?: LatencySummary; service?: LatencySummary };
}

/**
 * A summary read off the histogram without its mean and standard deviation (hdr-histogram-js
 * computes those by iterating every bucket, ~10 ms each); used only when the result has none.
 */
export function quickSummary(h: Histogram): LatencySummary {
  const count = h.totalCount;
  if (count === 0) return { count: 0, min: 0, mean: NaN, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, stddev: NaN };
  const at = (p: number): number => h.getValueAtPercentile(p);
  return {
    count,
    min: h.minNonZeroValue,
    mean: NaN,
    p50: at(50),
    p90: at(90),
    p99: at(99),
    p999: at(99.9),
    max: h.maxValue,
    stddev: NaN,
  };
}

/** What a group's ack latency measures, in its driver's words. */
export function ackTitle(protocol: string): string {
  return driverFor(protocol)?.ackLabel ?? 'send → ack';
}

/** The latency metrics a fleet has histograms for, in reading order: connect, ack, end to end per receiver, round trip, the driver's own. */
function metricsOf(result: RunResult, fleet: string, keys: ReadonlySet<string>): MetricPlan[] {
  const f = result.fleets[fleet];
  const protocol = f?.protocol ?? '';
  const plans: MetricPlan[] = [];
  const own = (kind: AnyHistogramKind): string => histogramKey(fleet, kind);
  const add = (title: string, summaries: MetricPlan['summaries'], corrected: string, service?: string): void => {
    if (keys.has(corrected))
      plans.push({
        title,
        corrected,
        service: service !== undefined && keys.has(service) ? service : undefined,
        summaries,
      });
  };
  add('connect', { corrected: f?.latency.connect }, own(HistogramKind.connect));
  add(ackTitle(protocol), { ...f?.latency.ack }, own(HistogramKind.ack), own(HistogramKind.ackService));
  // End to end, per receiver: the delivery table's order first, then any other pair key.
  const receivers: string[] = [];
  for (const d of result.delivery) if (d.from === fleet && !receivers.includes(d.to)) receivers.push(d.to);
  for (const key of keys) {
    const { owner, kind } = splitHistogramKey(key);
    const { from, to } = splitPairKey(owner);
    if (kind === HistogramKind.e2e && to !== undefined && from === fleet && !receivers.includes(to)) receivers.push(to);
  }
  for (const to of receivers) {
    const d = result.delivery.find((x) => x.from === fleet && x.to === to);
    add(
      `end to end → ${to}`,
      { ...d?.latency },
      histogramKey(pairKey(fleet, to), HistogramKind.e2e),
      histogramKey(pairKey(fleet, to), HistogramKind.e2eService),
    );
  }
  add('command round trip', { ...f?.latency.rtt }, own(HistogramKind.rtt), own(HistogramKind.rttService));
  add('reconnect (lost → connected again)', { corrected: f?.latency.reconnect }, own(HistogramKind.reconnect));
  for (const [kind, title] of Object.entries(driverFor(protocol)?.latencies ?? {}))
    add(title, { corrected: f && driverLatency(f, kind) }, own(kind));
  return plans;
}

/** A histogram from its encoding; undefined for a damaged one (a hand-edited results.json), which is left out rather than failing the report. */
function safeDecode(encoded: string | undefined): Histogram | undefined {
  if (typeof encoded !== 'string') return undefined;
  try {
    return decodeHistogram(encoded);
  } catch {
    return undefined;
  }
}

/** Owners of histogram keys that are not fleets of the result (kept, so nothing measured is hidden). */
export function ownerFleet(key: string): string {
  return splitPairKey(splitHistogramKey(key).owner).from;
}

/** Per fleet, the percentile distribution of every latency it measured, corrected and service time. */
export function latencyCharts(result: RunResult): FleetLatency[] {
  const histograms = result.histograms ?? {};
  const keys = new Set(Object.keys(histograms));
  const fleets = Object.keys(result.fleets);
  for (const key of keys) {
    const owner = ownerFleet(key);
    if (!fleets.includes(owner)) fleets.push(owner);
  }
  const out: FleetLatency[] = [];
  let id = 0;
  for (const fleet of fleets) {
    const charts: LatencyChart[] = [];
    for (const m of metricsOf(result, fleet, keys)) {
      const decoded: {
        label: string;
        color: string;
        dash: boolean;
        h: Histogram;
        summary: LatencySummary | undefined;
      }[] = [];
      const corrected = safeDecode(histograms[m.corrected]);
      if (!corrected) continue;
      decoded.push({
        label: m.service ? 'corrected (from intended send)' : m.title,
        color: CORRECTED_COLOR,
        dash: false,
        h: corrected,
        summary: m.summaries.corrected,
      });
      const service = m.service ? safeDecode(histograms[m.service]) : undefined;
      if (service)
        decoded.push({
          label: 'service time (from actual send)',
          color: SERVICE_COLOR,
          dash: true,
          h: service,
          summary: m.summaries.service,
        });
      try {
        const counts = decoded.map((d) => d.h.totalCount);
        if (counts.every((n) => n === 0)) continue;
        const x = percentileGrid(counts);
        charts.push({
          metric: m.title,
          chart:
            Math.max(...counts) < MIN_CHART_COUNT
              ? undefined
              : {
                  id: `p${id++}`,
                  kind: 'percentile',
                  title: `${fleet}: ${m.title}`,
                  y: 'latency (ms)',
                  x,
                  series: decoded.map((d) => ({
                    label: d.label,
                    color: d.color,
                    dash: d.dash,
                    values: percentileValues(d.h, x),
                  })),
                },
          stats: decoded.map((d) => ({
            label: d.label,
            summary: d.summary && d.summary.count === d.h.totalCount ? d.summary : quickSummary(d.h),
          })),
        });
      } finally {
        for (const d of decoded) d.h.destroy();
      }
    }
    if (charts.length > 0) out.push({ fleet, charts });
  }
  return out;
}

/** Seconds between timeline points: the most common gap, 1 s when there is none. */
