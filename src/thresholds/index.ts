// Thresholds: parsed with the scenario, judged against the result (and mid-run for abortOnFail).
export type { ThresholdOutcome } from './types.ts';
export { parseThresholds, parseExpression, type Operator, type ParsedThreshold, type ThresholdSpec, type Thresholds } from './parse.ts';
export { evaluateThresholds, liveFailures, measure } from './evaluate.ts';
export { METRICS, metricNamed, dimensionOf, NO_MEASUREMENTS, NO_POWER, type Aggregation, type Metric, type Dimension } from './metrics.ts';
