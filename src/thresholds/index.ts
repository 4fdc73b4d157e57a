// Thresholds: parsed with the scenario, judged against the result (and mid-run for abortOnFail).

export type { ThresholdOutcome } from '../result/types.ts';
export { evaluateThresholds, liveFailures, measure } from './evaluate.ts';
export {
  type Aggregation,
  type Dimension,
  dimensionOf,
  type Judged,
  METRICS,
  type Metric,
  metricNamed,
  NO_MEASUREMENTS,
  NO_POWER,
} from './metrics.ts';
export {
  type Operator,
  type ParsedThreshold,
  parseExpression,
  parseThresholds,
  type ThresholdSpec,
  type Thresholds,
} from './parse.ts';
