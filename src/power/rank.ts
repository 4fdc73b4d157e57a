// Ranking estimates that carry an uncertainty band (battery life, energy per report): two
// estimates whose bands overlap are a tie, so a 1.01× gap inside the link's latency spread is
// never ranked as if it were real. Used by the console summary and the HTML report alike.

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
): Ranked<T>[] {
  const entries = items.map((item) => {
    const [a, b] = band(item);
    const v = value(item);
    // A band that leaves out its own central value (rounding) is widened to hold it.
    return { item, low: Math.min(a, b, v), high: Math.max(a, b, v), value: v };
  });
  const byLow = [...entries].sort((x, y) => x.low - y.low);
  const groups: (typeof entries)[] = [];
  let reach = -Infinity;
  for (const e of byLow) {
    const last = groups[groups.length - 1];
    if (last && e.low <= reach) {
      last.push(e);
      reach = Math.max(reach, e.high);
    } else {
      groups.push([e]);
      reach = e.high;
    }
  }
  if (better === 'higher') groups.reverse();
  const out: Ranked<T>[] = [];
  groups.forEach((g, group) => {
    const rank = out.length + 1;
    const sorted = [...g].sort((x, y) => (better === 'higher' ? y.value - x.value : x.value - y.value));
    for (const e of sorted) out.push({ item: e.item, rank, tied: g.length > 1, group });
  });
  return out;
}

/** '1', '=2' for a tie, as the console and the report print a rank. */
export function rankLabel(r: Pick<Ranked<unknown>, 'rank' | 'tied'>): string {
  return `${r.tied ? '=' : ''}${r.rank}`;
}
