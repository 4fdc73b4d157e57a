// Input bounds: hard limits a scenario cannot pass (a clear error instead of a run that hangs)
// and warnings above what one machine was measured to generate (BENCHMARKS.md).
import type { Checker } from '../base/check.ts';
import { ErrorCodes, FleetbenchError } from '../base/errors.ts';
import type { GroupPlan, Plan } from './plan.ts';
import type { ResolvedSchedule } from './schedule.ts';

export const LIMITS = {
  /**
   * One send per millisecond per device at most (every ≥ 1ms, poisson and stages ≤ 1000/s). The
   * send loop's timers are millisecond-grained, and every benchmark in BENCHMARKS.md offers at
   * most this (500 devices × one message per ms); a faster device is a unit typo ('us' for 'ms')
   * far more often than a test, and poisson(1e9) used to hang the generator.
   */
  maxRatePerDevice: 1000,
  /**
   * Devices in the whole scenario, over all --shard slices. A fleet's stamp holds up to 2^20
   * device indexes (metrics/stamp.ts); a million devices in all is 10 processes at the
   * per-process limit below.
   */
  maxDevices: 1_000_000,
  /**
   * Devices in one process (after --shard). BENCHMARKS.md measured ≈ 27 KiB per idle connected
   * device (10,000 devices: 540 MiB RSS), so 100,000 is ≈ 2.6 GiB: about all a CI runner has.
   * Larger fleets are split over machines with --shard i/n.
   */
  maxDevicesPerProcess: 100_000,
  /** Warning: above the best one machine sent in BENCHMARKS.md (MQTT QoS 0, 2 workers: 154,039 msg/s, best 161,515). */
  warnRatePerS: 200_000,
  /** Warning: twice the largest fleet measured in BENCHMARKS.md (10,000 idle devices, 540 MiB). */
  warnDevices: 20_000,
} as const;

/** Checks a resolved schedule against the per-device rate limit; reports at the field that is too fast. */
export function checkScheduleLimits(check: Checker, path: string, schedule: ResolvedSchedule): void {
  const max = LIMITS.maxRatePerDevice;
  const limit = `at most ${max} sends/s per device (the limit)`;
  if (schedule.kind === 'every' && schedule.intervalUs < 1e6 / max)
    check.note(
      `${path}.interval`,
      `expected an interval of at least ${1000 / max}ms, ${limit}, got ${short(schedule.intervalUs / 1000)}ms`,
    );
  if (schedule.kind === 'poisson' && schedule.ratePerS > max)
    check.note(`${path}.rate`, `expected ${limit}, got ${short(schedule.ratePerS)}/s`);
  if (schedule.kind === 'stages') {
    if (schedule.fromPerS > max) check.note(`${path}.from`, `expected ${limit}, got ${short(schedule.fromPerS)}/s`);
    schedule.stages.forEach((s, i) => {
      if (s.targetPerS > max)
        check.note(`${path}.stages[${i}].target`, `expected ${limit}, got ${short(s.targetPerS)}/s`);
    });
  }
}

/** 4 significant digits: 1e-9, not 1.0000000000000003e-9. */
function short(n: number): string {
  return String(Number(n.toPrecision(4)));
}

/** The whole scenario's device count against LIMITS.maxDevices. */
export function checkDeviceLimits(check: Checker, groups: readonly GroupPlan[]): void {
  const devices = groups.reduce((n, g) => n + g.count, 0);
  if (devices > LIMITS.maxDevices)
    check.note(
      'fleets',
      `${devices.toLocaleString('en-US')} devices in all: at most ${LIMITS.maxDevices.toLocaleString('en-US')} per scenario (the limit)`,
    );
}

/** The highest rate a schedule reaches, per device (sends/s). */
export function peakRate(schedule: ResolvedSchedule): number {
  if (schedule.kind === 'every') return 1e6 / schedule.intervalUs;
  if (schedule.kind === 'poisson') return schedule.ratePerS;
  return Math.max(schedule.fromPerS, ...schedule.stages.map((s) => s.targetPerS));
}

/**
 * What this process will run (its --shard slice): over LIMITS.maxDevicesPerProcess is a usage
 * error naming `file` and --shard (a warning when not `strict`: `validate` does not know the
 * shard); over the measured capacity, warnings to print and record.
 */
export function checkCapacity(plan: Plan, shardCount: number, strict = true): string[] {
  const devices = plan.groups.reduce((n, g) => n + Math.ceil(g.count / shardCount), 0);
  const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
  const warnings: string[] = [];
  if (devices > LIMITS.maxDevicesPerProcess) {
    const needed = Math.ceil(devices / LIMITS.maxDevicesPerProcess);
    const message = `${plan.file}: ${fmt(devices)} devices in one process: at most ${fmt(LIMITS.maxDevicesPerProcess)} (the limit); split the run over machines with --shard i/n (n ≥ ${needed * shardCount})`;
    if (strict) throw new FleetbenchError(ErrorCodes.OPTION_INVALID, message);
    warnings.push(message);
  }
  const rate = plan.groups.reduce(
    (r, g) => r + (g.publish ? Math.ceil(g.count / shardCount) * peakRate(g.publish.schedule) : 0),
    0,
  );
  if (rate > LIMITS.warnRatePerS)
    warnings.push(
      `${plan.file}: ${fmt(rate)} msg/s planned at peak in one process, above what one machine sends (BENCHMARKS.md: 154,039 msg/s measured for MQTT QoS 0 on 2 workers); expect late and dropped sends, or split with --shard i/n`,
    );
  if (devices > LIMITS.warnDevices)
    warnings.push(
      `${plan.file}: ${fmt(devices)} devices in one process, above ${fmt(LIMITS.warnDevices)} (BENCHMARKS.md: 10,000 idle devices took 540 MiB, ≈ 27 KiB each); watch memory, or split with --shard i/n`,
    );
  return warnings;
}
