// Thresholds as the result and the report see them: what was asked, whether it held, and the
// measured value against the limit, both in words a reader can check.

/** One evaluated threshold, kept in `result.thresholds`. */
export interface ThresholdOutcome {
  /** The scenario's key, e.g. 'gps.e2e_latency' or 'connect_errors'. */
  key: string;
  /** The expression as written, e.g. 'p(99) < 50ms'. */
  expression: string;
  /** The group the metric is taken over; undefined for run-wide metrics. */
  group: string | undefined;
  /** The metric's name, e.g. 'e2e_latency'. */
  metric: string;
  passed: boolean;
  /** The measured value in the metric's base unit (µs for latencies, a fraction for rates); null when nothing was measured. */
  actual: number | null;
  /** The measured value and the limit for people: '42.1ms', '0.0012', '3'. */
  actualText: string;
  limitText: string;
  abortOnFail: boolean;
  /** Why it failed (or why no value exists), in one line. */
  message: string;
}
