// Observers' planned session phases, run by each worker on the devices it owns: a late
// subscriber connects and subscribes at its startTime; an offline observer disconnects cleanly
// at `from` (the server keeps its session) and connects again at `to`, resuming it. Neither is
// a lost connection: no disconnect, no outage.

import type { Plan } from '../dsl/plan.ts';
import { nowUs } from '../metrics/clock.ts';
import type { VirtualDevice } from './shard.ts';

/** Whether a device waits for its group's startTime to connect. */
export function joinsLate(d: Pick<VirtualDevice, 'group'>): boolean {
  return d.group.startMs !== undefined;
}

/**
 * The last moment of the send phase something is planned for, in ms from its start: a late
 * subscriber joining, an offline observer's return, a fault (a churn until its end, or until the
 * end of the phase). A send phase whose senders all reached their `messages` limits still lasts
 * until then, or that observer would never join and that fault never happen.
 */
export function lastPlannedMs(plan: Pick<Plan, 'groups' | 'faults' | 'durationMs'>): number {
  let last = 0;
  for (const g of plan.groups) last = Math.max(last, g.startMs ?? 0, g.offline?.toMs ?? 0);
  for (const f of plan.faults)
    last = Math.max(last, f.action === 'churn' ? (f.forMs === undefined ? plan.durationMs : f.atMs + f.forMs) : f.atMs);
  return Math.min(last, plan.durationMs);
}

/** Arms the phases against the send phase starting at `startUs`; returns a function that disarms what has not fired. */
export function armPhases(devices: readonly VirtualDevice[], startUs: number): () => void {
  const timers = new Set<NodeJS.Timeout>();
  const at = (ms: number, fn: () => void): void => {
    const t = setTimeout(
      () => {
        timers.delete(t);
        fn();
      },
      Math.max(0, (startUs + ms * 1000 - nowUs()) / 1000),
    );
    timers.add(t);
  };
  for (const d of devices) {
    const { startMs, offline } = d.group;
    if (startMs !== undefined) at(startMs, () => void d.bringUp());
    if (!offline) continue;
    at(offline.fromMs, () => void leave(d));
    at(offline.toMs, () => void back(d));
  }
  return () => {
    for (const t of timers) clearTimeout(t);
    timers.clear();
  };
}

async function leave(d: VirtualDevice): Promise<void> {
  if (!d.isUp) return;
  // Marked down first, as a graceful fault does: the close is the device's own, not a loss.
  d.isUp = false;
  d.ctx.recorder.setConnected(d.group.name, -1);
  await d.driver.close();
}

async function back(d: VirtualDevice): Promise<void> {
  if (d.isUp || d.recovery.isDown) return;
  // Connects and subscribes again (a resumed session keeps its subscriptions; the driver skips them).
  if (!(await d.bringUp())) d.recovery.lost(true);
}
