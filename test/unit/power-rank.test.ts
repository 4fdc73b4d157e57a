// Ranking with uncertainty bands: overlapping or touching bands tie, disjoint bands rank.
import { describe, expect, it } from 'vitest';
import { type Band, bandsOverlap, rankLabel, rankWithTies, sameLink } from '../../src/power/rank.ts';

interface Fleet {
  name: string;
  days: number;
  band: Band;
}

const fleet = (name: string, days: number, low: number, high: number): Fleet => ({ name, days, band: [low, high] });
const byLife = (fleets: Fleet[]): string[] =>
  rankWithTies(
    fleets,
    (f) => f.band,
    (f) => f.days,
    'higher',
  ).map((r) => `${rankLabel(r)}:${r.item.name}`);

describe('bandsOverlap', () => {
  it('overlapping, touching and nested bands overlap; disjoint ones do not; the ends may come reversed', () => {
    expect(bandsOverlap([1, 3], [2, 4])).toBe(true);
    expect(bandsOverlap([1, 2], [2, 3])).toBe(true); // touching: a shared point is a tie
    expect(bandsOverlap([1, 10], [4, 5])).toBe(true);
    expect(bandsOverlap([1, 2], [2.0001, 3])).toBe(false);
    expect(bandsOverlap([3, 1], [4, 2.5])).toBe(true);
    expect(bandsOverlap([5, 5], [5, 5])).toBe(true);
    expect(bandsOverlap([0, 1], [Infinity, Infinity])).toBe(false);
  });
});

describe('rankWithTies', () => {
  it('ranks disjoint bands in order, best first, without ties', () => {
    expect(byLife([fleet('a', 100, 90, 110), fleet('b', 300, 280, 320), fleet('c', 200, 190, 210)])).toEqual([
      '1:b',
      '2:c',
      '3:a',
    ]);
  });

  it('a 1.01× gap inside the bands is a tie: same rank, marked, and the next rank skips', () => {
    expect(byLife([fleet('a', 3650, 3500, 3800), fleet('b', 3686, 3540, 3830), fleet('c', 100, 90, 110)])).toEqual([
      '=1:b',
      '=1:a',
      '3:c',
    ]);
  });

  it('touching bands tie', () => {
    expect(byLife([fleet('a', 10, 9, 11), fleet('b', 12, 11, 13)])).toEqual(['=1:b', '=1:a']);
  });

  it('a chain of overlaps ties all of it, even ends that are apart', () => {
    expect(
      byLife([fleet('a', 10, 9, 11), fleet('b', 11.5, 10.5, 12.5), fleet('c', 13, 12, 14), fleet('d', 20, 19, 21)]),
    ).toEqual(['1:d', '=2:c', '=2:b', '=2:a']);
  });

  it('lower is better for energy; equal-ended bands (no spread) tie only when equal', () => {
    const r = rankWithTies(
      [
        { n: 'x', mJ: 3 },
        { n: 'y', mJ: 1 },
        { n: 'z', mJ: 3 },
      ],
      (e) => [e.mJ, e.mJ],
      (e) => e.mJ,
      'lower',
    );
    expect(r.map((e) => `${rankLabel(e)}:${e.item.n}:${e.group}`)).toEqual(['1:y:0', '=2:x:1', '=2:z:1']);
  });

  it('a band that misses its own central value is widened to hold it', () => {
    expect(byLife([fleet('a', 12, 9, 10), fleet('b', 11.5, 11, 11.2)])).toEqual(['=1:a', '=1:b']);
  });

  it('on a shared link, fleets are compared point by point: a consistent order ranks, a flip or a gap under 2% ties', () => {
    // Both priced at the same low and high round trip: b beats a at both ends and in the middle.
    const shared = () => true;
    const rank = (fleets: Fleet[]) =>
      rankWithTies(
        fleets,
        (f) => f.band,
        (f) => f.days,
        'higher',
        shared,
      ).map((r) => `${rankLabel(r)}:${r.item.name}`);
    expect(rank([fleet('a', 1700, 700, 3200), fleet('b', 4100, 1460, 8700)])).toEqual(['1:b', '2:a']);
    // The order flips inside the band: a tie.
    expect(rank([fleet('a', 1700, 700, 9000), fleet('b', 4100, 1460, 8700)])).toEqual(['=1:b', '=1:a']);
    // Consistent but within 2% in the middle: a tie.
    expect(rank([fleet('a', 1000, 900, 1100), fleet('b', 1015, 910, 1110)])).toEqual(['=1:b', '=1:a']);
    // Without the shared link the same overlapping bands tie.
    expect(byLife([fleet('a', 1700, 700, 3200), fleet('b', 4100, 1460, 8700)])).toEqual(['=1:b', '=1:a']);
  });

  it('sameLink: the same round trips', () => {
    const at = (low: number, mid: number, high: number) => ({ link: { rttMs: { low, mid, high } } });
    expect(sameLink(at(10, 30, 100), at(10, 30, 100))).toBe(true);
    expect(sameLink(at(10, 30, 100), at(10, 30, 90))).toBe(false);
    expect(sameLink(undefined, at(10, 30, 100))).toBe(false);
  });
});
