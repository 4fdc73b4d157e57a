// A shard's receivers also get what the other shards' devices sent (one run id, one topic space):
// this shard knows how many messages its own devices sent, not the others'. Its delivery rows
// judge its own streams only, and count the rest apart as `foreign`, so a shard's result never
// shows more than 100% delivered nor hides loss; `fleetbench merge` judges every stream.
import type { PairShard } from '../metrics/delivery.ts';
import { streamDevice } from '../metrics/stamp.ts';

/** Whether shard `index` of `count` runs the device that sends `stream` (slices.ts: every count-th, from index). */
export function ownStream(stream: number, shard: { index: number; count: number }): boolean {
  return shard.count <= 1 || streamDevice(stream) % shard.count === shard.index;
}

/** A pair's parts with other shards' streams taken out, and how many messages those were. */
export function splitForeign(
  parts: readonly PairShard[],
  shard: { index: number; count: number },
): { own: PairShard[]; foreign: number } {
  if (shard.count <= 1) return { own: [...parts], foreign: 0 };
  let foreign = 0;
  const own = parts.map((p): PairShard => {
    if (p.rows) {
      const rows = p.rows.filter((r) => ownStream(r[1], shard));
      for (const r of p.rows) if (!ownStream(r[1], shard)) foreign += r[2];
      const sum = (i: 2 | 3 | 4 | 5): number => rows.reduce((n, r) => n + r[i], 0);
      return { ...p, rows, received: sum(2), unique: sum(3), duplicated: sum(4), outOfOrder: sum(5) };
    }
    if (p.streams) {
      const streams = p.streams.filter((s) => ownStream(s[0], shard));
      for (const s of p.streams) if (!ownStream(s[0], shard)) foreign += s[2];
      const received = streams.reduce((n, s) => n + s[2], 0);
      const outOfOrder = streams.reduce((n, s) => n + s[3], 0);
      return { ...p, streams, received, outOfOrder };
    }
    return p;
  });
  return { own, foreign };
}
