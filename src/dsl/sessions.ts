// An observer's session over the send phase: a late subscriber (`startTime`: it connects and
// subscribes then, and expects what the server retained for it) and an offline phase (`offline:
// { from, to }`: it disconnects cleanly, keeping its session, and expects on return what arrived
// for it meanwhile). Both are times from the start of the send phase.

import type { Checker } from '../base/check.ts';
import type { Duration } from '../base/units.ts';
import { driverFor } from '../protocols/registry.ts';
import type { GroupPlan } from './plan.ts';

/** An observer's planned absence: disconnected from `from` until `to`, its session kept by the server. */
export interface OfflineSpec {
  from: Duration;
  to: Duration;
}

/** Validates `startTime` and `offline` of every observer into its plan (`startMs`, `offline`). */
export function resolveSessionPhases(
  check: Checker,
  groups: readonly GroupPlan[],
  observers: unknown,
  durationMs: number | undefined,
): void {
  if (!check.isObject(observers)) return;
  const within = (durationMs ?? Number.POSITIVE_INFINITY) as number;
  for (const group of groups) {
    const raw = group.kind === 'observer' ? observers[group.name] : undefined;
    if (!check.isObject(raw)) continue;
    const path = `observers.${group.name}`;
    if (raw.startTime !== undefined) {
      const ms = check.duration(`${path}.startTime`, raw.startTime, { positive: true });
      if (ms !== undefined && ms >= within)
        check.fail(`${path}.startTime`, `a time within the send phase (duration ${durationMs} ms)`, raw.startTime);
      else if (ms !== undefined) group.startMs = ms;
    }
    if (raw.offline === undefined) continue;
    const o = check.section(`${path}.offline`, raw.offline, ['from', 'to']);
    if (!o) continue;
    const fromMs = check.duration(`${path}.offline.from`, o.from);
    const toMs = check.duration(`${path}.offline.to`, o.to);
    if (fromMs === undefined || toMs === undefined) continue;
    if (toMs <= fromMs) check.fail(`${path}.offline.to`, `a time after offline.from (${fromMs} ms)`, o.to);
    else if (toMs > within)
      check.fail(`${path}.offline.to`, `a time within the send phase (duration ${durationMs} ms)`, o.to);
    else if (group.startMs !== undefined && fromMs < group.startMs)
      check.fail(`${path}.offline.from`, `a time after startTime (${group.startMs} ms)`, o.from);
    const driver = driverFor(group.protocol);
    if (!driver?.keepsSession)
      check.note(`${path}.offline`, `${group.protocol} keeps no session while a device is disconnected`);
    else if (!driver.keepsSession(group.options))
      check.note(
        `${path}.offline`,
        `needs a session the server keeps while the observer is offline (in ${path}.protocol: ${driver.sessionHint ?? 'options that keep one'})`,
      );
    if (group.receiverMode === 'group')
      check.note(`${path}.offline`, 'an offline phase is for observers that each receive every message, not a share');
    if (check.problems.length === 0) group.offline = { fromMs, toMs };
  }
}
