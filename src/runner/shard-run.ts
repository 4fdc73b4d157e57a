// What makes a shard (--shard i/n, --run-id, --start-at) one part of a larger run: the clock it
// shares with the reference shard, the common start on that clock, and the raw figures it leaves
// in its result for `fleetbench merge` (result/shard-types.ts).
import { setClockOffset } from '../metrics/clock.ts';
import type { ClockInfo, MergeData, RawBucket } from '../result/shard-types.ts';
import type { BuildInput } from './build-result.ts';
import {
  bootId,
  type ClockServer,
  DEFAULT_CLOCK_PORT,
  estimateClock,
  serveClock,
  wallMinusMonoUs,
} from './clock-sync.ts';
import type { ConnectStarts } from './connect-pacing.ts';

export interface ShardClockOptions {
  /** Shard 0's clock port (default DEFAULT_CLOCK_PORT). */
  clockPort?: number;
  /** `host:port` of shard 0's clock: every other shard reads its clock through it. */
  clockRef?: string;
  /** --start-at, epoch ms: the clock exchange may wait for the reference until then. */
  startAt?: number;
}

export interface ShardClock {
  info: ClockInfo;
  /** The reference's wall minus monotonic clock (µs), when it told. */
  refWallMinusMonoUs?: number;
  close(): Promise<void>;
}

/** How long a shard waits for the reference to answer, at least (its pod may start later). */
const MIN_WAIT_MS = 60_000;

/**
 * Shard 0 serves its clock; a shard given --clock-ref estimates its offset to it and reads the
 * reference's clock from then on (this process, and its workers through the task). Others have
 * no reference: their latency across machines is unverified.
 */
export async function shardClock(
  shard: { index: number; count: number },
  options: ShardClockOptions,
  signal: AbortSignal,
  onWarning?: (message: string) => void,
): Promise<ShardClock> {
  if (options.clockRef !== undefined && shard.index !== 0) {
    const deadline = Math.max(Date.now() + MIN_WAIT_MS, options.startAt ?? 0);
    const { refWallMinusMonoUs, ...info } = await estimateClock(options.clockRef, deadline, signal);
    setClockOffset(info.offsetUs);
    return { info, refWallMinusMonoUs, close: async () => setClockOffset(0) };
  }
  if (shard.count > 1 && shard.index === 0) {
    const server: ClockServer = await serveClock(options.clockPort ?? DEFAULT_CLOCK_PORT);
    const info: ClockInfo = {
      reference: 'self',
      method: 'reference',
      offsetUs: 0,
      uncertaintyUs: 0,
      samples: 0,
      ...boot(),
    };
    return { info, refWallMinusMonoUs: wallMinusMonoUs(), close: () => server.close() };
  }
  if (shard.count > 1)
    onWarning?.(
      'no --clock-ref: this shard does not know its clock against shard 0; on another machine, latency across shards is unverified and messages between shards may not be recognised (docs/sharding.md)',
    );
  const info: ClockInfo = { reference: null, method: 'none', offsetUs: 0, uncertaintyUs: null, samples: 0, ...boot() };
  return { info, close: async () => undefined };
}

/** --start-at (epoch ms) on this process's monotonic clock: on the reference's wall clock when it told its own. */
export function startAtUs(atMs: number, clock: ShardClock): number {
  // Without a reference the offset is 0: this machine's own wall clock maps --start-at.
  return atMs * 1000 - (clock.refWallMinusMonoUs ?? wallMinusMonoUs());
}

/** What `fleetbench merge` needs beyond the result: read from the run's build input and its aggregator (closed). */
export function mergeData(
  input: BuildInput,
  connectStarts: (ConnectStarts | undefined)[],
  sendStartS: number | null,
): MergeData {
  const { agg } = input;
  const timeline: RawBucket[] = [...agg.buckets.entries()]
    .sort(([a], [b]) => a - b)
    .map(([, b]) => [b.t, b.phase, b.counters, b.latency]);
  return {
    sendStartS,
    sendPhaseMs: input.sendPhaseMs,
    delivery: input.shards,
    warmupDelivery: input.warmup?.shards ?? [],
    deviceBytes: input.deviceBytes,
    wire: input.wire ?? [],
    unread: (input.unread ?? []).map((u) => u ?? null),
    connectStarts: connectStarts.filter((s): s is ConnectStarts => s !== undefined),
    totals: Object.fromEntries(agg.totals),
    peakConnected: Object.fromEntries(agg.peakConnected),
    errors: [...agg.errors.values()],
    timeline,
  };
}

function boot(): { bootId?: string } {
  const id = bootId();
  return id === undefined ? {} : { bootId: id };
}
