// Thresholds as the scenario writes them, parsed when the scenario loads so that a typo fails
// before any device connects: `thresholds: { 'gps.e2e_latency': ['p(99) < 50ms'] }`. Every
// problem names the key (as written) and the item, e.g.
// `thresholds["gps.e2e_latency"][0]: expected a unit of time after the number (us, µs, ms, s), got nothing`.
import type { Checker } from '../base/check.ts';
import type { Duration } from '../base/units.ts';
import { codeMetric, codeProblem } from './codes.ts';
import {
  type Aggregation,
  aggregationLabels,
  CODE_METRIC_FORM,
  dimensionOf,
  METRICS,
  type Metric,
  metricNamed,
} from './metrics.ts';

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

/** One item of a key's list: an expression, or one with k6's abort options. */
export type ThresholdSpec = string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: Duration };
/** The scenario's `thresholds` field: metric key → expressions. */
export type Thresholds = Record<string, readonly ThresholdSpec[]>;

export interface ParsedThreshold {
  /** The key, trimmed: 'gps.e2e_latency' or 'connect_errors'. */
  key: string;
  /** The expression as written (trimmed), e.g. 'p(99) < 50ms'. */
  expression: string;
  /** Undefined for a run-wide key. */
  group: string | undefined;
  metric: string;
  aggregation: Aggregation;
  /** p(N): N, from (0, 100]. */
  percentile?: number;
  op: Operator;
  /** In the metric's base unit: µs, a fraction, a count, mJ, days. */
  limit: number;
  abortOnFail: boolean;
  /** abortOnFail is not judged until this long after the send phase began. */
  delayAbortMs: number;
}

const ITEM_FIELDS = ['threshold', 'abortOnFail', 'delayAbortEval'] as const;
/** The first operator in the text splits it; at one position the two-character operators win. */
const SHAPE = /^(.*?)(<=|>=|==|!=|<|>)(.*)$/s;
const SHAPE_HINT =
  "an expression like 'p(99) < 50ms': [aggregation] operator value, the operator one of < <= > >= == !=";
const NUMBER = /^(\d+(?:\.\d*)?|\.\d+)(e[+-]?\d+)?\s*(.*)$/i;

/** Parses the scenario's `thresholds`; problems go to `check`, and only sound thresholds are returned. */
export function parseThresholds(check: Checker, raw: unknown, groups: readonly string[]): ParsedThreshold[] {
  if (raw === undefined) return [];
  if (!check.isObject(raw))
    return (
      check.fail(
        'thresholds',
        "an object of metric → expressions, e.g. { 'gps.e2e_latency': ['p(99) < 50ms'] }",
        raw,
      ) ?? []
    );
  const parsed: ParsedThreshold[] = [];
  const keys = new Map<string, string>(); // normalised key → as written
  for (const [written, list] of Object.entries(raw)) {
    const path = `thresholds[${JSON.stringify(written)}]`;
    const target = resolveKey(check, path, written, groups);
    if (!target) continue;
    const earlier = keys.get(target.key);
    if (earlier !== undefined) {
      check.note(
        path,
        `duplicate key: ${JSON.stringify(earlier)} already names ${target.key} (keys are compared trimmed); put all its expressions in one list`,
      );
      continue;
    }
    keys.set(target.key, written);
    if (Array.isArray(list) && list.length === 0)
      check.note(path, 'expected a non-empty list of expressions, got an empty list');
    else if (!Array.isArray(list)) check.fail(path, "a list of expressions, e.g. ['p(99) < 50ms']", list);
    else parsed.push(...parseList(check, path, list, target));
  }
  return parsed;
}

interface Target {
  key: string;
  group: string | undefined;
  metric: Metric;
}

/** 'gps.e2e_latency' → group gps, metric e2e_latency; 'loss' → run-wide. Whitespace around either part is ignored. */
function resolveKey(check: Checker, path: string, written: string, groups: readonly string[]): Target | undefined {
  // '<group>|<packet>|<code>' counts a code; '<group>.code(<packet>|<code>)' is the code metric (count and rate).
  if (written.includes('|') && !written.includes('code(')) return resolveCodeKey(check, path, written, groups);
  const dot = written.indexOf('.');
  const group = dot < 0 ? undefined : written.slice(0, dot).trim();
  const name = (dot < 0 ? written : written.slice(dot + 1)).trim();
  if (group !== undefined && !groups.includes(group)) {
    check.note(path, `unknown group ${JSON.stringify(group)} (expected one of ${groups.join(', ')})`);
    return undefined;
  }
  const metric = metricNamed(name);
  if (!metric) {
    // A bare group name is a likely slip for '<group>.<metric>': say so.
    const hint =
      group === undefined && groups.includes(name)
        ? `; ${JSON.stringify(name)} is a group, write "${name}.<metric>"`
        : '';
    check.note(
      path,
      `unknown metric ${JSON.stringify(name)} (expected one of ${METRICS.map((m) => m.name).join(', ')}, or ${CODE_METRIC_FORM} with a packet a driver counts)${hint}`,
    );
    return undefined;
  }
  if (group === undefined && metric.perGroup) {
    check.note(path, `${name} is measured per fleet: write "<fleet>.${name}"`);
    return undefined;
  }
  return { key: group === undefined ? metric.name : `${group}.${metric.name}`, group, metric };
}

/**
 * A protocol code's count, keyed as in result.codes: 'obs|observe|notification' (one group's) or
 * 'response|4.05' (the run's). Codes may hold dots ('2.05'), so '|' alone splits the key.
 */
function resolveCodeKey(check: Checker, path: string, written: string, groups: readonly string[]): Target | undefined {
  const parts = written.split('|').map((p) => p.trim());
  if (parts.length !== 2 && parts.length !== 3) {
    check.note(path, "a code count is keyed '<group>|<packet>|<code>' or '<packet>|<code>', as in result.codes");
    return undefined;
  }
  const [packet, code] = parts.slice(-2) as [string, string];
  const group = parts.length === 3 ? parts[0] : undefined;
  if (group !== undefined && !groups.includes(group)) {
    check.note(path, `unknown group ${JSON.stringify(group)} (expected one of ${groups.join(', ')})`);
    return undefined;
  }
  const metric = codeMetric(`${packet}|${code}`);
  if (!metric) {
    check.note(path, `unknown code: ${codeProblem(packet, code) ?? `${packet}|${code}`}`);
    return undefined;
  }
  return { key: group === undefined ? metric.name : `${group}|${metric.name}`, group, metric };
}

function parseList(check: Checker, path: string, list: readonly unknown[], target: Target): ParsedThreshold[] {
  const { metric } = target;
  const out: ParsedThreshold[] = [];
  const seen = new Map<string, { index: number; text: string }>(); // normalised expression → first item
  list.forEach((item, index) => {
    const at = `${path}[${index}]`;
    let text: unknown = item;
    let textPath = at;
    let abortOnFail = false;
    let delayAbortMs = 0;
    if (check.isObject(item)) {
      check.known(at, item, ITEM_FIELDS);
      text = item.threshold;
      textPath = `${at}.threshold`;
      abortOnFail = check.boolean(`${at}.abortOnFail`, item.abortOnFail, false);
      delayAbortMs = check.duration(`${at}.delayAbortEval`, item.delayAbortEval, { fallback: 0 }) ?? 0;
      if (abortOnFail && !metric.live)
        check.note(
          `${at}.abortOnFail`,
          `${metric.name} is only known when the run ends, so it cannot stop the run early (live metrics: ${METRICS.filter(
            (m) => m.live,
          )
            .map((m) => m.name)
            .join(', ')})`,
        );
      // As everywhere in the DSL, an option that would do nothing is a mistake.
      if (item.delayAbortEval !== undefined && !abortOnFail)
        check.note(`${at}.delayAbortEval`, 'only applies with abortOnFail: true');
    } else if (typeof item !== 'string') {
      check.fail(at, "an expression like 'p(99) < 50ms' or { threshold, abortOnFail, delayAbortEval }", item);
      return;
    }
    if (check.string(textPath, text) === undefined) return;
    const expression = (text as string).trim();
    const e = parseExpression(check, textPath, expression, metric);
    if (!e) return;
    const first = seen.get(e.normal);
    if (first) {
      check.note(
        textPath,
        `${JSON.stringify(expression)} repeats [${first.index}] (${JSON.stringify(first.text)}): both mean ${e.normal}`,
      );
      return;
    }
    seen.set(e.normal, { index, text: expression });
    out.push({
      key: target.key,
      expression,
      group: target.group,
      metric: metric.name,
      aggregation: e.aggregation,
      ...(e.percentile === undefined ? {} : { percentile: e.percentile }),
      op: e.op,
      limit: e.limit,
      abortOnFail,
      delayAbortMs,
    });
  });
  return out;
}

interface Expression {
  aggregation: Aggregation;
  percentile: number | undefined;
  op: Operator;
  limit: number;
  /** Aggregation, operator and limit in the base unit: 'p(99) < 50ms' and 'p(99.0)<50000us' are one expression. */
  normal: string;
}

/** `[aggregation] op number[unit]`, whitespace-tolerant; the limit is returned in the metric's base unit. */
export function parseExpression(check: Checker, path: string, text: string, metric: Metric): Expression | undefined {
  const shape = SHAPE.exec(text);
  if (!shape) return check.fail(path, SHAPE_HINT, text);
  const op = shape[2] as Operator;
  const agg = parseAggregation(check, path, (shape[1] as string).trim(), metric, op);
  if (!agg) return undefined;
  const right = (shape[3] as string).trim();
  const number = NUMBER.exec(right);
  if (!number) return check.fail(path, `a non-negative number after '${op}'`, right || undefined);
  const value = Number(`${number[1]}${number[2] ?? ''}`);
  const unit = number[3] as string;
  const dimension = dimensionOf(metric, agg.aggregation);
  let limit = value;
  if (unit === '' && !dimension.bare) return check.fail(path, dimension.hint, undefined);
  if (unit !== '') {
    const ratio = Object.hasOwn(dimension.units, unit) ? dimension.units[unit] : undefined;
    if (!ratio) return check.fail(path, dimension.hint, unit);
    limit = (value * ratio[0]) / ratio[1];
  }
  if (agg.aggregation === 'rate' && limit > 1) return check.fail(path, 'a rate from 0 to 1 (0% to 100%)', right);
  const label = agg.aggregation === 'p' ? `p(${agg.percentile})` : agg.aggregation;
  return { ...agg, op, limit, normal: `${label} ${op} ${limit}` };
}

/** p(N), a named aggregation, or nothing: the metric's default (count or value); latencies must say which. */
function parseAggregation(
  check: Checker,
  path: string,
  text: string,
  metric: Metric,
  op: Operator,
): { aggregation: Aggregation; percentile: number | undefined } | undefined {
  const expected = `an aggregation of ${metric.name} (${aggregationLabels(metric)})`;
  if (text === '') {
    if (metric.kind === 'latency') return check.fail(path, `${expected} before '${op}'`, undefined);
    return { aggregation: metric.aggregations[0] as Aggregation, percentile: undefined };
  }
  const p = /^p\s*\(\s*(.*?)\s*\)$/.exec(text);
  if (p && metric.aggregations.includes('p')) {
    const n = /^\d+(?:\.\d+)?$/.test(p[1] as string) ? Number(p[1]) : NaN;
    // p(0) would be the minimum and p(100) is the maximum; anything outside (0, 100] is a slip.
    if (!(n > 0 && n <= 100)) return check.fail(path, 'a percentile p(N) with 0 < N ≤ 100', text);
    return { aggregation: 'p', percentile: n };
  }
  if (text !== 'p' && metric.aggregations.includes(text as Aggregation))
    return { aggregation: text as Aggregation, percentile: undefined };
  return check.fail(path, expected, text);
}
