// Comparing two results of the same scenario (a baseline and a candidate: two broker versions
// or configurations): per fleet, latency percentiles, rates, loss, errors, bytes and energy side
// by side, and which of them got worse by more than the allowed regression. Pure: no I/O.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { type LatencySummary, mergeEncoded, summarize } from '../metrics/histogram.ts';
import { HistogramKind, histogramKey, pairKey } from '../metrics/names.ts';
import type { FleetResult, RunResult } from '../result/types.ts';

export const COMPARISON_SCHEMA = 'fleetbench.comparison/1';

/** Every metric a limit can name, in the order rows are listed. */
export const REGRESSION_METRICS = [
  'p50',
  'p90',
  'p99',
  'p999',
  'max',
  'throughput',
  'received',
  'loss',
  'errors',
  'bytes',
  'energy',
] as const;
export type RegressionMetric = (typeof REGRESSION_METRICS)[number];

/** The largest allowed regression per gated metric: percent, or percentage points for `loss`. */
export type RegressionLimits = Partial<Record<RegressionMetric, number>>;

/** Latencies are taken from the first of these a fleet has in both results. */
export type LatencySource = 'e2e' | 'ack' | 'rtt';

/** How each metric is read and which way is worse. */
const METRIC: Record<
  RegressionMetric,
  { unit: 'us' | '/s' | 'rate' | 'count' | 'B' | 'mJ'; worse: 'higher' | 'lower' }
> = {
  p50: { unit: 'us', worse: 'higher' },
  p90: { unit: 'us', worse: 'higher' },
  p99: { unit: 'us', worse: 'higher' },
  p999: { unit: 'us', worse: 'higher' },
  max: { unit: 'us', worse: 'higher' },
  throughput: { unit: '/s', worse: 'lower' },
  received: { unit: '/s', worse: 'lower' },
  loss: { unit: 'rate', worse: 'higher' },
  errors: { unit: 'count', worse: 'higher' },
  bytes: { unit: 'B', worse: 'higher' },
  energy: { unit: 'mJ', worse: 'higher' },
};

export interface ComparisonRow {
  fleet: string;
  metric: RegressionMetric;
  /** Latency rows: the histogram the percentiles come from. */
  source?: LatencySource;
  /** µs, messages/s, a loss fraction (0..1), a count, bytes per message or mJ per message. */
  unit: (typeof METRIC)[RegressionMetric]['unit'];
  worse: 'higher' | 'lower';
  /** null: not measured in that result. */
  baseline: number | null;
  candidate: number | null;
  /** Candidate against baseline: relative % (loss: percentage points); null when either is missing or the baseline is 0. */
  change: number | null;
  /** The allowed regression (as in --max-regression); null when the metric is not gated. */
  limit: number | null;
  regressed: boolean;
  /** Why a row could not be compared normally, e.g. 'not measured in the candidate'. */
  note?: string;
}

export interface RunRef {
  scenario: string;
  hash: string;
  runId: string;
  startedAt: string;
  partial: boolean;
}

export interface Comparison {
  schema: typeof COMPARISON_SCHEMA;
  baseline: RunRef;
  candidate: RunRef;
  limits: RegressionLimits;
  /** Fleets of one result only: listed, not compared. */
  onlyInBaseline: string[];
  onlyInCandidate: string[];
  /** Different scenarios, partial runs, limits nothing measured. */
  warnings: string[];
  rows: ComparisonRow[];
  /** The gated rows over their limit. */
  regressions: ComparisonRow[];
}

/** Parses 'p99=10%,throughput=5%,loss=0.1%': comma-separated metric=N%, the % optional. */
export function parseMaxRegression(spec: string): RegressionLimits {
  const valid = `valid metrics: ${REGRESSION_METRICS.join(', ')}`;
  const bad = (what: string): FleetbenchError =>
    new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--max-regression: ${what} (expected metric=N%, comma-separated, e.g. 'p99=10%,throughput=5%'; ${valid})`,
    );
  if (spec.trim() === '') throw bad('empty');
  const limits: RegressionLimits = {};
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^([a-z0-9]+)\s*=\s*(\d+(?:\.\d+)?)\s*%?$/i.exec(part);
    if (!m) throw bad(part === '' ? 'empty entry' : `${JSON.stringify(part)} is not metric=N%`);
    const metric = (m[1] as string).toLowerCase();
    if (!(REGRESSION_METRICS as readonly string[]).includes(metric))
      throw bad(`unknown metric ${JSON.stringify(m[1])}`);
    if (limits[metric as RegressionMetric] !== undefined) throw bad(`${metric} is given twice`);
    limits[metric as RegressionMetric] = Number(m[2]);
  }
  return limits;
}

export function compareResults(baseline: RunResult, candidate: RunResult, limits: RegressionLimits): Comparison {
  const warnings: string[] = [];
  if (baseline.scenario.name !== candidate.scenario.name)
    warnings.push(
      `different scenarios: baseline ${JSON.stringify(baseline.scenario.name)}, candidate ${JSON.stringify(candidate.scenario.name)}`,
    );
  else if (baseline.scenario.hash !== candidate.scenario.hash)
    warnings.push(
      `the scenario file changed between the runs (hash ${baseline.scenario.hash} vs ${candidate.scenario.hash})`,
    );
  for (const [which, r] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (r.run.partial) warnings.push(`the ${which} is a partial run (${r.run.partialReason ?? 'interrupted'})`);
  }
  const names = Object.keys(baseline.fleets);
  const common = names.filter((n) => n in candidate.fleets);
  if (common.length === 0)
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `the results have no fleet in common (baseline: ${names.join(', ') || 'none'}; candidate: ${Object.keys(candidate.fleets).join(', ') || 'none'})`,
    );
  const rows = common.flatMap((fleet) => fleetRows(fleet, baseline, candidate, limits));
  for (const metric of REGRESSION_METRICS) {
    if (limits[metric] !== undefined && !rows.some((r) => r.metric === metric && r.baseline !== null))
      warnings.push(`--max-regression ${metric}: no fleet measured it in the baseline, so it was not checked`);
  }
  return {
    schema: COMPARISON_SCHEMA,
    baseline: refOf(baseline),
    candidate: refOf(candidate),
    limits,
    onlyInBaseline: names.filter((n) => !(n in candidate.fleets)),
    onlyInCandidate: Object.keys(candidate.fleets).filter((n) => !(n in baseline.fleets)),
    warnings,
    rows,
    regressions: rows.filter((r) => r.regressed),
  };
}

function refOf(r: RunResult): RunRef {
  return {
    scenario: r.scenario.name,
    hash: r.scenario.hash,
    runId: r.run.id,
    startedAt: r.run.startedAt,
    partial: r.run.partial,
  };
}

function fleetRows(
  fleet: string,
  baseline: RunResult,
  candidate: RunResult,
  limits: RegressionLimits,
): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const b = baseline.fleets[fleet] as FleetResult;
  const c = candidate.fleets[fleet] as FleetResult;
  const latency = mainLatency(fleet, baseline, candidate);
  const values: Record<RegressionMetric, [number | null, number | null]> = {
    p50: [latency.baseline?.p50 ?? null, latency.candidate?.p50 ?? null],
    p90: [latency.baseline?.p90 ?? null, latency.candidate?.p90 ?? null],
    p99: [latency.baseline?.p99 ?? null, latency.candidate?.p99 ?? null],
    p999: [latency.baseline?.p999 ?? null, latency.candidate?.p999 ?? null],
    max: [latency.baseline?.max ?? null, latency.candidate?.max ?? null],
    // Observers never send: no throughput row for them.
    throughput: [b.kind === 'observer' ? null : b.rates.sentPerS, c.kind === 'observer' ? null : c.rates.sentPerS],
    received: [b.rates.receivedPerS, c.rates.receivedPerS],
    loss: [lossRate(baseline, fleet), lossRate(candidate, fleet)],
    errors: [errorCount(baseline, fleet), errorCount(candidate, fleet)],
    // Per message sent; a fleet that only receives, per message received.
    bytes: [b.bytes.sentPerMessage ?? b.bytes.receivedPerMessage, c.bytes.sentPerMessage ?? c.bytes.receivedPerMessage],
    energy: [b.power?.energyPerMessagemJ ?? null, c.power?.energyPerMessagemJ ?? null],
  };
  for (const metric of REGRESSION_METRICS) {
    const [bv, cv] = values[metric];
    const limit = limits[metric] ?? null;
    // Nothing to show: measured in neither, or zero in both and not gated (an observer's sends).
    if ((bv === null && cv === null) || (bv === 0 && cv === 0 && limit === null)) continue;
    rows.push({
      fleet,
      metric,
      ...(METRIC[metric].unit === 'us' ? { source: latency.source } : {}),
      unit: METRIC[metric].unit,
      worse: METRIC[metric].worse,
      baseline: bv,
      candidate: cv,
      ...judge(metric, bv, cv, limit),
    });
  }
  return rows;
}

/**
 * Change, and whether it is over the limit. Strictly over: a change equal to the limit passes.
 * A gated metric the baseline measured and the candidate did not is a regression: a broker that
 * delivered nothing has no latency to compare, and that must not pass the gate.
 */
function judge(
  metric: RegressionMetric,
  b: number | null,
  c: number | null,
  limit: number | null,
): Pick<ComparisonRow, 'change' | 'limit' | 'regressed' | 'note'> {
  if (b === null) return { change: null, limit, regressed: false, note: 'not measured in the baseline' };
  if (c === null) return { change: null, limit, regressed: limit !== null, note: 'not measured in the candidate' };
  // Rounded to 1e-6 so that binary fractions do not push a change exactly at the limit over it.
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  if (metric === 'loss') {
    const points = round((c - b) * 100);
    return { change: points, limit, regressed: limit !== null && points > limit };
  }
  // (c - b) * 100 / b, not (c - b) / b * 100: 1100 against 1000 is exactly 10%, not 10.000000000000002%.
  const change = b === 0 ? (c === 0 ? 0 : null) : round(((c - b) * 100) / b);
  const worsening =
    change === null
      ? METRIC[metric].worse === 'higher'
        ? Infinity
        : -Infinity
      : METRIC[metric].worse === 'higher'
        ? change
        : -change;
  return {
    change,
    limit,
    regressed: limit !== null && worsening > limit,
    ...(change === null ? { note: 'baseline was 0' } : {}),
  };
}

/** The fleet's main latency in each result, from the first source both results have. */
function mainLatency(
  fleet: string,
  baseline: RunResult,
  candidate: RunResult,
): { source: LatencySource; baseline: LatencySummary | undefined; candidate: LatencySummary | undefined } {
  const sources: LatencySource[] = ['e2e', 'ack', 'rtt'];
  const all = sources.map((source) => ({
    source,
    baseline: latencyOf(baseline, fleet, source),
    candidate: latencyOf(candidate, fleet, source),
  }));
  return (
    all.find((l) => l.baseline && l.candidate) ??
    all.find((l) => l.baseline) ??
    all.find((l) => l.candidate) ?? { source: 'e2e', baseline: undefined, candidate: undefined }
  );
}

/**
 * Corrected latency, computed from the result's cumulative histograms: end to end merged over
 * every receiver of the fleet's messages (exact, as HDR merging is bucket-wise addition), or the
 * fleet's own ack or rtt histogram. Undefined when there is none or it is empty.
 */
function latencyOf(result: RunResult, fleet: string, source: LatencySource): LatencySummary | undefined {
  const keys =
    source === 'e2e'
      ? result.delivery
          .filter((d) => d.from === fleet)
          .map((d) => histogramKey(pairKey(fleet, d.to), HistogramKind.e2e))
      : [histogramKey(fleet, source === 'ack' ? HistogramKind.ack : HistogramKind.rtt)];
  const encoded = keys.map((k) => result.histograms[k]).filter((e): e is string => e !== undefined);
  if (encoded.length === 0) return undefined;
  const h = mergeEncoded(encoded);
  const summary = h.totalCount > 0 ? summarize(h) : undefined;
  h.destroy();
  return summary;
}

/** Lost over expected across the delivery rows of the fleet's messages; null when nobody expects them. */
function lossRate(result: RunResult, fleet: string): number | null {
  const rows = result.delivery.filter((d) => d.from === fleet && d.expected > 0);
  if (rows.length === 0) return null;
  return rows.reduce((n, d) => n + d.lost, 0) / rows.reduce((n, d) => n + d.expected, 0);
}

function errorCount(result: RunResult, fleet: string): number {
  return result.errors.filter((e) => e.group === fleet).reduce((n, e) => n + e.count, 0);
}
