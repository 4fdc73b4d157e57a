// Scaling a scenario's load for `fleetbench capacity` (docs/capacity.md): each step multiplies
// either the device count or the per-device send rate of the groups that send. Applied while the
// plan is built (RunChoices.scale), so the main thread and every worker build the same plan.
import type { GroupPlan, PublishPlan } from './plan.ts';
import type { ResolvedSchedule } from './schedule.ts';

/** What a step varies, and by how much relative to the scenario as written (factor > 0). */
export interface LoadScale {
  vary: 'devices' | 'rate';
  factor: number;
  /** A warm-up for each step when the scenario declares none (kept out of the figures, docs/scenarios.md#warm-up). */
  warmupMs?: number;
}

/** Groups whose load a step scales: fleets and commands that send. Observers and servers only receive. */
export function scalesWith(g: Pick<GroupPlan, 'kind' | 'publish'>): boolean {
  return g.publish !== undefined && (g.kind === 'fleet' || g.kind === 'command');
}

/** Scales the sending groups in place; device counts round to the nearest whole device, at least one. */
export function scaleGroups(groups: GroupPlan[], scale: LoadScale): void {
  for (const g of groups) {
    if (!scalesWith(g) || !g.publish) continue;
    if (scale.vary === 'devices') g.count = Math.max(1, Math.round(g.count * scale.factor));
    else g.publish = { ...g.publish, schedule: scaleSchedule(g.publish.schedule, scale.factor) };
  }
}

/** The same schedule `factor` times as fast: intervals (and their jitter) shrink, rates grow. */
export function scaleSchedule(s: ResolvedSchedule, factor: number): ResolvedSchedule {
  switch (s.kind) {
    case 'every':
      return { kind: 'every', intervalUs: s.intervalUs / factor, jitterUs: s.jitterUs / factor };
    case 'poisson':
      return { kind: 'poisson', ratePerS: s.ratePerS * factor };
    case 'stages':
      return {
        ...s,
        fromPerS: s.fromPerS * factor,
        stages: s.stages.map((st) => ({ ...st, targetPerS: st.targetPerS * factor })),
      };
  }
}

/**
 * Messages per second one device is scheduled to send, once its schedule has settled: the
 * steady rate of `every` and `poisson`, the held last target of `stages`.
 */
export function steadyRatePerS(p: PublishPlan): number {
  const s = p.schedule;
  switch (s.kind) {
    case 'every':
      return 1e6 / s.intervalUs;
    case 'poisson':
      return s.ratePerS;
    case 'stages':
      return s.stages[s.stages.length - 1]?.targetPerS ?? s.fromPerS;
  }
}

/** The offered load of a plan's groups: sending devices and their scheduled messages per second. */
export function offeredLoad(groups: readonly GroupPlan[]): { devices: number; perS: number } {
  let devices = 0;
  let perS = 0;
  for (const g of groups) {
    if (!scalesWith(g) || !g.publish) continue;
    devices += g.count;
    perS += g.count * steadyRatePerS(g.publish);
  }
  return { devices, perS };
}
