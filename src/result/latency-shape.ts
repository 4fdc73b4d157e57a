// The shape of a latency summary and of a (corrected, service) pair, checked when a saved result
// is read: shared by the result's schema and its warm-up block.
import type { LatencySummary } from '../metrics/histogram.ts';
import { fields, int, num } from './shape.ts';
import type { LatencyPair } from './types.ts';

export const latency = fields<LatencySummary>({
  count: int,
  min: num,
  mean: num,
  p50: num,
  p90: num,
  p99: num,
  p999: num,
  max: num,
  stddev: num,
});

export const pair = fields<LatencyPair>({ corrected: latency, service: latency });
