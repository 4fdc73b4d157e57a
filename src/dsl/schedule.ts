// Send schedules. Builders return plain data (so scenarios stay serialisable and validation can
// name the bad field); `createScheduler` turns validated data into a generator of intended send
// times for one device. Open model: the schedule alone decides when a message is due.
import { type Random, seededRandom } from '../base/random.ts';
import type { Duration, Rate } from '../base/units.ts';

export interface EverySpec {
  kind: 'every';
  interval: Duration;
  jitter?: Duration;
}
export interface PoissonSpec {
  kind: 'poisson';
  rate: Rate;
}
export interface Stage {
  /** Rate per device at the end of this stage, e.g. '10/s'. */
  target: Rate;
  duration: Duration;
}
export interface StagesSpec {
  kind: 'stages';
  stages: Stage[];
  /** Rate at the start of the first stage (default 0). */
  from?: Rate;
  /** 'uniform' spaces sends evenly at the current rate; 'poisson' draws exponential gaps. */
  arrival?: 'uniform' | 'poisson';
}
export type ScheduleSpec = EverySpec | PoissonSpec | StagesSpec;

/** A fixed interval per device, optionally jittered by up to ±jitter around each slot. */
export function every(interval: Duration, options: { jitter?: Duration } = {}): EverySpec {
  return options.jitter === undefined
    ? { kind: 'every', interval }
    : { kind: 'every', interval, jitter: options.jitter };
}

/** Poisson arrivals per device at `rate` (e.g. '5/s'). */
export function poisson(rate: Rate): PoissonSpec {
  return { kind: 'poisson', rate };
}

/** A per-device rate that ramps linearly between stage targets (k6 style), then holds the last. */
export function stages(list: Stage[], options: { from?: Rate; arrival?: 'uniform' | 'poisson' } = {}): StagesSpec {
  return { kind: 'stages', stages: list, ...options };
}

/** Validated, unit-free schedule used by workers. Times in µs, rates per µs. */
export type ResolvedSchedule =
  | { kind: 'every'; intervalUs: number; jitterUs: number }
  | { kind: 'poisson'; ratePerS: number }
  | { kind: 'stages'; fromPerS: number; stages: { targetPerS: number; durationUs: number }[]; poisson: boolean };

export { type Random, seededRandom };

const GOLDEN = 0.6180339887498949;

/**
 * Yields intended send times (µs) for device `index` of `count`, starting at `startUs`.
 * Devices are spread over the first period by a low-discrepancy phase so a fleet does not
 * fire in lockstep; `rampUs` additionally staggers device starts linearly.
 */
export function createScheduler(
  spec: ResolvedSchedule,
  index: number,
  count: number,
  startUs: number,
  rampUs: number,
  random: Random,
): () => number {
  const phase = (index * GOLDEN) % 1;
  const deviceStart = startUs + (count > 1 ? (rampUs * index) / count : 0);
  switch (spec.kind) {
    case 'every': {
      let k = 0;
      // Slots start one jitter after the device's start, so no send is ever intended before
      // it (receivers discard stamps older than the run's start as left over from earlier runs).
      const base = deviceStart + spec.jitterUs + phase * spec.intervalUs;
      return () => {
        const jitter = spec.jitterUs > 0 ? (random() * 2 - 1) * spec.jitterUs : 0;
        return base + k++ * spec.intervalUs + jitter;
      };
    }
    case 'poisson': {
      let t = deviceStart;
      const perUs = spec.ratePerS / 1e6;
      return () => (t += exponential(random) / perUs);
    }
    case 'stages': {
      const profile = new RateProfile(spec, deviceStart);
      let t = deviceStart;
      let first = true;
      return () => {
        const units = spec.poisson ? exponential(random) : first ? 1 - phase : 1;
        first = false;
        t = profile.advance(t, units);
        return t;
      };
    }
  }
}

function exponential(random: Random): number {
  return -Math.log(1 - random());
}

/** Piecewise-linear rate r(t); `advance` finds t' with ∫_t^t' r(u) du = units. */
class RateProfile {
  private readonly segments: { start: number; end: number; r0: number; r1: number }[] = [];
  private readonly holdPerUs: number;

  constructor(spec: Extract<ResolvedSchedule, { kind: 'stages' }>, startUs: number) {
    let t = startUs;
    let r = spec.fromPerS / 1e6;
    for (const stage of spec.stages) {
      const r1 = stage.targetPerS / 1e6;
      this.segments.push({ start: t, end: t + stage.durationUs, r0: r, r1 });
      t += stage.durationUs;
      r = r1;
    }
    this.holdPerUs = r;
  }

  advance(from: number, units: number): number {
    let t = from;
    let need = units;
    for (const seg of this.segments) {
      if (seg.end <= t) continue;
      const a = Math.max(t, seg.start);
      const slope = (seg.r1 - seg.r0) / (seg.end - seg.start);
      const ra = seg.r0 + slope * (a - seg.start);
      const area = ((ra + seg.r1) / 2) * (seg.end - a);
      if (area < need) {
        need -= area;
        t = seg.end;
        continue;
      }
      // Solve ra·x + slope·x²/2 = need for x ≥ 0, in the form that stays exact both for a flat
      // rate (slope → 0 gives need/ra) and for a ramp from zero (ra → 0 gives √(2·need/slope)).
      const x = (2 * need) / (ra + Math.sqrt(Math.max(0, ra * ra + 2 * slope * need)));
      return a + x;
    }
    return this.holdPerUs > 0 ? Math.max(t, from) + need / this.holdPerUs : Number.POSITIVE_INFINITY;
  }
}
