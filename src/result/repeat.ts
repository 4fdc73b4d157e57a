// `run --repeat N`: the figures `compare` gates, taken from each of N results, with their median
// and spread (result.repeat), and the run whose figures stand for the set.
import { LATENCY_SOURCES, latencyOf, PERCENTILES, repeatKey } from './figures.ts';
import type { RepeatMetric, RepeatSummary, RunResult } from './types.ts';

/** The lower median: a value one of the runs really measured. */
function median(sorted: readonly number[]): number {
  return sorted[Math.floor((sorted.length - 1) / 2)] as number;
}

function figuresOf(r: RunResult): Map<string, number> {
  const out = new Map<string, number>();
  for (const [group, f] of Object.entries(r.fleets)) {
    for (const source of LATENCY_SOURCES) {
      const l = latencyOf(r, group, source);
      if (l) for (const p of PERCENTILES) out.set(repeatKey(group, p, source), l[p]);
    }
    if (f.kind !== 'observer') out.set(repeatKey(group, 'throughput'), f.rates.sentPerS);
    out.set(repeatKey(group, 'received'), f.rates.receivedPerS);
  }
  return out;
}

/**
 * The summary of `runs` (in run order) and the index of the base run: the one with the median
 * value of the first p99 recorded (the first group's main latency), so that the report shows a
 * typical run; the last run when none has a latency.
 */
export function summarizeRuns(runs: readonly RunResult[]): { summary: RepeatSummary; base: number } {
  const figures = runs.map(figuresOf);
  const keys = [...new Set(figures.flatMap((f) => [...f.keys()]))];
  const metrics: Record<string, RepeatMetric> = {};
  for (const key of keys) {
    const values = figures.map((f) => f.get(key)).filter((v): v is number => v !== undefined);
    const sorted = [...values].sort((a, b) => a - b);
    metrics[key] = {
      median: median(sorted),
      min: sorted[0] as number,
      max: sorted[sorted.length - 1] as number,
      values,
    };
  }
  const lead = keys.find((k) => k.endsWith('.p99'));
  let base = runs.length - 1;
  if (lead !== undefined) {
    const m = (metrics[lead] as RepeatMetric).median;
    const i = figures.findIndex((f) => f.get(lead) === m);
    if (i >= 0) base = i;
  }
  const summary: RepeatSummary = {
    runs: runs.length,
    runIds: runs.map((r) => r.run.id),
    base: (runs[base] as RunResult).run.id,
    metrics,
  };
  return { summary, base };
}
