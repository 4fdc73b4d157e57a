// Parts of the send phase a receiver's expectation depends on, and the sends of each stream in
// them: before a late subscriber joined (what the server retained for it, and what it cannot
// expect live), and while an observer was offline with its session kept (what the server must
// queue for it). Senders count by intended time, the time the stamp carries, so a receiver
// classifies a message exactly as its sender counted it.

import type { GroupPlan, Plan } from '../dsl/plan.ts';

export type WindowKind = 'before_join' | 'offline';

export function windowKey(group: string, kind: WindowKind): string {
  return `${group}|${kind}`;
}

interface SendWindow {
  key: string;
  fromUs: number;
  toUs: number;
}

/**
 * Whether a message due before `group` came back from its offline phase arrived after: the kept
 * session delivered it on return, and its age is the phase, not a latency. (One due just before
 * the phase began may have reached the server after the goodbye: queued too.)
 */
export function deliveredOnReturn(group: GroupPlan, startUs: number, intendedUs: number, receivedUs: number): boolean {
  const o = group.offline;
  if (o === undefined) return false;
  const backUs = startUs + o.toMs * 1000;
  return intendedUs < backUs && receivedUs >= backUs;
}

/** Whether a message intended at `intendedUs` was due while `group` was planned offline. */
export function duringOffline(group: GroupPlan, startUs: number, intendedUs: number): boolean {
  const o = group.offline;
  return o !== undefined && intendedUs >= startUs + o.fromMs * 1000 && intendedUs < startUs + o.toMs * 1000;
}

/** Per window, the sends of each stream whose intended time falls in it; one per worker. */
export class WindowCounter {
  /** Sending group → the windows its sends are counted in. */
  private readonly bySender = new Map<string, SendWindow[]>();
  private readonly counts = new Map<string, Map<number, number>>();

  constructor(plan: Plan, startUs: number) {
    const add = (senders: readonly string[], w: SendWindow): void => {
      this.counts.set(w.key, new Map());
      for (const s of senders) this.bySender.set(s, [...(this.bySender.get(s) ?? []), w]);
    };
    for (const g of plan.groups) {
      if (g.startMs !== undefined)
        add(g.receives, {
          key: windowKey(g.name, 'before_join'),
          fromUs: Number.NEGATIVE_INFINITY,
          toUs: startUs + g.startMs * 1000,
        });
      if (g.offline)
        add(g.receives, {
          key: windowKey(g.name, 'offline'),
          fromUs: startUs + g.offline.fromMs * 1000,
          toUs: startUs + g.offline.toMs * 1000,
        });
    }
  }

  /** Whether any window counts this group's sends (most runs: none, and the send path is untouched). */
  watches(group: string): boolean {
    return this.bySender.has(group);
  }

  sent(group: string, stream: number, intendedUs: number): void {
    for (const w of this.bySender.get(group) ?? []) {
      if (intendedUs < w.fromUs || intendedUs >= w.toUs) continue;
      const m = this.counts.get(w.key) as Map<number, number>;
      m.set(stream, (m.get(stream) ?? 0) + 1);
    }
  }

  final(): Record<string, [stream: number, count: number][]> {
    return Object.fromEntries([...this.counts].map(([k, m]) => [k, [...m]]));
  }
}
