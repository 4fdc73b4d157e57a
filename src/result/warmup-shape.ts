// The shape of `result.warmup` (types in types.ts, docs/results.md#warm-up), checked when a saved result is read.
import { latency, pair } from './latency-shape.ts';
import { array, bool, fields, int, num, oneOf, optional, record, type Shape, str } from './shape.ts';
import type { WarmupDelivery, WarmupFleet, WarmupResult } from './types.ts';

export const warmupShape: Shape = fields<WarmupResult>({
  durationMs: num,
  included: bool,
  fromS: num,
  toS: num,
  sent: int,
  acked: int,
  late: int,
  received: int,
  fleets: record(
    fields<WarmupFleet>({
      sent: int,
      acked: int,
      late: int,
      received: int,
      latency: fields<WarmupFleet['latency']>({
        sendLateness: optional(latency),
        ack: optional(pair),
        rtt: optional(pair),
      }),
    }),
  ),
  delivery: array(
    fields<WarmupDelivery>({
      from: str,
      to: str,
      mode: oneOf('each', 'group'),
      sent: int,
      expected: int,
      received: int,
      unique: int,
      lost: int,
      duplicated: int,
      latency: pair,
    }),
  ),
});
