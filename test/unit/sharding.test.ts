// Deterministic slicing of fleets: over machines (--shard i/n) and over worker threads.
import { describe, expect, it } from 'vitest';
import { ownedIndices, shardSize } from '../../src/runner/slices.ts';
import { fleetOf } from '../helpers/group-plan.ts';

const group = fleetOf;

describe('sharding', () => {
  it.each([
    [1, 1],
    [7, 3],
    [10, 4],
    [2, 5],
    [1000, 7],
  ])('%i devices over %i shards × 2 workers: every device exactly once, shardSize agrees', (count, shards) => {
    const seen: number[] = [];
    for (let index = 0; index < shards; index++) {
      const inShard = [0, 1].flatMap((w) => ownedIndices(group(count), { index, count: shards }, w, 2));
      expect(inShard).toHaveLength(shardSize(count, { index, count: shards }));
      seen.push(...inShard);
    }
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: count }, (_, i) => i));
  });
});
