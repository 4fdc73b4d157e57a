// Where a sender's samples go: its fleet's own counters and histograms, or their warm-up twins
// when the message's stamp belongs to the scenario's warm-up (warm-window.ts).
import type { GroupCounters } from '../metrics/counters.ts';
import { type Histogram, recordUs } from '../metrics/histogram.ts';
import { HistogramKind } from '../metrics/names.ts';
import type { Recorder } from '../metrics/recorder.ts';
import type { Stamp } from '../metrics/stamp.ts';
import { inWarmup, warmGroup, warmKind } from './warm-window.ts';

interface Sink {
  counters: GroupCounters;
  lateness: Histogram;
}

/** What a split needs of its shard: the recorder, the late threshold and the warm-up's end (0: none). */
export interface SplitContext {
  readonly recorder: Recorder;
  readonly lateThresholdUs: number;
  readonly warmupEndUs: number;
}

export class SendSplit {
  private readonly own: Sink;
  private warm: Sink | undefined;

  constructor(
    private readonly ctx: SplitContext,
    private readonly group: string,
    counters: GroupCounters,
  ) {
    // Held: recorded on every send without a lookup.
    this.own = { counters, lateness: ctx.recorder.histogram(group, HistogramKind.sendLateness) };
  }

  /** The sink of a message whose stamp carries `intendedUs`. */
  private sink(intendedUs: number): Sink {
    if (!inWarmup(intendedUs, this.ctx.warmupEndUs)) return this.own;
    this.warm ??= {
      counters: this.ctx.recorder.of(warmGroup(this.group)),
      lateness: this.ctx.recorder.histogram(this.group, warmKind(HistogramKind.sendLateness)),
    };
    return this.warm;
  }

  /** A send due at `intendedUs` fired (or woke) at `atUs`: how late. Its stamp will carry min(intended, at). */
  late(intendedUs: number, atUs: number): void {
    const sink = this.sink(Math.min(intendedUs, atUs));
    recordUs(sink.lateness, atUs - intendedUs);
    if (atUs - intendedUs > this.ctx.lateThresholdUs) sink.counters.late++;
  }

  /** A message went out; true when it belongs to the warm-up. */
  sent(stampIntendedUs: number): boolean {
    const sink = this.sink(stampIntendedUs);
    sink.counters.sent++;
    return sink !== this.own;
  }

  /** The message stamped `stamp` was acknowledged at `ackUs`. */
  acked(stamp: Stamp, ackUs: number): void {
    const warm = inWarmup(stamp.intendedUs, this.ctx.warmupEndUs);
    this.sink(stamp.intendedUs).counters.acked++;
    const kind = (k: string): string => (warm ? warmKind(k) : k);
    this.ctx.recorder.record(this.group, kind(HistogramKind.ack), ackUs - stamp.intendedUs);
    this.ctx.recorder.record(this.group, kind(HistogramKind.ackService), ackUs - stamp.sentUs);
  }
}

/**
 * A received message of this run whose stamp carries `intendedUs`: when it belongs to the
 * warm-up, it moves from the receiver's `received` (acceptStamped counted it there) to its twin.
 */
export function receivedInWarmup(
  ctx: Pick<SplitContext, 'recorder' | 'warmupEndUs'>,
  group: string,
  counters: GroupCounters,
  intendedUs: number,
): boolean {
  if (!inWarmup(intendedUs, ctx.warmupEndUs)) return false;
  counters.received--;
  ctx.recorder.of(warmGroup(group)).received++;
  return true;
}
