// The capacity search, pure and clock-free so it can be unit tested with synthetic steps: grow
// the load exponentially from a start until a step fails, then bisect between the last good and
// the first bad step down to a resolution (docs/capacity.md#the-search). The idea of doubling
// then bisecting is the usual one for finding a saturation point (e.g. RFC 2544 §26.1's binary
// search for throughput); the stopping rules and the knee are this project's.

/** What one step measured, as the search sees it. */
export interface StepFigures {
  /** The load the step ran: sending devices (`--vary devices`) or offered messages per second (`--vary rate`). */
  load: number;
  /** Scheduled messages per second. */
  offeredPerS: number;
  /** Messages per second completed: sent and, where someone receives them, delivered (docs/capacity.md). */
  achievedPerS: number;
  /** Main latency, µs; undefined when the step measured none. */
  p50Us: number | undefined;
  p99Us: number | undefined;
  /** Every SLO item held. */
  sloPassed: boolean;
  /** Why the generator, not the system under test, limited this step; undefined when it did not. */
  generatorBound: string | undefined;
}

/** 'disturbed': a first attempt run again (capacity.ts); it is reported, never given to the search. */
export type StepVerdict = 'pass' | 'slo' | 'saturated' | 'generator' | 'disturbed';

export interface SearchOptions {
  start: number;
  /** Highest load to try. */
  max: number;
  /** Bisection stops when (bad − good) / good ≤ this (0.1 for 10%). */
  resolution: number;
  maxSteps: number;
  /** Loads are whole numbers (devices). */
  integer: boolean;
  /** A doubling whose achieved throughput rose by less than this share is saturated (default 0.1; pro rata for smaller steps). */
  minGain: number;
  /** A step whose achieved throughput is below this share of its offered load is saturated (default 0.9). */
  minAchieved: number;
}

export const SEARCH_DEFAULTS = { resolution: 0.1, maxSteps: 12, minGain: 0.1, minAchieved: 0.9 } as const;

export type StopReason = 'resolved' | 'max-load' | 'max-steps' | 'time' | 'generator-bound' | 'none-passed';

/** A step's verdict in the light of the step below it (the last good one, for the gain rule). */
export function verdictOf(s: StepFigures, below: StepFigures | undefined, o: SearchOptions): StepVerdict {
  if (s.generatorBound !== undefined) return 'generator';
  if (!s.sloPassed) return 'slo';
  if (s.offeredPerS > 0 && s.achievedPerS < o.minAchieved * s.offeredPerS) return 'saturated';
  // Throughput that stops rising with the load: less than minGain for a doubling (pro rata for
  // a smaller step) over the last good step is past the point where more load helps.
  if (below && s.load > below.load) {
    const wanted = 1 + o.minGain * (s.load / below.load - 1);
    if (s.achievedPerS < wanted * below.achievedPerS) return 'saturated';
  }
  return 'pass';
}

export class CapacitySearch {
  readonly steps: { figures: StepFigures; verdict: StepVerdict }[] = [];
  private good: StepFigures | undefined;
  private bad: StepFigures | undefined;
  private stopped: StopReason | undefined;

  constructor(private readonly o: SearchOptions) {}

  /** The load of the next step, or undefined when the search is over (see `reason`). */
  next(): number | undefined {
    if (this.stopped) return undefined;
    const o = this.o;
    if (this.bad === undefined && this.good !== undefined && this.good.load >= o.max) return this.stop('max-load');
    if (this.steps.length >= o.maxSteps) return this.stop('max-steps');
    if (this.steps.length === 0) return this.round(Math.min(o.start, o.max));
    if (this.bad === undefined) {
      // Growing: the last step passed.
      const last = this.good as StepFigures;
      if (last.load >= o.max) return this.stop('max-load');
      return this.round(Math.min(2 * last.load, o.max));
    }
    if (this.good === undefined) {
      // Nothing passed yet: halve below the lowest failure.
      const lower = this.round(this.bad.load / 2);
      if (lower >= this.bad.load || lower <= 0 || (o.integer && this.bad.load <= 1)) return this.stop('none-passed');
      return lower;
    }
    if ((this.bad.load - this.good.load) / this.good.load <= o.resolution) return this.stop('resolved');
    const mid = this.round((this.good.load + this.bad.load) / 2);
    if (mid <= this.good.load || mid >= this.bad.load) return this.stop('resolved');
    return mid;
  }

  /** Records the step just run at the load `next()` gave. */
  record(s: StepFigures): StepVerdict {
    const verdict = verdictOf(s, this.good, this.o);
    this.steps.push({ figures: s, verdict });
    if (verdict === 'generator') this.stop('generator-bound');
    else if (verdict === 'pass') this.good = s;
    else this.bad = s;
    return verdict;
  }

  /** Ends the search from outside (its overall time ran out). */
  stop(reason: StopReason): undefined {
    this.stopped ??= reason;
    return undefined;
  }

  get reason(): StopReason | undefined {
    return this.stopped;
  }

  /** The highest load that passed. */
  get sustainable(): StepFigures | undefined {
    return this.good;
  }

  /** The lowest load that failed (SLO or saturation), if any. */
  get firstBad(): StepFigures | undefined {
    return this.bad;
  }

  private round(x: number): number {
    return this.o.integer ? Math.max(1, Math.round(x)) : Number(x.toPrecision(4));
  }
}

/**
 * The knee's rule (docs/capacity.md#the-knee): from one step to the next heavier one, p99 grew
 * this many times faster than achieved throughput, in relative terms (ln p99 ratio over ln
 * throughput ratio: latency "rising sharply relative to throughput"); …
 */
export const KNEE_ELASTICITY = 3;
/** … and by at least this much (µs), so microsecond noise at light load is no knee; … */
export const KNEE_LATENCY_FLOOR_US = 2000;
/** … or achieved throughput fell under this share of the offered load. */
export const KNEE_ACHIEVED_SHARE = 0.95;

export interface Knee {
  /** The heaviest step still on the flat part of the curve. */
  step: StepFigures;
  /** The first heavier step past it (undefined when every step ran was on the flat part). */
  next: StepFigures | undefined;
  /** What marks the step past the knee. */
  reason: string | undefined;
}

/** Why `s` is past the knee, seen from `last` (the heaviest step still before it), or undefined. */
export function pastKnee(last: StepFigures, s: StepFigures): string | undefined {
  if (s.offeredPerS > 0 && s.achievedPerS < KNEE_ACHIEVED_SHARE * s.offeredPerS)
    return `achieved ${Math.round((100 * s.achievedPerS) / s.offeredPerS)}% of offered`;
  if (last.p99Us === undefined || s.p99Us === undefined || last.p99Us <= 0) return undefined;
  if (s.p99Us < last.p99Us + KNEE_LATENCY_FLOOR_US) return undefined;
  const latency = Math.log(s.p99Us / last.p99Us);
  const throughput = last.achievedPerS > 0 && s.achievedPerS > 0 ? Math.log(s.achievedPerS / last.achievedPerS) : 0;
  if (latency <= KNEE_ELASTICITY * Math.max(0, throughput)) return undefined;
  const gain = Math.round(100 * (Math.exp(throughput) - 1));
  return `p99 ×${(s.p99Us / last.p99Us).toFixed(1)} for ${gain >= 0 ? '+' : ''}${gain}% throughput`;
}

/**
 * The knee: walking the steps by load, the last one before the first step past it (pastKnee,
 * judged against the heaviest step before it). Steps the generator limited are left out.
 * Undefined when there is no usable step, or the lightest one is already past the knee.
 */
export function findKnee(steps: readonly StepFigures[]): Knee | undefined {
  const usable = steps.filter((s) => s.generatorBound === undefined).sort((a, b) => a.load - b.load);
  const first = usable[0];
  if (!first) return undefined;
  if (first.offeredPerS > 0 && first.achievedPerS < KNEE_ACHIEVED_SHARE * first.offeredPerS) return undefined;
  let last = first;
  for (const s of usable.slice(1)) {
    const reason = pastKnee(last, s);
    if (reason !== undefined) return { step: last, next: s, reason };
    last = s;
  }
  return { step: last, next: undefined, reason: undefined };
}
