// The comparison `compare` prints and writes with --json (fleetbench.comparison/1).
import type { LatencySource } from '../result/figures.ts';
import type { MetricUnit, RegressionLimits, RegressionMetric } from './limits.ts';

export const COMPARISON_SCHEMA = 'fleetbench.comparison/1';

export interface ComparisonRow {
  fleet: string;
  /** Promise rows: the sender → receiver pair. */
  pair?: string;
  metric: RegressionMetric;
  /** Latency rows: the histogram the percentiles come from. */
  source?: LatencySource;
  /** µs, messages/s, a loss fraction (0..1), a count, bytes or mJ per message, or 1 kept / 0 broken. */
  unit: MetricUnit;
  worse: 'higher' | 'lower';
  /** null: not measured in that result. With `run --repeat`, the median over the runs. */
  baseline: number | null;
  candidate: number | null;
  /** With `run --repeat`: the smallest and largest value over that result's runs. */
  baselineSpread?: [number, number];
  candidateSpread?: [number, number];
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
  /** With `run --repeat`: how many runs the figures are the median of. */
  runs: number;
}

export interface Comparison {
  schema: typeof COMPARISON_SCHEMA;
  baseline: RunRef;
  candidate: RunRef;
  limits: RegressionLimits;
  /** A latency must get worse by more than this (µs) as well as by its limit to fail. */
  latencyFloorUs: number;
  /** Fleets of one result only: listed, not compared. */
  onlyInBaseline: string[];
  onlyInCandidate: string[];
  /** How the two runs' setups differ (scenario, counts, schedules, targets, versions, environment); `--strict` fails on these. */
  mismatches: string[];
  /** The mismatches, then partial runs and limits nothing measured. */
  warnings: string[];
  rows: ComparisonRow[];
  /** The gated rows over their limit. */
  regressions: ComparisonRow[];
}
