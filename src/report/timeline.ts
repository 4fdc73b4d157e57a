// The report's "over time" charts, from the result's per-second timeline: throughput summed
// and per fleet, devices connected, and each fleet's latency p50/p99 per interval, with phases.
import { round2 } from '../base/format.ts';
import { HistogramKind, splitHistogramKey, splitPairKey } from '../metrics/names.ts';
import { allDrivers, driverFor } from '../protocols/registry.ts';
import type { RunResult, TimelinePoint } from '../result/types.ts';
import { ackTitle, type ChartSpec, COLORS, ms, ownerFleet, type PhaseBand, type SeriesSpec } from './data.ts';
import { outageCharts } from './timeline-outages.ts';

function intervalOf(t: readonly number[]): number {
  const gaps = new Map<number, number>();
  for (let i = 1; i < t.length; i++) {
    const g = +((t[i] as number) - (t[i - 1] as number)).toFixed(6);
    if (g > 0) gaps.set(g, (gaps.get(g) ?? 0) + 1);
  }
  let best = 1;
  let seen = 0;
  for (const [g, n] of gaps) if (n > seen) [best, seen] = [g, n];
  return best;
}

/** Contiguous runs of one phase, each widened by half an interval so the bands meet. */
export function phaseBands(timeline: readonly TimelinePoint[], interval: number): PhaseBand[] {
  const bands: PhaseBand[] = [];
  for (const p of timeline) {
    const last = bands[bands.length - 1];
    if (last && last.phase === p.phase) last.to = p.t + interval / 2;
    else bands.push({ phase: p.phase, from: p.t - interval / 2, to: p.t + interval / 2 });
  }
  return bands;
}

/** The corrected latency kinds worth following over time (service times and connects are in the distributions), and every driver's own. */
const TIMED_KINDS: readonly string[] = [
  HistogramKind.ack,
  HistogramKind.e2e,
  HistogramKind.rtt,
  ...new Set(allDrivers().flatMap((d) => Object.keys(d.latencies ?? {}))),
];

function timedLabel(result: RunResult, key: string): string {
  const { owner, kind } = splitHistogramKey(key);
  const to = splitPairKey(owner).to;
  if (kind === HistogramKind.e2e) return to !== undefined ? `e2e → ${to}` : 'e2e';
  if (kind === HistogramKind.ack) return ackTitle(result.fleets[owner]?.protocol ?? '').replace(' → ', '→');
  if (kind === HistogramKind.rtt) return 'round trip';
  return driverFor(result.fleets[owner]?.protocol ?? '')?.latencies?.[kind] ?? kind;
}

/**
 * Over the run, from the timeline: throughput summed and per fleet, devices connected (and, for
 * each group that lost connections, its own chart with the outages marked), and each fleet's
 * latency p50/p99 per interval. Every chart carries the phases as bands.
 */
export function timelineCharts(result: RunResult): ChartSpec[] {
  const timeline = result.timeline ?? [];
  if (timeline.length === 0) return [];
  const t = timeline.map((p) => p.t);
  const interval = intervalOf(t);
  const bands = phaseBands(timeline, interval);
  // The scenario's warm-up, over the start of the run phase: a point stands for the interval it begins.
  const warm = result.warmup;
  if (warm) bands.push({ phase: 'warmup', from: warm.fromS - interval / 2, to: warm.toS - interval / 2 });
  const fleets: string[] = [...Object.keys(result.fleets)];
  for (const p of timeline) for (const f of Object.keys(p.fleets)) if (!fleets.includes(f)) fleets.push(f);
  const field = (fleet: string, k: 'sent' | 'received' | 'connected'): number[] =>
    timeline.map((p) => p.fleets[fleet]?.[k] ?? 0);
  const rate = (xs: number[]): number[] => xs.map((v) => round2(v / interval));
  const charts: ChartSpec[] = [];
  const time = (id: string, title: string, y: string, series: SeriesSpec[]): void => {
    if (series.length > 0) charts.push({ id, kind: 'time', title, y, x: t, series, bands });
  };
  const sentBy = fleets.map((f) => ({ f, v: field(f, 'sent') })).filter((s) => s.v.some((v) => v > 0));
  const recvBy = fleets.map((f) => ({ f, v: field(f, 'received') })).filter((s) => s.v.some((v) => v > 0));
  const sum = (list: { v: number[] }[]): number[] => t.map((_, i) => list.reduce((s, x) => s + (x.v[i] ?? 0), 0));
  time('t-all', 'Throughput, all fleets', 'messages / s', [
    { label: 'sent / s', color: COLORS[0] as string, dash: false, values: rate(sum(sentBy)) },
    { label: 'received / s', color: COLORS[2] as string, dash: false, values: rate(sum(recvBy)) },
  ]);
  const color = (i: number): string => COLORS[i % COLORS.length] as string;
  time(
    't-sent',
    'Sent per second, by fleet',
    'messages / s',
    sentBy.map((s, i) => ({ label: s.f, color: color(i), dash: false, values: rate(s.v) })),
  );
  time(
    't-recv',
    'Received per second, by receiver',
    'messages / s',
    recvBy.map((s, i) => ({ label: s.f, color: color(i), dash: false, values: rate(s.v) })),
  );
  const conn = fleets.map((f) => ({ f, v: field(f, 'connected') })).filter((s) => s.v.some((v) => v > 0));
  time(
    't-conn',
    'Devices connected',
    'devices',
    conn.map((s, i) => ({ label: s.f, color: color(i), dash: false, values: s.v })),
  );
  charts.push(...outageCharts(result, fleets, interval, bands));
  // Latency per fleet: p99 solid, p50 dashed, one colour per metric.
  const keys: string[] = [];
  for (const p of timeline)
    for (const k of Object.keys(p.latency))
      if (!keys.includes(k) && TIMED_KINDS.includes(splitHistogramKey(k).kind)) keys.push(k);
  keys.sort(
    (a, b) =>
      TIMED_KINDS.indexOf(splitHistogramKey(a).kind) - TIMED_KINDS.indexOf(splitHistogramKey(b).kind) ||
      a.localeCompare(b),
  );
  const byFleet = new Map<string, string[]>();
  for (const k of keys) {
    const f = ownerFleet(k);
    byFleet.set(f, [...(byFleet.get(f) ?? []), k]);
  }
  let n = 0;
  for (const f of fleets) {
    const list = byFleet.get(f);
    if (!list) continue;
    const series: SeriesSpec[] = [];
    list.forEach((k, i) => {
      const label = timedLabel(result, k);
      const pick = (q: 'p50' | 'p99'): (number | null)[] =>
        timeline.map((p) => {
          const l = p.latency[k];
          return l && l.count > 0 ? ms(l[q]) : null;
        });
      series.push({ label: `${label} p99`, color: color(i), dash: false, values: pick('p99') });
      series.push({ label: `${label} p50`, color: color(i), dash: true, values: pick('p50') });
    });
    time(`t-lat${n++}`, `${f}: latency per second (corrected)`, 'latency (ms)', series);
  }
  return charts;
}
