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
  /** Deliveries of messages stamped within the scenario's warm-up (warm-window.ts). */
  warmBook: DeliveryBook;
  lateThresholdUs: number;
  /** Set when the send phase starts. */
  startUs: number;
  /** Stamps intended before this are not this run's (receipts.ts); 0: from `startUs`. Earlier when other shards start first. */
  acceptFromUs?: number;
  /** The end of the warm-up window, set with `startUs`; 0 when there is none or it is included (warm-window.ts). */
  warmupEndUs: number;
}
