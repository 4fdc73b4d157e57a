// Thresholds on protocol codes: a key as in result.codes ('<group>|<packet>|<code>', or
// '<packet>|<code>' for the run) counts that code. The code must be one that some code book
// declares (the run's own, or a driver's), so that a typo is refused when the scenario loads
// rather than measuring 0 for ever.
import { type CodeBook, RUN_CODES, splitGroupCodeKey } from '../metrics/codes.ts';
import { allDrivers } from '../protocols/registry.ts';
import { type CounterMetric, type Judged, type Metric, metricNamed, NO_MEASUREMENTS } from './metrics.ts';

/** A metric by name: one of METRICS, or a code count 'packet|code' (codeMetric). */
export function anyMetric(name: string): Metric | undefined {
  return metricNamed(name) ?? (name.includes('|') ? codeMetric(name) : undefined);
}

/** Every code book: the run's own and each driver's. */
const books = (): CodeBook[] => [RUN_CODES, ...allDrivers().map((d) => d.codes)];

/**
 * Why `packet|code` is no code a run counts, or undefined when a code book declares it: a packet
 * with fixed codes must list the code, an open packet (status and reason codes) takes any value.
 */
export function codeProblem(packet: string, code: string): string | undefined {
  if (packet === '' || code === '') return 'expected <packet>|<code>, both non-empty';
  const found = books()
    .map((b) => (Object.hasOwn(b.keys, packet) ? (b.keys as Record<string, object>)[packet] : undefined))
    .filter((k) => k !== undefined);
  if (found.length === 0) {
    const packets = [...new Set(books().flatMap((b) => Object.keys(b.keys)))].sort();
    return `no protocol counts a packet ${JSON.stringify(packet)} (packets: ${packets.join(', ')})`;
  }
  if (found.some((k) => 'of' in k || Object.hasOwn(k, code))) return undefined;
  const codes = [...new Set(found.flatMap((k) => Object.keys(k)))].sort();
  return `${packet} has no code ${JSON.stringify(code)} (codes: ${codes.join(', ')})`;
}

const CODE_METRICS = new Map<string, CounterMetric>();

/**
 * A protocol code's count from result.codes, named 'packet|code' (e.g. 'response|4.05'): the
 * group's own count ('<group>|packet|code' keys) or the run's sum. Known only at the end. A
 * failed threshold's message lists the other codes of the same packet, what came instead.
 */
export function codeMetric(name: string): CounterMetric | undefined {
  const cached = CODE_METRICS.get(name);
  if (cached) return cached;
  const bar = name.indexOf('|');
  const packet = name.slice(0, bar);
  const code = name.slice(bar + 1);
  if (bar < 0 || code.includes('|') || codeProblem(packet, code) !== undefined) return undefined;
  // This packet's counts in the group (or every group): code → count.
  const counts = (result: Judged, group: string | undefined): Map<string, number> => {
    const out = new Map<string, number>();
    for (const [k, v] of Object.entries(result.codes ?? {})) {
      const s = splitGroupCodeKey(k);
      if (s?.packet === packet && (group === undefined || s.group === group))
        out.set(s.code, (out.get(s.code) ?? 0) + v);
    }
    return out;
  };
  const metric: CounterMetric = {
    name,
    kind: 'counter',
    live: false,
    aggregations: ['count'],
    tally: (result, group) => {
      if (!result.codes || (group !== undefined && !result.fleets[group])) return NO_MEASUREMENTS;
      return { count: counts(result, group).get(code) ?? 0, of: 0 };
    },
    context: (result, group) => {
      const others = [...counts(result, group)].filter(([c]) => c !== code);
      if (others.length === 0) return `no other ${packet} code counted`;
      return `${packet} counted: ${others.map(([c, v]) => `${c} ×${v}`).join(', ')}`;
    },
  };
  CODE_METRICS.set(name, metric);
  return metric;
}
