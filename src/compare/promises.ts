// Delivery promises side by side, one row per sender → receiver pair: a promise kept in the
// baseline and broken in the candidate is a regression; a pair of one run only is listed as such,
// never judged.
import type { DeliveryResult, RunResult } from '../result/types.ts';
import type { ComparisonRow } from './types.ts';

const pairName = (d: DeliveryResult): string => `${d.from} → ${d.to}`;

export function promiseRows(baseline: RunResult, candidate: RunResult, limit: number | null): ComparisonRow[] {
  const b = new Map(baseline.delivery.map((d) => [pairName(d), d]));
  const c = new Map(candidate.delivery.map((d) => [pairName(d), d]));
  const names = [...new Set([...b.keys(), ...c.keys()])];
  return names.map((name) => {
    const bd = b.get(name);
    const cd = c.get(name);
    const kept = (d: DeliveryResult | undefined): number | null => (d === undefined ? null : d.verdict.kept ? 1 : 0);
    const [bv, cv] = [kept(bd), kept(cd)];
    const note =
      bd === undefined
        ? 'only in the candidate'
        : cd === undefined
          ? 'only in the baseline'
          : cv === 0 && cd.verdict.violations.length > 0
            ? cd.verdict.violations.join('; ')
            : undefined;
    return {
      fleet: ((bd ?? cd) as DeliveryResult).from,
      pair: name,
      metric: 'promises',
      unit: 'kept',
      worse: 'lower',
      baseline: bv,
      candidate: cv,
      change: bv === null || cv === null ? null : cv - bv,
      limit,
      regressed: limit !== null && bv === 1 && cv === 0,
      ...(note === undefined ? {} : { note }),
    } satisfies ComparisonRow;
  });
}

/** Receivers of `group`'s messages present in both results: loss is compared over these only. */
export function commonReceivers(baseline: RunResult, candidate: RunResult, group: string): Set<string> {
  const to = (r: RunResult): string[] => r.delivery.filter((d) => d.from === group).map((d) => d.to);
  const inCandidate = new Set(to(candidate));
  return new Set(to(baseline).filter((t) => inCandidate.has(t)));
}
