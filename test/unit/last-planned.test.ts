// How long a send phase lasts when every sender reached its `messages` limit early: until the
// last planned late subscriber, offline observer's return or fault, within the phase.
import { describe, expect, it } from 'vitest';
import type { FaultPlan } from '../../src/dsl/faults.ts';
import type { GroupPlan } from '../../src/dsl/plan.ts';
import { lastPlannedMs } from '../../src/runner/phases.ts';

const group = (extra: Partial<GroupPlan>): GroupPlan => ({ name: 'g', ...extra }) as GroupPlan;
const fault = (extra: Partial<FaultPlan>): FaultPlan =>
  ({ index: 0, action: 'kill', atMs: 0, groups: ['g'], fraction: 1, graceful: false, ...extra }) as FaultPlan;

describe('lastPlannedMs', () => {
  it('is 0 when nothing is planned: the phase may end with the last send', () => {
    expect(lastPlannedMs({ groups: [group({})], faults: [], durationMs: 5000 })).toBe(0);
  });

  it('is the latest startTime, offline return or fault', () => {
    const groups = [group({ startMs: 900 }), group({ offline: { fromMs: 300, toMs: 2300 } })];
    expect(lastPlannedMs({ groups, faults: [], durationMs: 5000 })).toBe(2300);
    expect(lastPlannedMs({ groups, faults: [fault({ atMs: 3000 })], durationMs: 5000 })).toBe(3000);
  });

  it('takes a churn to its end, or to the end of the phase without one, and never past the phase', () => {
    const churn = fault({ action: 'churn', atMs: 1000, ratePerS: 5 });
    expect(lastPlannedMs({ groups: [], faults: [{ ...churn, forMs: 500 }], durationMs: 5000 })).toBe(1500);
    expect(lastPlannedMs({ groups: [], faults: [churn], durationMs: 5000 })).toBe(5000);
    expect(lastPlannedMs({ groups: [group({ startMs: 9000 })], faults: [], durationMs: 5000 })).toBe(5000);
  });
});
