// What a shard of a run spread over processes or machines records beyond a single run: which
// shard it was, when it was told to start, its clock against the reference shard, and the raw
// figures `fleetbench merge` needs to rebuild the whole run exactly (docs/sharding.md).
import type { GroupCounters } from '../metrics/counters.ts';
import type { DeliveryShard } from '../metrics/delivery.ts';
import type { ErrorCount, Phase } from '../metrics/recorder.ts';
import type { WireTotalsByKind } from '../power/wire.ts';
import type { UnreadMessages } from '../protocols/driver.ts';

/** `--start-at`: the common wall-clock start the shards were given, and how late this one started. */
export interface ShardStartAt {
  /** The requested instant, ISO-8601 (UTC). */
  requested: string;
  /** How long after it this shard's send phase began (its connects were not done in time); 0 when on time. */
  lateMs: number;
}

/** How this process's clock relates to the reference shard's (runner/clock-sync.ts). */
export interface ClockInfo {
  /** `host:port` of the reference, 'self' for the reference shard, null without one. */
  reference: string | null;
  /**
   * 'reference': this shard is the reference (offset 0); 'same host': both report the same boot
   * id, so they read the same CLOCK_MONOTONIC (offset 0, exact); 'exchange': NTP-style estimate;
   * 'none': no reference, latency between machines is unverified; 'merged': a merged result.
   */
  method: 'reference' | 'same host' | 'exchange' | 'none' | 'merged';
  /** Added to this machine's monotonic clock to read the reference's (µs). */
  offsetUs: number;
  /** ± bound of the offset: half the round trip of the best exchange (µs); null when unknown ('none'). */
  uncertaintyUs: number | null;
  /** Exchanges kept to estimate the offset (the one with the smallest round trip wins). */
  samples: number;
  /** /proc/sys/kernel/random/boot_id of this machine, when readable: equal ids share one monotonic clock. */
  bootId?: string;
}

/** The merged result: which shards went in and how far apart their clocks may be. */
export interface MergedFrom {
  shards: number;
  files: string[];
  /** ± bound on a latency measured between two shards (the two largest uncertainties added); null when unverified. */
  crossShardUncertaintyUs: number | null;
}

/** One timeline bucket as the run's aggregator had it: every group's counters (warm-up groups too) and latency. */
export type RawBucket = [
  t: number,
  phase: Phase,
  counters: Record<string, GroupCounters>,
  latency: Record<string, { count: number; p50: number; p99: number; max: number }>,
];

/**
 * What an exact merge needs that the rest of the result does not keep: every worker's delivery
 * books and byte extremes, the aggregator's totals, and the timeline before it was reshaped.
 * The cumulative histograms are `result.histograms`.
 */
export interface MergeData {
  /** Seconds from the run's timeline origin to the send phase's start (null when it never started). */
  sendStartS: number | null;
  /** Actual send-phase length (ms). */
  sendPhaseMs: number;
  delivery: DeliveryShard[];
  warmupDelivery: DeliveryShard[];
  deviceBytes: Record<string, { minSent: number; maxSent: number; minReceived: number; maxReceived: number }>[];
  wire: Record<string, WireTotalsByKind>[];
  unread: (Record<string, UnreadMessages> | null)[];
  connectStarts: { count: number; firstUs: number; lastUs: number }[];
  /** Per group (warm-up groups too): the aggregator's totals. */
  totals: Record<string, GroupCounters>;
  peakConnected: Record<string, number>;
  errors: ErrorCount[];
  timeline: RawBucket[];
}
