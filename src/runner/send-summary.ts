// A sending group's schedule in one exact line for the result (`fleets.<name>.send`), so that
// `compare` can tell two runs at different rates apart even when the scenario file is the same.
import type { PublishPlan } from '../dsl/plan.ts';

const ms = (us: number): string => `${+(us / 1000).toFixed(3)}ms`;

export function sendSummary(p: PublishPlan): { schedule: string; messages: number | null } {
  const s = p.schedule;
  const schedule =
    s.kind === 'every'
      ? `every ${ms(s.intervalUs)}${s.jitterUs > 0 ? ` ±${ms(s.jitterUs)}` : ''}`
      : s.kind === 'poisson'
        ? `poisson ${s.ratePerS}/s`
        : `stages from ${s.fromPerS}/s: ${s.stages.map((x) => `${x.targetPerS}/s over ${ms(x.durationUs)}`).join(', ')}${s.poisson ? ' (poisson)' : ''}`;
  return { schedule, messages: p.messages ?? null };
}
