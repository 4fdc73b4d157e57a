// Which devices of a fleet a shard and a worker run: deterministic slices, so that shards and
// workers never run the same device twice and together run them all.
import type { GroupPlan } from '../dsl/plan.ts';

/** How many of a fleet's `count` devices shard `index` of `count` runs (every n-th, from i). */
export function shardSize(count: number, shard: { index: number; count: number }): number {
  return count > shard.index ? Math.floor((count - 1 - shard.index) / shard.count) + 1 : 0;
}

/** Which devices of `group` this worker owns: a deterministic slice by shard, then by worker. */
export function ownedIndices(
  group: GroupPlan,
  shard: { index: number; count: number },
  worker: number,
  workers: number,
): number[] {
  const owned: number[] = [];
  for (let i = shard.index; i < group.count; i += shard.count) {
    if (Math.floor(i / shard.count) % workers === worker) owned.push(i);
  }
  return owned;
}
