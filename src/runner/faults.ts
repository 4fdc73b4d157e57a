// The scenario's scripted faults, executed by each worker on the devices it owns: kill or
// disconnect a share of a group at a moment, churn devices at a rate, or drop a whole group at
// once and let everyone reconnect together (a reconnect storm). Which devices a fault picks does
// not depend on the number of workers or shards (dsl/faults.ts picked()).

import { type FaultPlan, picked } from '../dsl/faults.ts';
import { type Random, seededRandom } from '../dsl/schedule.ts';
import { nowUs } from '../metrics/clock.ts';
import { RUN_CODES } from '../metrics/codes.ts';
import type { Recorder } from '../metrics/recorder.ts';

/** A device as a fault sees it. */
export interface Faultable {
  readonly group: { name: string; count: number };
  readonly index: number;
  readonly isUp: boolean;
  inject(kind: 'kill' | 'disconnect', immediate?: boolean): Promise<boolean>;
}

/**
 * Arms every fault against the send phase starting at `startUs` and ending at `endUs`.
 * Returns a function that disarms what has not fired yet.
 */
export function armFaults(
  faults: readonly FaultPlan[],
  devices: readonly Faultable[],
  startUs: number,
  endUs: number,
  recorder: Recorder,
  seed: number,
): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const later = (atUs: number, fn: () => void): void => {
    const t = setTimeout(
      () => {
        timers.delete(t);
        fn();
      },
      Math.max(0, (atUs - nowUs()) / 1000),
    );
    timers.add(t);
  };
  for (const fault of faults) {
    const atUs = startUs + fault.atMs * 1000;
    const targets = devices.filter((d) => fault.groups.includes(d.group.name));
    const hit = (d: Faultable, immediate = false): void => {
      void d.inject(fault.graceful ? 'disconnect' : 'kill', immediate).then((done) => {
        if (done) recorder.code(d.group.name, RUN_CODES.keys.fault.of(fault.index));
      });
    };
    if (fault.action === 'churn') {
      const untilUs = Math.min(endUs, fault.forMs === undefined ? endUs : atUs + fault.forMs * 1000);
      const random = seededRandom((seed ^ Math.imul(fault.index + 1, 0x85ebca6b)) >>> 0);
      for (const group of fault.groups) churn(group, targets, fault.ratePerS ?? 0, atUs, untilUs, random, later, hit);
      continue;
    }
    later(atUs, () => {
      for (const d of targets) if (picked(d.index, fault.fraction)) hit(d, fault.action === 'reconnectStorm');
    });
  }
  return () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}

/**
 * Drops devices of `group` one at a time at this worker's share of `ratePerS` (the share of the
 * group's devices it owns), each a random device that is up, from `atUs` until `untilUs`.
 */
function churn(
  group: string,
  all: readonly Faultable[],
  ratePerS: number,
  atUs: number,
  untilUs: number,
  random: Random,
  later: (atUs: number, fn: () => void) => void,
  hit: (d: Faultable) => void,
): void {
  const mine = all.filter((d) => d.group.name === group);
  const first = mine[0];
  if (!first || ratePerS <= 0) return;
  const gapUs = 1e6 / (ratePerS * (mine.length / first.group.count));
  const step = (dueUs: number): void => {
    if (dueUs >= untilUs) return;
    later(dueUs, () => {
      const up = mine.filter((d) => d.isUp);
      const d = up[Math.floor(random() * up.length)];
      if (d) hit(d);
      step(dueUs + gapUs);
    });
  };
  step(atUs);
}
