// The scenario's `warmup`: the first part of the send phase, run against the system under test
// like the rest, recorded and shown in the timeline, but kept out of the headline figures and
// the thresholds unless `include` says otherwise (docs/scenarios.md#warm-up).
import { type Checker, fieldsOf } from '../base/check.ts';
import type { Duration } from '../base/units.ts';

/** The scenario's `warmup`: its length, or its length and whether its samples count anyway. */
export type WarmupDefinition = Duration | { duration: Duration; include?: boolean };

export interface WarmupPlan {
  /** Length of the warm-up window, from the start of the send phase. */
  durationMs: number;
  /** Its samples count in the headline figures and thresholds after all (the window is only marked). */
  include: boolean;
}

const WARMUP = fieldsOf<Exclude<WarmupDefinition, string | number>>()(['duration', 'include']);

/** `warmup: '5s'` or `warmup: { duration: '5s', include: true }`; shorter than the send phase. */
export function resolveWarmup(check: Checker, raw: unknown, durationMs: number | undefined): WarmupPlan | undefined {
  if (raw === undefined) return undefined;
  let duration: unknown = raw;
  let include = false;
  let path = 'warmup';
  if (typeof raw === 'object' && raw !== null) {
    const def = check.object('warmup', raw);
    if (!def) return undefined;
    check.known('warmup', def, WARMUP);
    duration = def.duration;
    path = 'warmup.duration';
    include = check.boolean('warmup.include', def.include, false);
  }
  const ms = check.duration(path, duration, { positive: true });
  if (ms === undefined) return undefined;
  if (durationMs !== undefined && ms >= durationMs) {
    check.note(path, `the warm-up (${ms} ms) must be shorter than the send phase (duration: ${durationMs} ms)`);
    return undefined;
  }
  return { durationMs: ms, include };
}
