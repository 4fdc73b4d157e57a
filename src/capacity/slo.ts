// The capacity search's SLO (`--slo 'p99<50ms,loss==0,errors==0'`): a comma-separated list of
// threshold expressions, parsed and judged by the scenario thresholds' own code (src/thresholds),
// so every metric a threshold can name, with the same units and messages, works here too.
import { Checker } from '../base/check.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import { HistogramKind, splitHistogramKey } from '../metrics/names.ts';
import type { RunResult, ThresholdOutcome } from '../result/types.ts';
import {
  evaluateThresholds,
  METRICS,
  metricNamed,
  type ParsedThreshold,
  parseExpression,
} from '../thresholds/index.ts';

/** The main latency: end to end when any message was delivered, else ack, else round trip. */
export const MAIN_LATENCIES = [
  ['e2e_latency', HistogramKind.e2e],
  ['ack_latency', HistogramKind.ack],
  ['rtt_latency', HistogramKind.rtt],
] as const;
/** The metric an SLO item on the main latency names until a step's result says which it is. */
const MAIN = 'latency';

export interface Slo {
  /** As given, trimmed. */
  text: string;
  items: ParsedThreshold[];
}

/**
 * Items are `<aggregation> <op> <limit>` on the main latency (`p99<50ms`, `p(99.9) <= 80ms`,
 * `avg<10ms`), or `<metric> [<aggregation>] <op> <limit>` for any threshold metric
 * (`loss==0`, `loss rate<0.1%`, `errors==0`, `e2e_latency p(99)<20ms`, `received_rate>=900/s`).
 */
export function parseSlo(text: string): Slo {
  const check = new Checker();
  const items: ParsedThreshold[] = [];
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) check.note('--slo', "expected a list like 'p99<50ms,loss==0,errors==0', got nothing");
  const latencyProxy = metricNamed('e2e_latency');
  parts.forEach((part, i) => {
    const path = `--slo item ${i + 1} (${JSON.stringify(part)})`;
    const name = /^([a-z_]+)\b\s*(.*)$/s.exec(part);
    const metric = name ? metricNamed(name[1] as string) : undefined;
    const [metricName, expression] =
      metric && name
        ? [metric.name, name[2] as string]
        : [MAIN, part.replace(/^p\s*(\d+(?:\.\d+)?)(?=\s*[<>=!])/, 'p($1)')];
    const m = metric ?? latencyProxy;
    if (!m) return;
    if (!metric && !/^(p\s*\(|avg|min|max|med)/.test(expression)) {
      check.note(
        path,
        `expected p99<50ms (a latency aggregation: pN, avg, min, max, med) or a metric name first (one of ${METRICS.map((x) => x.name).join(', ')})`,
      );
      return;
    }
    const e = parseExpression(check, path, expression.trim(), m);
    if (!e) return;
    items.push({
      key: metricName,
      expression: part,
      group: undefined,
      metric: metricName,
      aggregation: e.aggregation,
      ...(e.percentile === undefined ? {} : { percentile: e.percentile }),
      op: e.op,
      limit: e.limit,
      abortOnFail: false,
      delayAbortMs: 0,
    });
  });
  if (check.problems.length > 0) throw new FleetbenchError(ErrorCodes.OPTION_INVALID, check.problems.join('\n'));
  return { text: text.trim(), items };
}

/** The result's main latency metric, or undefined when it timed none. */
export function mainLatency(result: Pick<RunResult, 'histograms'>): (typeof MAIN_LATENCIES)[number] | undefined {
  const kinds = new Set(Object.keys(result.histograms).map((k) => splitHistogramKey(k).kind));
  return MAIN_LATENCIES.find(([, kind]) => kinds.has(kind));
}

/** Judges the SLO on one step's result; items on the main latency read the one the step measured. */
export function judgeSlo(slo: Slo, result: RunResult): ThresholdOutcome[] {
  const main = mainLatency(result)?.[0] ?? 'e2e_latency';
  const items = slo.items.map((t) => (t.metric === MAIN ? { ...t, metric: main, key: main } : t));
  return evaluateThresholds(items, result);
}
