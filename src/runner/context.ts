// The shared state of one worker's shard, handed to every virtual device it runs.
import type { Plan } from '../dsl/plan.ts';
import type { DeliveryBook } from '../metrics/delivery.ts';
import type { Recorder } from '../metrics/recorder.ts';

export interface ShardContext {
  plan: Plan;
  runId: string;
  /** metrics/stamp.ts runKey(runId): stamps this run writes and accepts. */
  stampKey: number;
  seed: number;
  targets: Record<string, string>;
  recorder: Recorder;
  book: DeliveryBook;
  lateThresholdUs: number;
  /** Set when the send phase starts. */
  startUs: number;
}
