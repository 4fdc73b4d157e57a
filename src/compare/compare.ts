// Comparing two results of the same scenario (a baseline and a candidate: two broker versions
// or configurations): per fleet, latency percentiles, rates, loss, errors, bytes, energy and
// delivery promises side by side, which of them got worse by more than the allowed regression,
// and how the two setups differ. Pure: no I/O.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { LatencySummary } from '../metrics/histogram.ts';
import {
  errorCount,
  LATENCY_SOURCES,
  type LatencySource,
  latencyOf,
  lossRate,
  PERCENTILES,
  repeatKey,
} from '../result/figures.ts';
import type { FleetResult, RunResult } from '../result/types.ts';
import { METRIC, REGRESSION_METRICS, type RegressionLimits, type RegressionMetric } from './limits.ts';
import { commonReceivers, promiseRows } from './promises.ts';
import { setupMismatches } from './setup.ts';
import { COMPARISON_SCHEMA, type Comparison, type ComparisonRow, type RunRef } from './types.ts';

export {
  DEFAULT_GATES,
  gateLimits,
  parseMaxRegression,
  REGRESSION_METRICS,
  type RegressionLimits,
  type RegressionMetric,
} from './limits.ts';
export { COMPARISON_SCHEMA, type Comparison, type ComparisonRow, type RunRef } from './types.ts';
export type { LatencySource };

export interface CompareOptions {
  /** A latency must also get worse by more than this many µs to fail its gate (default 0). */
  latencyFloorUs?: number;
}

export function compareResults(
  baseline: RunResult,
  candidate: RunResult,
  limits: RegressionLimits,
  options: CompareOptions = {},
): Comparison {
  const floor = options.latencyFloorUs ?? 0;
  const mismatches = setupMismatches(baseline, candidate);
  const warnings = [...mismatches];
  for (const [which, r] of [
    ['baseline', baseline],
    ['candidate', candidate],
  ] as const) {
    if (r.run.partial) warnings.push(`the ${which} is a partial run (${r.run.partialReason ?? 'interrupted'})`);
    // A run that failed its default health checks measured something other than the target.
    const sick = (r.health ?? []).filter((h) => !h.passed);
    if (sick.length > 0)
      warnings.push(`the ${which} failed its health checks: ${sick.map((h) => `${h.name} (${h.message})`).join('; ')}`);
  }
  const names = Object.keys(baseline.fleets);
  const common = names.filter((n) => n in candidate.fleets);
  if (common.length === 0)
    throw new FleetbenchError(
      ErrorCodes.RESULT_INVALID,
      `the results have no fleet in common (baseline: ${names.join(', ') || 'none'}; candidate: ${Object.keys(candidate.fleets).join(', ') || 'none'})`,
    );
  const promises = promiseRows(baseline, candidate, limits.promises ?? null);
  const rows = common.flatMap((fleet) => [
    ...fleetRows(fleet, baseline, candidate, limits, floor),
    ...promises.filter((p) => p.fleet === fleet),
  ]);
  for (const metric of REGRESSION_METRICS) {
    if (
      limits[metric] !== undefined &&
      metric !== 'promises' &&
      !rows.some((r) => r.metric === metric && r.baseline !== null)
    )
      warnings.push(`--max-regression ${metric}: no fleet measured it in the baseline, so it was not checked`);
  }
  return {
    schema: COMPARISON_SCHEMA,
    baseline: refOf(baseline),
    candidate: refOf(candidate),
    limits,
    latencyFloorUs: floor,
    onlyInBaseline: names.filter((n) => !(n in candidate.fleets)),
    onlyInCandidate: Object.keys(candidate.fleets).filter((n) => !(n in baseline.fleets)),
    mismatches,
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
    runs: r.repeat?.runs ?? 1,
  };
}

/** A figure of one result: the median over `run --repeat`'s runs with their spread, or the single value. */
interface Figure {
  value: number | null;
  spread?: [number, number];
}

function figure(r: RunResult, key: string | undefined, single: number | null): Figure {
  const m = key === undefined ? undefined : r.repeat?.metrics[key];
  return m ? { value: m.median, spread: [m.min, m.max] } : { value: single };
}

function fleetRows(
  fleet: string,
  baseline: RunResult,
  candidate: RunResult,
  limits: RegressionLimits,
  floorUs: number,
): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  const b = baseline.fleets[fleet] as FleetResult;
  const c = candidate.fleets[fleet] as FleetResult;
  // Loss and end-to-end latency over the receivers both runs have: a pair of one run only is
  // listed (promise rows), not judged.
  const to = commonReceivers(baseline, candidate, fleet);
  const latency = mainLatency(fleet, baseline, candidate, to);
  const both = (key: string | undefined, bv: number | null, cv: number | null): [Figure, Figure] => [
    figure(baseline, key, bv),
    figure(candidate, key, cv),
  ];
  const pct = Object.fromEntries(
    PERCENTILES.map((p) => [
      p,
      both(repeatKey(fleet, p, latency.source), latency.baseline?.[p] ?? null, latency.candidate?.[p] ?? null),
    ]),
  ) as Record<(typeof PERCENTILES)[number], [Figure, Figure]>;
  const values: Record<Exclude<RegressionMetric, 'promises'>, [Figure, Figure]> = {
    ...pct,
    // Observers never send: no throughput row for them.
    throughput: both(
      repeatKey(fleet, 'throughput'),
      b.kind === 'observer' ? null : b.rates.sentPerS,
      c.kind === 'observer' ? null : c.rates.sentPerS,
    ),
    received: both(repeatKey(fleet, 'received'), b.rates.receivedPerS, c.rates.receivedPerS),
    loss: both(undefined, lossRate(baseline, fleet, to), lossRate(candidate, fleet, to)),
    errors: both(undefined, errorCount(baseline, fleet), errorCount(candidate, fleet)),
    // Per message sent; a fleet that only receives, per message received.
    bytes: both(
      undefined,
      b.bytes.sentPerMessage ?? b.bytes.receivedPerMessage,
      c.bytes.sentPerMessage ?? c.bytes.receivedPerMessage,
    ),
    energy: both(undefined, b.power?.energyPerMessagemJ ?? null, c.power?.energyPerMessagemJ ?? null),
  };
  for (const metric of REGRESSION_METRICS) {
    if (metric === 'promises') continue;
    const [bf, cf] = values[metric];
    const [bv, cv] = [bf.value, cf.value];
    const limit = limits[metric] ?? null;
    // Nothing to show: measured in neither, or zero in both and not gated (an observer's sends).
    if ((bv === null && cv === null) || (bv === 0 && cv === 0 && limit === null)) continue;
    const judged = judge(metric, bv, cv, limit);
    const row: ComparisonRow = {
      fleet,
      metric,
      ...(METRIC[metric].unit === 'us' ? { source: latency.source } : {}),
      unit: METRIC[metric].unit,
      worse: METRIC[metric].worse,
      baseline: bv,
      candidate: cv,
      ...(bf.spread ? { baselineSpread: bf.spread } : {}),
      ...(cf.spread ? { candidateSpread: cf.spread } : {}),
      ...judged,
    };
    rows.push(noiseCheck(row, bf, cf, floorUs));
  }
  return rows;
}

/**
 * A regression that noise explains is none. A latency must get worse by more than the absolute
 * floor. With spreads (run --repeat), the change must also lie outside both: the candidate's
 * median beyond the baseline's worst run, and the baseline's median beyond the candidate's best
 * run. Ranges rather than a rank test: with the 3 to 5 runs a CI job affords, a Mann-Whitney U
 * test cannot reach significance at all (n = 3 per side: smallest p ≈ 0.1), while "outside the
 * other side's whole range" is a conservative, explainable rule.
 */
function noiseCheck(row: ComparisonRow, b: Figure, c: Figure, floorUs: number): ComparisonRow {
  if (!row.regressed || row.baseline === null || row.candidate === null) return row;
  const higher = row.worse === 'higher';
  if (row.unit === 'us' && (higher ? row.candidate - row.baseline : row.baseline - row.candidate) <= floorUs)
    return { ...row, regressed: false, note: `within the ${floorUs / 1000}ms latency floor` };
  if (b.spread === undefined && c.spread === undefined) return row;
  const [bMin, bMax] = b.spread ?? [row.baseline, row.baseline];
  const [cMin, cMax] = c.spread ?? [row.candidate, row.candidate];
  const outside = higher ? row.candidate > bMax && row.baseline < cMin : row.candidate < bMin && row.baseline > cMax;
  return outside ? row : { ...row, regressed: false, note: "within the runs' spread" };
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
  to: ReadonlySet<string>,
): { source: LatencySource; baseline: LatencySummary | undefined; candidate: LatencySummary | undefined } {
  const all = LATENCY_SOURCES.map((source) => ({
    source,
    baseline: latencyOf(baseline, fleet, source, to),
    candidate: latencyOf(candidate, fleet, source, to),
  }));
  return (
    all.find((l) => l.baseline && l.candidate) ??
    all.find((l) => l.baseline) ??
    all.find((l) => l.candidate) ?? { source: 'e2e', baseline: undefined, candidate: undefined }
  );
}
