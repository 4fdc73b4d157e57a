// What `compare` gates and by how much: the metrics a limit can name, how each is read, the
// --max-regression parser, and the gates that are on by default.
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';

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
  'promises',
] as const;
export type RegressionMetric = (typeof REGRESSION_METRICS)[number];

/**
 * The largest allowed regression per gated metric: percent, percentage points for `loss`; for
 * `promises` any value gates (a promise kept in the baseline and broken in the candidate fails).
 */
export type RegressionLimits = Partial<Record<RegressionMetric, number>>;

export type MetricUnit = 'us' | '/s' | 'rate' | 'count' | 'B' | 'mJ' | 'kept';

/** How each metric is read and which way is worse. */
export const METRIC: Record<RegressionMetric, { unit: MetricUnit; worse: 'higher' | 'lower' }> = {
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
  // 1 kept, 0 broken: lower is worse.
  promises: { unit: 'kept', worse: 'lower' },
};

/**
 * The latency and throughput gates when --max-regression is not given. Two identical short runs on
 * a busy 2-core machine differ by tens of percent in their percentiles (one such pair: p50 −53%),
 * mostly from scheduling stalls of a few milliseconds; p50 and p90 of a lightly loaded broker sit
 * in that noise. So by default only the tail is gated, at +50%, and together with the absolute
 * floor (DEFAULT_LATENCY_FLOOR_US) a sub-millisecond wobble never fails. Results of
 * `run --repeat` also carry their spread, and a change inside either spread does not fail.
 */
export const DEFAULT_MAX_REGRESSION = 'p99=50%,throughput=10%';

/** A latency must also get worse by at least this much (µs) to fail its gate. */
export const DEFAULT_LATENCY_FLOOR_US = 1000;

/**
 * Always gated unless --max-regression names them (`loss=1%`, or `loss=off`): more loss than the
 * baseline beyond 0.1 percentage points, any new or additional errors, a broken promise.
 */
export const HEALTH_GATES: RegressionLimits = { loss: 0.1, errors: 0, promises: 0 };

/** Parses 'p99=10%,throughput=5%,loss=0.1%': comma-separated metric=N% (the % optional) or metric=off. */
export function parseMaxRegression(spec: string): RegressionLimits {
  const limits: RegressionLimits = {};
  for (const [metric, limit] of parseEntries(spec)) if (limit !== 'off') limits[metric] = limit;
  return limits;
}

/** The limits `compare` applies: the given spec (or the default) with the health gates it does not name. */
export function gateLimits(spec: string | undefined): RegressionLimits {
  const entries = parseEntries(spec ?? DEFAULT_MAX_REGRESSION);
  const limits: RegressionLimits = {};
  for (const metric of REGRESSION_METRICS) {
    const given = entries.get(metric);
    const limit = given === undefined ? HEALTH_GATES[metric] : given === 'off' ? undefined : given;
    if (limit !== undefined) limits[metric] = limit;
  }
  return limits;
}

function parseEntries(spec: string): Map<RegressionMetric, number | 'off'> {
  const valid = `valid metrics: ${REGRESSION_METRICS.join(', ')}`;
  const bad = (what: string): FleetbenchError =>
    new FleetbenchError(
      ErrorCodes.OPTION_INVALID,
      `--max-regression: ${what} (expected metric=N% or metric=off, comma-separated, e.g. 'p99=10%,throughput=5%'; ${valid})`,
    );
  if (spec.trim() === '') throw bad('empty');
  const limits = new Map<RegressionMetric, number | 'off'>();
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    const m = /^([a-z0-9]+)\s*=\s*(?:(\d+(?:\.\d+)?)\s*%?|(off))$/i.exec(part);
    if (!m) throw bad(part === '' ? 'empty entry' : `${JSON.stringify(part)} is not metric=N%`);
    const metric = (m[1] as string).toLowerCase();
    if (!(REGRESSION_METRICS as readonly string[]).includes(metric))
      throw bad(`unknown metric ${JSON.stringify(m[1])}`);
    if (limits.has(metric as RegressionMetric)) throw bad(`${metric} is given twice`);
    limits.set(metric as RegressionMetric, m[3] === undefined ? Number(m[2]) : 'off');
  }
  return limits;
}
