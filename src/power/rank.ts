// Ranking estimates that carry an uncertainty band (battery life, energy per report): two
// estimates whose bands overlap are a tie, so a 1.01× gap inside the link's latency spread is
// never ranked as if it were real. Two fleets priced on the same link share its uncertainty
// (both are at its low round trip, or both at its high one), so they are compared point by
// point instead: they tie when their order changes inside the band or they are within 2% of
// each other. Used by the console summary and the HTML report alike.

/** Closer than this (as a ratio at the band's middle) is a tie even on a shared link. */
export const TIE_TOLERANCE = 0.02;

/** A closed interval [low, high]; the ends may come in either order. */
export type Band = readonly [number, number];

/** True when the closed bands share a point: overlapping or touching bands tie. */
export function bandsOverlap(a: Band, b: Band): boolean {
  return Math.max(Math.min(...a), Math.min(...b)) <= Math.min(Math.max(...a), Math.max(...b));
}

export interface Ranked<T> {
  item: T;
  /** Competition rank: 1 + the number of items in better tie groups ('1', '1', '3'). */
  rank: number;
  /** Shares its rank with another item (their bands overlap, directly or through a chain). */
  tied: boolean;
  /** Index of its tie group, best first: 0 for the best group. */
  group: number;
}

/**
 * Best first. Tie groups are the connected groups of overlapping bands (A overlaps B and B
 * overlaps C ties all three, even when A and C are apart: no order can be read inside the
 * chain). Groups are disjoint intervals, so their order is certain; inside a group items are
 * listed by their central value. `better` says which way is best.
 */
export function rankWithTies<T>(
  items: readonly T[],
  band: (item: T) => Band,
  value: (item: T) => number,
  better: 'higher' | 'lower',
  shared?: (a: T, b: T) => boolean,
): Ranked<T>[] {
  const entries = items.map((item) => {
    const [a, b] = band(item);
    const v = value(item);
    // A band that leaves out its own central value (rounding) is widened to hold it.
    return { item, ends: [a, b] as const, low: Math.min(a, b, v), high: Math.max(a, b, v), value: v };
  });
  type Entry = (typeof entries)[number];
  const ties = (x: Entry, y: Entry): boolean => {
    if (!shared?.(x.item, y.item)) return bandsOverlap([x.low, x.high], [y.low, y.high]);
    const signs = [x.ends[0] - y.ends[0], x.value - y.value, x.ends[1] - y.ends[1]].map(Math.sign);
    const consistent = signs.every((d) => d !== 0 && d === signs[1]);
    const close = Math.abs(x.value - y.value) <= TIE_TOLERANCE * Math.max(Math.abs(x.value), Math.abs(y.value));
    return !consistent || close;
  };
  // Tie groups: connected groups of the tie relation (a chain ties all of it).
  const group = entries.map((_, i) => i);
  const root = (i: number): number => {
    let r = i;
    while (group[r] !== r) r = group[r] as number;
    return r;
  };
  entries.forEach((x, i) => {
    entries.forEach((y, j) => {
      if (j > i && ties(x, y)) group[root(j)] = root(i);
    });
  });
  const sign = better === 'higher' ? -1 : 1;
  const groups = [...new Set(entries.map((_, i) => root(i)))]
    .map((r) => entries.filter((_, i) => root(i) === r).sort((x, y) => sign * (x.value - y.value)))
    .sort((g, h) => sign * ((g[0] as Entry).value - (h[0] as Entry).value));
  const out: Ranked<T>[] = [];
  groups.forEach((g, index) => {
    const rank = out.length + 1;
    for (const e of g) out.push({ item: e.item, rank, tied: g.length > 1, group: index });
  });
  return out;
}

/** Two power estimates share their uncertainty when they were priced on the same link round trips. */
export function sameLink(
  a: { link: { rttMs: { low: number; mid: number; high: number } } } | null | undefined,
  b: { link: { rttMs: { low: number; mid: number; high: number } } } | null | undefined,
): boolean {
  if (!a || !b) return false;
  const x = a.link.rttMs;
  const y = b.link.rttMs;
  return x.low === y.low && x.mid === y.mid && x.high === y.high;
}

/** '1', '=2' for a tie, as the console and the report print a rank. */
export function rankLabel(r: Pick<Ranked<unknown>, 'rank' | 'tied'>): string {
  return `${r.tied ? '=' : ''}${r.rank}`;
}
