// The link model, pure and clock-free so it can be unit tested: when a chunk that arrives at
// the proxy at `arrivalUs` leaves it. Serialization at the bandwidth limit (a bottleneck queue),
// then the one-way delay with seeded jitter; departures never overtake each other, so a byte
// stream keeps its order however the jitter falls.
import { type Random, seededRandom } from '../base/random.ts';
import type { ImpairSpec } from './spec.ts';

export { type Random, seededRandom };

/** Blackhole windows on the shared monotonic clock (µs), known once the send phase starts. */
export class Windows {
  private spans: { fromUs: number; toUs: number }[] = [];

  constructor(private readonly spec: ImpairSpec) {}

  start(atUs: number): void {
    this.spans = this.spec.blackholes.map((b) => ({
      fromUs: atUs + b.atMs * 1000,
      toUs: atUs + (b.atMs + b.forMs) * 1000,
    }));
  }

  /** The end of the window `us` falls in, or undefined when the link is up then. */
  endOf(us: number): number | undefined {
    for (const s of this.spans) if (us >= s.fromUs && us < s.toUs) return s.toUs;
    return undefined;
  }

  /** Time inside windows between their start and `untilUs`. */
  elapsedMs(untilUs: number): number {
    let us = 0;
    for (const s of this.spans) us += Math.max(0, Math.min(untilUs, s.toUs) - s.fromUs);
    return us / 1000;
  }
}

/** One direction of one connection or flow. */
export class Direction {
  private linkFreeUs = 0;
  private lastDepartureUs = 0;

  constructor(
    private readonly spec: ImpairSpec,
    private readonly random: Random,
  ) {}

  /**
   * When a chunk of `bytes` arriving at `arrivalUs` leaves. With `windows`, a chunk that arrives
   * or would leave during a blackhole is held to the window's end (a stream's bytes are delayed,
   * never lost); `held` tells whether that happened.
   */
  departure(arrivalUs: number, bytes: number, windows?: Windows): { atUs: number; held: boolean } {
    let t = arrivalUs;
    let held = false;
    const inWindow = windows?.endOf(t);
    if (inWindow !== undefined) {
      t = inWindow;
      held = true;
    }
    if (this.spec.bandwidthBytesPerS > 0) {
      const begin = Math.max(t, this.linkFreeUs);
      this.linkFreeUs = begin + (bytes * 1e6) / this.spec.bandwidthBytesPerS;
      t = this.linkFreeUs;
    }
    const jitter = this.spec.jitterMs > 0 ? (this.random() * 2 - 1) * this.spec.jitterMs : 0;
    t += (this.spec.latencyMs + jitter) * 1000;
    const leaving = windows?.endOf(t);
    if (leaving !== undefined) {
      t = leaving;
      held = true;
    }
    t = Math.max(t, this.lastDepartureUs);
    this.lastDepartureUs = t;
    return { atUs: t, held };
  }

  /** A datagram's fate: dropped by a blackhole (at arrival or departure), by loss, or sent at a time. */
  datagram(arrivalUs: number, bytes: number, windows: Windows): { atUs: number } | 'blackholed' | 'lost' {
    if (windows.endOf(arrivalUs) !== undefined) return 'blackholed';
    // Drawn for every datagram that reaches the link, so the sequence of fates follows the seed.
    const lost = this.spec.loss > 0 && this.random() < this.spec.loss;
    if (lost) return 'lost';
    const { atUs } = this.departure(arrivalUs, bytes);
    if (windows.endOf(atUs) !== undefined) return 'blackholed';
    return { atUs };
  }
}
