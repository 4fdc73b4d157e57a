// The shapes of a shard's additions to a result (shard-types.ts): checked when a saved result is
// read back, by `fleetbench merge` above all. The merge block's inner books are checked as
// objects and arrays only: `fleetbench merge` reads nothing else from a file a run did not write.
import { anyObject, array, fields, int, nullable, num, oneOf, optional, record, type Shape, str } from './shape.ts';
import type { ClockInfo, MergeData, MergedFrom, ShardStartAt } from './shard-types.ts';

export const startAtShape: Shape = fields<ShardStartAt>({ requested: str, lateMs: num });

export const clockShape: Shape = fields<ClockInfo>({
  reference: nullable(str),
  method: oneOf('reference', 'same host', 'exchange', 'none', 'merged'),
  offsetUs: num,
  uncertaintyUs: nullable(num),
  samples: int,
  bootId: optional(str),
});

export const mergedShape: Shape = fields<MergedFrom>({
  shards: int,
  files: array(str),
  crossShardUncertaintyUs: nullable(num),
});

export const mergeShape: Shape = fields<MergeData>({
  sendStartS: nullable(num),
  sendPhaseMs: num,
  delivery: array(anyObject),
  warmupDelivery: array(anyObject),
  deviceBytes: array(anyObject),
  wire: array(anyObject),
  unread: array(nullable(anyObject)),
  connectStarts: array(fields({ count: int, firstUs: num, lastUs: num })),
  totals: record(anyObject),
  peakConnected: record(num),
  errors: array(anyObject),
  timeline: array(array(() => undefined)),
});
